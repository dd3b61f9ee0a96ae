"""The old system's HTTP contract (SPEC §6.1): field names, types, status codes and texts."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest
from api_support import AUTH, BASE_URL, DAY, DAY_TEXT, AppFactory, each, make_png, seed

from coachplans.domain.plans import Actor, PlanId, Slot, Source
from coachplans.service import PlanService

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
NO_PLAN_D = {"plan": f"No plan available for coach_d on {DAY_TEXT}", "charts": []}
INVALID_COACH = "Invalid coach name '{}'. Valid coaches: d, i, s, n"


def assert_iso(value: object) -> datetime:
    assert isinstance(value, str) and ISO_WITH_OFFSET.match(value), value
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None
    return moment


def assert_no_plan(body: dict[str, object], coach: str = "coach_d", day: str = DAY_TEXT) -> None:
    assert body["plan"] == f"No plan available for {coach} on {day}"
    assert body["charts"] == []
    assert body.get("found", False) is False
    assert "author" not in body


async def test_index_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    # the old keys and texts as they were; the v1 route list and the docs added beside them
    assert set(body) == {"name", "version", "documentation", "endpoints", "api_v1", "docs"}
    assert all(isinstance(body[key], str) and body[key] for key in ("name", "version"))
    assert isinstance(body["documentation"], str)
    assert body["endpoints"] == {
        "get_plan": "/api/coach-plans/?coach=<coach>&date=<date>",
        "get_all_plans": "/api/coach-plans/all?date=<date>",
        "get_history": "/api/coach-plans/history?coach=<coach>&date=<date>",
        "health": "/health",
        "metrics": "/metrics",
    }


async def test_found_plan_has_every_field(client: httpx.AsyncClient, service: PlanService) -> None:
    first, second = make_png(1), make_png(2)
    plan = seed(service, text="Long $NVDA 945-950", charts=[first, second], channel="plans")
    response = await client.get("/api/coach-plans/", params={"coach": "d", "date": DAY_TEXT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["plan"] == "Long $NVDA 945-950"
    assert body["author"] == "Coach Dee"
    assert body["channel"] == "plans"
    assert body["edited_at"] is None
    assert_iso(body["created_at"])
    assert body["found"] is True
    assert body["id"] == plan.id
    # old fields first, in the old order; extras may follow
    assert list(body)[:6] == ["plan", "charts", "author", "created_at", "edited_at", "channel"]
    assert isinstance(body["charts"], list) and len(body["charts"]) == 2
    for url, data in zip(body["charts"], [first, second], strict=True):
        assert url.startswith(f"{BASE_URL}/api/v1/charts/")
        assert url.endswith(".png")
        chart = await client.get(url)
        assert chart.status_code == 200
        assert chart.content == data
        assert chart.headers["content-type"] == "image/png"
        assert "immutable" in chart.headers["cache-control"]
        assert "max-age=" in chart.headers["cache-control"]


async def test_edited_at_set_after_an_edit(client: httpx.AsyncClient, service: PlanService) -> None:
    seed(service, text="first")
    service.edit_plan(Slot("d", DAY), "second", Actor("Coach Dee"), source=Source.MOCK)
    body = (await client.get("/api/coach-plans/", params={"coach": "d", "date": DAY_TEXT})).json()
    assert body["plan"] == "second"
    edited = assert_iso(body["edited_at"])
    assert edited >= assert_iso(body["created_at"])


async def test_no_plan_answer_is_exact(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/coach-plans/", params={"coach": "d", "date": DAY_TEXT})
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("plan", "charts")} == NO_PLAN_D
    assert_no_plan(body)
    assert set(body) <= {"plan", "charts", "found"}


async def test_no_plan_text_names_the_coach_asked_for(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/coach-plans/?coach=N&date=2023-01-03")).json()
    assert_no_plan(body, "coach_n", "2023-01-03")


async def test_without_trailing_slash_is_served_directly(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    seed(service, text="no slash")
    response = await client.get(
        "/api/coach-plans", params={"coach": "d", "date": DAY_TEXT}, follow_redirects=False
    )
    assert response.status_code == 200
    assert "location" not in response.headers
    assert response.json()["plan"] == "no slash"


SPELLINGS = [
    f"/api/coach-plans/coach_d?date={DAY_TEXT}",
    f"/api/coach-plans/D?date={DAY_TEXT}",
    f"/api/coach-plans/d?date={DAY_TEXT}",
    f"/api/coach-plans/%20d%20?date={DAY_TEXT}",
    f"/api/coach-plans/?coach=%20D%20&date={DAY_TEXT}",
    f"/api/coach-plans/?coach=coach_d&date={DAY_TEXT}",
    f"/api/coach-plans/?coach=COACH_D&date={DAY_TEXT}",
    f"/api/coach-plans?coach=d&date={DAY_TEXT}",
]


async def test_every_spelling_of_a_coach(client: httpx.AsyncClient, service: PlanService) -> None:
    seed(service, text="spelled")

    async def check(url: str) -> None:
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 200, response.text
        assert response.json()["plan"] == "spelled"

    await each(SPELLINGS, check)


async def test_date_defaults_to_today(client: httpx.AsyncClient, service: PlanService) -> None:
    today = service.today()
    seed(service, text="today's plan", day=today)
    assert (await client.get("/api/coach-plans/?coach=d")).json()["plan"] == "today's plan"
    assert (await client.get("/api/coach-plans/d")).json()["plan"] == "today's plan"
    assert (await client.get("/api/coach-plans/?coach=d&date=")).json()["plan"] == "today's plan"


MISSING_COACH = [
    "/api/coach-plans/",
    "/api/coach-plans",
    f"/api/coach-plans/?date={DAY_TEXT}",
    "/api/coach-plans/?coach=",
    "/api/coach-plans/?coach=%20%20",
    "/api/coach-plans/history",
    f"/api/coach-plans/history?date={DAY_TEXT}",
]
UNKNOWN_COACH = [
    (f"/api/coach-plans/?coach=x&date={DAY_TEXT}", "x"),
    (f"/api/coach-plans/?coach=%20Zed%20&date={DAY_TEXT}", "Zed"),
    (f"/api/coach-plans/?coach=coach_q&date={DAY_TEXT}", "coach_q"),
    (f"/api/coach-plans/bogus?date={DAY_TEXT}", "bogus"),
    (f"/api/coach-plans?coach=x&date={DAY_TEXT}", "x"),
    (f"/api/coach-plans/history?coach=x&date={DAY_TEXT}", "x"),
]


async def test_missing_coach(client: httpx.AsyncClient) -> None:
    async def check(url: str) -> None:
        response = await client.get(url)
        assert response.status_code == 400
        assert response.json() == {"error": "Missing required parameter: coach"}

    await each(MISSING_COACH, check)


async def test_unknown_coach(client: httpx.AsyncClient) -> None:
    async def check(case: tuple[str, str]) -> None:
        url, shown = case
        response = await client.get(url)
        assert response.status_code == 400
        assert response.json() == {"error": INVALID_COACH.format(shown)}

    await each(UNKNOWN_COACH, check)


async def test_unknown_coach_lists_the_configured_roster(make_client: AppFactory) -> None:
    coaches = [{"key": "d", "name": "Coach D"}, {"key": "swing", "name": "Swing desk"}]
    _, http, _ = await make_client(coaches=coaches)
    response = await http.get("/api/coach-plans/?coach=i")
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid coach name 'i'. Valid coaches: d, swing"}
    assert (await http.get("/api/coach-plans/?coach=SWING")).status_code == 200


@pytest.mark.parametrize("bad", ["2024-1-5", "2024-13-01", "abc", "2024-02-30", "20241112"])
async def test_malformed_date(client: httpx.AsyncClient, bad: str) -> None:
    routes = [
        "/api/coach-plans/?coach=d&date={}",
        "/api/coach-plans?coach=d&date={}",
        "/api/coach-plans/d?date={}",
        "/api/coach-plans/all?date={}",
        "/api/coach-plans/history?coach=d&date={}",
    ]

    async def check(route: str) -> None:
        response = await client.get(route.format(bad))
        assert response.status_code == 400
        assert response.json() == {"error": f"Invalid date format '{bad}'. Use YYYY-MM-DD"}

    await each(routes, check)


async def test_all_keyed_by_coach_with_only_live_plans(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    seed(service, "d", "dee's plan", charts=[make_png(3)])
    seed(service, "s", "swing plan")
    gone = seed(service, "i", "deleted later")
    seed(service, "n", "another day", day=DAY.replace(day=13))
    service.delete_plan(PlanId(gone.id), Actor("Coach I"), source=Source.MOCK)
    response = await client.get("/api/coach-plans/all", params={"date": DAY_TEXT})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["coach_d", "coach_s"]
    entry = body["coach_d"]
    assert entry["plan"] == "dee's plan"
    assert entry["author"] == "Coach Dee"
    assert entry["edited_at"] is None
    assert_iso(entry["created_at"])
    assert len(entry["charts"]) == 1 and entry["charts"][0].startswith(BASE_URL)
    assert body["coach_s"]["plan"] == "swing plan"


async def test_all_is_empty_object_when_none(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    seed(service, "d", "other date", day=DAY.replace(day=13))
    response = await client.get("/api/coach-plans/all", params={"date": DAY_TEXT})
    assert response.status_code == 200
    assert response.json() == {}


async def test_all_defaults_to_today(client: httpx.AsyncClient, service: PlanService) -> None:
    seed(service, "i", "today", day=service.today())
    assert list((await client.get("/api/coach-plans/all")).json()) == ["coach_i"]


async def test_history_newest_first_with_text_before_each_change(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    today = service.today()
    seed(service, "d", "version one", day=today, actor="Coach Dee")
    service.edit_plan(Slot("d", today), "version two", Actor("Editor Ed"), source=Source.MOCK)
    service.post_plan("d", "version three", Actor("Reposter Rae"), source=Source.MOCK)
    response = await client.get("/api/coach-plans/history", params={"coach": "D"})
    assert response.status_code == 200
    history = response.json()["history"]
    assert [entry["plan_text"] for entry in history] == ["version two", "version one"]
    assert [entry["edited_by"] for entry in history] == ["Reposter Rae", "Editor Ed"]
    for entry in history:
        assert set(entry) == {"id", "plan_id", "plan_text", "edited_by", "edited_at"}
        assert isinstance(entry["id"], int) and isinstance(entry["plan_id"], int)
        assert_iso(entry["edited_at"])
    assert history[0]["id"] > history[1]["id"]
    assert assert_iso(history[0]["edited_at"]) >= assert_iso(history[1]["edited_at"])
    # the explicit date gives the same answer
    explicit = await client.get(f"/api/coach-plans/history?coach=d&date={today.isoformat()}")
    assert explicit.json()["history"] == history


async def test_history_empty_when_no_plan(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/coach-plans/history?coach=d&date={DAY_TEXT}")
    assert response.status_code == 200
    assert response.json() == {"history": []}


async def test_deleted_plan_is_the_no_plan_answer_and_repost_revives(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    plan = seed(service, "d", "soon gone")
    service.delete_plan(PlanId(plan.id), Actor("Coach Dee"), source=Source.MOCK)
    url = f"/api/coach-plans/?coach=d&date={DAY_TEXT}"
    assert_no_plan((await client.get(url)).json())
    assert (await client.get(f"/api/coach-plans/all?date={DAY_TEXT}")).json() == {}
    posted = await client.post(
        "/api/v1/plans", json={"coach": "d", "date": DAY_TEXT, "text": "back again"}, headers=AUTH
    )
    assert posted.status_code in (200, 201)
    body = (await client.get(url)).json()
    assert body["plan"] == "back again"
    assert body["author"] == "writer"
    assert list((await client.get(f"/api/coach-plans/all?date={DAY_TEXT}")).json()) == ["coach_d"]


async def test_compat_reads_are_json_objects_with_etags(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    seed(service)
    for url in (
        f"/api/coach-plans/?coach=d&date={DAY_TEXT}",
        f"/api/coach-plans/all?date={DAY_TEXT}",
        f"/api/coach-plans/history?coach=d&date={DAY_TEXT}",
    ):
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert isinstance(response.json(), dict)
        assert response.headers["etag"]
