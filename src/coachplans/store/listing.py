"""The listing's statements, built and compiled once per query shape.

A listing is the hottest read (every v1 page, every compatibility date). Building a SQLAlchemy
``Select`` for it and deriving its cache key costs more than SQLite takes to run the indexed
scan, so the statement of each shape of :class:`PlanQuery` (which filters are set, the order,
how many coaches) is built once with bound parameters, and a query only supplies the values.

On SQLite the page's (id, version) scan also runs straight on the pooled DBAPI connection from
SQL compiled once per shape, with the column types' own bind and result conversions: the scan
then costs tens of microseconds, short enough to run on an event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Dialect, Engine, Select, and_, bindparam, func, or_, select

from coachplans.domain.queries import PlanQuery, PlanVersion
from coachplans.domain.tickers import canonical_ticker
from coachplans.store.engine import sqlite_path
from coachplans.store.rows import PLANS, SIGNALS
from coachplans.store.sqlite_file import IDENTITY_KEY, Identity, file_identity

VERSION_COLUMNS = (PLANS.c.id, PLANS.c.version, PLANS.c.coach, PLANS.c.trade_date)
Shape = tuple[bool, bool, bool, bool, int, bool, bool, bool, bool]
Processor = Callable[[Any], Any] | None


def shape_of(query: PlanQuery) -> Shape:
    """What decides the statement's text: the filters set, the order, the number of coaches."""
    return (
        query.include_deleted,
        query.trade_date is not None,
        query.date_from is not None,
        query.date_to is not None,
        len(query.coaches),
        bool(query.text),
        bool(query.ticker),
        query.after is not None,
        query.ascending,
    )


def list_params(query: PlanQuery) -> dict[str, Any]:
    """The bound values of ``query``'s statement (names as :func:`list_stmt` binds them)."""
    params: dict[str, Any] = {
        "trade_date": query.trade_date,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "limit": query.limit,
    }
    params.update({f"coach_{i}": coach for i, coach in enumerate(query.coaches)})
    if query.text:
        params["pattern"] = "%" + _escape_like(query.text.lower()) + "%"
    if query.ticker:
        params["ticker"] = canonical_ticker(query.ticker)
    if query.after is not None:
        params["after_day"], params["after_id"] = query.after
    return params


def list_stmt(shape: Shape, columns: Sequence[Any]) -> Select[Any]:
    """The statement of a query shape, its values bound by name (see :func:`list_params`)."""
    deleted_too, on_day, since, until, coaches, text, ticker, after, ascending = shape
    p = PLANS.c
    stmt = select(*columns).where(p.version > 0)
    if not deleted_too:
        stmt = stmt.where(p.deleted_at.is_(None))
    if on_day:
        stmt = stmt.where(p.trade_date == bindparam("trade_date", type_=p.trade_date.type))
    if since:
        stmt = stmt.where(p.trade_date >= bindparam("date_from", type_=p.trade_date.type))
    if until:
        stmt = stmt.where(p.trade_date <= bindparam("date_to", type_=p.trade_date.type))
    if coaches:
        stmt = stmt.where(p.coach.in_([bindparam(f"coach_{i}") for i in range(coaches)]))
    if text:
        stmt = stmt.where(func.lower(p.text).like(bindparam("pattern"), escape="\\"))
    if ticker:
        named = SIGNALS.c.ticker == bindparam("ticker")
        stmt = stmt.where(
            select(SIGNALS.c.plan_id).where(SIGNALS.c.plan_id == p.id, named).exists()
        )
    if after:
        stmt = stmt.where(_after(ascending))
    order = (p.trade_date.asc(), p.id.asc()) if ascending else (p.trade_date.desc(), p.id.desc())
    return stmt.order_by(*order).limit(bindparam("limit"))


def _after(ascending: bool) -> Any:
    """Keyset pagination: the rows after (trade_date, id) in the listing's order."""
    p = PLANS.c
    day = bindparam("after_day", type_=p.trade_date.type)
    plan_id = bindparam("after_id", type_=p.id.type)
    if ascending:
        return or_(p.trade_date > day, and_(p.trade_date == day, p.id > plan_id))
    return or_(p.trade_date < day, and_(p.trade_date == day, p.id < plan_id))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Statements:
    """``list_stmt`` per (shape, columns), built on first use and kept: there are few shapes."""

    def __init__(self) -> None:
        self._built: dict[tuple[Shape, str], Select[Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, shape: Shape, name: str, columns: Sequence[Any]) -> Select[Any]:
        stmt = self._built.get((shape, name))
        if stmt is None:
            stmt = list_stmt(shape, columns)
            with self._lock:
                self._built[(shape, name)] = stmt
        return stmt


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Any, Processor], ...]  # name, constant value, bind conversion
    date: Processor  # the trade_date column's result conversion


