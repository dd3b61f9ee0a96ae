"""Exactly one active bot across processes: a PostgreSQL session-level advisory lock held on a
dedicated connection (never a pooled one, which could be handed to someone else).

The process that holds the lock runs the work (the Discord bot, or mock mode's simulated one);
every other process waits as a standby and tries again every ``retry_seconds``. PostgreSQL
releases a session lock when its connection ends, so when the active process dies, even by
``kill -9``, the kernel closes its socket, the server ends the session, and a standby takes the
lock at its next try. The holder checks its connection every ``check_seconds``: when it is
gone (the database restarted, the network went away) the lock may already be someone else's,
so the work is stopped at once and the process goes back to standby.

On SQLite there is one process by construction and no lock (:class:`SoleLeadership`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import psycopg

from coachplans.store.pg_connect import connect

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[asyncio.Event], Awaitable[T]]
OnStandby = Callable[[str], None]

# Namespace of coachplans' session advisory locks (writes.py uses 0x4350 for ingest keys).
LEADER_LOCK_CLASS = 0x4351
LOCK_IDS = {"bot": 1}
HOLDER_ELSEWHERE = "another process runs the bot; this one takes over if it stops"


class Leadership(Protocol):
    async def lead(self, work: Work[T], stop: asyncio.Event, on_standby: OnStandby) -> T | None:
        """Run ``work`` while this process leads; None when ``stop`` came first."""
        ...


class SoleLeadership:
    """One process, nothing to elect: the work runs at once."""

    async def lead(self, work: Work[T], stop: asyncio.Event, on_standby: OnStandby) -> T | None:
        return await work(stop)


class AdvisoryLeadership:
    def __init__(
        self,
        url: str,
        *,
        role: str = "bot",
        retry_seconds: float = 1.0,
        check_seconds: float = 2.0,
    ):
        self.url = url
        self.role = role
        self.lock_id = LOCK_IDS[role]
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds

    async def lead(self, work: Work[T], stop: asyncio.Event, on_standby: OnStandby) -> T | None:
        while not stop.is_set():
            conn = await self._acquire(stop, on_standby)
            if conn is None:
                return None
            log.info("this process now runs the %s (it holds the PostgreSQL lock)", self.role)
            lost = asyncio.Event()
            result = await self._run_holding(conn, work, stop, lost)
            if lost.is_set() and not stop.is_set():
                log.warning(
                    "lost the database connection that holds the %s lock: %s stopped, "
                    "back to standby",
                    self.role,
                    self.role,
                )
                on_standby("lost the database connection holding the lock; waiting")
                continue
            return result
        return None

    async def _run_holding(
        self,
        conn: psycopg.AsyncConnection[Any],
        work: Work[T],
        stop: asyncio.Event,
        lost: asyncio.Event,
    ) -> T:
        work_stop = asyncio.Event()
        helpers = [
            asyncio.create_task(self._watch(conn, lost), name=f"{self.role}-lock-watch"),
            asyncio.create_task(_set_on_any(work_stop, stop, lost), name=f"{self.role}-stop"),
        ]
        try:
            return await work(work_stop)
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self._release(conn)

    async def _acquire(
        self, stop: asyncio.Event, on_standby: OnStandby
    ) -> psycopg.AsyncConnection[Any] | None:
        """The locked connection, or None when ``stop`` was set while waiting."""
        conn: psycopg.AsyncConnection[Any] | None = None
        announced = False
        while not stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = await connect(self.url, f"coachplans-{self.role}-lock")
                if await self._try_lock(conn):
                    return conn
                if not announced:
                    log.info("standby: %s", HOLDER_ELSEWHERE)
                    announced = True
                on_standby(HOLDER_ELSEWHERE)
            except (psycopg.Error, OSError) as exc:
                log.warning(
                    "standby: cannot reach the database for the %s lock: %s",
                    self.role,
                    _first_line(exc),
                )
                on_standby("database unreachable; waiting for the lock")
                await _closed(conn)
                conn = None
            if await _wait(stop, self.retry_seconds):
                break
        await _closed(conn)
        return None

    async def _try_lock(self, conn: psycopg.AsyncConnection[Any]) -> bool:
        cur = await conn.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", (LEADER_LOCK_CLASS, self.lock_id)
        )
        row = await cur.fetchone()
        return bool(row and row[0])

    async def _watch(self, conn: psycopg.AsyncConnection[Any], lost: asyncio.Event) -> None:
        """Sets ``lost`` when the connection (and so maybe the lock) is gone."""
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await asyncio.wait_for(conn.execute("SELECT 1"), self.check_seconds * 2)
            except (psycopg.Error, OSError, TimeoutError) as exc:
                log.warning("the %s lock's connection failed: %s", self.role, _first_line(exc))
                lost.set()
                return

    async def _release(self, conn: psycopg.AsyncConnection[Any]) -> None:
        with contextlib.suppress(psycopg.Error, OSError, TimeoutError):
            if not conn.closed:
                await asyncio.wait_for(
                    conn.execute(
                        "SELECT pg_advisory_unlock(%s, %s)", (LEADER_LOCK_CLASS, self.lock_id)
                    ),
                    self.check_seconds,
                )
        await _closed(conn)


async def _set_on_any(target: asyncio.Event, *sources: asyncio.Event) -> None:
    waits = [asyncio.create_task(source.wait()) for source in sources]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        target.set()
    finally:
        for wait in waits:
            wait.cancel()


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep ``seconds``; True when ``stop`` was set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _closed(conn: psycopg.AsyncConnection[Any] | None) -> None:
    if conn is not None:
        with contextlib.suppress(psycopg.Error, OSError):
            await conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
