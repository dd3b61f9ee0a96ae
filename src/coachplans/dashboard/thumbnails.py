"""Small WebP thumbnails of chart images, made once per chart with Pillow and kept in memory.

A chart is content-addressed (SHA-256), so its thumbnail never changes: the URL carries the
digest and a format version, and responses are cacheable forever.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable

from cachetools import LRUCache
from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool

from coachplans.errors import ValidationFailed

BOX = (320, 200)  # twice the size a card shows (sharp on high-density screens)
QUALITY = 80
VERSION = "v1"  # part of the URL: a change of size or format gets new URLs
CONTENT_TYPE = "image/webp"
Loader = Callable[[str], tuple[str, bytes]]  # sha256 -> (content type, original bytes)


def make_thumbnail(data: bytes) -> bytes:
    """A WebP no larger than BOX, keeping the aspect ratio (first frame of an animation)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", BOX)  # JPEG: decode at a reduced scale, much faster
            frame = ImageOps.exif_transpose(image)
            frame = frame.convert("RGBA" if "A" in frame.getbands() else "RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise ValidationFailed(f"The chart image cannot be read: {exc}") from exc
    frame.thumbnail(BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    frame.save(out, "WEBP", quality=QUALITY, method=4)
    return out.getvalue()


class ThumbnailCache:
    """sha256 -> thumbnail bytes, LRU-bounded; concurrent requests for one chart share a
    single build, so each thumbnail is made once while it stays cached."""

    def __init__(self, load: Loader, maxsize: int = 512):
        self._load = load
        self._entries: LRUCache[str, bytes] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()
        self._building: dict[str, asyncio.Future[bytes]] = {}
        self.builds = 0  # how many thumbnails were made (for tests and metrics)

    def cached(self, sha256: str) -> bytes | None:
        with self._lock:
            return self._entries.get(sha256)

    async def get(self, sha256: str) -> bytes:
        found = self.cached(sha256)
        if found is not None:
            return found
        future = self._building.get(sha256)
        if future is None:
            future = asyncio.ensure_future(self._build(sha256))
            self._building[sha256] = future
            future.add_done_callback(lambda done: self._finished(sha256, done))
        return await asyncio.shield(future)

    def _finished(self, sha256: str, future: asyncio.Future[bytes]) -> None:
        self._building.pop(sha256, None)
        if not future.cancelled():
            future.exception()  # retrieved: a caller that went away leaves no warning behind

    async def _build(self, sha256: str) -> bytes:
        _content_type, data = await run_in_threadpool(self._load, sha256)
        thumb = await run_in_threadpool(make_thumbnail, data)
        with self._lock:
            self._entries[sha256] = thumb
            self.builds += 1
        return thumb
