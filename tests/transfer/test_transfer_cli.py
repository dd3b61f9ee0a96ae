"""The data tools' command line: bad files and bad flags end in one clear line and a
non-zero status without a traceback or a write; progress bars only on a terminal."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from transfer_support import run_cli

from coachplans.cli import build_parser
from coachplans.transfer.formats import detect
from coachplans.transfer.progress import progress


def _target(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "target.db"
    return path, f"sqlite:///{path}"


def _sqlite_without_plans(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    db.close()
    return path


def _plans_without_date(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE coach_plans (id INTEGER PRIMARY KEY, coach_name TEXT, plan_text TEXT)")
    db.close()
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nope.db", "no such file"),
        (lambda p: p, "is a directory"),
        (lambda p: _write(p / "notes.txt", b"hello, not data"), "not a SQLite database, a JSON"),
        (lambda p: _write(p / "empty.db", b""), "not a SQLite database, a JSON"),
        (lambda p: _write(p / "half.db", b"SQLite format 3\x00" + b"\x00" * 50), "not a readable"),
        (lambda p: _sqlite_without_plans(p / "other.db"), "no coach_plans table"),
        (lambda p: _plans_without_date(p / "nodate.db"), "no column for date"),
        (lambda p: _write(p / "bin.json", b"{\xff\xfe}"), "not"),
    ],
)
def test_bad_files_exit_1_with_one_line(
    tmp_path: Path, make: object, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make(tmp_path)  # type: ignore[operator]
    target, url = _target(tmp_path)
    status, out, err = run_cli(capsys, "import", str(source), "--database-url", url)
    assert status == 1 and out == ""
    assert err.startswith("coachplans: ") and err.count("\n") == 1
    assert message in err, err
    assert "Traceback" not in err
    assert not target.exists()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_format_flag_mismatch_is_a_bad_file(
    tmp_path: Path, old_json: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_cli(
        capsys, "import", str(old_json), "--format", "old-db", "--database-url", "sqlite://"
    )
    assert status == 1 and "not a SQLite database" in err
    status, _, err = run_cli(
        capsys, "import", str(old_json), "--format", "jsonl", "--database-url", "sqlite://"
    )
    assert status == 1 and "not a coachplans export" in err


@pytest.mark.parametrize(
    "args",
    [
        ["import"],
        ["import", "x", "--format", "csv"],
        ["db", "copy", "--from", "sqlite://"],
        ["export", "--unknown"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, *args)
    assert status == 2 and out == ""
    assert "usage:" in err


def test_unknown_source_timezone_exits_2(old_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_cli(
        capsys,
        "import",
        str(old_db),
        "--source-timezone",
        "Mars/Olympus",
        "--database-url",
        "sqlite://",
    )
    assert status == 2
    assert err == "coachplans: --source-timezone: unknown time zone 'Mars/Olympus'\n"


def test_the_commands_are_listed() -> None:
    text = build_parser().format_help()
    assert "import" in text and "export" in text
    db_help = subprocess.run(
        [sys.executable, "-m", "coachplans", "db", "--help"], capture_output=True, text=True
    ).stdout
    assert "copy" in db_help


def test_detect_by_content(tmp_path: Path, old_db: Path, old_json: Path) -> None:
    renamed = tmp_path / "plans.json"
    renamed.write_bytes(old_db.read_bytes())
    assert detect(renamed) == "old-db"
    assert detect(old_json) == "old-json"
    one_line = tmp_path / "one-line.json"
    one_line.write_text('{"coach_d_2024-01-05": {"plan": "x"}}')
    assert detect(one_line) == "old-json"
    export = tmp_path / "export.txt"
    export.write_text('{"type":"header","format":"coachplans-export","version":1}\n')
    assert detect(export) == "jsonl"


def test_real_process_bad_file_and_good_import(tmp_path: Path, old_db: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    bad = _write(tmp_path / "bad.bin", b"\x00\x01garbage")
    url = f"sqlite:///{tmp_path / 'target.db'}"
    cmd = [sys.executable, "-m", "coachplans", "import"]
    done = subprocess.run(
        [*cmd, str(bad), "--database-url", url], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("coachplans: ") and done.stderr.count("\n") == 1
    done = subprocess.run(
        [*cmd, str(old_db), "--database-url", url], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress bar, no chatter
    assert "imported:   5 plans, 13 revisions" in done.stdout


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    with progress(10, "import") as tick:
        tick(10)
    assert piped.getvalue() == ""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress(10, "import") as tick:
        tick(4)
        tick(6)
    assert "import" in terminal.getvalue() and "10/10" in terminal.getvalue()
