"""The compatibility client's cache: LRU with a TTL (cachetools), guarded by a lock, and the
rule for which answers must be revalidated with the server before they are served again.

Answers that can still change — a date that is today or later, and "no plan yet" — are served
from the cache only within ``revalidate_after_seconds`` of the last check; after that the
client asks again with ``If-None-Match`` and a 304 keeps the entry. Past dates with a plan are
served for the whole TTL. The clock is injectable so tests move time by hand.
"""

from __future__ import annotations

import threading
import time
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


class PlanCache:
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
        self.hits = 0
        self.misses = 0
        self._entries: TTLCache[Key, Entry] = TTLCache(
            maxsize=max(max_size, 1), ttl=max(ttl_seconds, 1e-9), timer=clock
        )

    def lookup(self, key: Key) -> tuple[Entry | None, bool]:
        """The entry of ``key`` and whether it may be served as is, which counts as a hit.
        Otherwise the caller asks the server (revalidating the stale entry, if any) and
        reports the result with :meth:`record`."""
        with self._lock:
            try:  # TTLCache.get would look the key up twice (``in``, then ``[]``)
                entry = self._entries[key]
            except KeyError:
                return None, False
            if entry.volatile and self._clock() - entry.validated_at >= self.revalidate_after:
                return entry, False
            self.hits += 1
        return entry, True

    def record(self, hit: bool) -> None:
        """Count a lookup that went to the server: a hit when its answer was the cached
        entry (a 304, or the server failed and the stale entry was served), else a miss."""
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
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
        entry = Entry(body, etag, self._clock(), volatile)
        with self._lock:
            self._entries[key] = entry

    def revalidated(self, key: Key, entry: Entry) -> Entry:
        """The server confirmed ``entry`` (a 304): keep it, checked as of now, TTL restarted."""
        fresh = replace(entry, validated_at=self._clock())
        if self.enabled:
            with self._lock:
                self._entries[key] = fresh
        return fresh

    def clear(self) -> int:
        """Drop every entry; the number of live entries removed."""
        with self._lock:
            self._entries.expire()
            removed = len(self._entries)
            self._entries.clear()
        return removed

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)


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
