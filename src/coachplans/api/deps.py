"""Accessors for what create_app puts on app.state, typed for the routes."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from starlette.responses import Response

from coachplans.api.json_body import JSON, if_none_match
from coachplans.api.links import LinkBase
from coachplans.api.plan_json import PlanJson
from coachplans.api.read_cache import ReadCache, cache_key
from coachplans.contract import chart_url
from coachplans.domain.plans import ChartRef
from coachplans.service import PlanService

REVALIDATE = "no-cache"


def service_of(request: Request) -> PlanService:
    service: PlanService = request.app.state.service
    return service


def link_base(request: Request) -> str:
    """The base of absolute links in this response (api/links.py)."""
    links: LinkBase = request.app.state.links
    return links(request.scope)


def chart_base(request: Request) -> str:
    """Where chart links point: PUBLIC_URL, or this server as the request named it when
    that name is allowed (api/links.py)."""
    return link_base(request)


def chart_url_for(request: Request) -> Callable[[ChartRef], str]:
    base = chart_base(request)
    return lambda chart: chart_url(chart, base)


def plan_json_of(request: Request) -> PlanJson:
    plan_json: PlanJson = request.app.state.plan_json
    return plan_json


async def cached_json(
    request: Request, build: Callable[[], bytes], cache_control: str = REVALIDATE
) -> Response:
    """Serve a read from the cache, or build it in a worker thread and remember it. The
    route has validated the request; an identical request then hits the fast path."""
    cache: ReadCache = request.app.state.read_cache
    key = cache_key(request.scope, link_base(request))
    entry = cache.lookup(key)
    if entry is None:
        entry = await cache.fill(key, build, cache_control, request.scope.get("route"))
    headers = {"ETag": entry.etag, "Cache-Control": entry.cache_control}
    if if_none_match(request, entry.etag):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=JSON, headers=headers)
