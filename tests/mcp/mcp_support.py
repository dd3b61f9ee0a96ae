"""Helpers of the MCP tests: the seeded plans, a real coachplans server on loopback, and the
SDK's own client connected over stdio (a ``coachplans mcp`` subprocess) or Streamable HTTP
(the API's ``/mcp`` on a real uvicorn)."""

from __future__ import annotations

import io
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent
from PIL import Image

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.client import CoachPlansClient
from coachplans.service import PlanService
from coachplans.settings import load_settings
from coachplans.wiring import build_service
from live_server import LiveServer
from process_support import clean_env

TOKEN = "mcp-test-token"
TODAY = datetime.now(ZoneInfo("America/New_York")).date()
EARLIER = TODAY - timedelta(days=3)
YESTERDAY = TODAY - timedelta(days=1)
LONG_AGO = TODAY - timedelta(days=45)
EMPTY_DAY = date(2001, 1, 2)

D_FIRST = "Long $NVDA above 945, stop 930. $SPY neutral, support 500."
D_TODAY = "Long $NVDA above 945, stop 930, target 980. $SPY neutral, support 500."
S_TODAY = "Bearish on $NVDA under 940, resistance 950."
I_EARLIER = "NVDA support 900, bullish bounce expected"
D_LONG_AGO = "$NVDA bullish swing, target 1000"
N_YESTERDAY = "$TSLA short below 200"


def chart_png() -> bytes:
    """A small real PNG (Pillow), the chart attached to coach d's plan of today."""
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 60)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class RunningServer:
    url: str
    server: LiveServer
    service: PlanService
    chart: bytes = b""
    plan_ids: dict[str, int] = field(default_factory=dict)

    def stop(self) -> None:
        self.server.stop()
        self.service.repo.engine.dispose()


def start_server(folder: Path, **api: Any) -> RunningServer:
    """The API as ``coachplans api`` builds it, on SQLite, with the write token ``TOKEN``."""
    settings = load_settings(
        run_bot=False,
        database={"url": f"sqlite:///{folder}/plans.db"},
        api={"tokens": f"writer:{TOKEN}", **api},
    )
    service = build_service(settings)
    server = LiveServer(create_app(settings, service, BotState("mock"))).start()
    return RunningServer(server.url, server, service)


def seed(running: RunningServer) -> None:
    """The plans every MCP test reads, put in through the v1 API with the write token."""
    chart = chart_png()
    with CoachPlansClient(running.url, token=TOKEN) as writer:
        first = writer.post_plan("d", D_FIRST, date=TODAY, charts=[("nvda.png", chart)])
        writer.edit_plan(first.id, D_TODAY, if_match=first)
        writer.post_plan("coach_s", S_TODAY, date=TODAY)
        writer.post_plan("i", I_EARLIER, date=EARLIER)
        writer.post_plan("d", D_LONG_AGO, date=LONG_AGO)
        deleted = writer.post_plan("n", N_YESTERDAY, date=YESTERDAY)
        writer.delete_plan(deleted.id)
    running.chart = chart
    running.plan_ids = {"d_today": first.id, "n_yesterday": deleted.id}


def stdio_params(url: str, *extra: str) -> StdioServerParameters:
    """``coachplans mcp`` as an MCP client starts it; INFO logs prove stdout stays clean."""
    args = ["-m", "coachplans", "mcp", "--base-url", url, "--log-level", "INFO", *extra]
    return StdioServerParameters(command=sys.executable, args=args, env=clean_env())


@asynccontextmanager
async def http_client(
    url: str, token: str | None = None, mode: str = "legacy"
) -> AsyncIterator[Client]:
    """Streamable HTTP to ``/mcp``: ``legacy`` opens a session with ``initialize`` (what
    most clients do today); ``auto`` negotiates the newest protocol (no session)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        transport = streamable_http_client(f"{url}/mcp", http_client=http)
        async with Client(transport, mode=mode) as client:
            yield client


@asynccontextmanager
async def connect(transport: str, url: str, token: str | None = None) -> AsyncIterator[Client]:
    """The SDK's client over ``transport`` to the server at ``url``: "stdio" (a ``coachplans
    mcp`` subprocess), "http" (a session) or "http-auto" (the newest protocol)."""
    if transport == "stdio":
        extra = ("--token", token) if token else ()
        async with Client(stdio_params(url, *extra)) as client:
            yield client
    else:
        mode = "auto" if transport == "http-auto" else "legacy"
        async with http_client(url, token, mode) as client:
            yield client


def text_of(result: CallToolResult) -> str:
    parts = [block.text for block in result.content if isinstance(block, TextContent)]
    assert parts, f"no text in {result!r}"
    return "\n".join(parts)


async def call(client: Client, tool: str, **arguments: Any) -> str:
    """A tool's text answer; fails the test when the tool reports an error."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return text_of(result)


async def call_error(client: Client, tool: str, **arguments: Any) -> str:
    """The text of a tool error; fails the test when the tool succeeds."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"expected a tool error, got: {text_of(result)}"
    return text_of(result)
