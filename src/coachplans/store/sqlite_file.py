"""The SQLite database file watched while the server runs.

An operator may move the file away, put it back, or restore another file in its place while
the server runs. SQLite connections keep reading the inode they opened, and opening a missing
path would create a fresh empty database. So, once the file has been opened, connections open
existing files only (URI ``mode=rw``), and each connection checked out of the pool is checked
against the file's identity (device and inode): a missing file is a clear storage error, and a
connection to a file no longer at the path is dropped so the pool reopens the one there now.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

log = logging.getLogger(__name__)

Identity = tuple[int, int]
_KEY = "sqlite_file_identity"
IDENTITY_KEY = _KEY  # where a pooled connection's info keeps the identity it opened


def file_identity(path: Path) -> Identity | None:
    """(device, inode) of the file at ``path``; None when it is not there or not readable."""
    try:
        stat = os.stat(path)
    except OSError:  # not there, a folder on its way moved, or no longer readable
        return None
    return stat.st_dev, stat.st_ino


class DatabaseFileMissing(sqlite3.OperationalError):
    """The database file is not at its path; its message is safe to show (no server path)."""


class SqliteFile:
    def __init__(self, path: Path):
        self.path = path.expanduser().absolute()
        self.uri = f"{self.path.as_uri()}?mode=rw"
        self._opened = False
        self._missing = False
        self._warned: Identity | None = None

    def identity(self) -> Identity | None:
        return file_identity(self.path)

    def missing(self) -> DatabaseFileMissing:
        if not self._missing:  # once per absence, not once per request
            self._missing = True
            log.error("the SQLite database file %s is missing; waiting for it", self.path)
        return DatabaseFileMissing(
            f"the database file {self.path.name} is missing (moved or deleted while the "
            "server runs); put it back: an empty database is never created in its place"
        )

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "do_connect", self._before_connect)
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "checkout", self._checked_out)

    def _before_connect(
        self, _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        # The first connection may create the file (a new database, then migrated); every
        # later one opens an existing file or fails.
        if not self._opened:
            return
        if self.identity() is None:
            raise self.missing()
        cargs[:] = [self.uri]
        cparams["uri"] = True

    def _connected(self, _dbapi_conn: Any, record: Any) -> None:
        if self._missing:
            self._missing = False
            log.warning("the SQLite database file %s is back", self.path)
        self._opened = True
        record.info[_KEY] = self.identity()

    def _checked_out(self, _dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        current = self.identity()
        if current is None:
            raise DisconnectionError("the SQLite database file is missing")
        if record.info.get(_KEY) != current:
            if self._warned != current:
                self._warned = current
                log.warning("the SQLite database file %s was replaced; reopening it", self.path)
            raise DisconnectionError("the SQLite database file was replaced")
