"""Signals stored with plans (SPEC §3.5): written on every text change, kept on delete,
filterable by ticker, and backfilled for existing plans; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, delete, func, select

from coachplans.cli import main
from coachplans.domain.plans import Actor, PlanId, Source
from coachplans.domain.queries import PlanQuery
from coachplans.domain.signals import Bias, Level, LevelKind, Signal
from coachplans.service import PlanService
from coachplans.store.tables import PlanSignalRow

API = Actor("api-token")
DAY = date(2024, 11, 12)
NVDA = Signal(
    "NVDA",
    Bias.BULLISH,
    (
        Level(LevelKind.ENTRY, 945),
        Level(LevelKind.TARGET, 960),
        Level(LevelKind.STOP, 938),
    ),
)


def post(service: PlanService, text: str, coach: str = "d", day: date = DAY) -> int:
    return service.post_plan(coach, text, API, source=Source.API, trade_date=day).plan.id


def test_post_stores_signals(service: PlanService) -> None:
    result = service.post_plan(
        "d", "$NVDA long above 945, PT 960, SL 938", API, source=Source.API, trade_date=DAY
    )
    assert result.plan.signals == (NVDA,)
    assert service.get_plan_by_id(result.plan.id).signals == (NVDA,)
    assert service.get_plan("d", DAY).signals == (NVDA,)  # type: ignore[union-attr]


def test_edit_replaces_signals(service: PlanService) -> None:
    plan_id = post(service, "$NVDA long above 945, PT 960, SL 938\n$TSLA puts below 240")
    edited = service.edit_plan(
        PlanId(plan_id), "BTC-USD support 67,000-67,500", API, source=Source.API
    )
    expected = (Signal("BTC-USD", Bias.NEUTRAL, (Level(LevelKind.SUPPORT, 67000, 67500),)),)
    assert edited.plan.signals == expected
    assert service.get_plan_by_id(plan_id).signals == expected


def test_replace_replaces_signals(service: PlanService) -> None:
    post(service, "$NVDA long above 945, PT 960, SL 938")
    plan_id = post(service, "No trades today, CPI at 8:30 ET.")
    assert service.get_plan_by_id(plan_id).signals == ()


def test_delete_and_restore_keep_signals(service: PlanService) -> None:
    plan_id = post(service, "$NVDA long above 945, PT 960, SL 938")
    deleted = service.delete_plan(PlanId(plan_id), API, source=Source.API)
    assert deleted.plan.signals == (NVDA,)
    assert service.get_plan_by_id(plan_id).signals == (NVDA,)
    restored = service.restore_plan(plan_id, API, source=Source.API)
    assert restored.plan.signals == (NVDA,)


def test_filter_by_ticker_any_case(service: PlanService) -> None:
    nvda = post(service, "$NVDA long above 945", coach="d")
    both = post(service, "NVDA and $tsla both weak", coach="i")
    post(service, "SPY support 580", coach="s")
    for ticker in ("NVDA", "nvda", "Nvda"):
        found = service.list_plans(PlanQuery(ticker=ticker))
        assert sorted(plan.id for plan in found) == [nvda, both]
    assert [p.id for p in service.list_plans(PlanQuery(ticker="tsla"))] == [both]
    assert service.list_plans(PlanQuery(ticker="AMD")) == []


def test_backfill_parses_every_plan_and_is_idempotent(service: PlanService, engine: Engine) -> None:
    live = post(service, "$NVDA long above 945, PT 960, SL 938", coach="d")
    gone = post(service, "$AMD short below 150", coach="i")
    service.delete_plan(PlanId(gone), API, source=Source.API)
    with engine.begin() as conn:
        conn.execute(delete(PlanSignalRow))
    assert service.get_plan_by_id(live).signals == ()
    assert service.backfill_signals(batch=1) == 2
    assert service.backfill_signals() == 2
    assert service.get_plan_by_id(live).signals == (NVDA,)
    assert [s.ticker for s in service.get_plan_by_id(gone).signals] == ["AMD"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(PlanSignalRow)) == 2


def test_backfill_command(
    service: PlanService, db_url: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    post(service, "$NVDA long above 945\n$TSLA short below 240")
    with engine.begin() as conn:
        conn.execute(delete(PlanSignalRow))
    for _ in range(2):
        assert main(["signals", "backfill", "--database-url", db_url]) == 0
        assert capsys.readouterr().out == "signals: parsed 1 plans, 2 signals stored\n"
