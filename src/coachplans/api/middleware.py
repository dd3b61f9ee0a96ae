"""One pure ASGI middleware for request ids, access logs and metrics (no per-request task hop,
unlike BaseHTTPMiddleware, which matters at thousands of requests per second)."""

from __future__ import annotations

import functools
import itertools
import logging
import re
import secrets
import time
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coachplans.api.json_body import dump
from coachplans.api.metrics import RequestMetrics
from coachplans.logging import info_fast, request_id_var

log = logging.getLogger("coachplans.api.access")
error_log = logging.getLogger("coachplans.api")
INTERNAL_ERROR = dump({"error": "Internal Server Error", "message": "An unexpected error occurred"})
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Generated ids: a random per-process prefix and a counter; unique across processes and far
# cheaper per request than uuid4.
_ID_PREFIX = secrets.token_hex(6)
_ID_COUNTER = itertools.count(1)
# Query names that carry credentials, judged on the decoded, lower-cased name without
# separators (``Access-Token``, ``%74oken`` and ``api_key`` all match).
_CREDENTIAL_NAME = re.compile(
    r"token|passw|pwd|secret|apikey|^key$|accesskey|^auth|signature|^sig$|credential|session|jwt"
)
_SEPARATORS = re.compile(r"[^a-z0-9]")
MASK = "***"


@functools.lru_cache(maxsize=1024)  # the same few queries come again and again
def masked_query(query: str) -> str:
    """The raw query string with the value of every credential-like name replaced by
    ``***``, whatever its encoding; other values are left as the client sent them."""
    if not query:
        return query
    parts = []
    for pair in query.split("&"):
        name, sep, _value = pair.partition("=")
        plain = _SEPARATORS.sub("", unquote_plus(name).lower())
        parts.append(f"{name}={MASK}" if sep and _CREDENTIAL_NAME.search(plain) else pair)
    return "&".join(parts)


def pick_request_id(scope: Scope) -> str:
    """Honour a sane ``X-Request-ID`` from the caller; otherwise make one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _VALID_ID.match(candidate):
                return candidate
            break
    return f"{_ID_PREFIX}-{next(_ID_COUNTER):x}"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: RequestMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = pick_request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        responded = False
        header = (b"x-request-id", request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Handled here, not by Starlette's outermost ServerErrorMiddleware: there the request
            # id is already gone from the log context and the 500 would lack X-Request-ID.
            error_log.exception("unexpected error in %s %s", scope["method"], scope["path"])
            if responded:
                raise
            await _send_internal_error(send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.metrics.observe(scope["method"], template, status, seconds)
        if log.isEnabledFor(logging.INFO):
            query = masked_query(scope.get("query_string", b"").decode("latin-1"))
            line = f"{scope['method']} {scope['path']}{'?' if query else ''}{query}"
            info_fast(log, f"{line} {status} {seconds * 1000:.1f}ms")


async def _send_internal_error(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(INTERNAL_ERROR)).encode()),
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": INTERNAL_ERROR})
