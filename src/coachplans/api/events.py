"""Live events for SSE subscribers: one poller per process reads the outbox and fans out.

The poller reads the outbox when it is woken (a write in this process, or a notice from the
PostgreSQL listener about a write in another one) and every ``poll_seconds`` as the fallback,
and only while someone is subscribed: the database sees the same queries for one subscriber
as for a thousand. A subscriber reads the outbox itself only to catch up (resuming from an
older ``Last-Event-ID``, or after falling more than ``queue_size`` events behind).

Nothing outlives a stream: a subscriber is a deque and an :class:`asyncio.Event`, waited on
in the stream's own task with a timeout, and removed in ``finally`` however the stream ends.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from coachplans.api.read_cache import ReadCache
from coachplans.domain.dates import utcnow
from coachplans.domain.plans import Event, Plan
from coachplans.errors import StorageUnavailable
from coachplans.service import PlanService

log = logging.getLogger(__name__)

BATCH = 100


class _Subscriber:
    __slots__ = ("limit", "overflowed", "pending", "ready")

    def __init__(self, limit: int):
        self.pending: collections.deque[Event] = collections.deque()
        self.ready = asyncio.Event()
        self.overflowed = False
        self.limit = limit

    def push(self, event: Event) -> None:
        if len(self.pending) >= self.limit:
            self.overflowed = True  # it reads the outbox itself to catch up
            self.pending.clear()
        else:
            self.pending.append(event)
        self.ready.set()


class EventHub:
    def __init__(self, service: PlanService, poll_seconds: float = 2.0, queue_size: int = 1000):
        self.service = service
        self.poll_seconds = poll_seconds
        self.queue_size = queue_size
        self.outbox_reads = 0  # by the poller and by subscribers catching up (for benches)
        self.catch_up_reads = 0  # by subscribers resuming or fallen behind
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: set[_Subscriber] = set()
        self._wakeup = asyncio.Event()
        self._cursor: int | None = None  # newest event fanned out; None while nobody listens
        self._cursor_lock = asyncio.Lock()
        self._closing: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def close_on(self, stopping: asyncio.Event) -> None:
        """Streams end (and stop holding up a graceful shutdown) once ``stopping`` is set."""
        self._closing = stopping

    @property
    def closed(self) -> bool:
        return self._closing is not None and self._closing.is_set()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the poller in ``loop``; writes from worker threads wake it."""
        self._loop = loop
        self.service.subscribe(self._on_change)
        self._tasks.append(loop.create_task(self._poll_forever(), name="event-poller"))
        if self._closing is not None:
            self._tasks.append(loop.create_task(self._close_when_stopping(self._closing)))

    async def detach(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._loop = None

    def wake(self) -> None:
        """Something was written (here or, through the listener, elsewhere): read the outbox."""
        self._wakeup.set()

    def _on_change(self, _plan: Plan) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop shutting down
                loop.call_soon_threadsafe(self.wake)

    # -- the one poller ---------------------------------------------------------------

    async def _poll_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wakeup.wait()
            self._wakeup.clear()
            try:
                await self._poll_once()
            except StorageUnavailable as exc:
                log.warning("event poller: %s", exc)
            except Exception:  # never let the process's only poller die
                log.exception("event poller failed; trying again at the next poll")

    async def _poll_once(self) -> None:
        async with self._cursor_lock:
            if not self._subscribers:
                self._cursor = None  # nobody to tell: no queries until someone subscribes
                return
            if self._cursor is None:
                return  # the first subscriber sets it (see follow)
            while True:
                events = await self._read(self._cursor, BATCH)
                for event in events:
                    self._cursor = event.id
                    for subscriber in self._subscribers:
                        subscriber.push(event)
                if len(events) < BATCH:
                    return

    async def _start_cursor(self) -> None:
        async with self._cursor_lock:
            if self._cursor is None:
                self._cursor = await run_in_threadpool(self.service.outbox.last_id)

    async def _read(self, after_id: int, limit: int) -> list[Event]:
        self.outbox_reads += 1
        return await run_in_threadpool(self.service.outbox.after, after_id, limit)

    async def _close_when_stopping(self, stopping: asyncio.Event) -> None:
        await stopping.wait()
        for subscriber in self._subscribers:
            subscriber.ready.set()

    # -- one stream ----------------------------------------------------------------------

    async def follow(self, after_id: int) -> AsyncIterator[Event | None]:
        """Events after ``after_id`` forever; ``None`` when idle for a poll period (heartbeat)."""
        subscriber = _Subscriber(self.queue_size)
        self._subscribers.add(subscriber)
        try:
            # Registered first, then the cursor: whatever the poller fans out from now on
            # reaches this subscriber; everything before is read below.
            await self._start_cursor()
            async for event in self._catch_up(after_id):
                after_id = event.id
                yield event
            while not self.closed:
                if subscriber.overflowed:
                    subscriber.overflowed = False
                    async for event in self._catch_up(after_id):
                        after_id = event.id
                        yield event
                if not subscriber.pending and not await self._wait(subscriber):
                    yield None
                    continue
                while subscriber.pending and not subscriber.overflowed:
                    event = subscriber.pending.popleft()
                    if event.id > after_id:
                        after_id = event.id
                        yield event
        finally:
            self._subscribers.discard(subscriber)

    async def _catch_up(self, after_id: int) -> AsyncIterator[Event]:
        """Events after ``after_id`` up to the poller's cursor, read from the outbox."""
        while not self.closed and self._cursor is not None and after_id < self._cursor:
            self.catch_up_reads += 1
            events = await self._read(after_id, BATCH)
            for event in events:
                after_id = event.id
                yield event
            if len(events) < BATCH:
                return

    async def _wait(self, subscriber: _Subscriber) -> bool:
        """Wait for an event or shutdown; False after a quiet poll period."""
        subscriber.ready.clear()
        if subscriber.pending or subscriber.overflowed or self.closed:
            return True
        try:
            async with asyncio.timeout(self.poll_seconds):
                await subscriber.ready.wait()
        except TimeoutError:
            return False
        return True


class Notice(Protocol):
    """A change committed by some process (see the store's listener)."""

    @property
    def at(self) -> datetime: ...


class ChangeFeed(Protocol):
    async def run(
        self,
        stop: asyncio.Event,
        on_notice: Callable[[Notice], None],
        on_connected: Callable[[bool], None],
    ) -> None: ...


class ChangeFollower:
    """Connects the process's change feed (PostgreSQL LISTEN) to the hub and the read cache:
    a change anywhere drops this process's cached reads and wakes its poller."""

    def __init__(self, hub: EventHub, cache: ReadCache, feed: ChangeFeed | None):
        self.hub, self.cache, self.feed = hub, cache, feed
        self.connected = False
        self.notices = 0
        self.lag_seconds: float | None = None  # age of the newest change when it was heard
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.feed is not None:
            run = self.feed.run(self._stop, self._on_notice, self._on_connected)
            self._task = asyncio.create_task(run, name="change-listener")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 5)
            except TimeoutError:
                log.warning("the change listener did not stop in time")
            except Exception:
                log.exception("the change listener failed")

    def _on_notice(self, notice: Notice) -> None:
        self.notices += 1
        self.lag_seconds = max(0.0, (utcnow() - notice.at).total_seconds())
        self.cache.invalidate()
        self.hub.wake()

    def _on_connected(self, connected: bool) -> None:
        self.connected = connected
        if connected:  # notices sent while it was away are lost: read what changed
            self.cache.invalidate()
            self.hub.wake()
