"""The old system's HTTP contract (SPEC §6.1), kept byte-for-byte in names, types and texts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from coachplans import __version__
from coachplans.api.auth import require_reader
from coachplans.api.deps import (
    cached_json,
    chart_base,
    chart_url_for,
    plan_json_of,
    service_of,
)
from coachplans.api.json_body import dump, json_response
from coachplans.api.openapi import NOT_MODIFIED
from coachplans.compat_json import history_to_compat, no_plan
from coachplans.domain.queries import PlanQuery

router = APIRouter(tags=["compatibility"], dependencies=[Depends(require_reader)])
# GET / checks the token itself: a browser is answered by the dashboard, which asks for one.
index_router = APIRouter(tags=["compatibility"])

CoachParam = Annotated[
    str | None, Query(description="Coach: d, D, coach_d ... (see /api/v1/coaches)")
]
DateParam = Annotated[str | None, Query(description="Trading date YYYY-MM-DD; default today")]

ENDPOINTS = {
    "get_plan": "/api/coach-plans/?coach=<coach>&date=<date>",
    "get_all_plans": "/api/coach-plans/all?date=<date>",
    "get_history": "/api/coach-plans/history?coach=<coach>&date=<date>",
    "health": "/health",
    "metrics": "/metrics",
}


DOCS = {"swagger": "/docs", "redoc": "/redoc", "openapi": "/openapi.json"}


def index_body(paths: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The old index (its keys and texts unchanged), plus the v1 routes and the docs."""
    return {
        "name": "coachplans",
        "version": __version__,
        "documentation": "/docs",
        "endpoints": ENDPOINTS,
        "api_v1": v1_routes(paths or {}),
        "docs": DOCS,
    }


def v1_routes(paths: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """``METHOD /api/v1/...`` for every v1 route the OpenAPI schema documents, by path."""
    return [
        f"{method.upper()} {path}"
        for path, methods in sorted(paths.items())
        if path.startswith("/api/v1/")
        for method in sorted(methods)
    ]


def wants_html(accept: str) -> bool:
    """A browser's Accept (text/html named, preferred to JSON); ``*/*`` alone means JSON."""
    weights: dict[str, float] = {}
    for item in accept.lower().split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            weights[kind] = float(q)
        except ValueError:
            weights[kind] = 0.0
    html = weights.get("text/html", 0.0)
    return html > 0 and html >= weights.get("application/json", 0.0)


@index_router.get("/", summary="Service index (a browser asking for HTML gets the dashboard)")
async def index(request: Request) -> Response:
    html_index = getattr(request.app.state, "html_index", None)
    if html_index is not None and wants_html(request.headers.get("accept", "")):
        response: Response = await html_index(request)
    else:
        await require_reader(request)
        # openapi() builds the schema once and keeps it: the list is what /openapi.json documents
        response = json_response(index_body(request.app.openapi()["paths"]))
    response.headers["Vary"] = "Accept"
    return response


@router.get(
    "/api/coach-plans/all",
    summary="All live plans of one date, keyed coach_<x>",
    responses=NOT_MODIFIED,
)
async def all_plans(request: Request, date: DateParam = None) -> Response:
    service = service_of(request)
    day = service.resolve_date(date)
    url_for, base, plan_json = chart_url_for(request), chart_base(request), plan_json_of(request)

    def build() -> bytes:
        return plan_json.compat_by_coach(service, service.versions_for_date(day), url_for, base)

    return await cached_json(request, build)


@router.get(
    "/api/coach-plans/history",
    summary="Earlier texts of a coach's plan, newest first",
    responses=NOT_MODIFIED,
)
async def history(request: Request, coach: CoachParam = None, date: DateParam = None) -> Response:
    service = service_of(request)
    target = service.resolve_coach(coach)
    day = service.resolve_date(date)
    return await cached_json(
        request,
        lambda: dump(history_to_compat(service.history(target.key, day))),
    )


async def _one_plan(request: Request, coach: str | None, date: str | None) -> Response:
    service = service_of(request)
    target = service.resolve_coach(coach)
    day = service.resolve_date(date)
    url_for, base, plan_json = chart_url_for(request), chart_base(request), plan_json_of(request)
    slot = PlanQuery(trade_date=day, coaches=(target.key,), limit=1)

    def build() -> bytes:
        found = service.list_versions(slot)
        body = plan_json.compat_one(service, found[0], url_for, base) if found else None
        return body if body is not None else dump(no_plan(target.wire_key, day))

    return await cached_json(request, build)


@router.get("/api/coach-plans/", summary="One coach's plan for a date", responses=NOT_MODIFIED)
async def plan_query(
    request: Request, coach: CoachParam = None, date: DateParam = None
) -> Response:
    return await _one_plan(request, coach, date)


@router.get("/api/coach-plans", include_in_schema=False)
async def plan_query_no_slash(
    request: Request, coach: CoachParam = None, date: DateParam = None
) -> Response:
    return await _one_plan(request, coach, date)


@router.get(
    "/api/coach-plans/{coach}",
    summary="One coach's plan, coach in the path",
    responses=NOT_MODIFIED,
)
async def plan_path(request: Request, coach: str, date: DateParam = None) -> Response:
    return await _one_plan(request, coach, date)
