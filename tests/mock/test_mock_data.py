"""Mock mode: real PNG charts, realistic plans, seeding through the service (the simulated
bot is tested in test_mock_bot.py)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from coachplans.errors import ValidationFailed
from coachplans.mock import (
    MockDataProvider,
    populate_mock_data,
    recent_dates,
    render_chart,
    seed_recent,
)
from coachplans.service import PlanService

PNG = b"\x89PNG\r\n\x1a\n"
DAY = date(2024, 11, 12)


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


def test_recent_dates_are_today_and_previous_weekdays() -> None:
    saturday = date(2026, 11, 21)
    days = recent_dates(saturday, 4)
    assert days == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20), saturday]


def test_seed_recent_seeds_each_date(sqlite_service: PlanService) -> None:
    reports = seed_recent(sqlite_service, 3)
    assert len(reports) == 3
    assert reports[-1]["date"] == sqlite_service.today().isoformat()
    assert all(r["successful"] == 4 for r in reports)
