"""``coachplans db copy``: everything from one database to another (SQLite -> PostgreSQL and
back), ids kept, counts verified, sequences moved on; refused when it would merge."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from transfer_support import DAY, export, opened, populate, run_cli, table_counts

from coachplans.domain.plans import Actor, Source


def copy(capsys: pytest.CaptureFixture[str], source: str, target: str) -> dict[str, object]:
    status, out, err = run_cli(capsys, "db", "copy", "--from", source, "--to", target, "--json")
    assert status == 0, err
    report: dict[str, object] = json.loads(out)
    return report


def test_copy_there_and_back(
    db_url: str, tmp_path: Path, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite -> db_url (SQLite or PostgreSQL) -> SQLite: the same rows all the way."""
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source, old_db)
    with opened(source) as service:
        service.discord.advance_cursor(2001, 1_300_000_000_000_000_123)
    report = copy(capsys, source, db_url)
    assert report["verified"] is True
    tables = report["tables"]
    assert isinstance(tables, dict)
    assert tables["plans"] == {"source": 8, "target": 8}
    assert table_counts(db_url) == table_counts(source)

    back = f"sqlite:///{tmp_path / 'back.db'}"
    assert copy(capsys, db_url, back)["verified"] is True
    first = export(capsys, source, tmp_path / "source.jsonl")
    assert export(capsys, db_url, tmp_path / "middle.jsonl")[1:] == first[1:]
    assert export(capsys, back, tmp_path / "back.jsonl")[1:] == first[1:]

    with opened(source) as before, opened(db_url) as after:
        assert after.outbox.after(0, 100) == before.outbox.after(0, 100)
        old, new = before.get_plan("d", DAY), after.get_plan("d", DAY)
        assert new == old  # ids included
        # The bot's catch-up position moves with the data.
        assert after.discord.cursors() == {2001: 1_300_000_000_000_000_123}
        assert after.revisions(new.id) == before.revisions(old.id)
        # The id sequences continue after the copied ids.
        fresh = after.post_plan(
            "n", "After the move", Actor("N"), source=Source.API, trade_date=date(2025, 1, 2)
        )
        assert fresh.plan.id > max(p.id for p in before.list_plans(_all()))
        assert after.outbox.last_id() == before.outbox.last_id() + 1


def _all() -> object:
    from coachplans.domain.queries import PlanQuery

    return PlanQuery(include_deleted=True, limit=1000)


def test_copy_refuses_a_target_with_data(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source)
    with opened(db_url) as service:
        service.post_plan("d", "Mine", Actor("D"), source=Source.API, trade_date=DAY)
    before = table_counts(db_url)
    status, out, err = run_cli(capsys, "db", "copy", "--from", source, "--to", db_url)
    assert status == 1 and out == ""
    assert "the target database is not empty (plans: 1" in err
    assert table_counts(db_url) == before


def test_copy_refuses_same_database_and_missing_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    populate(url)
    status, _, err = run_cli(capsys, "db", "copy", "--from", url, "--to", url)
    assert status == 1 and "same database" in err
    missing = tmp_path / "missing.db"
    status, _, err = run_cli(capsys, "db", "copy", "--from", f"sqlite:///{missing}", "--to", url)
    assert status == 1 and "no SQLite database" in err
    assert not missing.exists()


def test_copy_refuses_a_source_that_is_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from coachplans.store.engine import make_engine
    from coachplans.store.migrate import upgrade

    old = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{old}")
    upgrade(engine, "0001")
    engine.dispose()
    status, _, err = run_cli(
        capsys, "db", "copy", "--from", f"sqlite:///{old}", "--to", f"sqlite:///{tmp_path / 'n.db'}"
    )
    assert status == 1 and "schema 0001, not 0004" in err


def test_copy_rolls_back_when_counts_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows that go missing on the way fail the check, and the target stays empty."""
    from coachplans.store import dump

    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source)
    real = dump.insert_rows

    def lossy(conn: object, name: str, rows: list[dict[str, object]]) -> None:
        real(conn, name, rows[:-1] if name == "revisions" else rows)  # type: ignore[arg-type]

    monkeypatch.setattr("coachplans.transfer.copy.insert_rows", lossy)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    status, _, err = run_cli(capsys, "db", "copy", "--from", source, "--to", target)
    assert status == 1 and "row counts differ" in err
    assert not any(table_counts(target).values())


def test_copy_report_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source)
    status, out, err = run_cli(
        capsys, "db", "copy", "--from", source, "--to", f"sqlite:///{tmp_path / 'to.db'}"
    )
    assert status == 0 and err == ""
    assert "counts verified: every table matches" in out
    assert "  plans                 3          3" in out
