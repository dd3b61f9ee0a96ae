"""Signals in the v1 API (SPEC §3.5, §6.2): on plan objects, and the ``?ticker=`` filter."""

from __future__ import annotations

import httpx
import pytest
from api_support import AUTH, DAY_TEXT, seed

from coachplans.service import PlanService

NVDA_TEXT = "$NVDA long above 945, PT 960, SL 938"
NVDA_SIGNAL = {
    "ticker": "NVDA",
    "bias": "bullish",
    "levels": [
        {"kind": "entry", "low": 945.0, "high": None},
        {"kind": "target", "low": 960.0, "high": None},
        {"kind": "stop", "low": 938.0, "high": None},
    ],
}


async def test_plan_objects_carry_signals(client: httpx.AsyncClient, service: PlanService) -> None:
    plan = seed(service, "d", NVDA_TEXT)
    one = await client.get(f"/api/v1/plans/{plan.id}")
    assert one.status_code == 200
    assert one.json()["signals"] == [NVDA_SIGNAL]
    listed = await client.get(f"/api/v1/plans?date={DAY_TEXT}")
    assert listed.json()["plans"][0]["signals"] == [NVDA_SIGNAL]


async def test_edit_through_the_api_replaces_signals(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    plan = seed(service, "d", NVDA_TEXT)
    response = await client.patch(
        f"/api/v1/plans/{plan.id}", json={"text": "SPY support 580-582"}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert response.json()["signals"] == [
        {
            "ticker": "SPY",
            "bias": "neutral",
            "levels": [{"kind": "support", "low": 580.0, "high": 582.0}],
        }
    ]


async def test_filter_by_ticker(client: httpx.AsyncClient, service: PlanService) -> None:
    nvda = seed(service, "d", NVDA_TEXT)
    seed(service, "i", "SPY support 580, QQQ resistance 505")
    for ticker in ("NVDA", "nvda"):
        response = await client.get(f"/api/v1/plans?ticker={ticker}")
        assert response.status_code == 200
        assert [p["id"] for p in response.json()["plans"]] == [nvda.id]
    assert (await client.get("/api/v1/plans?ticker=AMD")).json()["plans"] == []
    assert len((await client.get("/api/v1/plans?ticker=BTC-USD")).json()["plans"]) == 0


async def test_filter_normalises_like_the_parser(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    btc = seed(service, "d", "$btc long above 67,000")
    es = seed(service, "i", "/ES support 5,850")
    cases = (("BTC", btc), ("btc-usd", btc), ("/es", es), ("ES", es), ("$btc", btc), ("%24ES", es))
    for ticker, plan in cases:
        response = await client.get(f"/api/v1/plans?ticker={ticker}")
        assert [p["id"] for p in response.json()["plans"]] == [plan.id], ticker


@pytest.mark.parametrize("bad", ["", "N%20VDA", "A" * 16, "NVDA;", "$$NVDA", "NV$DA", "%C3%A9"])
async def test_bad_ticker_is_400(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get(f"/api/v1/plans?ticker={bad}")
    assert response.status_code == 400, response.text
    assert "ticker" in response.json()["message"]
