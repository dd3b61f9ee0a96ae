"""Alembic migrations from an empty database, repeated, down and up again, and in step with the
SQLAlchemy tables (autogenerate finds nothing to do)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from coachplans.store.engine import make_engine
from coachplans.store.migrate import alembic_config, current, head, upgrade
from coachplans.store.tables import Base

PG_ADMIN_URL = os.environ.get(
    "COACHPLANS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TABLES = {
    "plans",
    "chart_blobs",
    "plan_charts",
    "revisions",
    "ingest_keys",
    "events",
    "plan_signals",
    "bot_cursors",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a brand-new, empty database (not the session's migrated one)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path}/migrate.db")
        yield engine
        engine.dispose()
        return
    # Reuse the session fixture for its reachability rule: skip locally, fail in CI.
    request.getfixturevalue("pg_database")
    name = f"coachplans_migr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(PG_ADMIN_URL).set(database=name).render_as_string(False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_head_is_a_single_known_revision() -> None:
    assert head() == "0004"


def test_upgrade_from_empty_reaches_head(empty_engine: Engine) -> None:
    assert current(empty_engine) is None
    assert _tables(empty_engine) == set()
    upgrade(empty_engine)
    assert current(empty_engine) == head()
    assert _tables(empty_engine) == TABLES


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO chart_blobs (sha256, content_type, size, data, created_at) "
                "VALUES (:s, 'image/png', 1, :d, CURRENT_TIMESTAMP)"
            ),
            {"s": "a" * 64, "d": b"x"},
        )
    upgrade(empty_engine)
    assert current(empty_engine) == head()
    with empty_engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM chart_blobs")) == 1
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1


def test_downgrade_to_base_then_upgrade_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    _downgrade(empty_engine, "base")
    assert current(empty_engine) is None
    assert _tables(empty_engine) == set()
    upgrade(empty_engine)
    assert current(empty_engine) == head()
    assert _tables(empty_engine) == TABLES
    assert _diff(empty_engine) == []


def test_autogenerate_finds_no_differences(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert _diff(empty_engine) == []


def test_autogenerate_would_notice_a_drift(empty_engine: Engine) -> None:
    """The comparison is not vacuous: a schema that differs from the tables is reported."""
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        conn.execute(text("DROP INDEX ix_plans_trade_date"))
    kinds = _kinds(_diff(empty_engine))
    assert "add_index" in kinds
    assert "remove_table" in kinds


@pytest.mark.postgres
@pytest.mark.parametrize("empty_engine", ["postgres"], indirect=True)
def test_autogenerate_compares_the_utc_datetime_type(empty_engine: Engine) -> None:
    """UTCDateTime is compared as TIMESTAMP WITH TIME ZONE, so losing the zone is a drift.
    (PostgreSQL only: SQLite cannot alter a column type in place.)"""
    assert empty_engine.dialect.name == "postgresql"
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(
            text("ALTER TABLE events ALTER COLUMN created_at TYPE timestamp without time zone")
        )
    diff = _diff(empty_engine)
    assert _kinds(diff) == {"modify_type"}
    (change,) = [entry for group in diff if isinstance(group, list) for entry in group]
    assert change[2:4] == ("events", "created_at")


def _kinds(diff: list[object]) -> set[str]:
    """Operation names of a compare_metadata result (column changes come grouped in lists)."""
    kinds: set[str] = set()
    for entry in diff:
        for op in entry if isinstance(entry, list) else [entry]:
            assert isinstance(op, tuple)
            kinds.add(op[0])
    return kinds


def test_migrated_schema_enforces_the_slot_constraint(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    insert = text(
        "INSERT INTO plans (coach, trade_date, text, author, created_at, version) "
        "VALUES ('d', :day, 't', 'a', CURRENT_TIMESTAMP, 1)"
    )
    with empty_engine.begin() as conn:
        conn.execute(insert, {"day": "2024-11-12"})
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:
        conn.execute(insert, {"day": "2024-11-12"})
