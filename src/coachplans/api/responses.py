"""JSON bytes, ETags and the read cache in front of the database."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

import orjson
from cachetools import TTLCache
from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json"


def dump(data: Any) -> bytes:
    return orjson.dumps(data)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def json_response(
    data: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(dump(data), status_code=status_code, media_type=JSON, headers=headers)


def if_none_match(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags or "*" in tags


def conditional(request: Request, body: bytes, etag: str, cache_control: str) -> Response:
    """200 with the body, or 304 when the caller already holds this ETag."""
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if if_none_match(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON, headers=headers)


class ReadCache:
    """Serialised responses for hot reads, dropped on every local write and after ``ttl``
    seconds at most (the bound on staleness when another process writes)."""

    def __init__(
        self, ttl: float, maxsize: int = 4096, timer: Callable[[], float] = time.monotonic
    ):
        self.enabled = ttl > 0
        self._entries: TTLCache[Hashable, tuple[bytes, str]] = TTLCache(
            maxsize=maxsize, ttl=max(ttl, 0.001), timer=timer
        )
        self._lock = threading.Lock()
        self._generation = 0

    def get(self, key: Hashable) -> tuple[bytes, str] | None:
        if not self.enabled:
            return None
        with self._lock:
            return self._entries.get(key)

    def generation(self) -> int:
        return self._generation

    def put(self, key: Hashable, body: bytes, generation: int) -> tuple[bytes, str]:
        """Store unless a write happened while the body was being built."""
        entry = (body, etag_of(body))
        if self.enabled:
            with self._lock:
                if generation == self._generation:
                    self._entries[key] = entry
        return entry

    def invalidate(self, *_: object) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
