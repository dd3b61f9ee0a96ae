"""Changes across processes on PostgreSQL: every write transaction that appends to the outbox
also sends ``NOTIFY coachplans_events`` (delivered at commit, never for a rollback), and one
listener connection per process hears it.

The notice carries the changed slot (coach and date), the event's id and its time, so that a
process can drop its read-cache entries for that slot, wake its event poller and measure how
far behind it hears of changes. A notice is only a wake-up: the outbox table stays the record
(a notice sent while the listener was reconnecting is never replayed, so the listener reports
every reconnection and the poller reads the outbox after it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, text

from coachplans.store.pg_connect import connect

log = logging.getLogger(__name__)

CHANNEL = "coachplans_events"
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
RETRY_MIN_SECONDS = 0.5
RETRY_MAX_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Notice:
    event_id: int
    coach: str
    trade_date: date
    at: datetime  # when the writer committed the change (its clock)


def send(conn: Connection, event_id: int, coach: str, trade_date: date, at: datetime) -> None:
    """Queue the notice in the write transaction ``conn`` (PostgreSQL sends it at commit)."""
    payload = json.dumps(
        {"id": event_id, "coach": coach, "date": trade_date.isoformat(), "at": at.isoformat()}
    )
    conn.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})


def parse(payload: str) -> Notice | None:
    try:
        data = json.loads(payload)
        return Notice(
            int(data["id"]),
            str(data["coach"]),
            date.fromisoformat(data["date"]),
            datetime.fromisoformat(data["at"]),
        )
    except (ValueError, KeyError, TypeError):
        log.warning("ignored a malformed %s notice: %.200r", CHANNEL, payload)
        return None


class ChangeListener:
    """One ``LISTEN`` connection for this process, reconnecting for ever with backoff.

    ``on_notice`` is called in the event loop for every change committed by any process;
    ``on_connected(True)`` after every (re)connection, so the caller can read what it may have
    missed, and ``on_connected(False)`` when the connection is lost.
    """

    def __init__(self, url: str):
        self.url = url
        self.connected = False

    async def run(
        self,
        stop: asyncio.Event,
        on_notice: Callable[[Notice], None],
        on_connected: Callable[[bool], None],
    ) -> None:
        delay = RETRY_MIN_SECONDS
        while not stop.is_set():
            try:
                conn = await connect(self.url, "coachplans-events")
            except (psycopg.Error, OSError) as exc:
                log.warning("event listener cannot connect: %s", _first_line(exc))
            else:
                delay = RETRY_MIN_SECONDS
                await self._listen(conn, stop, on_notice, on_connected)
            if stop.is_set():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(RETRY_MAX_SECONDS, delay * 2)

    async def _listen(
        self,
        conn: psycopg.AsyncConnection[Any],
        stop: asyncio.Event,
        on_notice: Callable[[Notice], None],
        on_connected: Callable[[bool], None],
    ) -> None:
        try:
            await conn.execute(f"LISTEN {CHANNEL}")
            self._set_connected(True, on_connected)
            while not stop.is_set():
                # A bounded wait, so that ``stop`` is seen and a dead connection raises.
                async for note in conn.notifies(timeout=1.0):
                    notice = parse(note.payload)
                    if notice is not None:
                        on_notice(notice)
                if not stop.is_set():
                    await conn.execute("SELECT 1")
        except (psycopg.Error, OSError) as exc:
            log.warning("event listener lost its connection: %s", _first_line(exc))
        finally:
            self._set_connected(False, on_connected)
            with contextlib.suppress(psycopg.Error, OSError):
                await conn.close()

    def _set_connected(self, value: bool, on_connected: Callable[[bool], None]) -> None:
        if value != self.connected:
            log.info("event listener %s", "listening" if value else "disconnected")
        self.connected = value
        on_connected(value)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
