"""The typed client against the real app (in-process async, uvicorn sync and async): models,
typed errors, the paging range fetch, health, the roster and writes with a bearer token."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from client_support import (
    TOKEN,
    Facade,
    RecordingSleep,
    Target,
    free_port,
    make_png,
    no_wait_policy,
)

from coachplans.client import (
    AsyncCoachPlansClient,
    AuthError,
    BadRequestError,
    Chart,
    CoachPlansClient,
    ConflictError,
    Health,
    NotFoundError,
    Plan,
    ServerUnavailableError,
)
from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, Source
from coachplans.service import PlanService

DAY = date(2024, 11, 12)


def post(service: PlanService, coach: str, day: date, text: str = "", charts: int = 0) -> int:
    uploads = [ChartUpload(make_png(n), f"c{n}.png") for n in range(charts)]
    result = service.post_plan(
        coach, text or f"{coach} on {day}", Actor("Coach"), source=Source.MOCK,
        trade_date=day, charts=uploads,
    )  # fmt: skip
    return result.plan.id


async def test_get_plan_returns_a_model_or_none(
    target: Target, server_service: PlanService
) -> None:
    plan_id = post(server_service, "d", DAY, "Long $NVDA", charts=1)
    client = target.client(typed=True)
    plan = await client.get_plan("coach_d", DAY)
    assert isinstance(plan, Plan)
    assert (plan.id, plan.coach, plan.coach_key, plan.date) == (plan_id, "coach_d", "d", DAY)
    assert plan.text == "Long $NVDA" and plan.version == 1 and not plan.deleted
    assert plan.created_at.tzinfo is not None
    assert len(plan.charts) == 1 and isinstance(plan.charts[0], Chart)
    assert plan.charts[0].url.startswith(target.base) and plan.charts[0].content_type == "image/png"
    assert await client.get_plan("i", DAY) is None
    assert await client.get_plan_by_id(plan_id) == plan
    assert (await client.get_metrics())["api"] == {"success": 3, "errors": 0, "retries": 0}


async def test_plans_for_date_is_keyed_by_coach(
    target: Target, server_service: PlanService
) -> None:
    for coach in ("d", "s"):
        post(server_service, coach, DAY)
    post(server_service, "i", DAY + timedelta(days=1))
    plans = await target.client(typed=True).plans_for_date(DAY.isoformat())
    assert sorted(plans) == ["coach_d", "coach_s"]
    assert all(plan.date == DAY for plan in plans.values())


async def test_plan_range_pages_through_the_whole_range(
    target: Target, server_service: PlanService
) -> None:
    days = [DAY + timedelta(days=n) for n in range(4)]
    for day in days:
        for coach in ("d", "i", "s", "n"):
            post(server_service, coach, day)
    post(server_service, "d", DAY - timedelta(days=1))  # outside the range
    client = target.client(typed=True, page_size=5)
    plans = await client.plan_range(days[0], days[-1])
    assert len(plans) == 16
    assert [p.date for p in plans] == sorted(p.date for p in plans)
    assert {(p.date, p.coach_key) for p in plans} == {(d, c) for d in days for c in "dins"}
    assert (await client.get_metrics())["api"]["success"] == 4  # pages of 5, 5, 5, 1
    only = await client.plan_range(days[0], days[1], coaches=["s", "coach_n"])
    assert {p.coach_key for p in only} == {"s", "n"} and len(only) == 4


async def test_list_plans_returns_one_page_and_its_cursor(
    target: Target, server_service: PlanService
) -> None:
    for n in range(3):
        post(server_service, "d", DAY + timedelta(days=n))
    client = target.client(typed=True)
    first = await client.list_plans(start=DAY, end=DAY + timedelta(days=5), order="asc", limit=2)
    assert [p.date for p in first.plans] == [DAY, DAY + timedelta(days=1)]
    assert first.next_cursor is not None
    rest = await client.list_plans(start=DAY, order="asc", limit=2, cursor=first.next_cursor)
    assert [p.date for p in rest.plans] == [DAY + timedelta(days=2)]


async def test_health_and_roster(target: Target) -> None:
    client = target.client(typed=True)
    health = await client.health()
    assert isinstance(health, Health) and health.ok
    assert health.components["database"].status == "up"
    coaches = await client.coaches()
    assert [c.wire_key for c in coaches] == ["coach_d", "coach_i", "coach_s", "coach_n"]


async def test_bad_input_and_missing_things_raise_typed_errors(target: Target) -> None:
    client = target.client(typed=True)
    with pytest.raises(BadRequestError) as bad:
        await client.get_plan("zz", DAY)
    assert bad.value.status == 400 and "Invalid coach name 'zz'" in bad.value.message
    with pytest.raises(BadRequestError, match="Invalid date format"):
        await client.plans_for_date("2024-1-5")
    with pytest.raises(NotFoundError):
        await client.get_plan_by_id(987654)
    assert target.sleeper.waits == []


async def test_writes_need_a_token(target: Target) -> None:
    with pytest.raises(AuthError) as denied:
        await target.client(typed=True).post_plan("d", "text", date=DAY)
    assert denied.value.status == 401
    with pytest.raises(AuthError):
        await target.client(typed=True, token="wrong").post_plan("d", "text", date=DAY)


async def test_post_edit_delete_restore_with_if_match(target: Target) -> None:
    client = target.client(typed=True, token=TOKEN)
    plan = await client.post_plan(
        "d", "Long $NVDA above 945", date=DAY, charts=[make_png(1), ("levels.png", make_png(2))]
    )
    assert plan.version == 1 and plan.author == "w" and len(plan.charts) == 2
    assert plan.charts[1].filename == "levels.png"
    edited = await client.edit_plan(plan.id, "Long $NVDA above 950", if_match=plan)
    assert edited.text == "Long $NVDA above 950" and edited.version == 2
    with pytest.raises(ConflictError) as stale:
        await client.edit_plan(plan.id, "late edit", if_match=plan.version)
    assert stale.value.status == 412
    deleted = await client.delete_plan(plan.id, if_match=edited.etag)
    assert deleted.deleted and await client.get_plan("d", DAY) is None
    restored = await client.restore_plan(plan.id)
    assert not restored.deleted
    assert (await client.get_plan("d", DAY)) == restored
    revisions = await client.revisions(plan.id)
    assert [r.action for r in revisions] == ["create", "edit", "delete", "restore"]
    replaced = await client.post_plan("d", "Replaced", date=DAY, channel="api")
    assert replaced.id == plan.id and replaced.channel == "api" and replaced.charts == []


async def test_an_unreachable_server_raises_server_unavailable(
    kind: str, sleeper: RecordingSleep
) -> None:
    cls = CoachPlansClient if kind == "sync" else AsyncCoachPlansClient
    client = Facade(cls(f"http://127.0.0.1:{free_port()}", retry=no_wait_policy(sleeper)))
    with pytest.raises(ServerUnavailableError) as failed:
        await client.get_plan("d", DAY)
    assert failed.value.status is None and "ConnectError" in failed.value.message
    assert len(sleeper.waits) == 3
    await client.aclose()


async def test_plans_carry_signals_and_list_filters_by_ticker(
    target: Target, server_service: PlanService
) -> None:
    post(server_service, "d", DAY, "$NVDA long above 945, PT 960, SL 938")
    post(server_service, "s", DAY, "Swing $BTC: entry 65,000-65,500, stop 63,800")
    post(server_service, "i", DAY, "SPY support 573.5-574")
    client = target.client(typed=True)
    plan = await client.get_plan("d", DAY)
    assert plan is not None
    nvda = plan.signal_for("$nvda")
    assert nvda is not None and (nvda.ticker, nvda.bias) == ("NVDA", "bullish")
    assert [(lv.kind, lv.low, lv.high) for lv in nvda.levels] == [
        ("entry", 945.0, None), ("target", 960.0, None), ("stop", 938.0, None),
    ]  # fmt: skip
    for spelling in ("BTC-USD", "BTCUSD", "$btc"):
        page = await client.list_plans(date=DAY, ticker=spelling)
        assert [p.coach_key for p in page.plans] == ["s"], spelling
    assert (await client.list_plans(date=DAY, ticker="AAPL")).plans == []
