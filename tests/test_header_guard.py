"""Slow and oversized request headers against the real server (serve_api on uvicorn,
127.0.0.1), driven by a raw socket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from coachplans.bot_status import BotState
from coachplans.serve import serve_api
from coachplans.settings import Settings, load_settings
from coachplans.wiring import build_service
from process_support import free_port
from test_serve import wait_for_health

pytestmark = pytest.mark.slow

HEADER_TIMEOUT = 0.5


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Settings]:
    settings = load_settings(
        run_bot=False,
        database={"url": f"sqlite:///{tmp_path / 'plans.db'}"},
        api={"port": free_port(), "header_timeout_seconds": HEADER_TIMEOUT},
    )
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve_api(settings, build_service(settings), BotState(), stop=stop, handle_signals=False)
    )
    await wait_for_health(f"http://127.0.0.1:{settings.api.port}", task)
    yield settings
    stop.set()
    await asyncio.wait_for(task, 15)


async def connect(settings: Settings) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", settings.api.port)


async def answer_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), seconds)


async def test_headers_sent_slowly_are_cut_off(server: Settings) -> None:
    reader, writer = await connect(server)
    started = time.monotonic()
    writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")

    async def dribble() -> None:
        for number in range(50):  # 10 seconds of one header line every 0.2 s
            writer.write(b"X-Slow-%d: x\r\n" % number)
            await asyncio.sleep(0.2)

    dribbling = asyncio.create_task(dribble())
    try:
        answer = await answer_within(reader, 5)
    finally:
        dribbling.cancel()
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert time.monotonic() - started < HEADER_TIMEOUT + 1.5


async def test_a_connection_that_sends_nothing_is_closed(server: Settings) -> None:
    reader, writer = await connect(server)
    answer = await answer_within(reader, 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer


async def test_oversized_headers_are_refused(server: Settings) -> None:
    reader, writer = await connect(server)
    writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    writer.write(b"".join(b"X-Big-%d: %s\r\n" % (n, b"y" * 1000) for n in range(20)))
    answer = await answer_within(reader, 5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 431 "), answer


async def test_prompt_requests_and_kept_alive_connections_still_work(server: Settings) -> None:
    reader, writer = await connect(server)
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"z" * 8000 + b"\r\n\r\n"
    for _ in range(2):
        writer.write(request[:20])
        await asyncio.sleep(HEADER_TIMEOUT / 2)  # slow, but within the deadline
        writer.write(request[20:])
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200 "), head
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        await asyncio.sleep(HEADER_TIMEOUT * 1.5)  # idle between requests: keep-alive's
    writer.close()
