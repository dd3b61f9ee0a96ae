"""Request counters for /metrics: JSON totals and Prometheus series, per process."""

from __future__ import annotations

import threading
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
        self.uptime = Gauge(
            "coachplans_uptime_seconds", "Seconds since the API started.", registry=self.registry
        )

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
