"""Taking a test database away for real (SQLite and PostgreSQL), for the tests of what the
API and the bot do when storage is gone."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from coachplans.service import PlanService
from coachplans.store.engine import make_engine
from coachplans.store.migrate import upgrade
from coachplans.store.tables import Base

PG_ADMIN_URL = os.environ.get(
    "COACHPLANS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database of its own, dropped afterwards."""
    name = f"coachplans_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def truncate_tables(engine: Engine) -> None:
    """Empty every table of a PostgreSQL test database (ids start again at 1)."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@contextmanager
def database_gone(service: PlanService, db_url: str) -> Iterator[None]:
    """Make the service's database really unreachable, then bring it back.

    SQLite: the file (with its WAL) is moved away and a directory put in its place, so opening
    it fails. PostgreSQL: the database stops accepting connections and every open connection to
    it is terminated (the pool's pre-ping then fails to reconnect).
    """
    engine = service.repo.engine
    url = make_url(db_url)
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        aside = path.parent / "moved-away"
        aside.mkdir()
        moved = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
        for file in moved:
            file.rename(aside / file.name)
        path.mkdir()
        try:
            yield
        finally:
            engine.dispose()
            path.rmdir()
            for file in moved:
                (aside / file.name).rename(file)
            engine.dispose()
        return
    name = url.database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        engine.dispose()
