"""``GET /api/v1/consensus``: per day, each coach's bias and levels on one ticker and the
combined view; any spelling of the ticker; ETag/304; clear 400s for bad queries."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from api_support import AUTH, DAY, DAY_TEXT, seed

from coachplans.service import PlanService

NEXT = (DAY + timedelta(days=1)).isoformat()


def seed_day(service: PlanService) -> None:
    seed(service, "d", "$NVDA long above 945, PT 960, SL 938")
    seed(service, "i", "NVDA 🐻 short under 930, target 915. BTC long 97.2k")
    seed(service, "s", "$NVDA calls over 950")
    seed(service, "n", "SPY support 580, no NVDA today... just kidding, macro only")


async def test_one_day(client: httpx.AsyncClient, service: PlanService) -> None:
    seed_day(service)
    response = await client.get(f"/api/v1/consensus?ticker=nvda&date={DAY_TEXT}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["ticker"], body["from"], body["to"]) == ("NVDA", DAY_TEXT, DAY_TEXT)
    (day,) = body["days"]
    views = {view["coach"]: view for view in day["coaches"]}
    assert views["coach_d"]["bias"] == "bullish"
    assert views["coach_d"]["levels"] == [
        {"kind": "entry", "low": 945.0, "high": None},
        {"kind": "target", "low": 960.0, "high": None},
        {"kind": "stop", "low": 938.0, "high": None},
    ]
    assert views["coach_i"]["bias"] == "bearish"
    assert isinstance(views["coach_d"]["plan_id"], int)
    assert (day["bullish"], day["bearish"], day["lean"]) == (2, 1, "bullish")
    assert set(views) | set(day["silent"]) == {"coach_d", "coach_i", "coach_s", "coach_n"}


@pytest.mark.parametrize("spelling", ["BTC", "$btc", "BTCUSDT", "BTC-USD"])
async def test_any_spelling_of_the_ticker(
    client: httpx.AsyncClient, service: PlanService, spelling: str
) -> None:
    seed_day(service)
    body = (await client.get(f"/api/v1/consensus?ticker={spelling}&date={DAY_TEXT}")).json()
    assert body["ticker"] == "BTC-USD"
    assert [view["coach"] for view in body["days"][0]["coaches"]] == ["coach_i"]


async def test_a_range_lists_the_days_with_plans(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    seed_day(service)
    seed(service, "d", "$NVDA puts below 900", day=DAY + timedelta(days=1))
    start = (DAY - timedelta(days=3)).isoformat()
    body = (await client.get(f"/api/v1/consensus?ticker=NVDA&from={start}&to={NEXT}")).json()
    assert [day["date"] for day in body["days"]] == [DAY_TEXT, NEXT]
    assert body["days"][1]["coaches"][0]["bias"] == "bearish"
    assert body["days"][1]["lean"] == "bearish"


async def test_a_day_without_plans_is_an_answer(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/api/v1/consensus?ticker=NVDA&date={DAY_TEXT}")).json()
    assert body["days"] == [
        {
            "date": DAY_TEXT,
            "coaches": [],
            "silent": [],
            "bullish": 0,
            "bearish": 0,
            "neutral": 0,
            "lean": None,
        }
    ]


async def test_etag_and_revalidation(client: httpx.AsyncClient, service: PlanService) -> None:
    seed_day(service)
    url = f"/api/v1/consensus?ticker=NVDA&date={DAY_TEXT}"
    first = await client.get(url)
    etag = first.headers["ETag"]
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    plan_id = first.json()["days"][0]["coaches"][0]["plan_id"]
    edited = await client.patch(
        f"/api/v1/plans/{plan_id}", json={"text": "$NVDA short below 930"}, headers=AUTH
    )
    assert edited.status_code == 200, edited.text
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["days"][0]["coaches"][0]["bias"] == "bearish"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (f"date={DAY_TEXT}", None),  # no ticker: FastAPI's 4xx
        ("ticker=NVDA&date=2024-13-01", "Invalid date format"),
        (f"ticker=NVDA&date={DAY_TEXT}&from={DAY_TEXT}&to={NEXT}", "either date or from/to"),
        (f"ticker=NVDA&from={DAY_TEXT}", "needs both from and to"),
        (f"ticker=NVDA&from={NEXT}&to={DAY_TEXT}", "is before"),
        ("ticker=NVDA&from=2020-01-01&to=2024-01-01", "at most 366 days"),
        ("ticker=DROP%20TABLE&date=2024-11-12", None),
    ],
)
async def test_bad_queries(client: httpx.AsyncClient, query: str, message: str | None) -> None:
    response = await client.get(f"/api/v1/consensus?{query}")
    assert 400 <= response.status_code < 500, response.text
    if message is not None:
        assert message in response.text
