"""v1 reads (SPEC §6.2): listing with filters and cursors, one plan, revisions, the roster,
and conditional requests (ETag / If-None-Match -> 304) on v1 and compatibility routes."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import httpx
import pytest
from api_support import AUTH, BASE_URL, DAY, DAY_TEXT, each, make_png, seed

from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, Plan, PlanId, Slot, Source
from coachplans.service import PlanService

PLAN_FIELDS = {
    "id",
    "coach",
    "coach_key",
    "date",
    "text",
    "author",
    "author_id",
    "channel",
    "created_at",
    "edited_at",
    "deleted_at",
    "deleted",
    "version",
    "revision_count",
    "charts",
    "signals",
}
COACHES = ("d", "i", "s", "n")


def seed_many(service: PlanService, count: int = 30) -> list[Plan]:
    """``count`` plans over consecutive dates ending on DAY, four coaches a day."""
    plans = []
    for index in range(count):
        day = DAY - timedelta(days=index // 4)
        coach = COACHES[index % 4]
        plans.append(seed(service, coach, f"plan {index} by {coach} on {day}", day=day))
    return plans


async def list_ids(client: httpx.AsyncClient, query: str) -> list[int]:
    response = await client.get(f"/api/v1/plans?{query}")
    assert response.status_code == 200, response.text
    return [plan["id"] for plan in response.json()["plans"]]


async def test_list_by_date(client: httpx.AsyncClient, service: PlanService) -> None:
    plans = seed_many(service, 12)
    response = await client.get(f"/api/v1/plans?date={DAY_TEXT}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"plans", "next_cursor"}
    assert body["next_cursor"] is None
    assert {p["id"] for p in body["plans"]} == {p.id for p in plans if p.trade_date == DAY}
    for item in body["plans"]:
        assert set(item) == PLAN_FIELDS
        assert item["date"] == DAY_TEXT
        assert item["coach"] == f"coach_{item['coach_key']}"
        assert item["deleted"] is False


async def test_list_by_range(client: httpx.AsyncClient, service: PlanService) -> None:
    plans = seed_many(service, 20)  # five dates, DAY-4 .. DAY
    start, end = DAY - timedelta(days=3), DAY - timedelta(days=1)
    ids = await list_ids(client, f"from={start}&to={end}&limit=1000")
    assert set(ids) == {p.id for p in plans if start <= p.trade_date <= end}
    assert len(ids) == 12
    only_from = await list_ids(client, f"from={DAY - timedelta(days=1)}")
    assert len(only_from) == 8
    only_to = await list_ids(client, f"to={DAY - timedelta(days=4)}")
    assert len(only_to) == 4


async def test_list_by_coach(client: httpx.AsyncClient, service: PlanService) -> None:
    plans = seed_many(service, 12)
    expected = {p.id for p in plans if p.coach in {"d", "s"}}

    async def check(query: str) -> None:
        ids = await list_ids(client, query)
        assert set(ids) == expected
        assert len(ids) == 6

    queries = ["coach=d&coach=s", "coach=d,s", "coach=coach_D,%20S%20", "coach=d&coach=s,d"]
    await each(queries, check)
    assert len(await list_ids(client, "coach=n")) == 3


async def test_list_by_text_query(client: httpx.AsyncClient, service: PlanService) -> None:
    seed(service, "d", "Long $NVDA above 945")
    seed(service, "i", "Short $TSLA under 200")
    seed(service, "s", "nvda swing, 100% sure")
    hit = await client.get("/api/v1/plans", params={"q": "nvda"})
    assert sorted(p["coach_key"] for p in hit.json()["plans"]) == ["d", "s"]
    literal = await client.get("/api/v1/plans", params={"q": "100%"})
    assert [p["coach_key"] for p in literal.json()["plans"]] == ["s"]
    wildcard = await client.get("/api/v1/plans", params={"q": "_"})
    assert wildcard.json()["plans"] == []
    blank = await client.get("/api/v1/plans", params={"q": "   "})
    assert len(blank.json()["plans"]) == 3


async def test_list_include_deleted(client: httpx.AsyncClient, service: PlanService) -> None:
    keep = seed(service, "d")
    gone = seed(service, "i")
    service.delete_plan(PlanId(gone.id), Actor("x"), source=Source.MOCK)
    assert await list_ids(client, "") == [keep.id]
    response = await client.get("/api/v1/plans?include_deleted=true")
    flags = {p["id"]: p["deleted"] for p in response.json()["plans"]}
    assert flags == {keep.id: False, gone.id: True}
    deleted = next(p for p in response.json()["plans"] if p["id"] == gone.id)
    assert deleted["deleted_at"] is not None


async def test_list_order(client: httpx.AsyncClient, service: PlanService) -> None:
    seed_many(service, 12)
    for order in ("asc", "desc"):
        plans = (await client.get(f"/api/v1/plans?order={order}")).json()["plans"]
        keys = [(p["date"], p["id"]) for p in plans]
        assert keys == sorted(keys, reverse=order == "desc")
        assert len({p["date"] for p in plans}) == 3
    default = (await client.get("/api/v1/plans")).json()["plans"]
    assert default[0]["date"] == DAY_TEXT  # newest first by default


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_cursor_walk_returns_every_plan_once(
    client: httpx.AsyncClient, service: PlanService, order: str
) -> None:
    plans = seed_many(service, 30)
    seen: list[int] = []
    keys: list[tuple[str, int]] = []
    cursor = None
    requests = 0
    while True:
        params: dict[str, str | int] = {"limit": 7, "order": order}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/api/v1/plans", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        requests += 1
        assert len(page["plans"]) <= 7
        seen += [p["id"] for p in page["plans"]]
        keys += [(p["date"], p["id"]) for p in page["plans"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert requests < 10
    assert requests == 5
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == {p.id for p in plans}
    assert keys == sorted(keys, reverse=order == "desc")


async def test_cursor_with_filters_keeps_filters(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    plans = seed_many(service, 24)
    first = (await client.get("/api/v1/plans?coach=d&limit=2")).json()
    second = await client.get(f"/api/v1/plans?coach=d&limit=2&cursor={first['next_cursor']}")
    ids = [p["id"] for p in first["plans"] + second.json()["plans"]]
    expected = sorted((p for p in plans if p.coach == "d"), key=lambda p: p.trade_date)[::-1]
    assert ids == [p.id for p in expected[:4]]


async def test_bad_cursor_400(client: httpx.AsyncClient) -> None:
    async def check(cursor: str) -> None:
        response = await client.get("/api/v1/plans", params={"cursor": cursor})
        assert response.status_code == 400
        assert "cursor" in response.text.lower()

    await each(["zzz", "!!!", "YXxub3RhZGF0ZXwx", "a" * 199, "a" * 201], check)


async def test_cursor_of_other_order_400(client: httpx.AsyncClient, service: PlanService) -> None:
    seed_many(service, 6)
    page = (await client.get("/api/v1/plans?limit=2&order=asc")).json()
    response = await client.get(f"/api/v1/plans?limit=2&order=desc&cursor={page['next_cursor']}")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request" and "order" in body["message"]


async def test_limit_bounds(client: httpx.AsyncClient) -> None:
    async def check(case: tuple[int, int]) -> None:
        limit, status = case
        response = await client.get(f"/api/v1/plans?limit={limit}")
        assert response.status_code == status
        if status == 400:
            assert "limit" in response.json()["message"]

    await each([(1000, 200), (1, 200), (1001, 400), (0, 400), (-1, 400)], check)


async def test_one_plan_with_chart_objects(client: httpx.AsyncClient, service: PlanService) -> None:
    first, second = make_png(11), make_png(12, side=3)
    plan = seed(service, "s", "swing plan", charts=[first, second])
    service.edit_plan(PlanId(plan.id), "swing plan v2", Actor("x"), source=Source.MOCK)
    response = await client.get(f"/api/v1/plans/{plan.id}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PLAN_FIELDS
    assert body["text"] == "swing plan v2"
    assert body["revision_count"] == 2
    assert body["version"] == 2
    assert body["coach"] == "coach_s" and body["date"] == DAY_TEXT
    assert body["author_id"] == "1234"  # snowflake-safe string
    charts = body["charts"]
    assert [c["filename"] for c in charts] == ["chart0.png", "chart1.png"]
    for chart, data in zip(charts, [first, second], strict=True):
        assert set(chart) == {"url", "sha256", "content_type", "size", "filename", "archived"}
        assert chart["archived"] is True
        assert chart["sha256"] == hashlib.sha256(data).hexdigest()
        assert chart["content_type"] == "image/png"
        assert chart["size"] == len(data)
        assert chart["url"] == f"{BASE_URL}/api/v1/charts/{chart['sha256']}.png"
        fetched = await client.get(chart["url"])
        assert fetched.content == data
    assert response.headers["etag"]


async def test_unknown_plan_404(client: httpx.AsyncClient) -> None:
    for url in ("/api/v1/plans/999", "/api/v1/plans/999/revisions"):
        response = await client.get(url)
        assert response.status_code == 404
        assert response.json() == {"error": "Not Found", "message": "Plan 999 not found"}


async def test_revisions_full_text_and_charts_after_each_change(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    a, b = make_png(21), make_png(22)
    plan = seed(service, "d", "one", charts=[a], actor="Coach Dee")
    service.post_plan("d", "two", Actor("Rae"), source=Source.MOCK, trade_date=DAY, charts=[])
    edited = await client.patch(f"/api/v1/plans/{plan.id}", json={"text": "three"}, headers=AUTH)
    assert edited.status_code == 200
    service.delete_plan(PlanId(plan.id), Actor("Del"), source=Source.MOCK)
    service.restore_plan(plan.id, Actor("Res"), source=Source.MOCK)
    service.post_plan(
        "d", "four", Actor("Rae"), source=Source.MOCK, trade_date=DAY,
        charts=[ChartUpload(b, "b.png"), ChartUpload(a, "a.png")],
    )  # fmt: skip
    response = await client.get(f"/api/v1/plans/{plan.id}/revisions")
    assert response.status_code == 200
    revisions = response.json()["revisions"]
    assert [r["number"] for r in revisions] == [1, 2, 3, 4, 5, 6]
    assert [r["action"] for r in revisions] == [
        "create",
        "replace",
        "edit",
        "delete",
        "restore",
        "replace",
    ]
    assert [r["text"] for r in revisions] == ["one", "two", "three", "three", "three", "four"]
    assert [r["actor"] for r in revisions] == ["Coach Dee", "Rae", "writer", "Del", "Res", "Rae"]
    assert revisions[2]["source"] == "api" and revisions[0]["source"] == "mock"
    shas = [[c["sha256"] for c in r["charts"]] for r in revisions]
    sha_a, sha_b = hashlib.sha256(a).hexdigest(), hashlib.sha256(b).hexdigest()
    assert shas == [[sha_a], [], [], [], [], [sha_b, sha_a]]
    assert revisions[0]["charts"][0]["url"].startswith(f"{BASE_URL}/api/v1/charts/")
    assert all(r["plan_id"] == plan.id for r in revisions)
    one = (await client.get(f"/api/v1/plans/{plan.id}")).json()
    assert one["revision_count"] == 6


async def test_coach_roster(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/coaches")
    assert response.status_code == 200
    assert response.json() == {
        "coaches": [
            {"key": "d", "wire_key": "coach_d", "name": "Coach D (Day Trading)"},
            {"key": "i", "wire_key": "coach_i", "name": "Coach I (Intraday)"},
            {"key": "s", "wire_key": "coach_s", "name": "Coach S (Swing)"},
            {"key": "n", "wire_key": "coach_n", "name": "Coach N (News/Events)"},
        ]
    }


async def test_slot_route(client: httpx.AsyncClient, service: PlanService) -> None:
    plan = seed(service, "n", "news day")
    response = await client.get(f"/api/v1/coaches/N/plans/{DAY_TEXT}")
    assert response.status_code == 200
    assert response.json()["id"] == plan.id
    missing = await client.get("/api/v1/coaches/d/plans/2024-11-13")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Not Found", "message": "No plan for coach_d on 2024-11-13"}


# --- conditional requests ----------------------------------------------------------------------


async def assert_304(client: httpx.AsyncClient, url: str) -> str:
    first = await client.get(url)
    assert first.status_code == 200
    etag = first.headers["etag"]
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304, url
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = await client.get(url, headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    listed = await client.get(url, headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304
    other = await client.get(url, headers={"If-None-Match": '"not-it"'})
    assert other.status_code == 200
    return etag


CONDITIONAL_URLS = [
    "/api/v1/plans/{id}",
    "/api/v1/plans",
    f"/api/v1/plans?date={DAY_TEXT}&coach=d",
    "/api/v1/plans/{id}/revisions",
    f"/api/v1/coaches/d/plans/{DAY_TEXT}",
    f"/api/coach-plans/?coach=d&date={DAY_TEXT}",
    f"/api/coach-plans?coach=d&date={DAY_TEXT}",
    f"/api/coach-plans/d?date={DAY_TEXT}",
    f"/api/coach-plans/all?date={DAY_TEXT}",
    f"/api/coach-plans/history?coach=d&date={DAY_TEXT}",
]


async def test_etag_304(client: httpx.AsyncClient, service: PlanService) -> None:
    plan = seed(service, "d", charts=[make_png(5)])

    async def check(url: str) -> None:
        await assert_304(client, url.format(id=plan.id))

    await each(CONDITIONAL_URLS, check)


async def test_chart_etag_304(client: httpx.AsyncClient, service: PlanService) -> None:
    data = make_png(8)
    seed(service, "d", charts=[data])
    url = f"/api/v1/charts/{hashlib.sha256(data).hexdigest()}.png"
    await assert_304(client, url)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/coach-plans/?coach=d&date={DAY_TEXT}",
        f"/api/coach-plans/all?date={DAY_TEXT}",
        f"/api/coach-plans/history?coach=d&date={DAY_TEXT}",
        f"/api/v1/plans?date={DAY_TEXT}",
        "/api/v1/plans/{id}",
        "/api/v1/plans/{id}/revisions",
    ],
)
async def test_write_changes_etag_at_once(
    client: httpx.AsyncClient, service: PlanService, url: str
) -> None:
    plan = seed(service, "d", "before")
    url = url.format(id=plan.id)
    etag = await assert_304(client, url)
    edit = await client.patch(f"/api/v1/plans/{plan.id}", json={"text": "after"}, headers=AUTH)
    assert edit.status_code == 200
    response = await client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["etag"] != etag
    history = "history" in url  # history shows the text *before* each change
    assert ('"after"' in response.text) is not history
    # a write through the service (the bot's path) invalidates the cache too
    etag2 = response.headers["etag"]
    service.edit_plan(Slot("d", DAY), "by the bot", Actor("Coach Dee"), source=Source.MOCK)
    third = await client.get(url, headers={"If-None-Match": etag2})
    assert third.status_code == 200
    assert third.headers["etag"] != etag2
    assert ('"after"' if history else '"by the bot"') in third.text


async def test_compat_sees_new_plan_at_once_after_no_plan(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    url = f"/api/coach-plans/?coach=i&date={DAY_TEXT}"
    assert (await client.get(url)).json()["charts"] == []
    created = await client.post(
        "/api/v1/plans", json={"coach": "i", "date": DAY_TEXT, "text": "fresh"}, headers=AUTH
    )
    assert created.status_code == 201
    assert (await client.get(url)).json()["plan"] == "fresh"
    other_day = (DAY + timedelta(days=1)).isoformat()
    assert (await client.get(f"/api/coach-plans/all?date={other_day}")).json() == {}
    assert date.fromisoformat(other_day) > DAY
