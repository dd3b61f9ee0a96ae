"""Shared fixtures: a migrated database on SQLite and (when reachable, always in CI) PostgreSQL,
and a plan service over it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text

from coachplans.domain.coaches import Coach, Roster
from coachplans.service import PlanService
from coachplans.store.engine import make_engine
from coachplans.store.migrate import upgrade
from coachplans.store.repository import Repository
from db_support import fresh_pg_database, truncate_tables
from process_support import ServerProcess

PG_ADMIN_URL = os.environ.get(
    "COACHPLANS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
NY = ZoneInfo("America/New_York")


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver error means "not reachable" here
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session, migrated to head."""
    problem = _pg_reachable()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem})")
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def processes() -> Iterator[list[ServerProcess]]:
    """coachplans processes a test starts; all killed afterwards."""
    started: list[ServerProcess] = []
    yield started
    for process in started:
        process.kill()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database URL; each test gets a clean one."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "plans.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    truncate_tables(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """SQLite only, for tests that are about something other than storage."""
    engine = make_engine(f"sqlite:///{tmp_path}/plans.db")
    upgrade(engine)
    yield engine
    engine.dispose()


def default_roster() -> Roster:
    names = {
        "d": "Coach D (Day Trading)",
        "i": "Coach I (Intraday)",
        "s": "Coach S (Swing)",
        "n": "Coach N (News/Events)",
    }
    return Roster(Coach(key, name) for key, name in names.items())


class FrozenClock:
    """A clock tests move by hand; starts on a Tuesday afternoon in New York."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2024, 11, 12, 15, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def service(engine: Engine) -> PlanService:
    return PlanService(Repository(engine), default_roster(), NY)


@pytest.fixture
def sqlite_service(sqlite_engine: Engine) -> PlanService:
    return PlanService(Repository(sqlite_engine), default_roster(), NY)
