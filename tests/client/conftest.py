"""Client fixtures: clients over a scripted fake server (httpx.MockTransport), and the real
application built as the server builds it, reached in-process (httpx.ASGITransport, async)
and over a real uvicorn on loopback (sync and async). Helpers live in client_support.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from client_support import (
    TOKEN,
    Facade,
    Factory,
    FakeClock,
    FakeServer,
    RecordingSleep,
    Target,
    frozen_now,
    no_wait_policy,
)

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.client import AsyncEnhancedWebhookClient, EnhancedWebhookClient
from coachplans.service import PlanService
from coachplans.settings import Settings, load_settings
from coachplans.wiring import build_service
from live_server import LiveServer

CONTRACT_MODES = ["asgi-async", "live-sync", "live-async"]


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


@pytest.fixture
def sleeper() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def mono() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def compat(
    kind: str, fake: FakeServer, sleeper: RecordingSleep, mono: FakeClock
) -> AsyncIterator[Factory]:
    """build(**options) -> a sync or async EnhancedWebhookClient over the fake server, with
    a fake clock, "today" = 2024-11-12 and a retry policy that records its waits."""
    opened: list[Facade] = []

    def build(**options: Any) -> Facade:
        retry_options = options.pop("retry_options", {})
        if "max_retries" in options:
            retry_options["max_retries"] = options.pop("max_retries")
        defaults: dict[str, Any] = {
            "transport": fake.transport(),
            "retry": no_wait_policy(sleeper, **retry_options),
            "clock": mono,
            "now": frozen_now,
        }
        cls = EnhancedWebhookClient if kind == "sync" else AsyncEnhancedWebhookClient
        client = Facade(cls(**{**defaults, **options}))
        opened.append(client)
        return client

    yield build
    for client in opened:
        await client.aclose()


# --- the real application ----------------------------------------------------------------------


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    return load_settings(
        run_bot=False,
        database={"url": f"sqlite:///{tmp_path}/plans.db"},
        api={"tokens": f"w:{TOKEN}"},
    )


@pytest.fixture
def server_service(server_settings: Settings) -> Iterator[PlanService]:
    service = build_service(server_settings)
    yield service
    service.repo.engine.dispose()


@pytest.fixture(params=CONTRACT_MODES)
async def target(
    request: pytest.FixtureRequest,
    server_settings: Settings,
    server_service: PlanService,
    sleeper: RecordingSleep,
) -> AsyncIterator[Target]:
    """The real app reached in-process (async over httpx.ASGITransport) or over a real
    uvicorn on loopback (sync and async clients)."""
    mode = str(request.param)
    application = create_app(server_settings, server_service, BotState("mock"))
    policy = no_wait_policy(sleeper)
    if mode == "asgi-async":
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            found = Target(mode, "http://testserver", transport, policy, sleeper)
            yield found
            await found.close()
        return
    server = LiveServer(application).start()
    found = Target(mode, server.url, None, policy, sleeper)
    try:
        yield found
        await found.close()
    finally:
        server.stop()
