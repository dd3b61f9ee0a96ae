"""Request counters for /metrics: JSON totals and Prometheus series, per process; and the
process's own state (bot role, SSE subscribers, read cache, change listener, database pool)
read from the live objects at each scrape."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from coachplans.bot_status import BOT_STATUSES

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    """Counts every HTTP request; safe to update from the event loop and worker threads."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self.total = 0
        self.success = 0
        self.error = 0
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "coachplans_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._latency = Histogram(
            "coachplans_http_request_duration_seconds",
            "HTTP request latency by route.",
            ["route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.plans = Gauge(
            "coachplans_plans_live", "Live plans in the database.", registry=self.registry
        )
        self.charts = Gauge(
            "coachplans_plan_charts", "Charts attached to live plans.", registry=self.registry
        )
        self.edits = Gauge(
            "coachplans_plan_edits", "Changes after the first post.", registry=self.registry
        )
        self.database_up = Gauge(
            "coachplans_database_up",
            "1 when the last /metrics scrape could query the database.",
            registry=self.registry,
        )
        self.uptime = Gauge(
            "coachplans_uptime_seconds", "Seconds since the API started.", registry=self.registry
        )

    def watch(self, source: Callable[[], Runtime]) -> None:
        """Export the process state that ``source`` reads, at every scrape."""
        self.registry.register(RuntimeCollector(source))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in KNOWN_METHODS:
            method = "OTHER"  # clients choose methods; label values must stay a small set
        key = (method, route, status)
        with self._lock:
            self.total += 1
            if status >= 400:
                self.error += 1
            else:
                self.success += 1
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = (
                    self._requests.labels(method, route, str(status)),
                    self._latency.labels(route),
                )
        series[0].inc()
        series[1].observe(seconds)

    def uptime_seconds(self) -> float:
        return time.monotonic() - self.started

    def totals(self) -> dict[str, float | int]:
        with self._lock:
            total, success, error = self.total, self.success, self.error
        rate = round(100.0 * error / total, 2) if total else 0.0
        return {"total": total, "success": success, "error": error, "error_rate_percent": rate}


@dataclass(frozen=True)
class Runtime:
    """What a scrape reads from the process."""

    bot_status: str
    bot_reason: str
    sse_subscribers: int
    cache_hits: int
    cache_misses: int
    listener_connected: bool | None  # None: no listener (SQLite)
    listener_lag_seconds: float | None
    outbox_reads: int
    pool: Mapping[str, int] = field(default_factory=dict)
    ingested: Mapping[tuple[str, str], int] = field(default_factory=dict)
    downloads: Mapping[str, int] = field(default_factory=dict)


class RuntimeCollector(Collector):
    def __init__(self, source: Callable[[], Runtime]):
        self.source = source

    def describe(self) -> Iterator[Any]:
        return iter(())  # the families depend on the state: no fixed description

    def collect(self) -> Iterator[Any]:
        now = self.source()
        bot = GaugeMetricFamily(
            "coachplans_bot_state",
            "1 for the bot's current state in this process (active bot: connected or mock), "
            "with why it is standby or disconnected.",
            labels=["state", "reason"],
        )
        for status in BOT_STATUSES:
            current = status == now.bot_status
            bot.add_metric([status, now.bot_reason if current else ""], float(current))
        yield bot
        yield GaugeMetricFamily(
            "coachplans_sse_subscribers", "Open event streams.", value=now.sse_subscribers
        )
        yield CounterMetricFamily(
            "coachplans_read_cache_hits", "Reads answered from memory.", value=now.cache_hits
        )
        yield CounterMetricFamily(
            "coachplans_read_cache_misses",
            "Reads built from the database.",
            value=now.cache_misses,
        )
        yield CounterMetricFamily(
            "coachplans_outbox_reads",
            "Outbox queries for event streams.",
            value=now.outbox_reads,
        )
        yield from _listener(now)
        yield from _pool(now.pool)
        ingested = CounterMetricFamily(
            "coachplans_plans_ingested",
            "Plan writes by source and outcome.",
            labels=["source", "outcome"],
        )
        for (source, outcome), count in sorted(now.ingested.items()):
            ingested.add_metric([source, outcome], count)
        yield ingested
        downloads = CounterMetricFamily(
            "coachplans_chart_downloads",
            "Chart downloads by the bot, by outcome.",
            labels=["outcome"],
        )
        for outcome, count in sorted({"ok": 0, "skipped": 0, **now.downloads}.items()):
            downloads.add_metric([outcome], count)
        yield downloads


def _listener(now: Runtime) -> Iterator[Any]:
    up = now.listener_connected
    yield GaugeMetricFamily(
        "coachplans_event_listener_up",
        "1 while the PostgreSQL change listener is connected (-1: none, SQLite).",
        value=-1.0 if up is None else float(up),
    )
    yield GaugeMetricFamily(
        "coachplans_event_lag_seconds",
        "Age of the newest change when this process heard of it (cross-process lag).",
        value=now.listener_lag_seconds or 0.0,
    )


def _pool(pool: Mapping[str, int]) -> Iterator[Any]:
    size = GaugeMetricFamily("coachplans_db_pool_size", "Connections the pool keeps open.")
    size.add_metric([], pool.get("size", 0))
    yield size
    limit = GaugeMetricFamily("coachplans_db_pool_max", "Most connections the pool may open.")
    limit.add_metric([], pool.get("max", 0))
    yield limit
    used = GaugeMetricFamily(
        "coachplans_db_pool_checked_out", "Pooled connections in use right now."
    )
    used.add_metric([], pool.get("checked_out", 0))
    yield used
