"""The write transaction, in SQLAlchemy Core: a plan write is a handful of statements on one
connection, without the ORM unit of work (which cost more than SQLite itself per write)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from coachplans.domain.charts import ChartBlob
from coachplans.domain.plans import Action, ChartRef, Source
from coachplans.domain.signals import Signal
from coachplans.store import notify
from coachplans.store.rows import (
    PlanState,
    RevisionFacts,
    blob_row,
    charts_for,
    event_row,
    key_row,
    link_rows,
    revision_row,
    signal_rows,
    signals_for,
)
from coachplans.store.tables import (
    ChartBlobRow,
    EventRow,
    IngestKeyRow,
    PlanChartRow,
    PlanRow,
    PlanSignalRow,
    RevisionRow,
)


def _table(row_class: Any) -> Table:
    table: Table = row_class.__table__
    return table


PLANS = _table(PlanRow)
# Namespace of the PostgreSQL advisory locks taken on ingest keys (see WriteTx.seen_key).
INGEST_LOCK_CLASS = 0x4350
# The outbox's commit-order lock (see WriteTx.append_event); leader.py's session locks share
# the class 0x4351 with other object ids.
EVENT_ORDER_LOCK = (0x4351, 0)


_STATE_FIELDS = [f.name for f in fields(PlanState)]
_STATE_COLUMNS = [PLANS.c[name] for name in _STATE_FIELDS]


# Statements are built once with bind parameters and executed with plain dicts: building
# them per call (``.values(x=...)``) cost more than SQLite's own work.
_SAVE = (
    update(PLANS)
    .where(PLANS.c.id == bindparam("_id"))
    .values({name: bindparam(name) for name in _STATE_FIELDS if name != "id"})
)
# Core tables, not ORM classes: an ORM-enabled insert rebuilds its statement per call.
_INSERT_REVISION = insert(_table(RevisionRow))
_INSERT_EVENT = insert(_table(EventRow))
_INSERT_EVENT_RETURNING_ID = _INSERT_EVENT.returning(_table(EventRow).c.id)
_LOCK_EVENT_ORDER = select(func.pg_advisory_xact_lock(*EVENT_ORDER_LOCK))
_INSERT_KEY = insert(_table(IngestKeyRow))
_LINKS, _BLOBS = _table(PlanChartRow), _table(ChartBlobRow)
_INSERT_LINK = insert(_LINKS)
_DELETE_LINKS = delete(_LINKS).where(_LINKS.c.plan_id == bindparam("_plan_id"))
_INSERT_BLOB = insert(_BLOBS)
_KNOWN_BLOBS = select(_BLOBS.c.sha256).where(
    _BLOBS.c.sha256.in_(bindparam("digests", expanding=True))
)
SIGNALS = _table(PlanSignalRow)
_INSERT_SIGNALS = insert(SIGNALS)
_DELETE_SIGNALS = delete(SIGNALS).where(SIGNALS.c.plan_id == bindparam("_plan_id"))
_SLOT_VALUES = ("coach", "trade_date", "text", "author", "created_at", "deleted_at", "version")


def _upsert_slot(dialect: Any) -> Any:
    stmt = dialect.insert(PLANS).values({name: bindparam(name) for name in _SLOT_VALUES})
    return stmt.on_conflict_do_update(
        index_elements=["coach", "trade_date"], set_={"coach": stmt.excluded.coach}
    ).returning(*_STATE_COLUMNS)


_UPSERT = {"postgresql": _upsert_slot(postgresql), "sqlite": _upsert_slot(sqlite)}


def _state(row: Any) -> PlanState | None:
    return None if row is None else PlanState(**dict(row._mapping))


class WriteTx:
    """One write transaction; methods act on rows the transaction has locked."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    def lock_slot(self, coach: str, trade_date: date) -> PlanState | None:
        stmt = select(*_STATE_COLUMNS).where(
            PLANS.c.coach == coach, PLANS.c.trade_date == trade_date
        )
        return _state(self.conn.execute(stmt.with_for_update()).one_or_none())

    def lock_or_create_slot(self, coach: str, trade_date: date, now: datetime) -> PlanState:
        """The slot's row, created empty (version 0, deleted) if it never existed; one
        statement that also takes the row lock on PostgreSQL (ON CONFLICT DO UPDATE)."""
        params = {
            "coach": coach,
            "trade_date": trade_date,
            "text": "",
            "author": "",
            "created_at": now,
            "deleted_at": now,
            "version": 0,
        }
        state = _state(self.conn.execute(_UPSERT[self.conn.dialect.name], params).one())
        assert state is not None
        return state

    def lock_by_id(self, plan_id: int) -> PlanState | None:
        stmt = select(*_STATE_COLUMNS).where(PLANS.c.id == plan_id).with_for_update()
        return _state(self.conn.execute(stmt).one_or_none())

    def save(self, state: PlanState) -> None:
        values = {name: getattr(state, name) for name in _STATE_FIELDS if name != "id"}
        self.conn.execute(_SAVE, {"_id": state.id, **values})

    def seen_key(self, key: str) -> int | None:
        """The plan an ingest key was already applied to, or None.

        On PostgreSQL this first takes a transaction-scoped advisory lock on the key, so
        concurrent deliveries of one input queue here and each later one (READ COMMITTED: a new
        snapshot per statement) sees the key the first one committed, instead of all of them
        passing the check and failing on the key's primary key. SQLite needs nothing: its
        write transactions (BEGIN IMMEDIATE) are already serialised.
        """
        if self._postgres:
            self.conn.execute(
                select(func.pg_advisory_xact_lock(INGEST_LOCK_CLASS, func.hashtext(key)))
            )
        stmt = select(IngestKeyRow.plan_id).where(IngestKeyRow.key == key)
        plan_id: int | None = self.conn.scalar(stmt)
        return plan_id

    def record_key(self, key: str, plan_id: int, now: datetime) -> None:
        self.conn.execute(_INSERT_KEY, key_row(key, plan_id, now))

    def store_blobs(self, blobs: Sequence[ChartBlob], now: datetime) -> None:
        digests = {blob.sha256 for blob in blobs}
        if not digests:
            return
        known = set(self.conn.scalars(_KNOWN_BLOBS, {"digests": sorted(digests)}))
        new = {b.sha256: b for b in blobs if b.sha256 not in known}.values()
        if new:
            self.conn.execute(_INSERT_BLOB, [blob_row(b, now) for b in new])

    def replace_charts(self, plan_id: int, charts: Sequence[ChartRef], had_any: bool) -> None:
        if had_any:
            self.conn.execute(_DELETE_LINKS, {"_plan_id": plan_id})
        if charts:
            self.conn.execute(_INSERT_LINK, link_rows(plan_id, charts))

    def replace_signals(self, plan_id: int, signals: Sequence[Signal], had_any: bool) -> None:
        """Store the signals of the plan's new text in place of the old ones."""
        if had_any:
            self.conn.execute(_DELETE_SIGNALS, {"_plan_id": plan_id})
        if signals:
            self.conn.execute(_INSERT_SIGNALS, signal_rows(plan_id, signals))

    def signals_of(self, plan_id: int) -> tuple[Signal, ...]:
        return signals_for(self.conn, [plan_id]).get(plan_id, ())

    def charts_of(self, plan_id: int) -> tuple[ChartRef, ...]:
        return charts_for(self.conn, [plan_id]).get(plan_id, ())

    def append_revision(
        self,
        state: PlanState,
        action: Action,
        charts: Sequence[ChartRef],
        actor: str,
        actor_id: int | None,
        source: Source,
        now: datetime,
    ) -> None:
        facts = RevisionFacts(action, actor, actor_id, source, now)
        row = revision_row(state.id, state.version, state.text, charts, facts)
        self.conn.execute(_INSERT_REVISION, row)

    def append_event(self, state: PlanState, event_type: str, now: datetime) -> None:
        """The outbox row. On PostgreSQL, writers to other slots run concurrently, and ids taken
        from a sequence could commit out of order: a reader that saw event 11 would never see
        a 10 committed after it. So the event is appended under a transaction lock held to
        commit (the last statements of a write), which makes id order commit order, and the
        other processes are told with a NOTIFY that PostgreSQL sends at commit."""
        row = event_row(event_type, state.id, state.coach, state.trade_date, state.version, now)
        if not self._postgres:
            self.conn.execute(_INSERT_EVENT, row)
            return
        self.conn.execute(_LOCK_EVENT_ORDER)
        event_id = self.conn.execute(_INSERT_EVENT_RETURNING_ID, row).scalar_one()
        notify.send(self.conn, event_id, state.coach, state.trade_date, now)
