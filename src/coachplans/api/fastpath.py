"""Reads answered straight from ASGI, before routing and dependency solving.

A cache hit is a byte-identical GET (path, query, base of its links) that a route validated
and answered since the last write; a request that needs CORS headers or a token goes the
normal way through FastAPI. The hottest reads are answered here even when the cache does not
have them (api/hot_reads.py). Everything else goes through FastAPI.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from coachplans.api.hot_reads import Answer, HotReads
from coachplans.api.links import LinkBase
from coachplans.api.read_cache import CachedBody, ReadCache, cache_key
from coachplans.contract import etag_matches


class CachedReadMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        cache: ReadCache,
        open_reads: bool,
        links: LinkBase,
        hot: HotReads | None = None,
    ):
        self.app = app
        self.cache = cache
        self.open_reads = open_reads
        self.links = links
        self.hot = hot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            has_origin, if_none_match = _read_headers(scope)
            if not has_origin and await self._answer(scope, send, if_none_match):
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send, if_none_match: str | None) -> bool:
        """Whether the request was answered here."""
        found: CachedBody | Answer | None = None
        if self.open_reads and self.cache.enabled:  # the key's link base is not free
            found = self.cache.lookup(cache_key(scope, self.links(scope)))
        if found is None and self.hot is not None:
            found = await self.hot.answer(scope)
        if found is None:
            return False
        scope["route"] = found.route
        fresh = etag_matches(if_none_match, found.etag)
        await _send(send, found.body, found.etag, found.cache_control, fresh)
        return True


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
    # in the order the route's Response writes them
    headers = [
        (b"etag", etag.encode()),
        (b"cache-control", cache_control.encode()),
    ]
    if fresh:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers += [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
