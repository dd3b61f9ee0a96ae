"""``coachplans signals backfill`` after a parser change: rows stored under an old spelling or
by an older parser are re-parsed, the ``?ticker=`` filter finds them under every alias, a
second run changes nothing, and the progress callback hears every plan."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select, update

from coachplans.domain.plans import Actor, PlanId, Source
from coachplans.domain.queries import PlanQuery
from coachplans.service import PlanService
from coachplans.store.tables import PlanSignalRow

pytestmark = pytest.mark.postgres

API = Actor("api-token")
DAY = date(2024, 11, 12)


def post(service: PlanService, text: str, coach: str = "d") -> int:
    return service.post_plan(coach, text, API, source=Source.API, trade_date=DAY).plan.id


def stored(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(PlanSignalRow.plan_id, PlanSignalRow.ticker, PlanSignalRow.bias).order_by(
                PlanSignalRow.plan_id, PlanSignalRow.ticker
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_backfill_rewrites_old_spellings_and_is_idempotent(
    service: PlanService, engine: Engine
) -> None:
    coin = post(service, "BTCUSDT perp: short 102,400-102,900, stop 103,650 🐻")
    gold = post(service, "/GC long 2,704 stop 2,692 target 2,735", coach="i")
    gone = post(service, "ETH looks weaker. Short below 3,380", coach="s")
    service.delete_plan(PlanId(gone), API, source=Source.API)
    with engine.begin() as conn:  # what an older parser stored
        conn.execute(
            update(PlanSignalRow).where(PlanSignalRow.plan_id == coin).values(ticker="BTCUSDT")
        )
        conn.execute(
            update(PlanSignalRow).where(PlanSignalRow.plan_id == gold).values(bias="neutral")
        )
    ticks: list[int] = []
    assert service.count_plan_texts() == 3
    assert service.backfill_signals(batch=2, tick=ticks.append) == 3
    assert ticks == [2, 1]
    first = stored(engine)
    assert (coin, "BTC-USD", "bearish") in first
    assert (gold, "GC", "bullish") in first
    assert (gone, "ETH-USD", "bearish") in first
    assert service.backfill_signals() == 3
    assert stored(engine) == first


@pytest.mark.parametrize("spelling", ["BTC", "$btc", "BTCUSDT", "BTC-USD", "btc-usdt"])
def test_ticker_filter_takes_every_alias(service: PlanService, spelling: str) -> None:
    coin = post(service, "$BTC long 97.2k, stop 95.8k, first tp 99.5k")
    post(service, "ETH-USD support 3,050", coach="i")
    found = service.list_plans(PlanQuery(ticker=spelling))
    assert [plan.id for plan in found] == [coin]
