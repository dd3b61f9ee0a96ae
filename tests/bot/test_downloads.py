"""Chart downloads at capture time, against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import discord
import httpx
import pytest
from PIL import Image

from coachplans.bot.downloads import (
    USER_AGENT,
    AttachmentInfo,
    ChartDownloader,
    Downloaded,
    attachment_info,
)
from coachplans.domain.charts import sniff_image_type

LIMIT = 64 * 1024
HUGE = 50 * 1024 * 1024  # what the lying endpoints would send if nobody stopped reading
CHUNK = 64 * 1024
SIGNATURE = "ex=67a1b2c3&is=67a06143&hm=0123456789abcdefdeadbeef"


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


IMAGES = {
    "/chart.png": _image("PNG"),
    "/chart.jpg": _image("JPEG"),
    "/chart.gif": _image("GIF"),
    "/chart.webp": _image("WEBP"),
    "/report.png": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    "/empty.png": b"",
}


class ChartServer:
    """ThreadingHTTPServer on 127.0.0.1:0 that counts hits, bytes sent and parallel requests."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.agents: list[str] = []
        self.finished: dict[str, threading.Event] = {}
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def done(self, path: str) -> threading.Event:
        with self._lock:
            return self.finished.setdefault(path, threading.Event())

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        with self._lock:
            self.hits[path] += 1
            self.agents.append(request.headers.get("User-Agent", ""))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self._route(request, path)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up: that is what the size cap and the timeouts do
        finally:
            with self._lock:
                self.active -= 1
            self.done(path).set()

    def _route(self, request: BaseHTTPRequestHandler, path: str) -> None:
        if path in IMAGES or path in {"/signed.png", "/parallel.png"}:
            if path == "/parallel.png":
                self.stop.wait(0.2)
            body = IMAGES.get(path, IMAGES["/chart.png"])
            self._send(request, 200, body)
        elif path == "/redirect.png":
            request.send_response(302)
            request.send_header("Location", "/chart.jpg")
            request.end_headers()
        elif path == "/slow.png":
            self.stop.wait(10)  # no answer within the client's timeout
            self._send(request, 200, IMAGES["/chart.png"])
        elif path == "/drip.png":
            self._drip(request)
        elif path in {"/huge-length.png", "/huge-stream.png"}:
            self._huge(request, path, with_length=path == "/huge-length.png")
        else:
            self._send(request, 404, b"not found")

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "image/png")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _huge(self, request: BaseHTTPRequestHandler, path: str, *, with_length: bool) -> None:
        """A PNG-looking 50 MB body, produced lazily so we can see how much was sent."""
        request.send_response(200)
        if with_length:
            request.send_header("Content-Length", str(HUGE))
        request.end_headers()
        chunk = IMAGES["/chart.png"][:8] + b"\0" * (CHUNK - 8)
        while self.sent[path] < HUGE and not self.stop.is_set():
            request.wfile.write(chunk)
            request.wfile.flush()
            self.sent[path] += len(chunk)

    def _drip(self, request: BaseHTTPRequestHandler) -> None:
        """A byte every 50 ms, forever: no single read ever times out."""
        request.send_response(200)
        request.end_headers()
        for byte in IMAGES["/chart.png"] * 1000:
            if self.stop.wait(0.05):
                return
            request.wfile.write(bytes([byte]))
            request.wfile.flush()


@pytest.fixture
def server() -> Iterator[ChartServer]:
    chart_server = ChartServer()
    chart_server.thread.start()
    yield chart_server
    chart_server.stop.set()
    chart_server.httpd.shutdown()
    chart_server.httpd.server_close()


@pytest.fixture
def refused_url() -> str:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone.png"


def _at(
    server: ChartServer, path: str, name: str | None = None, size: int | None = None
) -> AttachmentInfo:
    return AttachmentInfo(name or path.rsplit("/", 1)[-1], f"{server.url}{path}", size)


async def _download(attachments: list[AttachmentInfo], **options: Any) -> Downloaded:
    options.setdefault("max_bytes", LIMIT)
    options.setdefault("timeout", 5.0)
    async with ChartDownloader(**options) as downloader:
        return await downloader.download(attachments)


