"""Seeding mock plans through the service, the same path the bot's plans take."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Protocol

from coachplans.domain.dates import parse_date
from coachplans.domain.plans import Actor, Source
from coachplans.errors import CoachPlansError
from coachplans.mock.calendar import trading_days_until
from coachplans.mock.data import MockDataProvider
from coachplans.service import PlanService

log = logging.getLogger(__name__)


class HasService(Protocol):
    """The old system's PlanService facade: it carries the real service."""

    service: PlanService


def _real(service: PlanService | HasService) -> PlanService:
    return service if isinstance(service, PlanService) else service.service


def populate_mock_data(
    service: PlanService | HasService,
    trade_date: str | date,
    provider: MockDataProvider | None = None,
) -> dict[str, Any]:
    """Post the mock plans of one date; safe to repeat (an ingest key per coach and date)."""
    real = _real(service)
    day = parse_date(trade_date) if isinstance(trade_date, str) else trade_date
    provider = provider or MockDataProvider()
    details = [_post_one(real, provider, coach.key, day) for coach in real.roster]
    ok = sum(1 for item in details if item["success"])
    return {
        "date": day.isoformat(),
        "total": len(details),
        "successful": ok,
        "failed": len(details) - ok,
        "details": details,
    }


def _post_one(
    service: PlanService, provider: MockDataProvider, coach: str, day: date
) -> dict[str, Any]:
    plan = provider.plan_for(coach, day)
    try:
        result = service.post_plan(
            coach,
            plan.text,
            Actor(plan.author),
            source=Source.MOCK,
            trade_date=day,
            charts=plan.charts,
            channel="mock",
            ingest_key=f"mock:{coach}:{day.isoformat()}",
        )
    except CoachPlansError as exc:
        log.warning("mock plan for coach_%s on %s failed: %s", coach, day, exc)
        return {"coach": f"coach_{coach}", "success": False, "message": str(exc), "plan_id": None}
    message = "already seeded" if result.duplicate else f"{result.action.value}d"
    return {
        "coach": f"coach_{coach}",
        "success": True,
        "message": message,
        "plan_id": result.plan.id,
    }


def recent_dates(today: date, days: int) -> list[date]:
    """The last ``days`` NYSE trading days up to today (today only when the exchange is
    open), oldest first."""
    return trading_days_until(today, days)


def seed_recent(service: PlanService | HasService, days: int) -> list[dict[str, Any]]:
    real = _real(service)
    provider = MockDataProvider()
    return [populate_mock_data(real, day, provider) for day in recent_dates(real.today(), days)]
