"""Chart downloads at capture time.

Discord attachment URLs are signed and expire (and die with the message), so the bytes are
fetched when a plan is captured. One bad attachment never fails the plan: it becomes a warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit, urlunsplit

import discord
import httpx

from coachplans.bot_status import CHART_DOWNLOADS
from coachplans.domain.charts import MAX_CHARTS, ChartUpload, sniff_image_type

log = logging.getLogger(__name__)

USER_AGENT = "coachplans (chart archiver)"
CONCURRENCY = 4


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """What the downloader needs from a Discord attachment."""

    filename: str
    url: str
    size: int | None = None  # the size Discord declares; may lie or be missing


def attachment_info(attachment: discord.Attachment) -> AttachmentInfo:
    return AttachmentInfo(attachment.filename, attachment.url, attachment.size)


@dataclass(frozen=True, slots=True)
class Downloaded:
    """Charts fetched, in attachment order, and one sentence per attachment skipped."""

    uploads: tuple[ChartUpload, ...]
    warnings: tuple[str, ...]


class _Skip(Exception):
    """One attachment cannot be used; the message is the warning shown to the coach."""


def public_url(url: str) -> str:
    """``url`` without query and fragment: Discord signs CDN links there (ex/is/hm)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment=""))


def _human_size(n: int) -> str:
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{round(n / factor, 1):g} {unit}"
    return f"{n} bytes"


def _reason(exc: Exception) -> str:
    """A few words for the coach; never the exception text, which may quote the signed URL."""
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "invalid URL"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.TransportError):
        return "connection failed"
    return type(exc).__name__


class ChartDownloader:
    """Fetches chart attachments concurrently, bounded in size, count, time and parallelism."""

    def __init__(
        self,
        *,
        max_bytes: int,
        max_charts: int = MAX_CHARTS,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if max_bytes < 1 or max_charts < 0 or timeout <= 0:
            raise ValueError("max_bytes and timeout must be positive, max_charts not negative")
        self._max_bytes = max_bytes
        self._max_charts = max_charts
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        # Shared by every call, so several plans captured at once still stay within the bound.
        self._slots = asyncio.Semaphore(CONCURRENCY)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def download(self, attachments: Sequence[AttachmentInfo]) -> Downloaded:
        considered = attachments[: self._max_charts]
        results = await asyncio.gather(*(self._fetch_one(a) for a in considered))
        uploads: list[ChartUpload] = []
        warnings: list[str] = []
        # Logged here rather than as each finishes, so the log follows the attachment order.
        for attachment, result in zip(considered, results, strict=True):
            if isinstance(result, ChartUpload):
                uploads.append(result)
            else:
                warnings.append(self._warn(attachment, result))
        for extra in attachments[self._max_charts :]:
            warning = f"more than {self._max_charts} charts: '{extra.filename}' skipped"
            warnings.append(self._warn(extra, warning))
        return Downloaded(tuple(uploads), tuple(warnings))

    def _client_for_use(self) -> httpx.AsyncClient:
        # Lazy, so a downloader built outside the event loop binds to the loop that uses it.
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport,
                follow_redirects=True,
                timeout=self._timeout,
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    async def _fetch_one(self, attachment: AttachmentInfo) -> ChartUpload | str:
        """The chart, or the warning explaining why it was skipped."""
        try:
            data = await self._fetch_bytes(attachment)
        except _Skip as skip:
            CHART_DOWNLOADS.add("skipped")
            return str(skip)
        CHART_DOWNLOADS.add("ok")
        return ChartUpload(data, attachment.filename, public_url(attachment.url))

    async def _fetch_bytes(self, attachment: AttachmentInfo) -> bytes:
        name = attachment.filename
        if attachment.size is not None and attachment.size > self._max_bytes:
            raise _Skip(self._too_large(name))
        try:
            async with self._slots:
                # httpx's timeout is per read; this one also stops a server that drips bytes.
                async with asyncio.timeout(self._timeout):
                    data = await self._read_capped(name, attachment.url)
        except _Skip:
            raise
        except (TimeoutError, httpx.HTTPError, httpx.InvalidURL) as exc:
            raise _Skip(f"could not download '{name}' ({_reason(exc)})") from exc
        except Exception as exc:  # a bug or odd transport must not cost the coach the plan
            log.error("unexpected error downloading %s", public_url(attachment.url), exc_info=True)
            raise _Skip(f"could not download '{name}' (unexpected error)") from exc
        if not data:
            raise _Skip(f"'{name}' is empty")
        if sniff_image_type(data) is None:
            raise _Skip(f"'{name}' is not a PNG, JPEG, GIF or WEBP image")
        return data

    async def _read_capped(self, name: str, url: str) -> bytes:
        """The body, streamed so that a lying declared size never makes us read past the cap."""
        async with self._client_for_use().stream("GET", url) as response:
            if response.status_code != httpx.codes.OK:
                raise _Skip(f"could not download '{name}' (HTTP {response.status_code})")
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > self._max_bytes:
                raise _Skip(self._too_large(name))
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self._max_bytes:
                    # Leaving the stream closes the connection; the rest is never read.
                    raise _Skip(self._too_large(name))
            return bytes(body)

    def _too_large(self, name: str) -> str:
        return f"'{name}' is over the {_human_size(self._max_bytes)} limit"

    def _warn(self, attachment: AttachmentInfo, warning: str) -> str:
        log.warning("chart skipped: %s [%s]", warning, public_url(attachment.url))
        return warning
