"""The compatibility facade of SPEC §7.1: ``EnhancedWebhookClient`` (and its async twin) with
the old client's constructor, methods and return shapes. It never raises: a failure becomes
the documented fallback answer, logged on ``coachplans.client``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

import httpx

from coachplans.client.cache import Clock, Key, PlanCache, TradingDay
from coachplans.client.calls import drive, drive_async
from coachplans.client.compat_core import (
    ALL,
    Body,
    CompatCore,
    DateLike,
    PlansUnavailable,
    copy_all,
    copy_plan,
    plan_fallback,
)
from coachplans.client.flights import AsyncSingleFlight, SingleFlight
from coachplans.client.metrics import ClientMetrics
from coachplans.client.retry import RetryPolicy
from coachplans.client.runners import (
    AsyncClosesHttp,
    AsyncRunner,
    ClosesHttp,
    SyncRunner,
    http_options,
)

log = logging.getLogger("coachplans.client")
DEFAULT_URL = "http://localhost:5000"


class _CompatBase:
    """Construction shared by the sync and async facades.

    The first five parameters are the old client's. Keyword-only additions:
    ``revalidate_after_seconds`` (how long today's plans and "no plan" answers are served
    before asking the server again), ``market_timezone`` (where "today" is, as on the server),
    ``token`` (bearer token, for servers that require one for reads), ``retry`` (a
    ``RetryPolicy``; when given it wins over ``max_retries``), ``transport`` (any httpx
    transport), ``mock`` (offline mock plans, no server), ``clock`` and ``now`` (for tests).
    """

    def __init__(
        self,
        api_base_url: str = DEFAULT_URL,
        cache_ttl_seconds: float = 3600,
        max_cache_size: int = 100,
        timeout: float = 10,
        max_retries: int = 3,
        *,
        revalidate_after_seconds: float = 30.0,
        market_timezone: str | tzinfo = "America/New_York",
        token: str | None = None,
        retry: RetryPolicy | None = None,
        transport: Any = None,
        mock: bool = False,
        clock: Clock = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ):
        self.api_base_url = api_base_url.rstrip("/")
        self.cache_ttl_seconds = cache_ttl_seconds
        self.max_cache_size = max_cache_size
        self.timeout = timeout
        self.retry_policy = retry or RetryPolicy(max_retries=max_retries)
        self.max_retries = self.retry_policy.max_retries
        self.mock = mock
        cache = PlanCache(max_cache_size, cache_ttl_seconds, revalidate_after_seconds, clock)
        self.trading_day = TradingDay(market_timezone, now)
        self._metrics = ClientMetrics()
        self._core = CompatCore(cache, self._metrics, self.trading_day)
        if mock:
            from coachplans.client.mock_transport import offline_transport

            transport = offline_transport(self.trading_day)
        self._open(http_options(self.api_base_url, timeout, token, transport))

    def _open(self, options: dict[str, Any]) -> None:
        raise NotImplementedError

    def get_metrics(self) -> dict[str, Any]:
        """Counters of this client (see coachplans.client.metrics for what each means)."""
        return self._core.metrics_snapshot()

    def clear_cache(self) -> int:
        """Drop every cached answer; returns how many were removed."""
        removed = self._core.cache.clear()
        log.info("cache cleared: %d entries removed", removed)
        return removed


class EnhancedWebhookClient(ClosesHttp, _CompatBase):
    """The old system's caching client, rebuilt: thread-safe LRU+TTL cache with ETag
    revalidation, retries with backoff on transient failures, counters that mean what they
    say. ``mock=True`` answers with the mock plans offline (no server, no network)."""

    def _open(self, options: dict[str, Any]) -> None:
        self._http = httpx.Client(**options)
        self._runner = SyncRunner(self._http, self.retry_policy, self._metrics)
        self._flights: SingleFlight[Key] = SingleFlight()

    def fetch_coach_plan(self, coach_name: str, date: DateLike = None) -> Body:
        """The plan JSON of a coach and date (today when None); never raises."""
        try:
            key = self._core.plan_key(coach_name, date)
            entry, fresh = self._core.lookup(key)
            if fresh and entry is not None:
                return copy_plan(entry.body)
            with self._flights.leading(key) as leader:
                if not leader:  # another thread just fetched it: read what it cached
                    entry, fresh = self._core.lookup(key)
                    if fresh and entry is not None:
                        return copy_plan(entry.body)
                operation = self._core.fetch_plan(coach_name, key, entry)
                return drive(operation, self._runner.send)
        except Exception as exc:  # never take the caller down
            log.exception("fetch_coach_plan(%r, %r) failed unexpectedly", coach_name, date)
            return plan_fallback(str(coach_name), f"{type(exc).__name__}: {exc}")

    def fetch_all_coach_plans(self, date: DateLike = None) -> Body:
        """``{"coach_d": {...}, ...}`` for a date (today when None); fills the per-coach
        cache. On failure an empty ``PlansUnavailable`` with the reason in ``.error``."""
        try:
            day = self._core.day_text(date)
            entry, fresh = self._core.lookup((ALL, day))
            if fresh and entry is not None:
                return copy_all(entry.body)
            with self._flights.leading((ALL, day)) as leader:
                if not leader:
                    entry, fresh = self._core.lookup((ALL, day))
                    if fresh and entry is not None:
                        return copy_all(entry.body)
                return drive(self._core.fetch_all(day, entry), self._runner.send)
        except Exception as exc:
            log.exception("fetch_all_coach_plans(%r) failed unexpectedly", date)
            return PlansUnavailable(f"{type(exc).__name__}: {exc}")

    def check_health(self) -> Body:
        """The server's /health JSON (also on 503), or ``{"status": "unhealthy", "error"}``."""
        try:
            return drive(self._core.health(), self._runner.send)
        except Exception as exc:
            log.exception("check_health failed unexpectedly")
            return {"status": "unhealthy", "error": f"{type(exc).__name__}: {exc}"}

    def get_server_metrics(self) -> Body:
        """The server's /metrics JSON, or ``{"error": reason}``."""
        try:
            return drive(self._core.server_metrics(), self._runner.send)
        except Exception as exc:
            log.exception("get_server_metrics failed unexpectedly")
            return {"error": f"{type(exc).__name__}: {exc}"}


