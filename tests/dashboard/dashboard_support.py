"""Helpers of the dashboard tests: settings with a write token, plans posted through the
service (the bot's path), mock-mode chart images, and checks on the served HTML."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, Plan, PlanId, Source
from coachplans.mock.charts import render_chart
from coachplans.service import PlanService
from coachplans.settings import Settings, load_settings

TOKEN = "dash-s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DAY = date(2024, 11, 12)  # a Tuesday
CHART_SIZE = (800, 450)
SCRIPT_TEXT = "Careful today <script>window.pwned = 1</script> <img src=x onerror=alert(1)> $SPY"

# make_app(**api_settings) -> (app, client, service); the fixture is in conftest.py
AppFactory = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient, PlanService]]]


def dashboard_settings(db_url: str, **api: Any) -> Settings:
    return load_settings(
        run_bot=False, database={"url": db_url}, api={"tokens": f"writer:{TOKEN}", **api}
    )


def chart(seed: int, ticker: str = "NVDA") -> bytes:
    """A mock-mode candlestick chart, CHART_SIZE pixels, as PNG bytes."""
    return render_chart(ticker, seed, *CHART_SIZE)


def post(
    service: PlanService,
    coach: str,
    text: str,
    day: date = DAY,
    charts: Sequence[bytes] = (),
    author: str = "Coach Dee",
) -> Plan:
    uploads = [ChartUpload(data, f"chart{i}.png") for i, data in enumerate(charts, 1)]
    result = service.post_plan(
        coach, text, Actor(author), source=Source.MOCK, trade_date=day, charts=uploads
    )
    return result.plan


def edit(service: PlanService, plan_id: int, text: str, author: str = "editor") -> Plan:
    return service.edit_plan(PlanId(plan_id), text, Actor(author), source=Source.API).plan


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """Inline scripts, on*= handlers and style attributes found in markup (should be none)."""
    found = []
    for name, pattern in (
        ("inline script", _INLINE_SCRIPT),
        ("event handler attribute", _EVENT_ATTRIBUTE),
        ("style attribute", _STYLE_ATTRIBUTE),
    ):
        found += [f"{name}: {match.group(0)[:80]}" for match in pattern.finditer(html)]
    return found
