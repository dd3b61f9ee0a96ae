"""Cache hits answered straight from ASGI, before routing and dependency solving.

A hit is a byte-identical GET (path, query, base of its links) that a route validated and
answered since the last write. Anything else, or a request that needs CORS headers or a token,
goes the normal way through FastAPI.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from coachplans.api.links import LinkBase
from coachplans.api.read_cache import ReadCache, cache_key
from coachplans.contract import etag_matches


class CachedReadMiddleware:
    def __init__(self, app: ASGIApp, cache: ReadCache, open_reads: bool, links: LinkBase):
        self.app = app
        self.cache = cache
        self.open_reads = open_reads
        self.links = links

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and self.open_reads:
            entry = self.cache.lookup(cache_key(scope, self.links(scope)))
            if entry is not None:
                has_origin, if_none_match = _read_headers(scope)
                if not has_origin:
                    scope["route"] = entry.route
                    fresh = etag_matches(if_none_match, entry.etag)
                    await _send(send, entry.body, entry.etag, entry.cache_control, fresh)
                    return
        await self.app(scope, receive, send)


def _read_headers(scope: Scope) -> tuple[bool, str | None]:
    """Whether an Origin is present (CORS headers are the CORS middleware's job), and the
    If-None-Match value."""
    has_origin, found = False, None
    for name, value in scope["headers"]:
        if name == b"origin":
            has_origin = True
        elif name == b"if-none-match":
            found = value.decode("latin-1")
    return has_origin, found


async def _send(send: Send, body: bytes, etag: str, cache_control: str, fresh: bool) -> None:
    headers = [
        (b"etag", etag.encode()),
        (b"cache-control", cache_control.encode()),
    ]
    if fresh:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
