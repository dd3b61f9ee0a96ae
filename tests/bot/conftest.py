"""Fixtures of the bot tests (helpers live in bot_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from bot_support import Harness, bot_service, make_harness
from sqlalchemy import Engine

from coachplans.service import PlanService


@pytest.fixture
def plan_service(engine: Engine) -> PlanService:
    """The bot roster over SQLite and PostgreSQL."""
    return bot_service(engine)


@pytest.fixture
def sqlite_plan_service(sqlite_engine: Engine) -> PlanService:
    return bot_service(sqlite_engine)


@pytest.fixture
async def harness(sqlite_plan_service: PlanService) -> AsyncIterator[Harness]:
    harness = await make_harness(sqlite_plan_service)
    yield harness
    await harness.bot.close()
