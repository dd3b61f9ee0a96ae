"""``coachplans import`` of the old system's SQLite database, on SQLite and PostgreSQL targets:
nothing lost (plans, history as revisions in order, authors, channels, times, deletes,
charts as external links), a report, safe to run twice, dry run, no overwrite."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from transfer_support import (
    CDN,
    EXPECTED,
    OldPlan,
    import_json,
    opened,
    run_cli,
    standard_plans,
    table_counts,
    write_old_db,
)

from coachplans.api.app import create_app
from coachplans.domain.plans import Action, Actor, Source
from coachplans.settings import load_settings


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_import_reports_counts(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = import_json(capsys, db_url, old_db)
    assert report["format"] == "old-db"
    assert report["source_schema_version"] == "3"
    assert report["read"] == {"plans": 7, "history entries": 6, "charts": 4}
    assert report["imported"] == {
        "plans": EXPECTED["imported"],
        "revisions": EXPECTED["revisions"],
        "charts_archived": 0,
        "charts_external": EXPECTED["external charts"],
    }
    assert report["skipped"]["by_reason"] == EXPECTED["skipped"]
    reasons = {item["origin"]: item for item in report["skipped"]["items"]}
    assert "'2024-13-45'" in reasons["old plan #4"]["detail"]
    assert "coach_x" in reasons["old plan #6"]["detail"]
    assert report["normalised"] == [
        {"origin": "old plan #2", "note": "date '2024-1-8' read as 2024-01-08"}
    ]
    assert report["target_rows_after"]["plans"] == 5
    assert report["target_rows_after"]["events"] == 5


def test_history_becomes_revisions_in_order(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_json(capsys, db_url, old_db)
    with opened(db_url) as service:
        plan = service.get_plan("d", date(2024, 1, 5))
        assert plan.text == "NVDA long above 950, stop 940. Final."
        assert plan.author == "CoachD" and plan.channel == "#trading-plans"
        # naive New York wall time -> UTC; created_at is the first post, edited_at the last
        assert plan.created_at == utc(2024, 1, 5, 13, 30)
        assert plan.edited_at == utc(2024, 1, 5, 14, 45, 10, 250000)
        assert plan.version == plan.revision_count == 3
        revisions = service.revisions(plan.id)
        assert [(r.number, r.action, r.text, r.actor, r.source) for r in revisions] == [
            (1, Action.CREATE, "NVDA long above 950.", "CoachD", Source.IMPORT),
            (2, Action.EDIT, "NVDA long above 950, stop 940.", "CoachD", Source.IMPORT),
            (3, Action.EDIT, "NVDA long above 950, stop 940. Final.", "Admin Al", Source.IMPORT),
        ]
        assert [r.created_at for r in revisions] == [
            utc(2024, 1, 5, 13, 30),
            utc(2024, 1, 5, 14, 0),
            utc(2024, 1, 5, 14, 45, 10, 250000),
        ]
        # The compatibility history (text before each change) is the old plan_history again.
        history = service.history("d", date(2024, 1, 5))
        old = standard_plans()[0].history
        assert [(h.plan_text, h.edited_by) for h in history] == [(t, b) for t, b, _ in old][::-1]


def test_summer_times_use_daylight_saving(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_json(capsys, db_url, old_db)
    with opened(db_url) as service:
        plan = service.get_plan("n", date(2024, 7, 1))
        assert plan.created_at == utc(2024, 7, 1, 12, 0)  # EDT is UTC-4
        assert plan.channel is None
        revisions = service.revisions(plan.id)
        assert [r.actor for r in revisions] == ["CoachN", "CoachN", "CoachN", "Mod Mia"]
        assert revisions[-1].text == plan.text


def test_source_timezone_flag(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_json(capsys, db_url, old_db, "--source-timezone", "UTC")
    with opened(db_url) as service:
        plan = service.get_plan("d", date(2024, 1, 5))
        assert plan.created_at == utc(2024, 1, 5, 8, 30)


def test_deleted_plans_stay_deleted_with_their_history(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_json(capsys, db_url, old_db)
    with opened(db_url) as service:
        assert service.get_plan("s", date(2024, 1, 9)) is None
        plan = service.repo.get_slot("s", date(2024, 1, 9))
        assert plan.deleted_at == utc(2024, 1, 9, 21, 30)
        assert plan.edited_at == plan.deleted_at
        assert plan.created_at == utc(2024, 1, 9, 11, 0)
        actions = [(r.action, r.text) for r in service.revisions(plan.id)]
        assert actions == [
            (Action.CREATE, "Swing: AAPL 180 calls."),
            (Action.EDIT, "Swing: AAPL 185 calls."),
            (Action.DELETE, "Swing: AAPL 185 calls."),
        ]
        # The service's rules apply to imported plans: a deleted one can be restored.
        restored = service.restore_plan(plan.id, Actor("op"), source=Source.CLI)
        assert restored.plan.is_live and restored.plan.version == 4
        assert restored.plan.created_at == utc(2024, 1, 9, 11, 0)
        other = service.repo.get_slot("d", date(2024, 1, 10))
        assert other.deleted_at == utc(2024, 1, 10, 13, 5) and other.version == 2


async def test_charts_are_external_links_in_both_apis(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_json(capsys, db_url, old_db)
    urls = standard_plans()[0].charts
    with opened(db_url) as service:
        plan = service.get_plan("d", date(2024, 1, 5))
        assert [c.archived for c in plan.charts] == [False, False]
        assert [c.filename for c in plan.charts] == ["nvda.png", "spy.png"]
        for revision in service.revisions(plan.id):
            assert [c.source_url for c in revision.charts] == urls
        app = create_app(load_settings(run_bot=False, database={"url": db_url}), service)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            compat = (await client.get("/api/coach-plans/?coach=d&date=2024-01-05")).json()
            assert compat["charts"] == urls  # the original URLs, not archived copies
            one = (await client.get(f"/api/v1/plans/{compat['id']}")).json()
            assert [c["archived"] for c in one["charts"]] == [False, False]
            assert [c["url"] for c in one["charts"]] == urls
            assert one["charts"][0]["sha256"] is None
            everything = (await client.get("/api/coach-plans/all?date=2024-01-08")).json()
            assert everything["coach_i"]["charts"] == [f"{CDN}/qqq.png"]


def test_second_run_imports_nothing(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_json(capsys, db_url, old_db)
    before = table_counts(db_url)
    again = import_json(capsys, db_url, old_db)
    assert again["imported"]["plans"] == 0
    assert again["skipped"]["by_reason"] == {"already imported": 5, **EXPECTED["skipped"]}
    assert table_counts(db_url) == before


def test_dry_run_writes_nothing(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = table_counts(db_url)
    report = import_json(capsys, db_url, old_db, "--dry-run")
    assert report["dry_run"] is True and report["backup"] is None
    assert report["imported"]["plans"] == EXPECTED["imported"]
    assert table_counts(db_url) == before
    assert not list(tmp_path.glob("*.bak-*")) and not list(tmp_path.glob("*.jsonl"))


def test_dry_run_on_a_missing_file_creates_nothing(
    old_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "not-yet.db"
    report = import_json(capsys, f"sqlite:///{target}", old_db, "--dry-run")
    assert report["imported"]["plans"] == EXPECTED["imported"]
    assert not target.exists()


def test_dry_run_on_an_old_schema_leaves_it_alone(
    old_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from coachplans.store.engine import make_engine
    from coachplans.store.migrate import current, upgrade

    url = f"sqlite:///{tmp_path / 'at-0001.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001")
    report = import_json(capsys, url, old_db, "--dry-run")
    assert report["imported"]["plans"] == EXPECTED["imported"]
    assert current(engine) == "0001"
    engine.dispose()


def test_occupied_slot_is_skipped_not_overwritten(
    db_url: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with opened(db_url) as service:
        mine = service.post_plan(
            "d", "Already here.", Actor("Coach Dee"), source=Source.API, trade_date=date(2024, 1, 5)
        ).plan
    report = import_json(capsys, db_url, old_db)
    assert report["imported"]["plans"] == EXPECTED["imported"] - 1
    assert report["skipped"]["by_reason"]["slot already has a plan"] == 1
    with opened(db_url) as service:
        assert service.get_plan("d", date(2024, 1, 5)) == mine


def test_two_spellings_of_one_date_keep_the_first(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plans = [
        OldPlan(1, "coach_d", "2024-03-04", "Padded.", "A", "2024-03-04 08:00:00"),
        OldPlan(2, "coach_d", "2024-3-4", "Not padded.", "B", "2024-03-04 09:00:00"),
    ]
    report = import_json(capsys, db_url, write_old_db(tmp_path / "dup.db", plans))
    assert report["imported"]["plans"] == 1
    (skip,) = report["skipped"]["items"]
    assert skip["origin"] == "old plan #2" and skip["reason"] == "slot already has a plan"
    assert "old plan #1" in skip["detail"]


def test_rollback_on_a_failure_mid_import(
    db_url: str, old_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in the second batch undoes the first: the target is as it was."""
    from sqlalchemy.exc import IntegrityError

    from coachplans.store.bulk import ImportTx
    from coachplans.transfer.importer import ImportOptions, run_import

    with opened(db_url) as service:
        service.post_plan("i", "Kept.", Actor("I"), source=Source.API, trade_date=date(2024, 2, 1))
    before = table_counts(db_url)
    real_insert = ImportTx.insert
    calls = {"revisions": 0}

    def failing(self: ImportTx, table: str, rows: list[dict[str, object]]) -> None:
        if table == "revisions":
            calls["revisions"] += 1
            if calls["revisions"] == 2:
                raise IntegrityError("INSERT INTO revisions", {}, Exception("injected"))
        real_insert(self, table, rows)

    monkeypatch.setattr(ImportTx, "insert", failing)
    settings = load_settings(run_bot=False, database={"url": db_url})
    with pytest.raises(IntegrityError):
        run_import(settings, ImportOptions(old_db, batch=2, backup=False), "target")
    assert calls["revisions"] == 2
    assert table_counts(db_url) == before


