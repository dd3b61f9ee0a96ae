"""The typed clients' ``consensus(...)``: against the real app (in process and over loopback)
and offline in mock mode, where it answers like the server from the mock plans."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from client_support import PAST, PAST_DATE, Facade, Target, frozen_now

from coachplans.client import AsyncCoachPlansClient, ClientError, CoachPlansClient
from coachplans.domain.consensus import consensus_of
from coachplans.domain.plans import Actor, Source
from coachplans.domain.signal_parser import parse_signals
from coachplans.mock import MockDataProvider
from coachplans.service import PlanService

DAY = date(2024, 11, 12)


def post(service: PlanService, coach: str, day: date, text: str) -> None:
    service.post_plan(coach, text, Actor("api"), source=Source.API, trade_date=day)


async def test_consensus_from_the_server(target: Target, server_service: PlanService) -> None:
    post(server_service, "d", DAY, "$NVDA long above 945, PT 960, SL 938")
    post(server_service, "i", DAY, "NVDA short under 930 🐻")
    post(server_service, "s", DAY, "SPY support 573.5-574")
    post(server_service, "d", DAY + timedelta(days=1), "$NVDA calls over 950")
    client = target.client(typed=True)
    one = await client.consensus("$nvda", DAY)
    assert (one.ticker, one.start, one.end) == ("NVDA", "2024-11-12", "2024-11-12")
    (day,) = one.days
    assert [(v.coach, v.bias) for v in day.coaches] == [
        ("coach_d", "bullish"),
        ("coach_i", "bearish"),
    ]
    assert [(lv.kind, lv.low) for lv in day.coaches[0].levels] == [
        ("entry", 945.0),
        ("target", 960.0),
        ("stop", 938.0),
    ]
    assert (day.silent, day.lean) == (["coach_s"], None)
    span = await client.consensus("NVDA", start=DAY, end=DAY + timedelta(days=1))
    assert [d.date for d in span.days] == ["2024-11-12", "2024-11-13"]
    assert span.days[1].lean == "bullish"
    with pytest.raises(ClientError) as refused:
        await client.consensus("NVDA", start=DAY + timedelta(days=1), end=DAY)
    assert refused.value.status == 400


def typed_mock(kind: str) -> Facade:
    cls: Any = CoachPlansClient if kind == "sync" else AsyncCoachPlansClient
    return Facade(cls.mock(base_url="http://127.0.0.1:9", timeout=0.5, now=frozen_now))


async def test_consensus_offline_matches_the_mock_plans(kind: str) -> None:
    client = typed_mock(kind)
    provider = MockDataProvider()
    plans = {coach: provider.plan_for(coach, PAST_DATE).text for coach in "dins"}
    ticker = next(s.ticker for text in plans.values() for s in parse_signals(text))
    expected = consensus_of({c: parse_signals(t) for c, t in plans.items()}, ticker)
    answer = await client.consensus(ticker, PAST)
    (day,) = answer.days
    assert [(v.coach, v.bias) for v in day.coaches] == [
        (view.coach, view.bias.value) for view in expected.views
    ]
    assert day.silent == list(expected.silent)
