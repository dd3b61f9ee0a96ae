"""The read cache in front of the database: serialised JSON bodies with their ETags, keyed
by request, refreshed in the background after their TTL (stale-while-revalidate)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from coachplans.api.json_body import etag_of

CacheKey = tuple[str, bytes, str]


@dataclass(frozen=True, slots=True)
class CachedBody:
    body: bytes
    etag: str
    cache_control: str
    route: Any  # the matched route, so metrics label a cache hit like the route itself
    build: Callable[[], bytes]  # how to make it again, for a refresh in the background
    built_at: float


def cache_key(scope: Scope, link_base: str) -> CacheKey:
    """What makes two GETs the same: path, raw query and the base of the absolute URLs in
    the body (api/links.py; never a raw Host header, which the client chooses)."""
    return (scope["path"], scope["query_string"], link_base)


class ReadCache:
    """Serialised responses for hot reads.

    A write in this process drops every entry at once. Writes made by other processes are
    seen within about ``ttl`` seconds: an entry older than that is still served once while a
    single background build replaces it (stale-while-revalidate), so no request waits on the
    database for it. Concurrent misses share one build instead of stampeding the database.
    """

    def __init__(
        self, ttl: float, maxsize: int = 4096, timer: Callable[[], float] = time.monotonic
    ):
        self.enabled = ttl > 0
        self.ttl = ttl
        self._timer = timer
        self._entries: LRUCache[CacheKey, CachedBody] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self._generation = 0
        self._building: dict[CacheKey, asyncio.Task[CachedBody]] = {}
        self.hits = 0  # served from memory
        self.misses = 0  # built from the database for a request

    def lookup(self, key: CacheKey) -> CachedBody | None:
        """The entry for ``key``; when it has aged past ``ttl``, a refresh is started."""
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        self.hits += 1
        if self._timer() - entry.built_at >= self.ttl:
            self._start(key, entry.build, entry.cache_control, entry.route)
        return entry

    async def fill(
        self, key: CacheKey, build: Callable[[], bytes], cache_control: str, route: Any
    ) -> CachedBody:
        self.misses += 1
        # shield: a caller that goes away does not cancel the build the others wait for
        return await asyncio.shield(self._start(key, build, cache_control, route))

    def _start(
        self, key: CacheKey, build: Callable[[], bytes], cache_control: str, route: Any
    ) -> asyncio.Task[CachedBody]:
        task = self._building.get(key)
        if task is None:
            task = asyncio.ensure_future(self._build(key, build, cache_control, route))
            task.add_done_callback(lambda done: self._finished(key, done))
            self._building[key] = task
        return task

    async def _build(
        self, key: CacheKey, build: Callable[[], bytes], cache_control: str, route: Any
    ) -> CachedBody:
        generation = self._generation
        body = await run_in_threadpool(build)
        entry = CachedBody(body, etag_of(body), cache_control, route, build, self._timer())
        with self._lock:
            # A write while building may have made this body stale: serve it, don't keep it.
            if self.enabled and generation == self._generation:
                self._entries[key] = entry
        return entry

    def _finished(self, key: CacheKey, task: asyncio.Task[CachedBody]) -> None:
        if self._building.get(key) is task:
            del self._building[key]
        if not task.cancelled():
            task.exception()  # retrieved here so an unawaited failure is not reported twice

    def invalidate(self, *_: object) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
