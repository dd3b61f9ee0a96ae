"""The hot reads answered before routing (api/hot_reads.py) answer exactly as the routes do:
status, body and the headers that matter, 304s, refusals, tokens, with the read cache off and
on, on SQLite and PostgreSQL; and they are really taken (a counter, and a route that would
fail if it were reached)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from api_support import AUTH, DAY, DAY_TEXT, AppFactory, make_png, seed
from fastapi import FastAPI

from coachplans.api.hot_reads import HotReads
from coachplans.domain.plans import Actor, Slot, Source
from coachplans.service import PlanService

HEADERS = ("etag", "cache-control", "content-type", "content-length", "www-authenticate")
EARLIER = (DAY - timedelta(days=3)).isoformat()
Get = Callable[..., Awaitable[httpx.Response]]

# (path and query, request headers, taken by the fast path)
PLAIN = [
    (f"/api/coach-plans/all?date={DAY_TEXT}", {}, True),
    ("/api/coach-plans/all", {}, True),
    (f"/api/v1/plans?from={EARLIER}&to={DAY_TEXT}&coach=d&limit=2", {}, True),
    (f"/api/v1/plans?date={DAY_TEXT}&coach=d,i&coach=s&order=asc", {}, True),
    ("/api/v1/plans?ticker=NVDA&include_deleted=true&q=%20nvda%20", {}, True),
    ("/api/v1/plans?limit=1000&cursor=", {}, True),
    (f"/api/v1/plans?date={DAY_TEXT}", {"Authorization": "Bearer not-needed"}, True),
]
ROUTES_OWN = [  # answered by the route: refusals, odd parameters, CORS
    ("/api/coach-plans/all?date=2024-13-45", {}, False),
    ("/api/coach-plans/all?date=", {}, False),
    (f"/api/coach-plans/all?date={DAY_TEXT}&date={DAY_TEXT}", {}, False),
    (f"/api/coach-plans/all?date={DAY_TEXT}", {"Origin": "http://elsewhere.example"}, False),
    ("/api/v1/plans?limit=0", {}, False),
    ("/api/v1/plans?limit=1001", {}, False),
    ("/api/v1/plans?limit=+5", {}, False),
    ("/api/v1/plans?order=up", {}, False),
    ("/api/v1/plans?coach=zz", {}, False),
    ("/api/v1/plans?cursor=forged", {}, False),
    ("/api/v1/plans?q=%00", {}, False),
    ("/api/v1/plans?ticker=NVDA%0A", {}, False),
    ("/api/v1/plans?date=" + "9" * 65, {}, False),
    (f"/api/v1/plans?date={DAY_TEXT}&unknown=1", {}, False),
    ("/api/v1/plans?include_deleted=yes", {}, False),
]


def seed_plans(service: PlanService) -> None:
    for back in range(5):
        day = DAY - timedelta(days=back)
        seed(service, "d", f"Long $NVDA above {900 + back}", day, charts=[make_png(back)])
        seed(service, "i", f"Short $TSLA under {200 + back}", day)
    seed(service, "s", "Watching $AMD", DAY)
    seed(service, "n", "Flat today", None)  # today's date, for the request without one


def hot_of(app: FastAPI) -> HotReads:
    hot: HotReads = app.state.hot_reads
    return hot


async def compare(app: FastAPI, http: httpx.AsyncClient, cases: list[Any]) -> None:
    """Each request answered by the fast path (or not) and by the route, side by side."""
    hot = hot_of(app)
    failures = []
    for target, headers, taken in cases:
        before = hot.taken
        fast = await http.get(target, headers=headers)
        was_taken = hot.taken > before
        routed = await _through_route(hot, http, target, headers)
        if was_taken != taken:
            failures.append(f"{target}: taken {was_taken}, expected {taken}")
        problem = _difference(fast, routed)
        if problem:
            failures.append(f"{target}: {problem}")
        if fast.status_code == 200 and "etag" in fast.headers:
            again = await http.get(
                target, headers={**headers, "If-None-Match": fast.headers["etag"]}
            )
            routed_again = await _through_route(
                hot, http, target, {**headers, "If-None-Match": fast.headers["etag"]}
            )
            problem = _difference(again, routed_again)
            if again.status_code != 304 or problem:
                failures.append(f"{target} (If-None-Match): {again.status_code} {problem}")
    assert not failures, "\n".join(failures)


async def _through_route(
    hot: HotReads, http: httpx.AsyncClient, target: str, headers: dict[str, str]
) -> httpx.Response:
    answer = hot.answer

    async def declined(_scope: Any) -> None:
        return None

    hot.answer = declined  # type: ignore[method-assign]
    try:
        return await http.get(target, headers=headers)
    finally:
        hot.answer = answer  # type: ignore[method-assign]


def _difference(fast: httpx.Response, routed: httpx.Response) -> str | None:
    if fast.status_code != routed.status_code:
        return f"status {fast.status_code} vs route {routed.status_code}"
    if fast.content != routed.content:
        return f"body {fast.content[:120]!r} vs route {routed.content[:120]!r}"
    for name in HEADERS:
        if fast.headers.get(name) != routed.headers.get(name):
            return f"{name}: {fast.headers.get(name)!r} vs route {routed.headers.get(name)!r}"
    return None


@pytest.mark.parametrize("cache_seconds", [0, 1.0], ids=["cache-off", "cache-on"])
async def test_the_fast_path_answers_as_the_routes_do(
    make_client: AppFactory, cache_seconds: float
) -> None:
    app, http, service = await make_client(
        api={"read_cache_seconds": cache_seconds, "cors_origins": ["http://elsewhere.example"]}
    )
    seed_plans(service)
    first = await http.get("/api/v1/plans?limit=3")
    cursor = first.json()["next_cursor"]
    assert cursor
    cursor_case = (f"/api/v1/plans?limit=3&cursor={cursor}", {}, True)
    await compare(app, http, [*PLAIN, cursor_case, *ROUTES_OWN])


async def test_reads_needing_a_token_are_taken_only_with_one(make_client: AppFactory) -> None:
    app, http, service = await make_client(
        api={"require_read_token": True, "read_cache_seconds": 0}
    )
    seed_plans(service)
    cases = [
        (f"/api/coach-plans/all?date={DAY_TEXT}", AUTH, True),
        (f"/api/v1/plans?date={DAY_TEXT}", AUTH, True),
        (f"/api/coach-plans/all?date={DAY_TEXT}", {}, False),
        ("/api/v1/plans", {"Authorization": "Bearer wrong"}, False),
    ]
    await compare(app, http, cases)
    refused = await http.get("/api/v1/plans")
    assert refused.status_code == 401


async def test_a_write_shows_in_the_next_read_with_the_cache_off(make_client: AppFactory) -> None:
    app, http, service = await make_client(api={"read_cache_seconds": 0})
    seed_plans(service)
    target = f"/api/v1/plans?date={DAY_TEXT}&coach=d"
    before = await http.get(target)
    edited = "Long $NVDA above 999"
    service.edit_plan(Slot("d", DAY), edited, Actor("Coach Dee"), source=Source.MOCK)
    after = await http.get(target)
    assert after.json()["plans"][0]["text"] == edited
    assert after.headers["etag"] != before.headers["etag"]
    await compare(app, http, [(target, {}, True)])


async def test_the_routes_are_not_reached_when_the_fast_path_answers(
    make_client: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, http, service = await make_client(api={"read_cache_seconds": 0})
    seed_plans(service)

    def unreachable(*_: Any, **__: Any) -> None:
        raise AssertionError("the route ran")

    from coachplans.api.routes import compat, v1

    monkeypatch.setattr(compat, "cached_json", unreachable)
    monkeypatch.setattr(v1, "cached_json", unreachable)
    assert (await http.get(f"/api/coach-plans/all?date={DAY_TEXT}")).status_code == 200
    assert (await http.get("/api/v1/plans?coach=d&limit=2")).status_code == 200


async def test_metrics_label_a_fast_answer_like_its_route(make_client: AppFactory) -> None:
    app, http, service = await make_client(api={"read_cache_seconds": 0})
    seed_plans(service)
    before = hot_of(app).taken
    await http.get(f"/api/coach-plans/all?date={DAY_TEXT}")
    await http.get("/api/v1/plans?coach=d")
    assert hot_of(app).taken == before + 2
    text = (await http.get("/metrics", headers={"Accept": "text/plain"})).text
    for route in ("/api/coach-plans/all", "/api/v1/plans"):
        assert f'route="{route}"' in text, route
