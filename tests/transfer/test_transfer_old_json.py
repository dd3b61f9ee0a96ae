"""``coachplans import`` of the old in-memory server's JSON dump."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from transfer_support import CDN, import_json, opened, run_cli, table_counts, write_old_json

from coachplans.domain.plans import Action, Source


def test_dump_entries_become_plans(
    db_url: str, old_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = import_json(capsys, db_url, old_json)
    assert report["format"] == "old-json"
    assert report["read"] == {"plans": 4, "charts": 1}
    assert report["imported"]["plans"] == 2 and report["imported"]["charts_external"] == 1
    assert report["skipped"]["by_reason"] == {"invalid date": 1, "invalid record": 1}
    assert report["normalised"][0]["note"] == "date '2024-2-2' read as 2024-02-02"
    with opened(db_url) as service:
        plan = service.get_plan("d", date(2024, 2, 1))
        assert plan.text == "Dump: TSLA short under 190."
        assert plan.author == "CoachD"
        assert plan.created_at == datetime(2024, 2, 1, 13, 15, 0, 500000, tzinfo=UTC)
        assert plan.edited_at is None
        assert [c.source_url for c in plan.charts] == [f"{CDN}/tsla.png?ex=1"]
        (revision,) = service.revisions(plan.id)
        assert (revision.action, revision.source, revision.actor) == (
            Action.CREATE,
            Source.IMPORT,
            "CoachD",
        )
        assert service.get_plan("s", date(2024, 2, 2)) is not None


def test_dump_twice_and_after_the_database(
    db_url: str, old_json: Path, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_json(capsys, db_url, old_db)
    first = import_json(capsys, db_url, old_json)
    assert first["imported"]["plans"] == 2
    before = table_counts(db_url)
    again = import_json(capsys, db_url, old_json)
    assert again["imported"]["plans"] == 0
    assert again["skipped"]["by_reason"]["already imported"] == 2
    assert table_counts(db_url) == before


def test_wrapped_dump_and_slot_conflict_with_the_database(
    db_url: str, tmp_path: Path, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_json(capsys, db_url, old_db)
    data = {
        "plans": {
            "coach_d_2024-01-05": {
                "plan": "The dump's version of a plan the database also had.",
                "charts": [],
                "author": "CoachD",
                "timestamp": "2024-01-05T08:30:00",
            }
        }
    }
    report = import_json(capsys, db_url, write_old_json(tmp_path / "wrapped.json", data))
    assert report["skipped"]["by_reason"] == {"slot already has a plan": 1}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"coach_d_2024-01-05": {"plan": ', "not valid JSON"),
        ("[1, 2, 3]", "not a SQLite database, a JSON dump or a coachplans export"),
        ('"just a string"', "not a SQLite database"),
    ],
)
def test_bad_dumps_exit_1_and_write_nothing(
    tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    target = tmp_path / "target.db"
    status, out, err = run_cli(capsys, "import", str(path), "--database-url", f"sqlite:///{target}")
    assert status == 1 and out == ""
    assert message in err and err.count("\n") == 1
    assert not target.exists()


def test_dump_of_the_wrong_shape_with_format_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    status, _, err = run_cli(
        capsys, "import", str(path), "--format", "old-json", "--database-url", "sqlite://"
    )
    assert status == 1 and "must be an object" in err
