"""Whole-database reads and writes for ``export`` and ``db copy``: every table in primary-key
order, a batch at a time (keyset pagination, so no cursor stays open between batches), inside
one snapshot the caller opens with :func:`snapshot`.

``db copy`` moves rows table by table with their ids (both ends have the same schema) and
then moves PostgreSQL's id sequences past the copied ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, text, tuple_

from coachplans.domain.plans import ChartRef
from coachplans.store.rows import charts_for
from coachplans.store.tables import Base, IngestKeyRow, RevisionRow

# Parents before children, so foreign keys hold at every insert.
TABLES = (
    "chart_blobs",
    "plans",
    "plan_charts",
    "revisions",
    "ingest_keys",
    "events",
    "plan_signals",
    "bot_cursors",  # so a copied database lets the bot catch up from where it was
)
SERIAL_TABLES = ("plans", "revisions", "events")
Row = dict[str, Any]


def table(name: str) -> Table:
    return Base.metadata.tables[name]


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees one consistent state of the database for as long as
    it is open (REPEATABLE READ on PostgreSQL; one read transaction on SQLite in WAL)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as transaction:
            yield conn
            transaction.rollback()


def count_rows(conn: Connection) -> dict[str, int]:
    return {
        name: int(conn.scalar(select(func.count()).select_from(table(name))) or 0)
        for name in TABLES
    }


def rows_in_batches(conn: Connection, name: str, batch: int) -> Iterator[list[Row]]:
    """All rows of one table in primary-key order, ``batch`` rows at a time."""
    source = table(name)
    key = list(source.primary_key.columns)
    stmt = select(source).order_by(*key).limit(batch)
    last: tuple[Any, ...] | None = None
    while True:
        page = stmt
        if last is not None:
            page = stmt.where(tuple_(*key) > tuple_(*last) if len(key) > 1 else key[0] > last[0])
        rows = [dict(row) for row in conn.execute(page).mappings()]
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][column.name] for column in key)


def insert_rows(conn: Connection, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table(name)), list(rows))


def reset_sequences(conn: Connection) -> None:
    """After inserting explicit ids on PostgreSQL, let new rows continue after them."""
    if conn.dialect.name != "postgresql":
        return
    for name in SERIAL_TABLES:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"coalesce(max(id), 1), max(id) IS NOT NULL) FROM {name}"
            )
        )


@dataclass(frozen=True, slots=True)
class PlanDump:
    """One plan for an export: its row, its charts, its revisions and its ingest keys."""

    row: Row
    charts: tuple[ChartRef, ...]
    revisions: list[Row]
    keys: list[Row]


def plans_in_batches(conn: Connection, batch: int) -> Iterator[list[PlanDump]]:
    """Every plan (live or deleted) in id order with what belongs to it."""
    keys = _keys_by_plan(conn)
    for rows in rows_in_batches(conn, "plans", batch):
        rows = [row for row in rows if row["version"] > 0]
        ids = [row["id"] for row in rows]
        charts = charts_for(conn, ids)
        revisions = _revisions_of(conn, ids)
        yield [
            PlanDump(row, charts.get(i, ()), revisions.get(i, []), keys.get(i, []))
            for i, row in zip(ids, rows, strict=True)
        ]


def _revisions_of(conn: Connection, plan_ids: list[int]) -> dict[int, list[Row]]:
    if not plan_ids:
        return {}
    revisions = table(RevisionRow.__tablename__)
    stmt = (
        select(revisions)
        .where(revisions.c.plan_id.in_(plan_ids))
        .order_by(revisions.c.plan_id, revisions.c.number)
    )
    out: dict[int, list[Row]] = {}
    for row in conn.execute(stmt).mappings():
        out.setdefault(row["plan_id"], []).append(dict(row))
    return out


def _keys_by_plan(conn: Connection) -> dict[int, list[Row]]:
    keys = table(IngestKeyRow.__tablename__)
    out: dict[int, list[Row]] = {}
    for row in conn.execute(select(keys).order_by(keys.c.key)).mappings():
        out.setdefault(row["plan_id"], []).append(dict(row))
    return out


def has_rows(conn: Connection) -> dict[str, int]:
    """Tables of ours that hold rows (an empty dict for an empty database)."""
    return {name: count for name, count in count_rows(conn).items() if count}
