"""Contract: the real client against the real app, in-process (async over httpx.ASGITransport)
and over a real uvicorn on loopback (sync and async): every method and return shape of
SPEC §7.1, the server's 400 answers, ETag revalidation of today's plans, and a 503 /health."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from client_support import FakeClock, Target, make_png

from coachplans.compat_json import no_plan, plan_to_compat, plans_to_compat
from coachplans.contract import chart_path
from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, Plan, Slot, Source
from coachplans.service import PlanService

DAY = date(2024, 11, 12)
DAY_TEXT = DAY.isoformat()
COMPAT_FIELDS = {"plan", "charts", "author", "created_at", "edited_at", "channel"}


def post(service: PlanService, coach: str, text: str, day: date = DAY, charts: int = 0) -> Plan:
    uploads = [ChartUpload(make_png(n), f"chart{n}.png") for n in range(charts)]
    return service.post_plan(
        coach, text, Actor("Coach", discord_id=1), source=Source.MOCK, trade_date=day,
        charts=uploads, channel="plans",
    ).plan  # fmt: skip


def compat_json(plan: Plan, target: Target) -> dict[str, object]:
    return plan_to_compat(plan, lambda chart: target.base + chart_path(chart))


async def test_fetch_coach_plan_is_the_servers_json(
    target: Target, server_service: PlanService
) -> None:
    plan = post(server_service, "d", "Long $NVDA above 945", charts=2)
    client = target.client()
    answer = await client.fetch_coach_plan("coach_d", DAY_TEXT)
    assert answer == compat_json(plan, target)
    assert set(answer) >= COMPAT_FIELDS
    assert len(answer["charts"]) == 2 and answer["charts"][0].startswith(target.base)
    assert await client.fetch_coach_plan("D", DAY) == answer  # a hit, same answer
    assert (await client.get_metrics())["requests"]["cache_hits"] == 1


async def test_no_plan_is_the_exact_contract_text(target: Target) -> None:
    answer = await target.client().fetch_coach_plan("i", DAY_TEXT)
    assert answer == no_plan("coach_i", DAY)
    assert answer["plan"] == f"No plan available for coach_i on {DAY_TEXT}"


async def test_fetch_all_then_each_coach_is_a_hit(
    target: Target, server_service: PlanService
) -> None:
    plans = [post(server_service, coach, f"Plan {coach}") for coach in ("d", "s", "n")]
    client = target.client()
    everyone = await client.fetch_all_coach_plans(DAY_TEXT)
    assert everyone == plans_to_compat(plans, lambda c: target.base + chart_path(c))
    for plan in plans:
        assert (
            await client.fetch_coach_plan(plan.coach, DAY_TEXT) == everyone[f"coach_{plan.coach}"]
        )
    metrics = await client.get_metrics()
    assert metrics["requests"] == {
        "total": 4, "cache_hits": 3, "cache_misses": 1, "cache_hit_rate_percent": 75.0,
    }  # fmt: skip
    assert metrics["api"] == {"success": 1, "errors": 0, "retries": 0}
    assert await client.fetch_all_coach_plans("2024-11-11") == {}


async def test_the_servers_400_answers_keep_plan_and_charts_and_are_not_retried(
    target: Target,
) -> None:
    client = target.client()
    bad_coach = "Invalid coach name 'zz'. Valid coaches: d, i, s, n"
    assert await client.fetch_coach_plan(" zz ", DAY_TEXT) == {
        "plan": f"Error fetching plan for coach  zz : {bad_coach}",
        "charts": [],
        "error": bad_coach,
    }
    bad_date = "Invalid date format '2024-1-5'. Use YYYY-MM-DD"
    assert await client.fetch_coach_plan("d", "2024-1-5") == {
        "plan": f"Error fetching plan for coach d: {bad_date}",
        "charts": [],
        "error": bad_date,
    }
    assert await client.fetch_all_coach_plans("tomorrow") == {
        "error": "Invalid date format 'tomorrow'. Use YYYY-MM-DD"
    }
    assert target.sleeper.waits == []
    assert (await client.get_metrics())["api"] == {"success": 0, "errors": 3, "retries": 0}


async def test_health_metrics_and_the_clients_own_counters(
    target: Target, server_service: PlanService
) -> None:
    post(server_service, "d", "x")
    client = target.client()
    health = await client.check_health()
    assert health["status"] == "healthy"
    assert health["components"]["database"] == {"status": "up", "plan_count": 1}
    assert health["components"]["discord_bot"]["status"] == "mock"
    server = await client.get_server_metrics()
    assert {"timestamp", "uptime_seconds", "requests", "database"} <= set(server)
    assert server["database"]["total_plans"] == 1
    mine = await client.get_metrics()
    assert set(mine) == {"requests", "api", "cache"}
    assert set(mine["requests"]) == {
        "total",
        "cache_hits",
        "cache_misses",
        "cache_hit_rate_percent",
    }
    assert set(mine["api"]) == {"success", "errors", "retries"}
    assert {"size", "max_size", "ttl_seconds"} <= set(mine["cache"])
    assert mine["api"]["success"] == 2
    assert await client.clear_cache() == 0


async def test_todays_plans_are_revalidated_with_real_etags(
    target: Target, server_service: PlanService, mono: FakeClock
) -> None:
    today = server_service.today()
    post(server_service, "d", "first text", day=today)
    client = target.client(clock=mono, revalidate_after_seconds=30)
    assert (await client.fetch_coach_plan("d"))["plan"] == "first text"
    assert (await client.fetch_coach_plan("i"))["found"] is False
    mono.advance(31)
    assert (await client.fetch_coach_plan("d"))["plan"] == "first text"  # 304
    metrics = await client.get_metrics()
    assert metrics["requests"]["cache_hits"] == 1 and metrics["api"]["success"] == 3

    server_service.edit_plan(Slot("d", today), "edited text", Actor("Coach"), source=Source.MOCK)
    post(server_service, "i", "posted after the first lookup", day=today)
    assert (await client.fetch_coach_plan("d"))["plan"] == "first text"  # within 30 s
    mono.advance(31)
    assert (await client.fetch_coach_plan("d"))["plan"] == "edited text"
    assert (await client.fetch_coach_plan("i"))["plan"] == "posted after the first lookup"


@contextmanager
def database_gone(service: PlanService, tmp_path: Path) -> Iterator[None]:
    """The SQLite file (and WAL) moved away and a directory put in its place."""
    path = tmp_path / "plans.db"
    aside = tmp_path / "aside"
    aside.mkdir()
    service.repo.engine.dispose()
    files = [p for p in tmp_path.glob("plans.db*") if p.is_file()]
    for file in files:
        file.rename(aside / file.name)
    path.mkdir()
    try:
        yield
    finally:
        service.repo.engine.dispose()
        path.rmdir()
        for file in files:
            (aside / file.name).rename(file)


async def test_a_503_from_health_keeps_the_servers_body(
    target: Target, server_service: PlanService, tmp_path: Path
) -> None:
    client = target.client()
    with database_gone(server_service, tmp_path):
        health = await client.check_health()
        plan = await client.fetch_coach_plan("d", "2020-01-06")
    assert health["status"] == "unhealthy"
    assert health["components"]["database"]["status"] == "down"
    assert "error" not in health
    assert plan["error"].startswith("HTTP 503: ")
    assert plan["plan"].startswith("Error fetching plan for coach d: HTTP 503")
    assert (await client.check_health())["status"] == "healthy"


@pytest.mark.parametrize("coach", ["d", "coach_s"])
async def test_a_fallback_is_never_cached_against_the_real_app(
    target: Target, server_service: PlanService, tmp_path: Path, coach: str
) -> None:
    client = target.client()
    with database_gone(server_service, tmp_path):
        assert "error" in await client.fetch_coach_plan(coach, "2020-01-07")
    post(server_service, coach.removeprefix("coach_"), "back", day=date(2020, 1, 7))
    assert (await client.fetch_coach_plan(coach, "2020-01-07"))["plan"] == "back"