async def test_every_accepted_image_type_is_downloaded(server: ChartServer) -> None:
    paths = ["/chart.png", "/chart.jpg", "/chart.gif", "/chart.webp"]
    result = await _download([_at(server, p) for p in paths])
    assert result.warnings == ()
    assert [u.data for u in result.uploads] == [IMAGES[p] for p in paths]
    assert [sniff_image_type(u.data) for u in result.uploads] == [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
    ]
    assert [u.filename for u in result.uploads] == [
        "chart.png",
        "chart.jpg",
        "chart.gif",
        "chart.webp",
    ]
    assert [u.source_url for u in result.uploads] == [f"{server.url}{p}" for p in paths]
    assert set(server.agents) == {USER_AGENT}


async def test_redirects_are_followed(server: ChartServer) -> None:
    result = await _download([_at(server, "/redirect.png")])
    assert [u.data for u in result.uploads] == [IMAGES["/chart.jpg"]]
    assert server.hits["/chart.jpg"] == 1


async def test_a_pdf_named_png_is_rejected(server: ChartServer) -> None:
    result = await _download([_at(server, "/report.png")])
    assert result.uploads == ()
    assert result.warnings == ("'report.png' is not a PNG, JPEG, GIF or WEBP image",)


async def test_an_empty_body_is_rejected(server: ChartServer) -> None:
    result = await _download([_at(server, "/empty.png")])
    assert result.uploads == ()
    assert result.warnings == ("'empty.png' is empty",)


async def test_an_honest_oversized_declaration_is_not_even_requested(server: ChartServer) -> None:
    result = await _download([_at(server, "/huge-length.png", size=HUGE)])
    assert result.uploads == ()
    assert result.warnings == ("'huge-length.png' is over the 64 KiB limit",)
    assert server.hits["/huge-length.png"] == 0


@pytest.mark.parametrize("path", ["/huge-length.png", "/huge-stream.png"])
async def test_a_lying_declared_size_stops_the_download_early(
    server: ChartServer, path: str
) -> None:
    """Declared 1 KiB; the server would send 50 MB (with or without Content-Length)."""
    started = time.monotonic()
    result = await asyncio.wait_for(_download([_at(server, path, size=1024)]), 10)
    assert time.monotonic() - started < 5
    assert result.uploads == ()
    assert result.warnings == (f"'{path[1:]}' is over the 64 KiB limit",)
    assert server.done(path).wait(5), "the server kept sending after the client gave up"
    # Kernel socket buffers absorb a few MB at most; reading everything would be 50 MB.
    assert server.sent[path] < 20 * 1024 * 1024


async def test_an_http_error_is_a_warning(server: ChartServer) -> None:
    result = await _download([_at(server, "/missing.png")])
    assert result.uploads == ()
    assert result.warnings == ("could not download 'missing.png' (HTTP 404)",)


async def test_a_refused_connection_is_a_warning(refused_url: str) -> None:
    result = await _download([AttachmentInfo("gone.png", refused_url)])
    assert result.uploads == ()
    assert result.warnings == ("could not download 'gone.png' (connection failed)",)


@pytest.mark.parametrize("path", ["/slow.png", "/drip.png"])
async def test_a_slow_server_times_out(server: ChartServer, path: str) -> None:
    """A silent server trips httpx's read timeout; a dripping one the overall deadline."""
    started = time.monotonic()
    result = await asyncio.wait_for(_download([_at(server, path)], timeout=0.5), 5)
    assert time.monotonic() - started < 3
    assert result.uploads == ()
    assert result.warnings == (f"could not download '{path[1:]}' (timed out)",)


async def test_order_is_kept_with_good_and_bad_attachments(
    server: ChartServer, refused_url: str
) -> None:
    attachments = [
        _at(server, "/parallel.png", "first.png"),
        _at(server, "/missing.png"),
        _at(server, "/chart.jpg"),
        _at(server, "/report.png"),
        _at(server, "/chart.gif"),
        AttachmentInfo("gone.png", refused_url),
        _at(server, "/chart.webp"),
    ]
    result = await _download(attachments)
    assert [u.filename for u in result.uploads] == [
        "first.png",
        "chart.jpg",
        "chart.gif",
        "chart.webp",
    ]
    assert [u.data for u in result.uploads] == [
        IMAGES["/chart.png"],
        IMAGES["/chart.jpg"],
        IMAGES["/chart.gif"],
        IMAGES["/chart.webp"],
    ]
    assert result.warnings == (
        "could not download 'missing.png' (HTTP 404)",
        "'report.png' is not a PNG, JPEG, GIF or WEBP image",
        "could not download 'gone.png' (connection failed)",
    )


