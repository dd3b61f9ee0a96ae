"""Dashboard fixtures: ``make_app(**api_settings)`` builds the application as the server does
over the ``db_url`` database (SQLite and PostgreSQL) and an httpx client driving it in-process
(lifespan run); everything is closed after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from dashboard_support import AppFactory, dashboard_settings
from fastapi import FastAPI

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.service import PlanService
from coachplans.wiring import build_service


@pytest.fixture
async def make_app(db_url: str) -> AsyncIterator[AppFactory]:
    opened: list[tuple[httpx.AsyncClient, PlanService, Any]] = []

    async def build(**api: Any) -> tuple[FastAPI, httpx.AsyncClient, PlanService]:
        settings = dashboard_settings(db_url, **api)
        service = build_service(settings)
        application = create_app(settings, service, BotState("mock"))
        lifespan = application.router.lifespan_context(application)
        await lifespan.__aenter__()
        transport = httpx.ASGITransport(app=application)
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append((http, service, lifespan))
        return application, http, service

    yield build
    for http, service, lifespan in opened:
        await http.aclose()
        await lifespan.__aexit__(None, None, None)
        service.repo.engine.dispose()
