"""Accessors for what create_app puts on app.state, typed for the routes."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from coachplans.api.responses import ReadCache, conditional
from coachplans.domain.plans import ChartRef
from coachplans.service import PlanService
from coachplans.views import chart_path

REVALIDATE = "no-cache"


def service_of(request: Request) -> PlanService:
    service: PlanService = request.app.state.service
    return service


def chart_url_for(request: Request) -> Callable[[ChartRef], str]:
    base = str(request.base_url).rstrip("/")
    return lambda chart: base + chart_path(chart)


async def cached_json(
    request: Request, key: Hashable, build: Callable[[], bytes], cache_control: str = REVALIDATE
) -> Response:
    """Serve a read from the cache, or build it in a worker thread and remember it."""
    cache: ReadCache = request.app.state.read_cache
    full_key = (key, request.base_url.netloc, request.base_url.scheme)
    entry = cache.get(full_key)
    if entry is None:
        generation = cache.generation()
        body = await run_in_threadpool(build)
        entry = cache.put(full_key, body, generation)
    return conditional(request, entry[0], entry[1], cache_control)