class _Kept(threading.local):
    """The connection an event loop's thread keeps for its scans, and the file it opened."""

    connection: Any = None
    identity: Identity | None = None


class SqliteVersions:
    """The page's (id, version, coach, date) on SQLite, run on a DBAPI connection.

    Off the event loop, the connection is checked out of the pool, which checks the database
    file's identity (store/sqlite_file.py). On an event loop's thread, where these scans run
    for the fast reads (api/hot_reads.py), that thread keeps one connection out of the pool, as
    a pool checkout and return cost more than the scan: the file's identity is compared with
    the one it opened before each use, and on any difference (moved, replaced, missing) the
    kept connection is closed and the pooled path reopens or reports it. Connections are in
    autocommit mode (engine.py), so a SELECT holds no snapshot after it returns.
    """

    def __init__(self, engine: Engine, statements: Statements):
        self.engine = engine
        self._statements = statements
        self._compiled: dict[Shape, _Compiled] = {}
        self._path = sqlite_path(engine)  # None in memory: every scan then uses the pool
        self._kept = _Kept()

    def __call__(self, query: PlanQuery) -> list[PlanVersion]:
        shape = shape_of(query)
        compiled = self._compiled.get(shape) or self._compile(shape)
        values = list_params(query)
        params = [_bound(values, *bind) for bind in compiled.binds]
        rows = self._on_kept(compiled.sql, params) if self._on_loop() else None
        if rows is None:
            rows = self._on_pooled(compiled.sql, params)
        to_date = compiled.date
        if to_date is None:
            return [PlanVersion(*row) for row in rows]
        return [PlanVersion(i, v, c, to_date(d)) for i, v, c, d in rows]

    def _on_loop(self) -> bool:
        if self._path is None:
            return False
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def _on_pooled(self, sql: str, params: list[Any]) -> list[Any]:
        connection = self.engine.raw_connection()
        try:
            return _fetch(connection, sql, params)
        finally:
            connection.close()

    def _on_kept(self, sql: str, params: list[Any]) -> list[Any] | None:
        """The rows, on the connection this thread keeps; None when the file at the path is
        not the one that connection opened (the pooled path then handles it)."""
        kept = self._kept
        assert self._path is not None
        current = file_identity(self._path)
        if kept.connection is not None and kept.identity != current:
            self.release()
        if current is None:
            return None
        if kept.connection is None:
            connection = self.engine.raw_connection()  # the checkout checks the file
            opened = connection.info.get(IDENTITY_KEY)
            connection.detach()  # ours now: closing it closes the DBAPI connection
            kept.connection, kept.identity = connection, opened
            if opened != current:
                return None
        try:
            return _fetch(kept.connection, sql, params)
        except Exception:
            self.release()
            raise

    def release(self) -> None:
        """Close this thread's kept connection, if any."""
        kept = self._kept
        connection, kept.connection, kept.identity = kept.connection, None, None
        if connection is not None:
            connection.close()

    def _compile(self, shape: Shape) -> _Compiled:
        dialect: Dialect = self.engine.dialect
        compiled = self._statements(shape, "versions", VERSION_COLUMNS).compile(dialect=dialect)
        names = compiled.positiontup or []
        binds: list[tuple[str, Any, Processor]] = []
        for name in names:
            param: BindParameter[Any] = compiled.binds[name]
            convert = param.type.dialect_impl(dialect).bind_processor(dialect)
            binds.append((name, param.value, convert))
        date_type = PLANS.c.trade_date.type.dialect_impl(dialect)
        found = _Compiled(compiled.string, tuple(binds), date_type.result_processor(dialect, None))
        self._compiled[shape] = found
        return found


def _fetch(connection: Any, sql: str, params: list[Any]) -> list[Any]:
    cursor = connection.cursor()
    try:
        return list(cursor.execute(sql, params).fetchall())
    finally:
        cursor.close()


def _bound(values: dict[str, Any], name: str, constant: Any, convert: Processor) -> Any:
    value = values.get(name, constant)
    return convert(value) if convert is not None and value is not None else value
