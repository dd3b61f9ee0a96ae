"""Server-sent events (SPEC §6.2) over a real uvicorn server on 127.0.0.1: the stream format,
prompt delivery of new writes, resuming with Last-Event-ID, and the outbox poll."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from api_support import AUTH, DAY, DAY_TEXT, each, seed

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.domain.plans import Actor, PlanId, Slot, Source
from coachplans.service import PlanService
from coachplans.settings import Settings
from coachplans.wiring import build_service
from live_server import LiveServer

pytestmark = pytest.mark.slow
STREAM = "/api/v1/events/stream"


class SSEReader:
    """Parses ``text/event-stream`` lines into events ({"id", "event", "data"}).

    A background task moves lines into a queue, so that waiting for an event can time out
    without tearing down the response's line iterator."""

    def __init__(self, response: httpx.Response):
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.retry: str | None = None
        self.comments = 0
        self.task = asyncio.create_task(self._pump(response))

    async def _pump(self, response: httpx.Response) -> None:
        try:
            async for line in response.aiter_lines():
                await self.queue.put(line)
        finally:
            await self.queue.put(None)

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self.task

    async def next_event(self, wait: float = 5.0) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        async with asyncio.timeout(wait):
            while (line := await self.queue.get()) is not None:
                if line == "":
                    if "data" in fields or "id" in fields:
                        fields["data"] = json.loads(fields["data"])
                        return fields
                    continue
                if line.startswith(":"):
                    self.comments += 1
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "retry":
                    self.retry = value
                else:
                    assert name in ("id", "event", "data"), line
                    assert name not in fields, f"repeated field in one event: {line}"
                    fields[name] = value
        raise AssertionError("stream ended")

    async def events(self, count: int, wait: float = 5.0) -> list[dict[str, Any]]:
        return [await self.next_event(wait) for _ in range(count)]

    async def nothing_more(self, wait: float) -> None:
        try:
            event = await self.next_event(wait)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected event {event}")


@contextlib.asynccontextmanager
async def sse(
    http: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> AsyncIterator[tuple[httpx.Response, SSEReader]]:
    async with http.stream("GET", url, headers=headers) as response:
        reader = SSEReader(response)
        try:
            yield response, reader
        finally:
            await reader.close()


ServerFactory = Callable[..., LiveServer]


@pytest.fixture
def start_server(settings: Settings, service: PlanService) -> Iterator[ServerFactory]:
    """Start uvicorn over a fresh app; ``poll_seconds`` sets how often the hub polls the outbox
    (long by default, so that prompt delivery can only come from the write's wake-up)."""
    servers: list[LiveServer] = []

    def start(poll_seconds: float = 60.0) -> LiveServer:
        application = create_app(settings, service, BotState("mock"))
        application.state.event_hub.poll_seconds = poll_seconds
        server = LiveServer(application)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def check_event(event: dict[str, Any], expected_type: str) -> None:
    assert event["event"] == expected_type
    data = event["data"]
    assert str(data["id"]) == event["id"]
    assert data["type"] == expected_type
    assert data["date"] == DAY_TEXT
    assert set(data) == {"id", "type", "plan_id", "coach", "date", "revision", "created_at"}


async def test_stream_delivers_history_then_new_writes_promptly(
    start_server: ServerFactory, service: PlanService, http: httpx.AsyncClient
) -> None:
    server = start_server()
    plan = seed(service, "d", "first")
    service.edit_plan(PlanId(plan.id), "second", Actor("x"), source=Source.MOCK)
    async with sse(http, server.url + STREAM) as (response, reader):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-request-id"]
        backlog = await reader.events(2)
        assert reader.retry == "3000"
        assert [e["id"] for e in backlog] == ["1", "2"]
        check_event(backlog[0], "plan.created")
        check_event(backlog[1], "plan.edited")

        started = time.monotonic()
        posted = await http.post(
            server.url + "/api/v1/plans",
            json={"coach": "s", "date": DAY_TEXT, "text": "live one"},
            headers=AUTH,
        )
        assert posted.status_code == 201
        live = await reader.next_event(wait=5)
        assert time.monotonic() - started < 5
        check_event(live, "plan.created")
        assert live["id"] == "3"
        assert live["data"]["plan_id"] == posted.json()["id"]
        assert live["data"]["coach"] == "coach_s"

        # a write by the bot's path (the service directly, from another thread) arrives too
        started = time.monotonic()
        await asyncio.to_thread(
            service.delete_plan, Slot("d", DAY), Actor("Coach Dee"), source=Source.MOCK
        )
        deleted = await reader.next_event(wait=5)
        assert time.monotonic() - started < 5
        check_event(deleted, "plan.deleted")
        assert deleted["id"] == "4"


async def test_resume_with_last_event_id(
    start_server: ServerFactory, service: PlanService, http: httpx.AsyncClient
) -> None:
    server = start_server()
    for coach in "dis":
        seed(service, coach, f"plan {coach}")
    async with sse(http, server.url + STREAM) as (_, reader):
        first = await reader.events(3)
    assert [e["id"] for e in first] == ["1", "2", "3"]

    headers = {"Last-Event-ID": "1"}
    async with sse(http, server.url + STREAM, headers) as (response, reader):
        assert response.status_code == 200
        resumed = await reader.events(2)
        assert [e["id"] for e in resumed] == ["2", "3"]
        seed(service, "n", "after the reconnect")
        newest = await reader.next_event()
        assert newest["id"] == "4"
        await reader.nothing_more(0.3)

    async with sse(http, server.url + STREAM, {"Last-Event-ID": "4"}) as (_, reader):
        await reader.nothing_more(0.3)
        service.edit_plan(Slot("n", DAY), "edited", Actor("x"), source=Source.MOCK)
        only = await reader.next_event()
        assert only["id"] == "5"
        check_event(only, "plan.edited")
        await reader.nothing_more(0.3)

    async with sse(http, server.url + STREAM + "?after=3") as (_, reader):
        ids = [e["id"] for e in await reader.events(2)]
        assert ids == ["4", "5"]


async def test_events_of_other_processes_arrive_by_polling(
    start_server: ServerFactory, settings: Settings, http: httpx.AsyncClient
) -> None:
    server = start_server(poll_seconds=0.2)
    other_process = build_service(settings, migrate=False)  # its writes wake nobody here
    try:
        async with sse(http, server.url + STREAM) as (_, reader):
            await reader.nothing_more(0.3)
            started = time.monotonic()
            await asyncio.to_thread(seed, other_process, "i", "from elsewhere")
            event = await reader.next_event(wait=5)
            assert time.monotonic() - started < 5
            check_event(event, "plan.created")
            assert reader.comments >= 1  # idle heartbeats kept the connection alive
    finally:
        other_process.repo.engine.dispose()


async def test_bad_last_event_id_400(client: httpx.AsyncClient) -> None:
    async def check(value: str) -> None:
        response = await client.get(
            STREAM, headers=[(b"Last-Event-ID", value.encode("latin-1"))], timeout=5
        )
        assert response.status_code == 400
        assert "Last-Event-ID" in response.json()["message"]

    values = ["abc", "-1", "1.5", "", " ", "9" * 19, "\u00b2", str(2**31), "0x10", "1 2"]
    await each(values, check)


async def test_bad_after_400(client: httpx.AsyncClient) -> None:
    async def check(query: str) -> None:
        response = await client.get(f"{STREAM}?{query}", timeout=5)
        assert response.status_code == 400

    await each(["after=-1", "after=x", f"after={2**40}"], check)
