"""Single-flight: callers that miss the same cache key at once make one request between them.

The first caller (the leader) fetches; the others wait until it is done, then read the cache it
filled. When the leader failed and left nothing there, a follower fetches for itself.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Generic, TypeVar

K = TypeVar("K")


class SingleFlight(Generic[K]):
    """For threads sharing one client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[K, threading.Event] = {}

    @contextmanager
    def leading(self, key: K) -> Iterator[bool]:
        """Yields True to the caller that should fetch, False to one that waited for it."""
        with self._lock:
            done = self._running.get(key)
            if done is None:
                done = self._running[key] = threading.Event()
                leader = True
            else:
                leader = False
        if not leader:
            done.wait()
            yield False
            return
        try:
            yield True
        finally:
            with self._lock:
                del self._running[key]
            done.set()


class AsyncSingleFlight(Generic[K]):
    """For tasks sharing one async client (one event loop)."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Event] = {}

    @asynccontextmanager
    async def leading(self, key: K) -> AsyncIterator[bool]:
        done = self._running.get(key)
        if done is not None:
            await done.wait()
            yield False
            return
        done = self._running[key] = asyncio.Event()
        try:
            yield True
        finally:
            del self._running[key]
            done.set()
