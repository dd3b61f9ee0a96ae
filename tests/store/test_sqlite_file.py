"""The SQLite file watch: created on first open only, never recreated, replaced files reopened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from coachplans.store.engine import make_engine
from coachplans.store.sqlite_file import DatabaseFileMissing


def test_created_on_first_open_then_never_recreated(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:  # a new database may be created at start-up
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        assert path.exists()
        path.rename(tmp_path / "away.db")
        engine.dispose()  # even with no pooled connection left
        with pytest.raises(OperationalError) as caught, engine.connect():
            pass
        assert isinstance(caught.value.orig, DatabaseFileMissing)
        assert not path.exists()
        (tmp_path / "away.db").rename(path)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        engine.dispose()


def test_a_pooled_connection_to_a_replaced_file_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "plans.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        other = tmp_path / "other.db"
        with sqlite3.connect(other) as created:
            created.execute("CREATE TABLE t (x INTEGER)")
            created.execute("INSERT INTO t VALUES (1), (2)")
        for file in path.parent.glob("plans.db*"):
            file.unlink()
        other.rename(path)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    finally:
        engine.dispose()
