"""Offline mock mode: the mock plans with no server and no network, through the same client
code (cache, parsing) as a real server; texts are the server's mock texts for each date."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from client_support import NOW, PAST, PAST_DATE, Facade, frozen_now

from coachplans.client import (
    AsyncCoachPlansClient,
    AsyncEnhancedWebhookClient,
    BadRequestError,
    ClientError,
    CoachPlansClient,
    EnhancedWebhookClient,
    create_async_client,
    create_client,
)
from coachplans.client.cache import TradingDay
from coachplans.client.mock_transport import OfflineServer
from coachplans.mock import MockDataProvider

UNREACHABLE = "http://192.0.2.1:9"  # TEST-NET-1: a request there would fail, not answer


def compat_mock(kind: str, **options: Any) -> Facade:
    factory = create_client if kind == "sync" else create_async_client
    return Facade(factory(UNREACHABLE, mock=True, timeout=0.5, now=frozen_now, **options))


def typed_mock(kind: str, **options: Any) -> Facade:
    cls = CoachPlansClient if kind == "sync" else AsyncCoachPlansClient
    return Facade(cls.mock(base_url=UNREACHABLE, timeout=0.5, now=frozen_now, **options))


async def test_compat_mock_returns_the_servers_mock_plans(kind: str) -> None:
    client = compat_mock(kind)
    expected = MockDataProvider().plan_for("d", PAST_DATE)
    plan = await client.fetch_coach_plan("d", PAST)
    assert plan["plan"] == expected.text and plan["author"] == expected.author
    assert plan["charts"] == [] and plan["found"] is True and plan["date"] == PAST
    everyone = await client.fetch_all_coach_plans(PAST)
    assert list(everyone) == ["coach_d", "coach_i", "coach_s", "coach_n"]
    assert everyone["coach_d"] == plan
    assert (await client.get_metrics())["api"]["errors"] == 0
    await client.aclose()


async def test_mock_plans_are_deterministic_and_per_date(kind: str) -> None:
    first, second = compat_mock(kind), compat_mock(kind)
    a = await first.fetch_coach_plan("s", PAST)
    assert a == await second.fetch_coach_plan("s", PAST)
    assert a["plan"] != (await first.fetch_coach_plan("s", "2024-11-07"))["plan"]
    today = await first.fetch_coach_plan("s")
    assert today["date"] == NOW.date().isoformat()


async def test_weekends_and_future_dates_have_no_plan(kind: str) -> None:
    client = compat_mock(kind)
    saturday = await client.fetch_coach_plan("d", "2024-11-09")
    assert saturday["plan"] == "No plan available for coach_d on 2024-11-09"
    assert (await client.fetch_coach_plan("d", "2024-11-13"))["found"] is False
    assert await client.fetch_all_coach_plans("2024-11-10") == {}


async def test_mock_answers_bad_input_like_the_server(kind: str) -> None:
    client = compat_mock(kind)
    reason = "Invalid coach name 'x'. Valid coaches: d, i, s, n"
    assert await client.fetch_coach_plan("x", PAST) == {
        "plan": f"Error fetching plan for coach x: {reason}",
        "charts": [],
        "error": reason,
    }
    assert (await client.check_health())["components"]["discord_bot"]["status"] == "mock"
    assert "requests" in await client.get_server_metrics()


async def test_typed_mock_answers_v1_errors_in_the_v1_shape(kind: str) -> None:
    client = typed_mock(kind)
    with pytest.raises(BadRequestError) as bad:
        await client.get_plan("zz", PAST)
    assert bad.value.body == {
        "error": "Bad Request",
        "message": "Invalid coach name 'zz'. Valid coaches: d, i, s, n",
    }


async def test_typed_mock_range_fetch_and_reads(kind: str) -> None:
    client = typed_mock(kind)
    start, end = date(2019, 11, 12), date(2024, 11, 11)
    plans = await client.plan_range(start, end)
    weekdays = sum(1 for n in range((end - start).days + 1) if (start + timedelta(n)).weekday() < 5)
    assert len(plans) == 4 * weekdays
    assert (await client.get_metrics())["api"]["success"] == math.ceil(len(plans) / 1000)
    assert plans[0].date == date(2019, 11, 12) and plans[-1].date == end
    by_slot = {(p.coach_key, p.date): p for p in plans}
    assert by_slot[("n", PAST_DATE)].text == MockDataProvider().plan_for("n", PAST_DATE).text
    assert (await client.plans_for_date(PAST))["coach_n"] == by_slot[("n", PAST_DATE)]
    one = await client.get_plan("n", PAST)
    assert one == by_slot[("n", PAST_DATE)]
    assert await client.get_plan_by_id(one.id) == one
    assert [r.action for r in await client.revisions(one.id)] == ["create"]
    assert await client.get_plan("n", "2024-11-09") is None
    only = await client.plan_range(PAST, PAST, coaches=["d", "s"])
    assert [p.coach_key for p in only] == ["d", "s"]
    assert (await client.health()).ok


async def test_typed_mock_is_read_only(kind: str) -> None:
    client = typed_mock(kind, token="t")
    with pytest.raises(ClientError) as refused:
        await client.post_plan("d", "text")
    assert refused.value.status == 405


def short_text(coach: str, day: object) -> tuple[str, str]:
    return f"Mock plan for coach_{coach} on {day}.", f"Coach{coach.upper()}"


def test_offline_plans_carry_signals_and_filter_by_ticker() -> None:
    client = CoachPlansClient.mock(now=frozen_now)
    swing = client.plans_for_date(PAST)["coach_s"]
    ticker = swing.signals[0].ticker
    assert swing.signal_for(ticker) is not None and swing.signals[0].levels
    page = client.list_plans(start="2024-11-04", end=PAST, ticker=ticker)
    assert page.plans and all(plan.signal_for(ticker) for plan in page.plans)
    everything = client.list_plans(start="2024-11-04", end=PAST)
    assert len(page.plans) < len(everything.plans)


def test_the_offline_listing_pages_descending_with_cursors() -> None:
    server = OfflineServer(TradingDay(now=frozen_now), texts=short_text)
    client = CoachPlansClient(transport=httpx.MockTransport(server), now=frozen_now)
    first = client.list_plans(start="2024-11-04", end=PAST, limit=6)
    assert [(p.date.isoformat(), p.coach_key) for p in first.plans[:5]] == [
        (PAST, "n"), (PAST, "s"), (PAST, "i"), (PAST, "d"), ("2024-11-07", "n"),
    ]  # fmt: skip
    rest = client.list_plans(start="2024-11-04", end=PAST, limit=100, cursor=first.next_cursor)
    assert len(first.plans) + len(rest.plans) == 20 and rest.next_cursor is None
    assert first.plans[0].text == f"Mock plan for coach_n on {PAST}."


def test_mock_flag_on_the_classes_themselves() -> None:
    assert EnhancedWebhookClient(mock=True, now=frozen_now).fetch_coach_plan("i", PAST)["found"]
    assert AsyncEnhancedWebhookClient(mock=True).mock
