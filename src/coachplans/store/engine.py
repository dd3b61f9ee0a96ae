"""Engine construction: SQLite in WAL mode with foreign keys and a busy timeout, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from coachplans.db_url import normalise_url
from coachplans.errors import ConfigError
from coachplans.store.sqlite_file import SqliteFile

__all__ = ["SQLITE_BUSY_MS", "is_sqlite", "make_engine", "normalise_url"]

SQLITE_BUSY_MS = 30_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, **kwargs)
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 20,
        "pool_timeout": 30,
        "connect_args": {"connect_timeout": 5},
        **kwargs,
    }
    return create_engine(url, **options)


def pool_options(
    url: str, *, size: int, overflow: int, timeout: float, connect_timeout: int
) -> dict[str, Any]:
    """Pool settings for ``make_engine``: PostgreSQL only (SQLite keeps its defaults).
    Pre-ping stays on, so connections that died with a database restart are replaced."""
    if make_url(normalise_url(url)).get_backend_name() == "sqlite":
        return {}
    return {
        "pool_size": size,
        "max_overflow": overflow,
        "pool_timeout": timeout,
        "connect_args": {"connect_timeout": connect_timeout},
    }


def _sqlite_engine(url: str, database: str | None, **kwargs: Any) -> Engine:
    on_disk = bool(database) and database != ":memory:" and "uri" not in make_url(url).query
    if database and database != ":memory:":
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the database folder {folder}: {exc.strerror}"
            ) from exc
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000}, **kwargs
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (below) instead of pysqlite's deferred BEGIN.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: concurrent writers queue on busy_timeout
        # instead of failing with "database is locked" when a read upgrades to a write.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if on_disk and database:
        SqliteFile(Path(database)).watch(engine)
    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a SQLite engine on disk (watched: store/sqlite_file.py); None for
    another database, an in-memory one or a URI."""
    database = engine.url.database
    if not is_sqlite(engine) or not database or database == ":memory:" or "uri" in engine.url.query:
        return None
    return Path(database).expanduser().absolute()
