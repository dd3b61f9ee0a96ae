"""The read cache in front of the database: single-flight builds, invalidation on writes,
stale-while-revalidate after the TTL."""

from __future__ import annotations

import asyncio
import threading

from coachplans.api.read_cache import CacheKey, ReadCache

KEY: CacheKey = ("/api/coach-plans/all", b"date=2024-11-12", b"testserver", "http")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingBuild:
    """A build that counts its calls and can be held until released."""

    def __init__(self, body: bytes = b"{}") -> None:
        self.body = body
        self.calls = 0
        self.release = threading.Event()
        self.release.set()

    def __call__(self) -> bytes:
        self.calls += 1
        self.release.wait(5)
        return self.body


async def test_concurrent_misses_share_one_build() -> None:
    cache = ReadCache(ttl=1.0)
    build = CountingBuild(b'{"a":1}')
    build.release.clear()
    waiting = [asyncio.create_task(cache.fill(KEY, build, "no-cache", None)) for _ in range(20)]
    await asyncio.sleep(0.05)
    build.release.set()
    entries = await asyncio.gather(*waiting)
    assert build.calls == 1
    assert {entry.body for entry in entries} == {b'{"a":1}'}
    assert cache.lookup(KEY) is entries[0]


async def test_a_write_drops_entries_and_a_racing_build_is_not_kept() -> None:
    cache = ReadCache(ttl=60.0)
    await cache.fill(KEY, CountingBuild(b"old"), "no-cache", None)
    cache.invalidate()
    assert cache.lookup(KEY) is None

    slow = CountingBuild(b"built before the write")
    slow.release.clear()
    task = asyncio.create_task(cache.fill(KEY, slow, "no-cache", None))
    await asyncio.sleep(0.05)
    cache.invalidate()  # a write lands while the body is being built
    slow.release.set()
    served = await task
    assert served.body == b"built before the write"  # the waiting caller still gets an answer
    assert cache.lookup(KEY) is None  # but it is not kept


async def test_an_aged_entry_is_served_once_while_one_refresh_runs() -> None:
    clock = Clock()
    cache = ReadCache(ttl=1.0, timer=clock)
    build = CountingBuild(b"v1")
    await cache.fill(KEY, build, "no-cache", None)
    assert cache.lookup(KEY).body == b"v1"  # type: ignore[union-attr]
    assert build.calls == 1

    build.body = b"v2"
    clock.now += 1.5
    stale = [cache.lookup(KEY) for _ in range(5)]
    assert {entry.body for entry in stale if entry} == {b"v1"}
    await asyncio.sleep(0.05)
    assert build.calls == 2  # one refresh for five stale lookups
    assert cache.lookup(KEY).body == b"v2"  # type: ignore[union-attr]


async def test_a_disabled_cache_keeps_nothing() -> None:
    cache = ReadCache(ttl=0)
    build = CountingBuild()
    await cache.fill(KEY, build, "no-cache", None)
    await cache.fill(KEY, build, "no-cache", None)
    assert cache.lookup(KEY) is None
    assert build.calls == 2