def test_failure_through_the_cli_exits_1(
    db_url: str, old_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy.exc import OperationalError

    from coachplans.store.bulk import ImportTx

    def broken(self: ImportTx, rows: object) -> list[int]:
        raise OperationalError("INSERT INTO plans", {}, Exception("disk I/O error"))

    monkeypatch.setattr(ImportTx, "insert_plans", broken)
    before = table_counts(db_url)
    status, out, err = run_cli(capsys, "import", str(old_db), "--database-url", db_url)
    assert status == 1 and out == ""
    assert err.startswith("coachplans: ") and "disk I/O error" in err and err.count("\n") == 1
    assert table_counts(db_url) == before


def test_sqlite_target_is_backed_up_first(
    old_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    with opened(url) as service:
        service.post_plan(
            "s", "Before.", Actor("S"), source=Source.API, trade_date=date(2024, 5, 6)
        )
    report = import_json(capsys, url, old_db)
    backup = Path(report["backup"])
    assert backup.name.startswith("live.db.bak-") and backup.parent == tmp_path
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT text FROM plans").fetchall() == [("Before.",)]
    copy.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_target_is_backed_up_as_an_export(
    db_url: str, old_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with opened(db_url) as service:
        service.post_plan(
            "s", "Before.", Actor("S"), source=Source.API, trade_date=date(2024, 5, 6)
        )
    folder = tmp_path / "backups"
    folder.mkdir()
    report = import_json(capsys, db_url, old_db, "--backup-dir", str(folder))
    backup = Path(report["backup"])
    assert backup.parent == folder and backup.suffix == ".jsonl"
    lines = backup.read_text().splitlines()
    assert '"text":"Before."' in lines[1] and len(lines) == 3


def test_column_name_variants_and_no_history_table(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "variant.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE coach_plans (id INTEGER PRIMARY KEY, coach TEXT, date TEXT, text TEXT,
            author TEXT, created_at TEXT, deleted INTEGER);
        CREATE TABLE plan_charts (id INTEGER PRIMARY KEY, plan_id INTEGER, url TEXT);
        INSERT INTO coach_plans VALUES (1, 'coach_s', '2023-12-1', '  Swing idea.  ', NULL,
            '2023-12-01T07:00:00', 0);
        INSERT INTO plan_charts VALUES (1, 1, 'https://cdn.example/x.webp');
        """
    )
    db.close()
    report = import_json(capsys, db_url, path)
    assert report["imported"]["plans"] == 1 and report["imported"]["charts_external"] == 1
    with opened(db_url) as service:
        plan = service.get_plan("s", date(2023, 12, 1))
        assert plan.text == "Swing idea." and plan.author == "unknown (old system)"


def test_fetch_charts_archives_what_it_can(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], chart_server: str
) -> None:
    plans = [
        OldPlan(
            1, "coach_d", "2024-04-02", "Two charts.", "D", "2024-04-02 08:00:00",
            charts=[f"{chart_server}/good.png", f"{chart_server}/expired.png"],
            history=[("One chart.", "D", "2024-04-02 09:00:00")],
        ),
        OldPlan(
            2, "coach_i", "2024-04-02", "Same chart.", "I", "2024-04-02 08:00:00",
            charts=[f"{chart_server}/good.png", f"{chart_server}/not-an-image.png"],
        ),
    ]  # fmt: skip
    path = write_old_db(tmp_path / "fetch.db", plans)
    report = import_json(capsys, db_url, path, "--fetch-charts")
    assert report["imported"]["charts_archived"] == 2
    assert report["imported"]["charts_external"] == 2
    assert report["chart_fetch_failures"] == {
        "HTTP 404": 1,
        "Chart 'not-an-image.png' is not a PNG, JPEG, GIF or WEBP image": 1,
    }
    assert table_counts(db_url)["chart_blobs"] == 1
    with opened(db_url) as service:
        plan = service.get_plan("d", date(2024, 4, 2))
        good, expired = plan.charts
        assert good.archived and good.source_url == f"{chart_server}/good.png"
        assert not expired.archived
        assert service.chart(good.sha256) == ("image/png", PNG)
        assert [c.archived for c in service.revisions(plan.id)[0].charts] == [True, False]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def chart_server() -> object:
    """A tiny HTTP server on loopback: /good.png is a PNG, /not-an-image.png is text,
    anything else is 404 (an expired CDN link)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = {"/good.png": PNG, "/not-an-image.png": b"<html>expired</html>"}.get(self.path)
            self.send_response(404 if body is None else 200)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rerunning_an_import_that_changes_nothing_writes_no_backup(
    db_url: str, old_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    first = import_json(capsys, db_url, old_db, "--backup-dir", str(folder))
    assert first["imported"]
    kept = sorted(folder.iterdir())
    again = import_json(capsys, db_url, old_db, "--backup-dir", str(folder))
    assert again["backup"] is None
    assert sorted(folder.iterdir()) == kept
    assert not again["imported"] or not any(again["imported"].values())
