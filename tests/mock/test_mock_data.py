"""Mock mode: real PNG charts, realistic plans, seeding through the service (the simulated
bot is tested in test_mock_bot.py)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import Engine

from coachplans.domain.coaches import default_roster
from coachplans.errors import ValidationFailed
from coachplans.mock import (
    MockDataProvider,
    populate_mock_data,
    recent_dates,
    render_chart,
    seed_recent,
)
from coachplans.service import PlanService
from coachplans.store.repository import Repository

PNG = b"\x89PNG\r\n\x1a\n"
DAY = date(2024, 11, 12)
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
SMALL = {float(n) for n in range(0, 32)}  # day counts, times and dates, not prices


def test_chart_is_a_real_png_of_the_requested_size() -> None:
    data = render_chart("NVDA", 7, width=640, height=360)
    assert data.startswith(PNG)
    image = Image.open(io.BytesIO(data))
    assert image.size == (640, 360)


def test_chart_is_deterministic_and_seed_dependent() -> None:
    assert render_chart("SPY", 1) == render_chart("SPY", 1)
    assert render_chart("SPY", 1) != render_chart("SPY", 2)
    assert render_chart("SPY", 1) != render_chart("QQQ", 1)


def test_provider_gives_four_coaches_with_charts() -> None:
    plans = MockDataProvider().plans_for(DAY)
    assert sorted(plans) == ["d", "i", "n", "s"]
    for plan in plans.values():
        assert 0 < len(plan.text) < 1500
        assert 1 <= len(plan.charts) <= 3
        assert all(chart.data.startswith(PNG) for chart in plan.charts)
        assert all(chart.filename and chart.filename.endswith(".png") for chart in plan.charts)


def test_provider_texts_vary_by_date_and_repeat_for_the_same_date() -> None:
    provider = MockDataProvider()
    first = {k: p.text for k, p in provider.plans_for(DAY).items()}
    again = {k: p.text for k, p in provider.plans_for(DAY).items()}
    other = {k: p.text for k, p in provider.plans_for(date(2024, 11, 13)).items()}
    assert first == again
    assert all(first[k] != other[k] for k in first)


def test_populate_returns_the_old_shape_and_stores_plans(service: PlanService) -> None:
    report = populate_mock_data(service, "2024-11-09")
    assert report["date"] == "2024-11-09"
    assert (report["total"], report["successful"], report["failed"]) == (4, 4, 0)
    assert [d["coach"] for d in report["details"]] == ["coach_d", "coach_i", "coach_s", "coach_n"]
    assert all(isinstance(d["plan_id"], int) for d in report["details"])
    stored = service.plans_for_date(date(2024, 11, 9))
    assert [p.coach for p in stored] == ["d", "i", "s", "n"]
    assert all(p.charts for p in stored)


def test_populate_is_idempotent(service: PlanService) -> None:
    populate_mock_data(service, DAY)
    before = {p.coach: p.version for p in service.plans_for_date(DAY)}
    report = populate_mock_data(service, DAY)
    assert report["successful"] == 4
    assert (
        {p.coach: p.version for p in service.plans_for_date(DAY)}
        == before
        == {
            "d": 1,
            "i": 1,
            "s": 1,
            "n": 1,
        }
    )


def test_populate_rejects_a_bad_date(sqlite_service: PlanService) -> None:
    with pytest.raises(ValidationFailed, match="Invalid date format '2024-1-5'"):
        populate_mock_data(sqlite_service, "2024-1-5")


def test_recent_dates_are_nyse_trading_days_up_to_today() -> None:
    sunday_after_thanksgiving = date(2026, 11, 29)
    assert recent_dates(sunday_after_thanksgiving, 4) == [
        date(2026, 11, 23),
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 27),  # Thursday the 26th is Thanksgiving: the exchange is closed
    ]
    tuesday = date(2024, 11, 12)
    assert recent_dates(tuesday, 2) == [date(2024, 11, 11), tuesday]
    assert recent_dates(date(2026, 12, 28), 2) == [date(2026, 12, 24), date(2026, 12, 28)]


def service_at(engine: Engine, moment: datetime, zone: str = "America/New_York") -> PlanService:
    return PlanService(Repository(engine), default_roster(), ZoneInfo(zone), clock=lambda: moment)


def test_seed_recent_seeds_each_date(sqlite_engine: Engine) -> None:
    service = service_at(sqlite_engine, datetime(2024, 11, 12, 15, 30, tzinfo=UTC))
    reports = seed_recent(service, 3)
    assert len(reports) == 3
    assert reports[-1]["date"] == "2024-11-12"
    assert all(r["successful"] == 4 for r in reports)


@pytest.mark.parametrize(
    ("moment", "zone", "last_seeded"),
    [
        (datetime(2026, 11, 29, 15, 0, tzinfo=UTC), "America/New_York", "2026-11-27"),  # Sunday
        (datetime(2026, 11, 26, 15, 0, tzinfo=UTC), "America/New_York", "2026-11-25"),  # holiday
        # 01:00 UTC on the 27th: still Thanksgiving in New York, already Friday in Tokyo
        (datetime(2026, 11, 27, 1, 0, tzinfo=UTC), "America/New_York", "2026-11-25"),
        (datetime(2026, 11, 27, 1, 0, tzinfo=UTC), "Asia/Tokyo", "2026-11-27"),
    ],
)
def test_no_plan_is_seeded_for_a_day_the_exchange_is_closed(
    sqlite_engine: Engine, moment: datetime, zone: str, last_seeded: str
) -> None:
    service = service_at(sqlite_engine, moment, zone)
    reports = seed_recent(service, 2)
    assert reports[-1]["date"] == last_seeded
    if last_seeded != service.today().isoformat():
        assert service.plans_for_date(service.today()) == []


@pytest.mark.parametrize("day", [date(2024, 11, 12), date(2025, 3, 4), date(2026, 6, 1)])
def test_mock_charts_draw_the_levels_written_in_the_plan(day: date) -> None:
    for coach, plan in MockDataProvider().plans_for(day).items():
        assert len(plan.chart_specs) == len(plan.charts)
        written = {float(n.replace(",", "")) for n in NUMBER.findall(plan.text)}
        for spec, chart in zip(plan.chart_specs, plan.charts, strict=True):
            assert set(spec.levels) <= written, (coach, spec, plan.text)
            assert spec.levels or coach == "n"  # the news plan names no price levels
            redrawn = render_chart(
                spec.ticker, day.toordinal(), base_price=spec.last, levels=spec.levels
            )
            assert chart.data == redrawn  # the chart is exactly the one drawn with them
        if coach != "n":  # every price level in the text is drawn on a chart
            drawn = {level for spec in plan.chart_specs for level in spec.levels}
            assert written - {float(day.year), float(day.day)} - SMALL <= drawn, coach
