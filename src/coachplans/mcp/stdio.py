"""``coachplans mcp``: the MCP server over stdio, reading a coachplans server through the
client (its cache, its retries), for an MCP client that starts it as a subprocess.

stdout carries the protocol, so every log line goes to stderr.
"""

from __future__ import annotations

import logging
import sys

import anyio

from coachplans.mcp.server import build_server
from coachplans.mcp.source import ClientPlanSource

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_stderr(level: str) -> None:
    """Before the SDK configures logging: its default would do nothing once this is set."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def serve_stdio(
    base_url: str, *, token: str | None, timeout: float, market_timezone: str, log_level: str
) -> int:
    """Serve until the client closes stdin; returns the exit status."""
    log_to_stderr(log_level)
    source = ClientPlanSource(
        base_url, token=token, timeout=timeout, market_timezone=market_timezone
    )
    server = build_server(source)
    logging.getLogger(__name__).info("serving MCP over stdio for %s", base_url)

    async def run() -> None:
        try:
            await server.run_stdio_async()
        finally:
            await source.aclose()

    anyio.run(run)
    return 0
