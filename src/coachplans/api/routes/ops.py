"""Operations: /health and /metrics."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.openmetrics.exposition import (
    CONTENT_TYPE_LATEST as OPENMETRICS_TYPE,
)
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from coachplans.api.deps import service_of
from coachplans.api.json_body import json_response
from coachplans.api.metrics import RequestMetrics
from coachplans.bot_status import BotState
from coachplans.domain.dates import iso, utcnow
from coachplans.domain.queries import Stats
from coachplans.errors import StorageUnavailable

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)

# A standby is healthy: another process runs the bot, this one takes over if it stops.
HEALTHY_BOT = {"connected", "mock", "disabled", "standby"}


async def _stats(request: Request) -> Stats | StorageUnavailable:
    """The database's figures, or why it cannot give them."""
    service = service_of(request)
    try:
        return await run_in_threadpool(service.stats)
    except StorageUnavailable as exc:
        log.error("health check: %s", exc)
        return exc


@router.get(
    "/health",
    summary="Health of the database and the Discord bot",
    responses={
        503: {
            "description": "Unhealthy: the database is down (the same body, saying why)",
            "content": {"application/json": {}},
        }
    },
)
async def health(request: Request) -> Response:
    stats = await _stats(request)
    bot: BotState = request.app.state.bot_state
    bot_status, detail = bot.snapshot()
    bot_body: dict[str, object] = {"status": bot_status}
    if detail:
        bot_body["detail"] = detail
    if isinstance(stats, StorageUnavailable):
        database: dict[str, object] = {"status": "down", "plan_count": 0, "detail": stats.reason}
        overall, code = "unhealthy", 503
    else:
        database = {"status": "up", "plan_count": stats.total_plans}
        overall = "healthy" if bot_status in HEALTHY_BOT else "degraded"
        code = 200
    body = {
        "status": overall,
        "timestamp": iso(utcnow()),
        "components": {"database": database, "discord_bot": bot_body},
    }
    return json_response(body, code, {"Cache-Control": "no-store"})


def wants_prometheus(accept: str) -> str | None:
    accept = accept.lower()
    if "application/openmetrics-text" in accept:
        return "openmetrics"
    if "text/plain" in accept:
        return "prometheus"
    return None


@router.get(
    "/metrics",
    summary="Request and database metrics (JSON, or Prometheus text)",
    responses={
        200: {"content": {"application/json": {}, "text/plain": {}, OPENMETRICS_TYPE: {}}},
        503: {
            "description": "The database is down: request counters only",
            "content": {"application/json": {}},
        },
    },
)
async def metrics(request: Request) -> Response:
    found = await _stats(request)
    stats = None if isinstance(found, StorageUnavailable) else found
    counters: RequestMetrics = request.app.state.metrics
    kind = wants_prometheus(request.headers.get("accept", ""))
    if kind is not None:
        return _prometheus(counters, stats, kind)
    database = {
        "total_plans": stats.total_plans if stats else 0,
        "total_charts": stats.total_charts if stats else 0,
        "total_edits": stats.total_edits if stats else 0,
        "latest_plan": iso(stats.latest_plan) if stats else None,
    }
    body = {
        "timestamp": iso(utcnow()),
        "uptime_seconds": round(counters.uptime_seconds(), 3),
        "requests": counters.totals(),
        "database": database,
    }
    return json_response(body, 200 if stats else 503, {"Cache-Control": "no-store"})


def _prometheus(counters: RequestMetrics, stats: Stats | None, kind: str) -> Response:
    counters.uptime.set(counters.uptime_seconds())
    counters.database_up.set(0 if stats is None else 1)
    if stats is not None:
        counters.plans.set(stats.total_plans)
        counters.charts.set(stats.total_charts)
        counters.edits.set(stats.total_edits)
    if kind == "openmetrics":
        body = generate_openmetrics(counters.registry)  # type: ignore[no-untyped-call]
        return Response(body, media_type=OPENMETRICS_TYPE)
    return Response(generate_latest(counters.registry), media_type=CONTENT_TYPE_LATEST)
