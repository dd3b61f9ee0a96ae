"""The repository: every SQL statement of the application lives here.

Reads return domain objects. Writes happen inside :meth:`Repository.write`, one transaction
that holds the slot's lock (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
SQLite) so concurrent writers to one coach/date serialise instead of racing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import Engine, Select, and_, func, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import SQLAlchemyError as _SAError
from sqlalchemy.orm import Session, sessionmaker

from coachplans.domain.plans import Event, Plan, Revision
from coachplans.domain.queries import PlanQuery, Stats
from coachplans.domain.signal_parser import normalize_ticker
from coachplans.errors import StorageUnavailable
from coachplans.store import cursors
from coachplans.store.bulk import ImportTx
from coachplans.store.engine import is_sqlite
from coachplans.store.rows import to_event, to_plans, to_revision
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


class Repository:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writer = (
            engine.execution_options(sqlite_immediate=True) if is_sqlite(engine) else engine
        )

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
    def read(self) -> Iterator[Session]:
        with _storage_errors(), self._sessions() as session:
            yield session

    # -- reads --------------------------------------------------------------------------

    def get_live(self, coach: str, trade_date: date) -> Plan | None:
        stmt = select(PlanRow).where(
            PlanRow.coach == coach, PlanRow.trade_date == trade_date, PlanRow.deleted_at.is_(None)
        )
        with self.read() as session:
            return _first(to_plans(session, session.scalars(stmt).all()))

    def get_slot(self, coach: str, trade_date: date) -> Plan | None:
        """The slot's plan, live or deleted; None when nothing was ever posted there."""
        stmt = select(PlanRow).where(
            PlanRow.coach == coach, PlanRow.trade_date == trade_date, PlanRow.version > 0
        )
        with self.read() as session:
            return _first(to_plans(session, session.scalars(stmt).all()))

    def get_by_id(self, plan_id: int) -> Plan | None:
        with self.read() as session:
            row = session.get(PlanRow, plan_id)
            if row is None or row.version == 0:
                return None
            return _first(to_plans(session, [row]))

    def get_by_message_id(self, message_id: int) -> Plan | None:
        """The plan (live or deleted) whose latest post came from this Discord message; None
        once a later post to its slot replaced it, or when the message carried no plan. Should
        two slots name the message, the live one wins, then the newer row."""
        stmt = (
            select(PlanRow)
            .where(PlanRow.source_message_id == message_id, PlanRow.version > 0)
            .order_by(PlanRow.deleted_at.is_not(None), PlanRow.id.desc())
            .limit(1)
        )
        with self.read() as session:
            return _first(to_plans(session, session.scalars(stmt).all()))

    def plans_for_date(self, trade_date: date, coaches: Sequence[str] | None = None) -> list[Plan]:
        """Live plans of one date, of the given coaches only when ``coaches`` is set."""
        stmt = select(PlanRow).where(PlanRow.trade_date == trade_date, PlanRow.deleted_at.is_(None))
        if coaches is not None:
            stmt = stmt.where(PlanRow.coach.in_(coaches))
        with self.read() as session:
            return to_plans(session, session.scalars(stmt).all())

    def list_plans(self, query: PlanQuery) -> list[Plan]:
        with self.read() as session:
            return to_plans(session, session.scalars(_list_stmt(query)).all())

    def revisions(self, plan_id: int) -> list[Revision]:
        stmt = (
            select(RevisionRow).where(RevisionRow.plan_id == plan_id).order_by(RevisionRow.number)
        )
        with self.read() as session:
            return [to_revision(row) for row in session.scalars(stmt)]

    def chart(self, sha256: str) -> tuple[str, bytes] | None:
        stmt = select(ChartBlobRow.content_type, ChartBlobRow.data).where(
            ChartBlobRow.sha256 == sha256
        )
        with self.read() as session:
            row = session.execute(stmt).one_or_none()
            return (row[0], row[1]) if row else None

    def events_after(self, after_id: int, limit: int) -> list[Event]:
        stmt = select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
        with self.read() as session:
            return [to_event(row) for row in session.scalars(stmt)]

    def last_event_id(self) -> int:
        with self.read() as session:
            return session.scalar(select(func.max(EventRow.id))) or 0

    def stats(self) -> Stats:
        live = PlanRow.deleted_at.is_(None)
        with self.read() as session:
            plans, latest = session.execute(
                select(func.count(), func.max(PlanRow.created_at)).where(live)
            ).one()
            charts = session.scalar(
                select(func.count()).select_from(PlanChartRow).join(PlanRow).where(live)
            )
            edits = session.scalar(select(func.count()).where(RevisionRow.number > 1))
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
        with self.read() as session:
            return [(row[0], row[1]) for row in session.execute(stmt)]

    def count_signals(self) -> int:
        with self.read() as session:
            return int(session.scalar(select(func.count()).select_from(PlanSignalRow)) or 0)

    def ping(self) -> None:
        with self.read() as session:
            session.execute(text("SELECT 1"))

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
    except OperationalError as exc:
        raise StorageUnavailable(f"database unavailable: {exc.orig}") from exc


def _list_stmt(query: PlanQuery) -> Select[PlanRow]:
    stmt = select(PlanRow).where(PlanRow.version > 0)
    if not query.include_deleted:
        stmt = stmt.where(PlanRow.deleted_at.is_(None))
    if query.trade_date is not None:
        stmt = stmt.where(PlanRow.trade_date == query.trade_date)
    if query.date_from is not None:
        stmt = stmt.where(PlanRow.trade_date >= query.date_from)
    if query.date_to is not None:
        stmt = stmt.where(PlanRow.trade_date <= query.date_to)
    if query.coaches:
        stmt = stmt.where(PlanRow.coach.in_(query.coaches))
    if query.text:
        pattern = "%" + _escape_like(query.text.lower()) + "%"
        stmt = stmt.where(func.lower(PlanRow.text).like(pattern, escape="\\"))
    if query.ticker:
        stmt = stmt.where(
            select(PlanSignalRow.plan_id)
            .where(
                PlanSignalRow.plan_id == PlanRow.id,
                PlanSignalRow.ticker == normalize_ticker(query.ticker),
            )
            .exists()
        )
    if query.after is not None:
        after_date, after_id = query.after
        if query.ascending:
            stmt = stmt.where(
                or_(
                    PlanRow.trade_date > after_date,
                    and_(PlanRow.trade_date == after_date, PlanRow.id > after_id),
                )
            )
        else:
            stmt = stmt.where(
                or_(
                    PlanRow.trade_date < after_date,
                    and_(PlanRow.trade_date == after_date, PlanRow.id < after_id),
                )
            )
    order = (
        (PlanRow.trade_date.asc(), PlanRow.id.asc())
        if query.ascending
        else (PlanRow.trade_date.desc(), PlanRow.id.desc())
    )
    return stmt.order_by(*order).limit(query.limit)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _first(plans: list[Plan]) -> Plan | None:
    return plans[0] if plans else None
