"""The API's ``/mcp`` endpoint specifically: the API's read-token rules, no standalone stream,
bounded sessions, and a shutdown that no open session holds up."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from mcp.shared.exceptions import MCPError
from mcp_support import TODAY, TOKEN, RunningServer, call, http_client, seed, start_server

from coachplans.mcp import http as mcp_http
from coachplans.mock import recent_dates
from process_support import ServerProcess

pytestmark = pytest.mark.slow
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


def leaves(group: BaseException) -> list[BaseException]:
    """The innermost exceptions of (nested) exception groups."""
    if isinstance(group, BaseExceptionGroup):
        return [leaf for inner in group.exceptions for leaf in leaves(inner)]
    return [group]


def post_initialize(url: str, token: str | None) -> httpx.Response:
    headers = dict(MCP_HEADERS)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{url}/mcp", json=INITIALIZE, headers=headers, timeout=10)


def test_read_tokens_apply_to_mcp(locked_server: RunningServer) -> None:
    missing = post_initialize(locked_server.url, None)
    wrong = post_initialize(locked_server.url, "not-the-token")
    right = post_initialize(locked_server.url, TOKEN)
    assert missing.status_code == 401, missing.text
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["message"] == "Missing bearer token"
    assert wrong.status_code == 401 and wrong.json()["message"] == "Invalid bearer token"
    assert right.status_code == 200, right.text
    assert right.json()["result"]["serverInfo"]["name"] == "coachplans"


async def test_sdk_client_needs_the_token_on_a_locked_server(locked_server: RunningServer) -> None:
    with pytest.raises(BaseExceptionGroup) as refused:
        async with http_client(locked_server.url) as client:
            await client.list_tools()
    assert any(isinstance(leaf, MCPError) for leaf in leaves(refused.value))
    async with http_client(locked_server.url, TOKEN) as client:
        text = await call(client, "get_plans", coach="d")
    assert text.startswith(f"## coach_d - {TODAY.isoformat()}")


def test_mcp_is_open_when_reads_are_open_and_offers_no_stream(plans_server: RunningServer) -> None:
    assert post_initialize(plans_server.url, None).status_code == 200
    stream = httpx.get(f"{plans_server.url}/mcp", headers={"Accept": "text/event-stream"})
    assert stream.status_code == 405
    assert stream.headers["allow"] == "POST, DELETE"
    assert "POST requests only" in stream.json()["message"]
    schema = httpx.get(f"{plans_server.url}/openapi.json").json()
    assert "/mcp" not in schema["paths"]


@pytest.fixture
def one_session_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    monkeypatch.setattr(mcp_http, "MAX_SESSIONS", 1)
    running = start_server(tmp_path)
    seed(running)
    yield running
    running.stop()


async def test_sessions_are_bounded_and_freed_when_closed(
    one_session_server: RunningServer,
) -> None:
    url = one_session_server.url
    async with http_client(url) as first:
        assert "coach_d" in await call(first, "list_coaches")
        full = post_initialize(url, None)
        assert full.status_code == 503, full.text
        assert "Too many open sessions" in full.text
    async with http_client(url) as second:  # the first session ended with a DELETE
        assert "coach_d" in await call(second, "list_coaches")


async def test_an_open_session_does_not_hold_up_shutdown(tmp_path: Path) -> None:
    running = start_server(tmp_path)
    try:
        async with http_client(running.url) as client:
            assert "coach_d" in await call(client, "list_coaches")
            started = time.monotonic()
            running.server.stop()
            stopped_in = time.monotonic() - started
            assert not running.server.thread.is_alive()
    finally:
        running.service.repo.engine.dispose()
    # LiveServer allows 2 s for connections to finish; an open stream would use all of it.
    assert stopped_in < 1.5, stopped_in


async def test_serve_answers_on_mcp_and_stops_cleanly_with_a_session_open(tmp_path: Path) -> None:
    """The real ``coachplans serve --mock`` process: its seeded plans over /mcp, then SIGTERM
    while the session is open ends it with status 0 well under the 10 s graceful cap."""
    server = ServerProcess(tmp_path, "serve", "--mock")
    try:
        server.wait_healthy()
        async with http_client(server.base) as client:
            # mock mode seeds trading sessions only: the last one, today unless the exchange
            # is closed today
            session = recent_dates(datetime.now(ZoneInfo("America/New_York")).date(), 1)[0]
            text = await call(client, "get_plans", date=session.isoformat())
            assert text.startswith("Plans for ") and "## coach_d" in text
            started = time.monotonic()
            assert server.stop(signal.SIGTERM) == 0
            assert time.monotonic() - started < 5
    finally:
        server.kill()
    assert "Traceback" not in server.output()


async def test_a_failing_route_is_reported_as_the_server_failing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = start_server(tmp_path)
    try:
        seed(running)

        def explode(*_args: object) -> None:
            raise RuntimeError("secret-internal-detail")

        monkeypatch.setattr(running.service, "revisions", explode)
        async with http_client(running.url) as client:
            result = await client.call_tool("plan_history", {"coach": "d"})
        text = str(result.content)
    finally:
        running.stop()
    assert result.is_error
    assert "coachplans server unavailable: HTTP 500: An unexpected error occurred" in text
    assert "secret-internal-detail" not in text
