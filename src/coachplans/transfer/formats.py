"""What kind of file an import was given, judged by its content, not its name."""

from __future__ import annotations

import json
from pathlib import Path

from coachplans.errors import CoachPlansError

OLD_DB = "old-db"
OLD_JSON = "old-json"
JSONL = "jsonl"
FORMATS = (OLD_DB, OLD_JSON, JSONL)
EXPORT_FORMAT = "coachplans-export"
SQLITE_MAGIC = b"SQLite format 3\x00"
_SNIFF_BYTES = 1 << 16


class BadFile(CoachPlansError):
    """The input file is not what it should be (not SQLite, not JSON, wrong tables,
    truncated); the CLI prints the message and exits 1, nothing is written."""


def detect(path: Path) -> str:
    """``old-db`` for a SQLite file, ``jsonl`` for a coachplans export (its header line),
    ``old-json`` for a JSON object; :class:`BadFile` otherwise."""
    head = _head(path)
    if head.startswith(SQLITE_MAGIC):
        return OLD_DB
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        raise BadFile(
            f"{path}: not a SQLite database, a JSON dump or a coachplans export "
            "(use --format to say which it is)"
        )
    first_line = text.split(b"\n", 1)[0]
    try:
        header = json.loads(first_line)
    except ValueError:
        return OLD_JSON  # a JSON object over several lines: the old server's dump
    if isinstance(header, dict) and header.get("format") == EXPORT_FORMAT:
        return JSONL
    return OLD_JSON


def _head(path: Path) -> bytes:
    if path.is_dir():
        raise BadFile(f"{path}: is a directory, not a file")
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except FileNotFoundError as exc:
        raise BadFile(f"{path}: no such file") from exc
    except OSError as exc:
        raise BadFile(f"{path}: cannot be read ({exc.strerror or exc})") from exc
