"""Nothing outlives an event stream: no task, no waiter, no subscriber, however the stream
ends (the client goes away while the stream waits for the next event)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from typing import Any

import httpx
import pytest
from api_support import api_settings

from coachplans.api.app import create_app
from coachplans.api.events import EventHub
from coachplans.service import PlanService
from live_server import LiveServer

STREAM = "/api/v1/events/stream"


async def _consume(hub: EventHub) -> None:
    async for _ in hub.follow(0):
        pass


async def test_a_cancelled_stream_leaves_no_task_behind(sqlite_service: PlanService) -> None:
    hub = EventHub(sqlite_service, poll_seconds=5)
    hub.attach(asyncio.get_running_loop())
    try:
        await asyncio.sleep(0.05)
        before = len(asyncio.all_tasks())
        for _ in range(200):
            stream = asyncio.create_task(_consume(hub))
            await asyncio.sleep(0.005)  # the stream is now waiting for an event
            stream.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stream
        await asyncio.sleep(0.05)
        assert len(asyncio.all_tasks()) == before
        assert hub.subscribers == 0
    finally:
        await hub.detach()


def _tasks_and_subscribers(server: LiveServer, hub: EventHub) -> tuple[int, int]:
    async def count() -> tuple[int, int]:
        return len(asyncio.all_tasks()), hub.subscribers

    loop: Any = hub._loop
    return asyncio.run_coroutine_threadsafe(count(), loop).result(timeout=5)


async def _short_stream(client: httpx.AsyncClient) -> None:
    async with client.stream("GET", STREAM) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("retry:"):
                return  # the client goes away with the stream open


@pytest.mark.slow
async def test_short_lived_clients_leave_nothing_on_the_server(
    sqlite_service: PlanService, tmp_path: Any
) -> None:
    settings = api_settings(f"sqlite:///{tmp_path / 'unused.db'}")
    app = create_app(settings, sqlite_service)
    server = LiveServer(app).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            await _short_stream(client)
            await asyncio.sleep(0.3)
            baseline, _ = _tasks_and_subscribers(server, app.state.event_hub)
            for _ in range(10):
                await asyncio.gather(*(_short_stream(client) for _ in range(30)))
        gc.collect()
        for _ in range(50):  # the server sees each disconnect shortly after it happens
            tasks, subscribers = _tasks_and_subscribers(server, app.state.event_hub)
            if subscribers == 0 and tasks <= baseline:
                break
            await asyncio.sleep(0.1)
        assert subscribers == 0
        assert tasks <= baseline, f"{tasks - baseline} tasks outlived their streams"
    finally:
        server.stop()
