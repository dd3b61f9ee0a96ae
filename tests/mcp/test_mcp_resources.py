"""The resources over both transports: plans of a date, of a coach and date, of a ticker (the
fork's ``coach://plans/{ticker}``), and chart images as base64 blobs with their MIME type."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import BlobResourceContents, TextResourceContents
from mcp_support import D_LONG_AGO, D_TODAY, EMPTY_DAY, S_TODAY, TODAY, RunningServer, call, connect

pytestmark = pytest.mark.slow
T = TODAY.isoformat()


def only_text(contents: list[TextResourceContents | BlobResourceContents]) -> str:
    assert len(contents) == 1 and isinstance(contents[0], TextResourceContents), contents
    assert contents[0].mime_type == "text/plain"
    return contents[0].text


async def test_resource_templates_are_listed(plans_server: RunningServer, transport: str) -> None:
    async with connect(transport, plans_server.url) as client:
        listed = (await client.list_resource_templates()).resource_templates
    templates = {template.uri_template: template.mime_type for template in listed}
    assert templates == {
        "coachplans://plans/{date}": "text/plain",
        "coachplans://plans/{date}/{coach}": "text/plain",
        "coach://plans/{ticker}": "text/plain",
        "coachplans://charts/{sha256}.png": "image/png",
        "coachplans://charts/{sha256}.jpg": "image/jpeg",
        "coachplans://charts/{sha256}.gif": "image/gif",
        "coachplans://charts/{sha256}.webp": "image/webp",
    }


async def test_plan_resources_answer_like_the_tools(
    plans_server: RunningServer, transport: str
) -> None:
    async with connect(transport, plans_server.url) as client:
        day = only_text((await client.read_resource(f"coachplans://plans/{T}")).contents)
        tool_day = await call(client, "get_plans", date=T)
        one = only_text((await client.read_resource(f"coachplans://plans/{T}/coach_s")).contents)
        none = only_text((await client.read_resource(f"coachplans://plans/{T}/i")).contents)
        empty = only_text((await client.read_resource(f"coachplans://plans/{EMPTY_DAY}")).contents)
        ticker = only_text((await client.read_resource("coach://plans/NVDA")).contents)
        tool_ticker = await call(client, "plans_for_ticker", ticker="NVDA", days=30)
    assert day == tool_day and D_TODAY in day and S_TODAY in day
    assert one.startswith(f"## coach_s - {T}") and D_TODAY not in one
    assert none == f"No plan from coach_i for {T}; do not invent one."
    assert empty == "No coach has posted a plan for 2001-01-02; do not invent one."
    assert ticker == tool_ticker and D_LONG_AGO not in ticker


async def test_chart_resource_is_the_archived_image(
    plans_server: RunningServer, transport: str
) -> None:
    async with connect(transport, plans_server.url) as client:
        plan = await call(client, "get_plans", date=T, coach="d")
        uris = re.findall(r"coachplans://charts/\S+", plan)
        assert uris == [f"coachplans://charts/{hashlib.sha256(plans_server.chart).hexdigest()}.png"]
        contents = (await client.read_resource(uris[0])).contents
    assert len(contents) == 1 and isinstance(contents[0], BlobResourceContents)
    assert contents[0].mime_type == "image/png"
    assert base64.b64decode(contents[0].blob) == plans_server.chart


BAD_URIS = [
    ("coachplans://plans/2024-1-5", "Use YYYY-MM-DD"),
    (f"coachplans://plans/{T}/zz", "Unknown coach 'zz'. Valid coaches: d, i, s, n"),
    ("coach://plans/<b>", "Invalid ticker"),
    (f"coachplans://charts/{'0' * 64}.png", "HTTP 404"),
    ("coachplans://charts/abc.png", "Invalid chart id 'abc'"),
]


async def test_bad_resource_uris_are_errors_naming_the_expected_form(
    plans_server: RunningServer, transport: str
) -> None:
    failures = []
    async with connect(transport, plans_server.url) as client:
        for uri, expected in BAD_URIS:
            try:
                result = await client.read_resource(uri)
            except MCPError as exc:
                if expected not in exc.message:
                    failures.append(f"{uri}: {exc.message!r} lacks {expected!r}")
            else:
                failures.append(f"{uri}: answered {result.contents!r}")
    assert not failures, "\n".join(failures)
