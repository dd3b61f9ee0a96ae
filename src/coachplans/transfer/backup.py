"""A backup of the target before an import writes to it.

SQLite: a copy of the database file through SQLite's online backup API (consistent even
while a server uses it), next to it as ``<file>.bak-<UTC time>``. PostgreSQL: a coachplans
export (JSON Lines) of the target, ``coachplans-backup-<UTC time>.jsonl`` in the backup
folder (default: the current folder); restore it into an empty database with
``coachplans import``. ``pg_dump`` remains the operator's tool for whole-server backups.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another backend or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def backup_sqlite(database: Path, folder: Path | None = None) -> Path:
    """Copy ``database`` with the online backup API; the backup's path."""
    target = _free_path((folder or database.parent) / f"{database.name}.bak-{stamp()}")
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target


def export_path(folder: Path | None) -> Path:
    return _free_path((folder or Path.cwd()) / f"coachplans-backup-{stamp()}.jsonl")


def _free_path(path: Path) -> Path:
    """``path``, or ``path`` with a counter when a backup of the same second exists."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.{number}")
    return candidate
