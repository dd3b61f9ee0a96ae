"""Batched writes of an import: a few ``executemany`` statements per batch of plans, all in
one transaction that the caller commits (or rolls back: ``--dry-run`` and any error).

Statements are built once (as in :mod:`coachplans.store.writes`); a batch of plans is one
INSERT of the plans, one SELECT of their new ids, and one INSERT each for revisions, chart
links, blobs, events and ingest keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, tuple_

from coachplans.store.tables import (
    ChartBlobRow,
    EventRow,
    IngestKeyRow,
    PlanChartRow,
    PlanRow,
    PlanSignalRow,
    RevisionRow,
)

Row = Mapping[str, Any]


def _table(row_class: Any) -> Table:
    table: Table = row_class.__table__
    return table


PLANS = _table(PlanRow)

_TABLES = {
    table.name: table
    for table in map(
        _table,
        (ChartBlobRow, PlanChartRow, RevisionRow, EventRow, IngestKeyRow, PlanSignalRow),
    )
}
_INSERT = {name: insert(table) for name, table in _TABLES.items()}
# Plain executemany everywhere, measured fastest: with RETURNING, SQLite goes row by row and
# psycopg re-parses each large multi-row INSERT that SQLAlchemy builds.
_INSERT_PLANS = insert(PLANS)
COUNTED = (
    "plans",
    "revisions",
    "plan_charts",
    "chart_blobs",
    "ingest_keys",
    "events",
    "plan_signals",
)


class ImportTx:
    """The statements of an import, on one connection inside the caller's transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def seen_keys(self, keys: Iterable[str]) -> dict[str, int]:
        """The ingest keys among ``keys`` already recorded, with their plan ids."""
        wanted = list(set(keys))
        if not wanted:
            return {}
        stmt = select(IngestKeyRow.key, IngestKeyRow.plan_id).where(IngestKeyRow.key.in_(wanted))
        return {key: plan_id for key, plan_id in self.conn.execute(stmt)}

    def taken_slots(
        self, slots: Iterable[tuple[str, date]]
    ) -> dict[tuple[str, date], tuple[int, datetime, int]]:
        """The (coach, date) slots among ``slots`` that already have a row: its id, first
        post time and version."""
        found = self._slot_rows(slots, PlanRow.id, PlanRow.created_at, PlanRow.version)
        return {slot: (row[0], row[1], row[2]) for slot, row in found.items()}

    def _slot_rows(
        self, slots: Iterable[tuple[str, date]], *columns: Any
    ) -> dict[tuple[str, date], tuple[Any, ...]]:
        """``columns`` of the rows of these slots, found through an index on either backend:
        PostgreSQL searches its slot index for ``(coach, trade_date) IN (...)`` (and would
        scan the table for separate date and coach lists, its estimate without statistics);
        SQLite is the other way round, so there the lists are asked and matched here."""
        wanted = set(slots)
        if not wanted:
            return {}
        stmt = select(PlanRow.coach, PlanRow.trade_date, *columns)
        if self.conn.dialect.name == "postgresql":
            stmt = stmt.where(tuple_(PlanRow.coach, PlanRow.trade_date).in_(wanted))
        else:
            stmt = stmt.where(
                PlanRow.trade_date.in_({day for _, day in wanted}),
                PlanRow.coach.in_({coach for coach, _ in wanted}),
            )
        found = {(row[0], row[1]): tuple(row[2:]) for row in self.conn.execute(stmt)}
        return {slot: values for slot, values in found.items() if slot in wanted}

    def known_blobs(self, digests: Iterable[str]) -> set[str]:
        wanted = list(set(digests))
        if not wanted:
            return set()
        stmt = select(ChartBlobRow.sha256).where(ChartBlobRow.sha256.in_(wanted))
        return set(self.conn.scalars(stmt))

    def insert_plans(self, rows: Sequence[Row]) -> list[int]:
        """Insert plan rows; their new ids, in the order given.

        One executemany, then the ids looked up by slot (unique): SQLite cannot return the
        ids of a multi-row insert in a guaranteed order."""
        if not rows:
            return []
        self.conn.execute(_INSERT_PLANS, list(rows))
        slots = [(row["coach"], row["trade_date"]) for row in rows]
        found = self._slot_rows(slots, PlanRow.id)
        return [int(found[slot][0]) for slot in slots]

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        """Insert rows into one of the plan's other tables (``_INSERT``'s keys)."""
        if rows:
            self.conn.execute(_INSERT[table], list(rows))

    def counts(self) -> dict[str, int]:
        """Rows per table, to check an import's totals before it commits."""
        tables = {t.name: t for t in PlanRow.metadata.sorted_tables}
        return {
            name: int(self.conn.scalar(select(func.count()).select_from(tables[name])) or 0)
            for name in COUNTED
        }
