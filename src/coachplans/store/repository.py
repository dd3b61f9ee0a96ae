"""The repository: every SQL statement of the application lives here.

Reads return domain objects. Writes happen inside :meth:`Repository.write`, one transaction
that holds the slot's lock (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
SQLite) so concurrent writers to one coach/date serialise instead of racing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import SQLAlchemyError as _SAError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from coachplans.domain.plans import Event, Plan, Revision
from coachplans.domain.queries import PlanQuery, PlanVersion, Stats, StoredSignal
from coachplans.errors import StorageUnavailable
from coachplans.store import cursors
from coachplans.store.bulk import ImportTx
from coachplans.store.engine import is_sqlite
from coachplans.store.listing import (
    VERSION_COLUMNS,
    SqliteVersions,
    Statements,
    list_params,
    shape_of,
)
from coachplans.store.rows import (
    PLAN_COLUMNS,
    PLANS,
    stored_signals_for,
    to_event,
    to_plans,
    to_revision,
)
from coachplans.store.sqlite_file import DatabaseFileMissing
from coachplans.store.tables import (
    ChartBlobRow,
    EventRow,
    PlanChartRow,
    PlanRow,
    PlanSignalRow,
    RevisionRow,
)
from coachplans.store.writes import WriteTx

SQLAlchemyError = _SAError


_LIVE_ROW = PLANS.c.deleted_at.is_(None)
_SLOT_OF = (PLANS.c.coach == bindparam("coach"), PLANS.c.trade_date == bindparam("day"))
_LIVE = select(*PLAN_COLUMNS).where(*_SLOT_OF, _LIVE_ROW)
_SLOT = select(*PLAN_COLUMNS).where(*_SLOT_OF, PLANS.c.version > 0)
_BY_ID = select(*PLAN_COLUMNS).where(PLANS.c.id == bindparam("id"), PLANS.c.version > 0)
_BY_IDS = select(*PLAN_COLUMNS).where(
    PLANS.c.id.in_(bindparam("ids", expanding=True)), PLANS.c.version > 0
)
_BY_MESSAGE = (
    select(*PLAN_COLUMNS)
    .where(PLANS.c.source_message_id == bindparam("message"), PLANS.c.version > 0)
    .order_by(PLANS.c.deleted_at.is_not(None), PLANS.c.id.desc())
    .limit(1)
)
_REVISIONS = (
    select(RevisionRow.__table__)
    .where(RevisionRow.__table__.c.plan_id == bindparam("id"))
    .order_by(RevisionRow.__table__.c.number)
)
_EVENTS_AFTER = (
    select(EventRow.__table__)
    .where(EventRow.__table__.c.id > bindparam("after"))
    .order_by(EventRow.__table__.c.id)
    .limit(bindparam("limit"))
)


class Repository:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._writer = (
            engine.execution_options(sqlite_immediate=True) if is_sqlite(engine) else engine
        )
        self._statements = Statements()
        self._sqlite_versions = SqliteVersions(engine, self._statements) if self.local else None

    @property
    def local(self) -> bool:
        """The database is a local SQLite file: an indexed read waits on no network and takes
        tens of microseconds."""
        return is_sqlite(self.engine)

    @contextmanager
    def write(self) -> Iterator[WriteTx]:
        """A transaction that commits on success and rolls back on any error."""
        with _storage_errors(), self._writer.begin() as conn:
            yield WriteTx(conn)

    @contextmanager
    def bulk(self, *, rollback: bool = False) -> Iterator[ImportTx]:
        """One long write transaction for an import: commits at the end of the block, or
        rolls back when ``rollback`` is set (a dry run) or anything fails. On PostgreSQL it
        is REPEATABLE READ, so its row counts see only its own writes beside the snapshot
        (SQLite's write lock keeps other writers out anyway)."""
        with _storage_errors(), self._writer.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            transaction = conn.begin()
            try:
                yield ImportTx(conn)
            except BaseException:
                transaction.rollback()
                raise
            if rollback:
                transaction.rollback()
            else:
                transaction.commit()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads (Core, no ORM session: reads build domain objects straight
        from rows)."""
        with _storage_errors(), self.engine.connect() as conn:
            yield conn

    def _plans(self, stmt: Select[Any], params: dict[str, Any] | None = None) -> list[Plan]:
        with self.read() as conn:
            return to_plans(conn, conn.execute(stmt, params or {}).all())

    # -- reads --------------------------------------------------------------------------

    def get_live(self, coach: str, trade_date: date) -> Plan | None:
        return _first(self._plans(_LIVE, {"coach": coach, "day": trade_date}))

    def get_slot(self, coach: str, trade_date: date) -> Plan | None:
        """The slot's plan, live or deleted; None when nothing was ever posted there."""
        return _first(self._plans(_SLOT, {"coach": coach, "day": trade_date}))

    def get_by_id(self, plan_id: int) -> Plan | None:
        return _first(self._plans(_BY_ID, {"id": plan_id}))

    def get_many(self, plan_ids: Sequence[int]) -> list[Plan]:
        """The plans (live or deleted) with these ids, in no particular order."""
        return self._plans(_BY_IDS, {"ids": list(plan_ids)}) if plan_ids else []

    def get_many_stored(
        self, plan_ids: Sequence[int], *, signals: bool = True
    ) -> list[tuple[Plan, list[StoredSignal]]]:
        """As ``get_many``, each plan with its signals as stored (``Plan.signals`` is left
        empty): for writing plans out as JSON, where a Level per price is pure cost."""
        if not plan_ids:
            return []
        with self.read() as conn:
            rows = conn.execute(_BY_IDS, {"ids": list(plan_ids)}).all()
            plans = to_plans(conn, rows, signals_too=False)
            stored = stored_signals_for(conn, [plan.id for plan in plans]) if signals else {}
        return [(plan, stored.get(plan.id, [])) for plan in plans]

    def get_by_message_id(self, message_id: int) -> Plan | None:
        """The plan (live or deleted) whose latest post came from this Discord message; None
        once a later post to its slot replaced it, or when the message carried no plan. Should
        two slots name the message, the live one wins, then the newer row."""
        return _first(self._plans(_BY_MESSAGE, {"message": message_id}))

    def plans_for_date(self, trade_date: date, coaches: Sequence[str] | None = None) -> list[Plan]:
        """Live plans of one date, of the given coaches only when ``coaches`` is set."""
        stmt = select(*PLAN_COLUMNS).where(PLANS.c.trade_date == trade_date, _LIVE_ROW)
        if coaches is not None:
            stmt = stmt.where(PLANS.c.coach.in_(coaches))
        return self._plans(stmt)

    def list_plans(self, query: PlanQuery) -> list[Plan]:
        stmt = self._statements(shape_of(query), "plans", PLAN_COLUMNS)
        return self._plans(stmt, list_params(query))

    def list_versions(self, query: PlanQuery) -> list[PlanVersion]:
        """The page ``query`` names as (id, version, coach, date), without the plans' text,
        charts or signals: one index scan."""
        if self._sqlite_versions is not None:
            with _storage_errors():
                return self._sqlite_versions(query)
        stmt = self._statements(shape_of(query), "versions", VERSION_COLUMNS)
        with self.read() as conn:
            rows = conn.execute(stmt, list_params(query)).all()
        return [PlanVersion(*row) for row in rows]

    def revisions(self, plan_id: int) -> list[Revision]:
        with self.read() as conn:
            return [to_revision(row) for row in conn.execute(_REVISIONS, {"id": plan_id})]

    def chart(self, sha256: str) -> tuple[str, bytes] | None:
        stmt = select(ChartBlobRow.content_type, ChartBlobRow.data).where(
            ChartBlobRow.sha256 == sha256
        )
        with self.read() as conn:
            row = conn.execute(stmt).one_or_none()
            return (row[0], row[1]) if row else None

    def events_after(self, after_id: int, limit: int) -> list[Event]:
        with self.read() as conn:
            rows = conn.execute(_EVENTS_AFTER, {"after": after_id, "limit": limit})
            return [to_event(row) for row in rows]

    def last_event_id(self) -> int:
        with self.read() as conn:
            return conn.scalar(select(func.max(EventRow.id))) or 0

    def stats(self) -> Stats:
        live = PlanRow.deleted_at.is_(None)
        with self.read() as conn:
            plans, latest = conn.execute(
                select(func.count(), func.max(PlanRow.created_at)).where(live)
            ).one()
            charts = conn.scalar(
                select(func.count()).select_from(PlanChartRow).join(PlanRow).where(live)
            )
            edits = conn.scalar(select(func.count()).where(RevisionRow.number > 1))
        latest_dt = PlanRow.created_at.type.process_result_value(latest, self.engine.dialect)
        return Stats(plans, charts or 0, edits or 0, latest_dt)

    def plan_texts(self, after_id: int, limit: int) -> list[tuple[int, str]]:
        """(id, text) of every plan ever posted, live or deleted, in id order after
        ``after_id``: the input of a signals backfill."""
        stmt = (
            select(PlanRow.id, PlanRow.text)
            .where(PlanRow.version > 0, PlanRow.id > after_id)
            .order_by(PlanRow.id)
            .limit(limit)
        )
        with self.read() as conn:
            return [(row[0], row[1]) for row in conn.execute(stmt)]

    def count_plan_texts(self) -> int:
        """How many plans ``plan_texts`` walks through."""
        with self.read() as session:
            return int(session.scalar(select(func.count()).where(PlanRow.version > 0)) or 0)

    def count_signals(self) -> int:
        with self.read() as conn:
            return int(conn.scalar(select(func.count()).select_from(PlanSignalRow)) or 0)

    def ping(self) -> None:
        with self.read() as conn:
            conn.execute(text("SELECT 1"))

    def pool_usage(self) -> dict[str, int]:
        """The connection pool's size, its limit (size + overflow) and connections in use."""
        pool = self.engine.pool
        if not isinstance(pool, QueuePool):
            return {}
        size = pool.size()
        return {
            "size": size,
            "max": size + max(0, getattr(pool, "_max_overflow", 0)),
            "checked_out": pool.checkedout(),
        }

    # -- bot cursors ----------------------------------------------------------------------

    def bot_cursors(self) -> dict[int, int]:
        """Discord channel id -> the newest message id the bot has processed there."""
        with self.read() as session:
            return cursors.all_cursors(session)

    def advance_bot_cursor(self, channel_id: int, message_id: int, now: datetime) -> bool:
        """Move a channel's cursor forward to ``message_id`` (creating it if missing); an
        older or equal id leaves it alone. True when the cursor moved."""
        with self.write() as tx:
            return cursors.advance(tx.conn, channel_id, message_id, now)


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    # sqlite3's own error: a statement run on the DBAPI connection itself (store/listing.py)
    except (OperationalError, sqlite3.OperationalError) as exc:
        cause = exc.orig if isinstance(exc, OperationalError) else exc
        message = f"database unavailable: {cause}"
        if isinstance(cause, DatabaseFileMissing):
            raise StorageUnavailable(message, reason=str(cause)) from exc
        raise StorageUnavailable(message) from exc
    except PoolTimeout as exc:  # every pooled connection busy for pool_timeout_seconds
        raise StorageUnavailable("database busy: no free connection in the pool") from exc


def _first(plans: list[Plan]) -> Plan | None:
    return plans[0] if plans else None
