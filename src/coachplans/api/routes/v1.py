"""The v1 API: listing with cursors, one plan, revisions, writes with a bearer token, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from coachplans.api.auth import require_reader, require_writer
from coachplans.api.cursor import MAX_ID
from coachplans.api.deps import (
    cached_json,
    chart_base,
    chart_url_for,
    plan_json_of,
    service_of,
)
from coachplans.api.events import EventHub
from coachplans.api.json_body import dump, if_none_match, json_response
from coachplans.api.list_query import MAX_PAGE, TICKER_PATTERN, cursor_maker, list_query
from coachplans.api.openapi import NOT_MODIFIED, errors
from coachplans.api.schemas import (
    CoachList,
    EventPage,
    PlanCreate,
    PlanEdit,
    PlanPage,
    PlanPublic,
    RevisionList,
)
from coachplans.api.storable import storable_values
from coachplans.contract import (
    event_public,
    plan_etag,
    plan_public,
    plan_version_in,
    revision_public,
)
from coachplans.domain.dates import parse_date
from coachplans.domain.plans import Actor, Plan, Source, WriteResult
from coachplans.domain.plans import PlanId as ById
from coachplans.errors import ValidationFailed

router = APIRouter(
    prefix="/api/v1",
    tags=["v1"],
    dependencies=[Depends(require_reader), Depends(storable_values)],
)
Writer = Annotated[str, Depends(require_writer)]
IfMatch = Annotated[str | None, Header(description="ETag of the version you edited")]
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]


def parse_if_match(value: str | None, plan_id: int) -> int | None:
    """The version an ``If-Match`` names (``*`` or absent: any)."""
    if value is None or value.strip() == "*":
        return None
    version = plan_version_in(value, plan_id)
    if version is None:
        example = plan_etag(plan_id, 3)
        raise ValidationFailed(f"If-Match must be this plan's ETag, like {example}")
    return version


def _plan_response(request: Request, plan: Plan, status: int = 200) -> Response:
    headers = {"ETag": plan_etag(plan.id, plan.version), "Location": f"/api/v1/plans/{plan.id}"}
    return json_response(plan_public(plan, chart_url_for(request)), status, headers)


def _write_response(request: Request, result: WriteResult, created_status: int = 200) -> Response:
    return _plan_response(request, result.plan, created_status if not result.replaced else 200)


@router.get("/coaches", summary="The coach roster", responses={200: {"model": CoachList}})
async def coaches(request: Request) -> Response:
    roster = service_of(request).roster
    body = {"coaches": [{"key": c.key, "wire_key": c.wire_key, "name": c.name} for c in roster]}
    return json_response(body)


@router.get("/plans", summary="List plans", responses={200: {"model": PlanPage}, **NOT_MODIFIED})
async def list_plans(
    request: Request,
    date: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=64)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=64)] = None,
    coach: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006 - FastAPI copies it
    q: Annotated[str | None, Query(max_length=200)] = None,
    ticker: Annotated[
        str | None,
        Query(
            pattern=TICKER_PATTERN,
            description="Only plans with a signal for this ticker (any case), e.g. NVDA",
        ),
    ] = None,
    include_deleted: bool = False,
    order: Literal["asc", "desc"] = "desc",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    values = {"date": date, "from": date_from, "to": date_to, "q": q, "ticker": ticker}
    service = service_of(request)
    values |= {"order": order, "cursor": cursor}
    query = list_query(service, values, coach, include_deleted, limit)
    url_for, base, plan_json = chart_url_for(request), chart_base(request), plan_json_of(request)

    def build() -> bytes:
        return plan_json.v1_page(service, query, url_for, base, cursor_maker(query))

    return await cached_json(request, build)


@router.get(
    "/plans/{plan_id}",
    summary="One plan",
    responses={200: {"model": PlanPublic}, **NOT_MODIFIED, **errors(404)},
)
async def get_plan(request: Request, plan_id: PlanId) -> Response:
    plan = await run_in_threadpool(service_of(request).get_plan_by_id, plan_id)
    etag = plan_etag(plan.id, plan.version)
    if if_none_match(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return _plan_response(request, plan)


@router.get(
    "/coaches/{coach}/plans/{day}",
    summary="The live plan of a coach and date",
    responses={200: {"model": PlanPublic}, **NOT_MODIFIED, **errors(404)},
)
async def get_slot(request: Request, coach: str, day: str) -> Response:
    service = service_of(request)
    target, trade_date = service.resolve_coach(coach), parse_date(day)
    plan = await run_in_threadpool(service.get_plan, target.key, trade_date)
    if plan is None:
        body = {"error": "Not Found", "message": f"No plan for {target.wire_key} on {day}"}
        return json_response(body, 404)
    if if_none_match(request, plan_etag(plan.id, plan.version)):
        return Response(status_code=304, headers={"ETag": plan_etag(plan.id, plan.version)})
    return _plan_response(request, plan)


@router.get(
    "/plans/{plan_id}/revisions",
    summary="Every revision of a plan, oldest first",
    responses={200: {"model": RevisionList}, **NOT_MODIFIED, **errors(404)},
)
async def revisions(request: Request, plan_id: PlanId) -> Response:
    service = service_of(request)
    url_for = chart_url_for(request)

    def build() -> bytes:
        revs = service.revisions(plan_id)
        return dump({"revisions": [revision_public(r, url_for) for r in revs]})

    return await cached_json(request, build)


@router.post(
    "/plans",
    status_code=201,
    summary="Create or replace the plan of a coach and date",
    responses={200: {"model": PlanPublic}, 201: {"model": PlanPublic}},
)
async def create_plan(request: Request, body: PlanCreate, actor: Writer) -> Response:
    service = service_of(request)
    try:
        uploads = [chart.to_upload() for chart in body.charts]
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    trade_date = parse_date(body.date) if body.date else None
    result = await run_in_threadpool(
        lambda: service.post_plan(
            body.coach,
            body.text,
            Actor(actor),
            source=Source.API,
            trade_date=trade_date,
            charts=uploads,
            channel=body.channel,
            strict_charts=True,
        )
    )
    return _write_response(request, result, created_status=201)


@router.patch(
    "/plans/{plan_id}",
    summary="Edit a plan's text (charts kept)",
    responses={200: {"model": PlanPublic}, **errors(404, 412)},
)
async def edit_plan(
    request: Request, plan_id: PlanId, body: PlanEdit, actor: Writer, if_match: IfMatch = None
) -> Response:
    expected = parse_if_match(if_match, plan_id)
    result = await run_in_threadpool(
        lambda: service_of(request).edit_plan(
            ById(plan_id), body.text, Actor(actor), source=Source.API, expected_version=expected
        )
    )
    return _write_response(request, result)


@router.delete(
    "/plans/{plan_id}",
    summary="Delete a plan (soft; restore brings it back)",
    responses={200: {"model": PlanPublic}, **errors(404, 412)},
)
async def delete_plan(
    request: Request, plan_id: PlanId, actor: Writer, if_match: IfMatch = None
) -> Response:
    expected = parse_if_match(if_match, plan_id)
    result = await run_in_threadpool(
        lambda: service_of(request).delete_plan(
            ById(plan_id), Actor(actor), source=Source.API, expected_version=expected
        )
    )
    return _write_response(request, result)


@router.post(
    "/plans/{plan_id}/restore",
    summary="Restore a deleted plan",
    responses={200: {"model": PlanPublic}, **errors(404, 409, 412)},
)
async def restore_plan(
    request: Request, plan_id: PlanId, actor: Writer, if_match: IfMatch = None
) -> Response:
    expected = parse_if_match(if_match, plan_id)
    result = await run_in_threadpool(
        lambda: service_of(request).restore_plan(
            plan_id, Actor(actor), source=Source.API, expected_version=expected
        )
    )
    return _write_response(request, result)


@router.get(
    "/events",
    summary="Changes after an event id, oldest first",
    responses={200: {"model": EventPage}},
)
async def events(
    request: Request,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    found = await run_in_threadpool(service_of(request).outbox.after, after, limit)
    last = found[-1].id if found else after
    return json_response({"events": [event_public(e) for e in found], "last_id": last})


def _resume_point(last_event_id: str | None, after: int | None) -> int:
    if last_event_id is not None:
        value = last_event_id.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 18 or int(value) > MAX_ID:
            raise ValidationFailed("Last-Event-ID must be an event id (a whole number)")
        return int(value)
    return after or 0


@router.get(
    "/events/stream",
    summary="Server-sent events, resumable with Last-Event-ID",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The event stream"}},
)
async def stream(
    request: Request,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    start = _resume_point(last_event_id, after)
    hub: EventHub = request.app.state.event_hub
    return StreamingResponse(
        _sse(hub, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _sse(hub: EventHub, start: int) -> AsyncIterator[bytes]:
    yield b"retry: 3000\n\n"
    async for event in hub.follow(start):
        if event is None:
            yield b": keep-alive\n\n"
            continue
        data = dump(event_public(event)).decode()
        yield f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n".encode()
