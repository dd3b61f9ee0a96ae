"""The application factory: everything the routes need is built here and put on app.state."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from coachplans import __version__, dashboard
from coachplans.api import auth, docs, errors, openapi
from coachplans.api.auth import require_reader
from coachplans.api.events import ChangeFeed, ChangeFollower, EventHub
from coachplans.api.fastpath import CachedReadMiddleware
from coachplans.api.hot_reads import HotReads
from coachplans.api.limits import BodyLimitMiddleware
from coachplans.api.links import LinkBase
from coachplans.api.metrics import RequestMetrics, Runtime
from coachplans.api.middleware import RequestContextMiddleware
from coachplans.api.plan_json import PlanJson
from coachplans.api.read_cache import ReadCache
from coachplans.api.routes import charts, compat, consensus, ops, v1
from coachplans.bot_status import CHART_DOWNLOADS, BotState, reason_of
from coachplans.mcp.http import McpEndpoint
from coachplans.service import PlanService
from coachplans.settings import Settings

log = logging.getLogger(__name__)

# Newer FastAPI releases check OpenTelemetry providers on every request; /metrics is ours
# (Prometheus), so those hooks are switched off where the release has them.
TELEMETRY_OFF = {"tracing": False, "metrics": False, "logs": False}
_FASTAPI_OPTIONS: dict[str, Any] = (
    {"telemetry": TELEMETRY_OFF} if "telemetry" in inspect.signature(FastAPI).parameters else {}
)

DESCRIPTION = (
    "Trading coaches' daily plans captured from Discord, with every revision and chart. "
    "The `/api/coach-plans` routes keep the original contract; `/api/v1` is the full API."
)


def create_app(
    settings: Settings,
    service: PlanService,
    bot_state: BotState | None = None,
    feed: ChangeFeed | None = None,
) -> FastAPI:
    """``feed``: the process's PostgreSQL change listener, when there is one."""
    hub = EventHub(service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.attach(asyncio.get_running_loop())
        follower = ChangeFollower(hub, app.state.read_cache, feed)
        app.state.change_follower = follower
        await follower.start()
        try:
            async with mcp_endpoint.running():
                yield
        finally:
            await follower.stop()
            await hub.detach()

    app = FastAPI(
        title="coachplans",
        version=__version__,
        description=DESCRIPTION,
        redirect_slashes=False,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        **_FASTAPI_OPTIONS,
    )
    docs.install(app)
    openapi.install(app, settings)
    app.state.event_hub = hub
    app.state.settings = settings
    app.state.service = service
    app.state.bot_state = bot_state or BotState()
    app.state.metrics = RequestMetrics()
    app.state.read_cache = ReadCache(settings.api.read_cache_seconds)
    app.state.plan_json = PlanJson()
    app.state.links = LinkBase(settings.api)
    app.state.change_follower = ChangeFollower(hub, app.state.read_cache, None)
    app.state.metrics.watch(lambda: runtime_of(app))
    service.subscribe(app.state.read_cache.invalidate)
    errors.install(app)
    app.include_router(ops.router)
    app.include_router(compat.index_router)
    app.include_router(compat.router)
    app.include_router(charts.router)
    app.include_router(v1.router)
    app.include_router(consensus.router)
    mcp_endpoint = McpEndpoint(app, settings, authorize=require_reader)
    app.router.routes.append(mcp_endpoint.route())
    access = dashboard.ReadAccess(
        settings.api.require_read_token,
        auth.may_read,
        lambda token: auth.token_name(settings, token) is not None,
        auth.READ_COOKIE,
    )
    dashboard.install(app, service, app.state.read_cache, access)
    app.state.hot_reads = HotReads(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.api.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "Last-Event-ID",
            "X-Request-ID",
        ],
        expose_headers=["ETag", "X-Request-ID", "Location"],
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(
        CachedReadMiddleware,
        cache=app.state.read_cache,
        open_reads=not settings.api.require_read_token,
        links=app.state.links,
        hot=app.state.hot_reads,
    )
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    return app


def runtime_of(app: FastAPI) -> Runtime:
    """This process's state, as /metrics exports it."""
    state = app.state
    follower: ChangeFollower = state.change_follower
    service: PlanService = state.service
    status, detail = state.bot_state.snapshot()
    return Runtime(
        bot_status=status,
        bot_reason=reason_of(status, detail),
        sse_subscribers=state.event_hub.subscribers,
        cache_hits=state.read_cache.hits,
        cache_misses=state.read_cache.misses,
        listener_connected=follower.connected if follower.feed is not None else None,
        listener_lag_seconds=follower.lag_seconds,
        outbox_reads=state.event_hub.outbox_reads,
        pool=service.pool_usage(),
        ingested=service.ingest_counts(),
        downloads=CHART_DOWNLOADS.snapshot(),
    )
