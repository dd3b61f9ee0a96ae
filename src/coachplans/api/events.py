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
            while True:
                waiter.clear()
                events = await run_in_threadpool(self.service.events_after, after_id, batch)
                for event in events:
                    after_id = event.id
                    yield event
                if len(events) == batch:
                    continue
                try:
                    await asyncio.wait_for(waiter.wait(), self.poll_seconds)
                except TimeoutError:
                    yield None
        finally:
            self._waiters.discard(waiter)
