"""The compatibility client's cache: LRU with a TTL (cachetools) and a lock-free hit path, and the
rule for which answers must be revalidated with the server before they are served again.

Answers that can still change — a date that is today or later, and "no plan yet" — are served
from the cache only within ``revalidate_after_seconds`` of the last check; after that the
client asks again with ``If-None-Match`` and a 304 keeps the entry. Past dates with a plan are
served for the whole TTL. The clock is injectable so tests move time by hand.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from cachetools import TTLCache

Key = tuple[str, str]  # (coach key or "*all*", YYYY-MM-DD)
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Entry:
    body: dict[str, Any]
    etag: str | None
    validated_at: float
    volatile: bool  # may still change: revalidate after the short interval
    expires_at: float = float("inf")


class _Entries(TTLCache[Key, Entry]):
    """A TTLCache that reports every key it evicts (LRU) or expires (TTL)."""

    def __init__(
        self, maxsize: int, ttl: float, timer: Clock, dropped: Callable[[Key], None]
    ) -> None:
        super().__init__(maxsize=maxsize, ttl=ttl, timer=timer)
        self._report = dropped

    def popitem(self) -> tuple[Key, Entry]:
        key, value = super().popitem()
        self._report(key)
        return key, value

    def expire(self, time: float | None = None) -> list[tuple[Key, Entry]]:
        expired = list(super().expire(time))
        for key, _ in expired:
            self._report(key)
        return expired


class PlanCache:
    """LRU + TTL (cachetools' TTLCache) for storage and eviction, written under a lock; hits
    are read from a plain dict beside it without taking the lock.

    Threads share one client, so the hit path must not serialise them on a lock: a dict read
    is atomic under the GIL, entries are immutable, and each carries its own expiry. Hits are
    counted with ``itertools.count`` (atomic) and their keys queued (a deque, atomic append),
    then replayed into the TTLCache at the next write so its LRU order still follows use.
    """

    def __init__(
        self,
        max_size: int = 100,
        ttl_seconds: float = 3600.0,
        revalidate_after_seconds: float = 30.0,
        clock: Clock = time.monotonic,
    ):
        self.max_size = max_size
        self.ttl_seconds = ttl_seconds
        self.revalidate_after = revalidate_after_seconds
        self.enabled = max_size > 0 and ttl_seconds > 0
        self._clock = clock
        self._lock = threading.Lock()
        self._hits = itertools.count()
        self._misses = itertools.count()
        self._fast: dict[Key, Entry] = {}
        self._entries = _Entries(
            max(max_size, 1), max(ttl_seconds, 1e-9), clock, dropped=self._dropped
        )
        self._recent: deque[Key] = deque(maxlen=max(max_size, 1) * 4)

    @property
    def hits(self) -> int:
        return _count_of(self._hits)

    @property
    def misses(self) -> int:
        return _count_of(self._misses)

    def lookup(self, key: Key) -> tuple[Entry | None, bool]:
        """The entry of ``key`` and whether it may be served as is, which counts as a hit.
        Otherwise the caller asks the server (revalidating the stale entry, if any) and
        reports the result with :meth:`record`."""
        entry = self._fast.get(key)
        if entry is None:
            return None, False
        now = self._clock()
        if now >= entry.expires_at:
            return None, False
        if entry.volatile and now - entry.validated_at >= self.revalidate_after:
            return entry, False
        next(self._hits)
        self._recent.append(key)
        return entry, True

    def record(self, hit: bool) -> None:
        """Count a lookup that went to the server: a hit when its answer was the cached
        entry (a 304, or the server failed and the stale entry was served), else a miss."""
        next(self._hits if hit else self._misses)

    def stats(self) -> dict[str, Any]:
        hits, misses = self.hits, self.misses
        total = hits + misses
        return {
            "total": total,
            "cache_hits": hits,
            "cache_misses": misses,
            "cache_hit_rate_percent": round(100.0 * hits / total, 2) if total else 0.0,
        }

    def put(self, key: Key, body: dict[str, Any], etag: str | None, volatile: bool) -> None:
        if not self.enabled:
            return
        now = self._clock()
        self._store(key, Entry(body, etag, now, volatile, now + self.ttl_seconds))

    def revalidated(self, key: Key, entry: Entry) -> Entry:
        """The server confirmed ``entry`` (a 304): keep it, checked as of now, TTL restarted."""
        now = self._clock()
        fresh = replace(entry, validated_at=now, expires_at=now + self.ttl_seconds)
        if self.enabled:
            self._store(key, fresh)
        return fresh

    def _store(self, key: Key, entry: Entry) -> None:
        with self._lock:
            self._replay_recent()
            self._entries[key] = entry  # may evict or expire others: see _Entries
            self._fast[key] = entry

    def _dropped(self, key: Key) -> None:
        # Called by the TTLCache, under our lock, for each key it evicts or expires.
        self._fast.pop(key, None)

    def _replay_recent(self) -> None:
        entries = self._entries
        while self._recent:
            recent = self._recent.popleft()
            if recent in entries:
                entries[recent]

    def clear(self) -> int:
        """Drop every entry; the number of live entries removed."""
        with self._lock:
            self._entries.expire()
            removed = len(self._entries)
            self._entries.clear()
            self._fast = {}
        return removed

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)


def _count_of(counter: itertools.count[int]) -> int:
    """How many times ``next`` was called on ``counter``, without advancing it."""
    return int(repr(counter)[6:-1])


class TradingDay:
    """Today's trading date (ISO) in the market time zone, as the server computes it.

    Without an injected ``now`` the date is computed once and kept until the next local
    midnight, so asking costs a float comparison on the cache-hit path.
    """

    def __init__(
        self,
        tz: str | tzinfo = "America/New_York",
        now: Callable[[], datetime] | None = None,
    ):
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._now = now
        self._today = ""
        self._until = 0.0

    def today(self) -> str:
        if self._now is not None:
            return self._now().astimezone(self.tz).date().isoformat()
        if time.time() >= self._until:
            self._roll()
        return self._today

    def today_date(self) -> date:
        return date.fromisoformat(self.today())

    def _roll(self) -> None:
        day = datetime.now(self.tz).date()
        midnight = datetime.combine(day + timedelta(days=1), dtime(0), tzinfo=self.tz)
        self._today = day.isoformat()
        self._until = midnight.timestamp()
