"""The two hottest reads (``/api/coach-plans/all`` and ``/api/v1/plans``) answered from ASGI,
before FastAPI's routing and dependency solving, whether the read cache has them or not.

Only plain requests are taken: GET, no Origin (CORS headers are the CORS middleware's job),
reads allowed (auth.may_read, as the routes' require_reader decides), parameters the routes
would accept as they are (api/list_query.py). Anything else, and any refusal, goes on to the
route, so every error answer is the route's own. The body and its headers are the route's,
byte for byte: the same builders (api/plan_json.py), the same ETag and Cache-Control.

On SQLite the page's (id, version) scan runs on the event loop: it is an indexed read of tens
of microseconds, cheaper than the hop to a worker thread. When a plan in the page was never
built, or on PostgreSQL (network I/O), the work goes to the thread pool as in the routes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import Scope

from coachplans.api.auth import may_read
from coachplans.api.deps import REVALIDATE
from coachplans.api.links import LinkBase
from coachplans.api.list_query import cursor_maker, plain_list_query
from coachplans.api.plan_json import COMPAT_DATE, V1_PAGE, Layout, Page, PlanJson, v1_tail
from coachplans.api.read_cache import ReadCache, cache_key
from coachplans.contract import chart_url
from coachplans.domain.plans import ChartRef
from coachplans.domain.queries import PlanVersion
from coachplans.errors import StorageUnavailable, ValidationFailed
from coachplans.service import PlanService

Pairs = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Read:
    """A parsed request: how to scan its page, lay it out, and end it."""

    versions: Callable[[], list[PlanVersion]]
    layout: Layout
    tail: Callable[[Sequence[PlanVersion]], bytes]


@dataclass(frozen=True, slots=True)
class Answer:
    route: Any  # the route it stands for, so metrics label it alike
    body: bytes
    etag: str
    cache_control: str = REVALIDATE


class HotReads:
    def __init__(self, app: FastAPI):
        state = app.state
        self.service: PlanService = state.service
        self.plan_json: PlanJson = state.plan_json
        self.cache: ReadCache = state.read_cache
        self.links: LinkBase = state.links
        self.taken = 0  # requests answered here, not by the routes
        self._parsers: dict[str, tuple[Any, Callable[[Pairs], Read | None]]] = {
            "/api/coach-plans/all": (get_route(app, "/api/coach-plans/all"), self._all),
            "/api/v1/plans": (get_route(app, "/api/v1/plans"), self._v1_list),
        }

    async def answer(self, scope: Scope) -> Answer | None:
        """The answer to a plain request for one of the hot reads; None for the route to give."""
        found = self._parsers.get(scope["path"])
        if found is None or scope.get("root_path") or not may_read(Request(scope)):
            return None
        route, parse = found
        try:
            read = parse(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
            if read is None:
                return None
            base = self.links(scope)
            body, etag = await self._body(scope, read, base, route)
        except (ValidationFailed, StorageUnavailable):
            return None  # the route repeats the work and answers with its own error
        self.taken += 1
        return Answer(route, body, etag)

    def _all(self, pairs: Pairs) -> Read | None:
        if len(pairs) > 1 or any(name != "date" or not value for name, value in pairs):
            return None
        day = self.service.resolve_date(pairs[0][1] if pairs else None)
        return Read(lambda: self.service.versions_for_date(day), COMPAT_DATE, lambda _: b"")

    def _v1_list(self, pairs: Pairs) -> Read | None:
        query = plain_list_query(self.service, pairs)
        if query is None:
            return None
        cursor_of = cursor_maker(query)
        return Read(
            lambda: self.service.list_versions(query),
            V1_PAGE,
            lambda versions: v1_tail(versions, query.limit, cursor_of),
        )

    async def _body(self, scope: Scope, read: Read, base: str, route: Any) -> tuple[bytes, str]:
        if not self.cache.enabled:
            page = await self._page(read, base)
            return page.body, page.etag
        key = cache_key(scope, base)
        entry = self.cache.lookup(key)
        if entry is None:
            build = self._build(read, base)
            entry = await self.cache.fill(key, lambda: build().body, REVALIDATE, route)
        return entry.body, entry.etag

    async def _page(self, read: Read, base: str) -> Page:
        if not self.service.local_reads:
            return await run_in_threadpool(self._build(read, base))
        versions = read.versions()  # SQLite: a short indexed scan, right here on the loop
        tail = read.tail(versions)
        page = self.plan_json.known(read.layout, versions, base, tail)
        if page is not None:
            return page
        url_for = _url_for(base)
        return await run_in_threadpool(
            self.plan_json.page, self.service, read.layout, versions, url_for, base, tail
        )

    def _build(self, read: Read, base: str) -> Callable[[], Page]:
        def build() -> Page:
            versions = read.versions()
            url_for = _url_for(base)
            tail = read.tail(versions)
            return self.plan_json.page(self.service, read.layout, versions, url_for, base, tail)

        return build


def _url_for(base: str) -> Callable[[ChartRef], str]:
    return lambda chart: chart_url(chart, base)


def get_route(app: FastAPI, path: str) -> APIRoute:
    """The GET route of ``path``: the object routing puts in ``scope["route"]``."""
    found = _find_route(app.router.routes, path)
    if found is None:
        raise LookupError(f"no GET route {path}")
    return found


def _find_route(routes: Sequence[BaseRoute], path: str) -> APIRoute | None:
    for route in routes:
        if isinstance(route, APIRoute) and route.path == path and "GET" in (route.methods or ()):
            return route
        # FastAPI releases that keep an included router whole, not copied route by route
        included = getattr(route, "original_router", None)
        found = _find_route(included.routes, path) if included is not None else None
        if found is not None:
            return found
    return None
