"""MCP fixtures: one seeded coachplans server per module (real uvicorn on loopback) and one
that requires tokens for reads. Clients are opened inside each test (``mcp_support.connect``):
the SDK's task groups must be entered and left in the same task."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mcp_support import RunningServer, seed, start_server


@pytest.fixture(scope="module")
def plans_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("mcp"))
    try:
        seed(running)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Reads need a bearer token (api.require_read_token)."""
    running = start_server(tmp_path_factory.mktemp("mcp-locked"), require_read_token=True)
    try:
        seed(running)
        yield running
    finally:
        running.stop()


@pytest.fixture(params=["stdio", "http", "http-auto"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)
