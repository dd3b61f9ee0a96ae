"""What the dashboard's routes share, built once per application: the page builders, the
thumbnail cache, the API's read cache and the API's read-token checks.

The dashboard imports no API module (the API mounts the dashboard, so that would be a cycle):
the API hands over its read cache and checks when it installs the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request

from coachplans.dashboard.access import ReadAccess
from coachplans.dashboard.pages import Pages
from coachplans.dashboard.thumbnails import ThumbnailCache

CacheKey = tuple[str, bytes, bytes, str]


class CachedPage(Protocol):
    @property
    def body(self) -> bytes: ...

    @property
    def etag(self) -> str: ...


class PageCache(Protocol):
    """The API's read cache (``coachplans.api.read_cache.ReadCache``): entries are dropped by
    every write, and refreshed in the background once older than its TTL."""

    def lookup(self, key: CacheKey) -> CachedPage | None: ...

    async def fill(
        self, key: CacheKey, build: Callable[[], bytes], cache_control: str, route: Any
    ) -> CachedPage: ...


@dataclass(frozen=True, slots=True)
class Dashboard:
    pages: Pages
    thumbnails: ThumbnailCache
    cache: PageCache
    access: ReadAccess


def dashboard_of(request: Request) -> Dashboard:
    found: Dashboard = request.app.state.dashboard
    return found
