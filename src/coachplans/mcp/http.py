"""The API's ``/mcp`` endpoint: the MCP server over Streamable HTTP, inside the API process.

It reads through the API itself (the client over ``httpx.ASGITransport``), so it answers what
the HTTP routes answer, from the same read cache. The API's read-token rules apply: the
``authorize`` callable the API passes in runs before anything else. Sessions are bounded (a
limit on open sessions, an idle timeout) and answers are plain JSON; no standalone SSE stream
is offered (GET answers 405, as the protocol allows), because the server never sends anything
unasked. So nothing long-lived holds up a graceful shutdown: in-flight calls finish, then the
session manager stops with the application's lifespan.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from coachplans.mcp.server import build_server
from coachplans.mcp.source import ClientPlanSource
from coachplans.settings import Settings

PATH = "/mcp"
INTERNAL_URL = "http://coachplans.internal"
MAX_SESSIONS = 256
SESSION_IDLE_SECONDS = 15 * 60.0
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]

Authorize = Callable[[Request], Awaitable[None]]


def _transport_security(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding protection when the API listens on loopback (a browser page must not
    reach a local server through a hostile name); elsewhere the read-token rules guard it."""
    if settings.api.is_loopback:
        return TransportSecuritySettings(
            allowed_hosts=LOOPBACK_HOSTS, allowed_origins=LOOPBACK_ORIGINS
        )
    return TransportSecuritySettings(enable_dns_rebinding_protection=False)


def _inner_token(settings: Settings) -> str | None:
    """The token the endpoint reads the API with when reads need one. The caller's own token
    was checked at the door; this one only opens the in-process read path."""
    if not settings.api.require_read_token or not settings.api.tokens:
        return None
    return next(iter(settings.api.tokens.values())).get_secret_value()


class McpEndpoint:
    """An ASGI app for the ``/mcp`` route, and the lifespan that runs its sessions."""

    def __init__(self, api: ASGIApp, settings: Settings, authorize: Authorize):
        self.source = ClientPlanSource(
            INTERNAL_URL,
            token=_inner_token(settings),
            market_timezone=settings.market_timezone,
            # an exception past the app's error handlers is a 500 answer here, not a crash
            transport=httpx.ASGITransport(app=api, raise_app_exceptions=False),
        )
        self.server = build_server(self.source)
        self.server.streamable_http_app(
            streamable_http_path=PATH,
            json_response=True,
            max_sessions=MAX_SESSIONS,
            session_idle_timeout=SESSION_IDLE_SECONDS,
            transport_security=_transport_security(settings),
            host=settings.api.host,
        )
        self._app = StreamableHTTPASGIApp(self.server.session_manager)
        self._authorize = authorize

    def route(self) -> Route:
        """The ``/mcp`` route (every method; not in the OpenAPI schema)."""
        return Route(PATH, endpoint=self, include_in_schema=False)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Start the session manager; on exit, end every session and close the source.

        The manager runs in a task of its own: its task group must be left by the task that
        entered it, and a lifespan may be entered and left by different tasks (as test
        fixtures do)."""
        started, stopping = asyncio.Event(), asyncio.Event()

        async def run() -> None:
            async with self.server.session_manager.run():
                started.set()
                await stopping.wait()

        task = asyncio.create_task(run(), name="mcp-sessions")
        try:
            waiter = asyncio.create_task(started.wait())
            await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if task.done():
                task.result()  # it failed to start: raise why
            yield
        finally:
            stopping.set()
            await task
            await self.source.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._authorize(Request(scope, receive))
            if scope["method"] == "GET":
                await _no_stream(scope, receive, send)
                return
        await self._app(scope, receive, send)


async def _no_stream(scope: Scope, receive: Receive, send: Send) -> None:
    body = {
        "error": "Method Not Allowed",
        "message": "This MCP endpoint sends no server-initiated messages: POST requests only",
    }
    await JSONResponse(body, 405, headers={"Allow": "POST, DELETE"})(scope, receive, send)
