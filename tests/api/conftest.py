"""API fixtures: the ASGI app over the `db_url` database (SQLite and PostgreSQL), an httpx
client driving it in-process (lifespan run), a factory for apps with other settings, and a
real uvicorn server (api_support.LiveServer) for streaming. Helpers live in api_support.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from api_support import BASE_URL, AppFactory, api_settings, make_png
from fastapi import FastAPI

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.service import PlanService
from coachplans.settings import Settings
from coachplans.wiring import build_service


@pytest.fixture
def png() -> Callable[..., bytes]:
    return make_png


@pytest.fixture
def settings(db_url: str) -> Settings:
    return api_settings(db_url)


@pytest.fixture
def service(settings: Settings) -> Iterator[PlanService]:
    """The service exactly as the server builds it (overrides the top-level fixture)."""
    built = build_service(settings)
    yield built
    built.repo.engine.dispose()


@pytest.fixture
def bot_state() -> BotState:
    return BotState("mock")


@pytest.fixture
async def app(
    settings: Settings, service: PlanService, bot_state: BotState
) -> AsyncIterator[FastAPI]:
    application = create_app(settings, service, bot_state)
    async with application.router.lifespan_context(application):
        yield application


def client_for(application: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application)
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


@pytest.fixture
async def make_client(db_url: str) -> AsyncIterator[AppFactory]:
    """An app and client over ``db_url`` with settings sections overridden per test."""
    opened: list[tuple[httpx.AsyncClient, PlanService, Any]] = []

    async def build(**sections: Any) -> tuple[FastAPI, httpx.AsyncClient, PlanService]:
        built_settings = api_settings(db_url, **sections)
        built_service = build_service(built_settings)
        application = create_app(built_settings, built_service, BotState("mock"))
        lifespan = application.router.lifespan_context(application)
        await lifespan.__aenter__()
        http = client_for(application)
        opened.append((http, built_service, lifespan))
        return application, http, built_service

    yield build
    for http, built_service, lifespan in opened:
        await http.aclose()
        await lifespan.__aexit__(None, None, None)
        built_service.repo.engine.dispose()
