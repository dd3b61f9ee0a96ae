"""Live events for SSE subscribers: woken by local writes at once, and polling the outbox
table so that writes made by other processes arrive too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool

from coachplans.domain.plans import Event, Plan
from coachplans.service import PlanService


class EventHub:
    def __init__(self, service: PlanService, poll_seconds: float = 2.0):
        self.service = service
        self.poll_seconds = poll_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Event] = set()
        self._closing: asyncio.Event | None = None

    def close_on(self, stopping: asyncio.Event) -> None:
        """Streams end (and stop holding up a graceful shutdown) once ``stopping`` is set."""
        self._closing = stopping

    @property
    def closed(self) -> bool:
        return self._closing is not None and self._closing.is_set()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the loop so writes from worker threads can wake subscribers."""
        self._loop = loop
        self.service.subscribe(self._on_change)

    def _on_change(self, _plan: Plan) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop shutting down
                loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for waiter in self._waiters:
            waiter.set()

    async def follow(self, after_id: int, batch: int = 100) -> AsyncIterator[Event | None]:
        """Events after ``after_id`` forever; ``None`` when idle for a poll period (heartbeat)."""
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            while not self.closed:
                waiter.clear()
                events = await run_in_threadpool(self.service.outbox.after, after_id, batch)
                for event in events:
                    after_id = event.id
                    yield event
                if len(events) == batch:
                    continue
                if await self._idle(waiter):
                    yield None
        finally:
            self._waiters.discard(waiter)

    async def _idle(self, waiter: asyncio.Event) -> bool:
        """Wait for a local write, shutdown or the poll period; True when nothing happened."""
        waits = [asyncio.ensure_future(waiter.wait())]
        if self._closing is not None:
            waits.append(asyncio.ensure_future(self._closing.wait()))
        try:
            done, _ = await asyncio.wait(
                waits, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:  # also when the subscriber went away (a closed tab): no task left pending
            for task in waits:
                task.cancel()
        return not done