class AsyncEnhancedWebhookClient(AsyncClosesHttp, _CompatBase):
    """``EnhancedWebhookClient`` for asyncio: the same behaviour, coroutine methods
    (``get_metrics`` and ``clear_cache`` do no I/O and stay plain methods)."""

    def _open(self, options: dict[str, Any]) -> None:
        self._http = httpx.AsyncClient(**options)
        self._runner = AsyncRunner(self._http, self.retry_policy, self._metrics)
        self._flights: AsyncSingleFlight[Key] = AsyncSingleFlight()

    async def fetch_coach_plan(self, coach_name: str, date: DateLike = None) -> Body:
        try:
            key = self._core.plan_key(coach_name, date)
            entry, fresh = self._core.lookup(key)
            if fresh and entry is not None:
                return copy_plan(entry.body)
            async with self._flights.leading(key) as leader:
                if not leader:
                    entry, fresh = self._core.lookup(key)
                    if fresh and entry is not None:
                        return copy_plan(entry.body)
                operation = self._core.fetch_plan(coach_name, key, entry)
                return await drive_async(operation, self._runner.send)
        except Exception as exc:
            log.exception("fetch_coach_plan(%r, %r) failed unexpectedly", coach_name, date)
            return plan_fallback(str(coach_name), f"{type(exc).__name__}: {exc}")

    async def fetch_all_coach_plans(self, date: DateLike = None) -> Body:
        try:
            day = self._core.day_text(date)
            entry, fresh = self._core.lookup((ALL, day))
            if fresh and entry is not None:
                return copy_all(entry.body)
            async with self._flights.leading((ALL, day)) as leader:
                if not leader:
                    entry, fresh = self._core.lookup((ALL, day))
                    if fresh and entry is not None:
                        return copy_all(entry.body)
                return await drive_async(self._core.fetch_all(day, entry), self._runner.send)
        except Exception as exc:
            log.exception("fetch_all_coach_plans(%r) failed unexpectedly", date)
            return PlansUnavailable(f"{type(exc).__name__}: {exc}")

    async def check_health(self) -> Body:
        try:
            return await drive_async(self._core.health(), self._runner.send)
        except Exception as exc:
            log.exception("check_health failed unexpectedly")
            return {"status": "unhealthy", "error": f"{type(exc).__name__}: {exc}"}

    async def get_server_metrics(self) -> Body:
        try:
            return await drive_async(self._core.server_metrics(), self._runner.send)
        except Exception as exc:
            log.exception("get_server_metrics failed unexpectedly")
            return {"error": f"{type(exc).__name__}: {exc}"}


def create_client(
    api_base_url: str = DEFAULT_URL, *, mock: bool = False, **options: Any
) -> EnhancedWebhookClient:
    """An ``EnhancedWebhookClient`` (the old factory's name); ``mock=True`` works offline."""
    return EnhancedWebhookClient(api_base_url, mock=mock, **options)


def create_async_client(
    api_base_url: str = DEFAULT_URL, *, mock: bool = False, **options: Any
) -> AsyncEnhancedWebhookClient:
    return AsyncEnhancedWebhookClient(api_base_url, mock=mock, **options)