async def test_eleven_attachments_give_ten_charts_and_one_warning(server: ChartServer) -> None:
    attachments = [_at(server, "/chart.png", f"c{i}.png") for i in range(11)]
    result = await _download(attachments)
    assert [u.filename for u in result.uploads] == [f"c{i}.png" for i in range(10)]
    assert result.warnings == ("more than 10 charts: 'c10.png' skipped",)
    assert server.hits["/chart.png"] == 10


async def test_downloads_run_concurrently_but_bounded(server: ChartServer) -> None:
    attachments = [_at(server, "/parallel.png", f"p{i}.png") for i in range(10)]
    started = time.monotonic()
    result = await _download(attachments)
    elapsed = time.monotonic() - started
    assert len(result.uploads) == 10
    assert 1 < server.max_active <= 4
    assert elapsed < 10 * 0.2  # one at a time would take at least 2 s


async def test_signed_query_is_kept_out_of_logs_and_source_urls(
    server: ChartServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="coachplans")
    attachments = [
        AttachmentInfo("signed.png", f"{server.url}/signed.png?{SIGNATURE}"),
        AttachmentInfo("report.png", f"{server.url}/report.png?{SIGNATURE}"),
        AttachmentInfo("missing.png", f"{server.url}/missing.png?{SIGNATURE}"),
    ]
    result = await _download(attachments)
    assert [u.source_url for u in result.uploads] == [f"{server.url}/signed.png"]
    assert server.hits["/signed.png"] == 1  # the signed URL itself was requested
    skipped = [r for r in caplog.records if r.name == "coachplans.bot.downloads"]
    assert [r.levelno for r in skipped] == [logging.WARNING, logging.WARNING]
    for record, name in zip(skipped, ["report.png", "missing.png"], strict=True):
        message = record.getMessage()
        assert name in message
        assert f"{server.url}/{name}" in message
    leaked = [
        r for r in caplog.records if r.levelno >= logging.WARNING or r.name.startswith("coachplans")
    ]
    assert all("hm=" not in r.getMessage() and SIGNATURE not in r.getMessage() for r in leaked)


async def test_the_given_transport_is_used_and_closed() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=IMAGES["/chart.gif"])

    closed = threading.Event()

    class Transport(httpx.MockTransport):
        async def aclose(self) -> None:
            closed.set()

    downloader = ChartDownloader(max_bytes=LIMIT, transport=Transport(answer))
    async with downloader:
        result = await downloader.download(
            [
                AttachmentInfo(
                    "a.gif", f"https://cdn.discordapp.com/attachments/1/2/a.gif?{SIGNATURE}"
                )
            ]
        )
    assert result.uploads[0].data == IMAGES["/chart.gif"]
    assert result.uploads[0].source_url == "https://cdn.discordapp.com/attachments/1/2/a.gif"
    assert seen[0].headers["User-Agent"] == USER_AGENT
    assert closed.is_set()


async def test_an_unexpected_error_is_a_warning_not_a_crash() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    result = await _download(
        [AttachmentInfo("a.png", "https://cdn.example/a.png")],
        transport=httpx.MockTransport(explode),
    )
    assert result.uploads == ()
    assert result.warnings == ("could not download 'a.png' (unexpected error)",)


def test_attachment_info_from_a_discord_attachment() -> None:
    state = mock.NonCallableMock(spec_set=["http"])  # all Attachment() reads of its state
    url = f"https://cdn.discordapp.com/attachments/10/20/plan.png?{SIGNATURE}"
    attachment = discord.Attachment(
        data={
            "id": 20,
            "filename": "plan.png",
            "size": 4096,
            "url": url,
            "proxy_url": f"https://media.discordapp.net/attachments/10/20/plan.png?{SIGNATURE}",
        },
        state=state,
    )
    assert attachment_info(attachment) == AttachmentInfo("plan.png", url, 4096)


def test_limits_must_be_sensible() -> None:
    with pytest.raises(ValueError):
        ChartDownloader(max_bytes=0)
