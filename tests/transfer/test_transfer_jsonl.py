"""``coachplans export`` to JSON Lines and the import of that format: export -> import ->
export gives the same file (the header's time aside), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transfer_support import (
    DAY,
    SNOWFLAKE,
    export,
    import_json,
    opened,
    png,
    populate,
    run_cli,
    table_counts,
)

from coachplans.domain.plans import Actor, Source


def test_export_import_export_is_identical(
    db_url: str, tmp_path: Path, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source, old_db)
    first = export(capsys, source, tmp_path / "first.jsonl")
    header = json.loads(first[0])
    assert header["format"] == "coachplans-export" and header["version"] == 1
    assert header["schema"] == "0004"
    assert header["counts"]["plans"] == 8 and header["counts"]["blobs"] == 2
    assert json.loads(first[-1]) == {"type": "end", "counts": {"plans": 8, "blobs": 2}}

    report = import_json(capsys, db_url, tmp_path / "first.jsonl")
    assert report["format"] == "jsonl"
    assert report["imported"]["plans"] == 8 and report["skipped"]["total"] == 0
    assert report["imported"]["charts_archived"] == 2
    second = export(capsys, db_url, tmp_path / "second.jsonl")
    assert second[1:] == first[1:]

    counts_source, counts_target = table_counts(source), table_counts(db_url)
    for table in ("plans", "revisions", "plan_charts", "chart_blobs", "ingest_keys"):
        assert counts_target[table] == counts_source[table], table
    assert counts_target["events"] == 8  # one plan.imported event per plan


def test_revisions_and_keys_survive_the_round_trip(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source)
    export(capsys, source, tmp_path / "all.jsonl")
    import_json(capsys, db_url, tmp_path / "all.jsonl")
    with opened(source) as before, opened(db_url) as after:
        old, new = before.get_plan("d", DAY), after.get_plan("d", DAY)
        assert (new.text, new.author, new.author_id, new.channel) == (
            old.text, old.author, old.author_id, old.channel,
        )  # fmt: skip
        assert (new.created_at, new.edited_at, new.version) == (
            old.created_at, old.edited_at, old.version,
        )  # fmt: skip
        assert new.charts == old.charts

        def shape(service: object, plan_id: int) -> list[tuple[object, ...]]:
            return [
                (r.number, r.action, r.text, r.charts, r.actor, r.actor_id, r.source, r.created_at)
                for r in service.revisions(plan_id)  # type: ignore[attr-defined]
            ]

        assert shape(after, new.id) == shape(before, old.id)
        assert [a.action for a in after.revisions(new.id)][-2:] == ["delete", "restore"]
        # The Discord ingest key came along: the same message again changes nothing.
        again = after.post_plan(
            "d", "Replayed", Actor("Coach Dee", discord_id=SNOWFLAKE),
            source=Source.API, trade_date=DAY, ingest_key=f"discord:{SNOWFLAKE + 1}:0",
        )  # fmt: skip
        assert again.duplicate and again.plan.text == "Long NVDA v3"
        assert after.chart(new.charts[0].sha256) == ("image/png", png(2))
        assert after.repo.get_slot("i", DAY).deleted_at == before.repo.get_slot("i", DAY).deleted_at


def test_importing_an_export_twice_skips_everything(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source)
    export(capsys, source, tmp_path / "all.jsonl")
    import_json(capsys, db_url, tmp_path / "all.jsonl")
    before = table_counts(db_url)
    again = import_json(capsys, db_url, tmp_path / "all.jsonl")
    assert again["imported"]["plans"] == 0
    assert again["skipped"]["by_reason"] == {"already imported": 3}
    assert table_counts(db_url) == before


def test_export_to_stdout_keeps_the_report_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source)
    status, out, err = run_cli(capsys, "export", "--database-url", source)
    assert status == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["type"] for r in records] == ["header", "blob", "blob", "plan", "plan", "plan", "end"]
    assert err.startswith("export to stdout: 3 plans")


def test_export_of_an_empty_folder_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(
        capsys, "export", "--database-url", f"sqlite:///{tmp_path / 'nothing.db'}", "-o", "x.jsonl"
    )
    assert status == 1 and out == "" and "no database at" in err
    assert not (tmp_path / "x.jsonl").exists()
    assert not (tmp_path / "nothing.db").exists()


@pytest.fixture
def export_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    populate(source)
    return export(capsys, source, tmp_path / "good.jsonl")


def _broken(lines: list[str], how: str) -> list[str]:
    if how == "truncated":
        return lines[:-2]
    if how == "no end":
        return lines[:-1]
    if how == "bad json":
        return [*lines[:4], lines[4][:-10], *lines[5:]]
    if how == "bad blob":
        blob = json.loads(lines[1])
        blob["data"] = "AAAA"
        return [lines[0], json.dumps(blob), *lines[2:]]
    if how == "newer":
        header = json.loads(lines[0])
        header["version"] = 2
        return [json.dumps(header), *lines[1:]]
    if how == "bad date":
        plan = json.loads(lines[-2])
        plan["date"] = "2024-1-5"
        return [*lines[:-2], json.dumps(plan), lines[-1]]
    raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("truncated", "truncated export"),
        ("no end", "truncated export"),
        ("bad json", "line 5: not valid JSON"),
        ("bad blob", "line 2: chart bytes do not match their sha256"),
        ("newer", "export format version 2"),
        ("bad date", "line 6: malformed plan record (Invalid date format '2024-1-5'"),
    ],
)
def test_bad_exports_exit_1_and_change_nothing(
    db_url: str,
    tmp_path: Path,
    export_lines: list[str],
    how: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(_broken(export_lines, how)) + "\n")
    before = table_counts(db_url)
    status, out, err = run_cli(capsys, "import", str(path), "--database-url", db_url)
    assert status == 1 and out == ""
    assert message in err, err
    assert err.count("\n") == 1 and err.startswith("coachplans: ")
    assert table_counts(db_url) == before
