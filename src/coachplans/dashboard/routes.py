"""The dashboard's routes: four kinds of page, the token form, chart thumbnails."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from starlette.responses import Response

from coachplans.contract import etag_matches
from coachplans.dashboard import access
from coachplans.dashboard.paging import Position, parse_position, plan_number
from coachplans.dashboard.render import (
    PAGE_CACHE_CONTROL,
    SECURITY_HEADERS,
    html_response,
    render,
)
from coachplans.dashboard.state import dashboard_of
from coachplans.dashboard.thumbnails import CONTENT_TYPE, VERSION
from coachplans.domain.tickers import canonical_ticker
from coachplans.errors import NotFound, StorageUnavailable, ValidationFailed

router = APIRouter(prefix="/dashboard", include_in_schema=False)
IMMUTABLE = "public, max-age=31536000, immutable"
PAGE_KEY = "dashboard:"  # read-cache keys; never a request path, so the JSON fast path skips them
_SHA = re.compile(r"^[0-9a-f]{64}$")
_TICKER = re.compile(r"^\$?[A-Za-z0-9./=^-]{1,15}$")
Build = Callable[[], bytes]
Prepared = tuple[str, Build]  # the page's read-cache key and how to build it


def if_none_match(request: Request, etag: str) -> bool:
    return etag_matches(request.headers.get("if-none-match"), etag)


def error_page(status: int, message: str) -> Response:
    body = render(
        "error.html",
        title="Not found" if status == 404 else "Cannot show this page",
        status=status,
        message=message,
    )
    return html_response(body, status)


async def cached_page(request: Request, key: str, build: Build) -> Response:
    """A page from the API's read cache (dropped by the same writes as the JSON reads), or
    built in a worker thread and remembered."""
    cache = dashboard_of(request).cache
    cache_key = (PAGE_KEY + key, b"", b"", "")
    entry = cache.lookup(cache_key)
    if entry is None:
        entry = await cache.fill(cache_key, build, PAGE_CACHE_CONTROL, request.scope.get("route"))
    if if_none_match(request, entry.etag):
        headers = {**SECURITY_HEADERS, "ETag": entry.etag, "Cache-Control": PAGE_CACHE_CONTROL}
        return Response(status_code=304, headers=headers)
    return html_response(entry.body, headers={"ETag": entry.etag})


async def page(request: Request, prepare: Callable[[], Prepared]) -> Response:
    """Token check, then ``prepare`` (checks the input, raising for bad input, and names the
    page's cache key and builder), then the cached page; errors become HTML pages."""
    if (denied := access.gate(dashboard_of(request).access, request)) is not None:
        return denied
    try:
        key, build = prepare()
        return await cached_page(request, key, build)
    except ValidationFailed as exc:
        return error_page(400, str(exc))
    except NotFound as exc:
        return error_page(404, str(exc))
    except StorageUnavailable:
        return error_page(503, "The database is unavailable; try again in a moment.")


def _after(older: str | None) -> Position | None:
    return parse_position(older) if older else None


async def date_page(request: Request, raw_date: str | None) -> Response:
    pages = dashboard_of(request).pages

    def prepare() -> Prepared:
        day = pages.service.resolve_date(raw_date)
        return f"date:{day.isoformat()}", lambda: pages.date_page(day)

    return await page(request, prepare)


async def index_page(request: Request) -> Response:
    """``GET /`` for a browser: today's plans (``?date=`` works there too)."""
    return await date_page(request, request.query_params.get("date"))


@router.get("")
async def dashboard(request: Request, date: str | None = None) -> Response:
    return await date_page(request, date)


@router.get("/coaches/{coach}")
async def coach(request: Request, coach: str, older: str | None = None) -> Response:
    pages = dashboard_of(request).pages

    def prepare() -> Prepared:
        found, after = pages.service.resolve_coach(coach), _after(older)
        build = lambda: pages.coach_page(found, after, first=after is None)  # noqa: E731
        return f"coach:{found.key}:{older or ''}", build

    return await page(request, prepare)


@router.get("/plans/{plan_id}")
async def plan(request: Request, plan_id: str) -> Response:
    pages = dashboard_of(request).pages

    def prepare() -> Prepared:
        number = plan_number(plan_id)
        if number is None:
            shown = plan_id[:20]
            raise ValidationFailed(f"Invalid plan id '{shown}': expected a positive number")
        return f"plan:{number}", lambda: pages.plan_page(number)

    return await page(request, prepare)


def ticker_symbol(raw: str) -> str:
    if not _TICKER.match(raw):
        shown = raw[:20]
        raise ValidationFailed(
            f"Invalid ticker '{shown}': up to 15 letters, digits or . / - (like NVDA, BTC-USD)"
        )
    return canonical_ticker(raw)


@router.get("/tickers/{ticker}")
async def ticker(request: Request, ticker: str, older: str | None = None) -> Response:
    pages = dashboard_of(request).pages

    def prepare() -> Prepared:
        symbol, after = ticker_symbol(ticker), _after(older)
        build = lambda: pages.ticker_page(symbol, after, first=after is None)  # noqa: E731
        return f"ticker:{symbol}:{older or ''}", build

    return await page(request, prepare)


@router.get("/login")
async def login_form(next: Annotated[str | None, Query()] = None) -> Response:
    return access.login_page(next or access.HOME)


@router.post("/login")
async def login(request: Request) -> Response:
    return await access.sign_in(dashboard_of(request).access, request)


@router.post("/logout")
async def logout(request: Request) -> Response:
    return access.sign_out(dashboard_of(request).access)


@router.get(f"/thumbs/{VERSION}/{{name}}", response_class=Response)
async def thumbnail(request: Request, name: Annotated[str, Path(max_length=80)]) -> Response:
    dashboard = dashboard_of(request)
    if not dashboard.access.may_read(request):
        raise HTTPException(401, "A read token is required", headers={"WWW-Authenticate": "Bearer"})
    sha, _, ext = name.partition(".")
    if not _SHA.match(sha) or ext != "webp":
        raise HTTPException(400, f"Invalid thumbnail '{name[:80]}': expected <sha256>.webp")
    etag = f'"thumb-{VERSION}-{sha}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    if if_none_match(request, etag):
        return Response(status_code=304, headers=headers)
    data = await dashboard.thumbnails.get(sha)
    return Response(data, media_type=CONTENT_TYPE, headers=headers)


@router.get("/{rest:path}")
async def unknown(request: Request, rest: str) -> Response:
    return error_page(404, f"There is no dashboard page at {request.url.path}.")
