"""post_decision against a local HTTP server standing in for Discord."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from coachplans.agents import WebhookError, post_decision

TOKEN = "s3cr3t-T0KEN-abc"


class Recorder:
    """Answers with the scripted statuses in turn (the last one repeats) and records bodies."""

    def __init__(self) -> None:
        self.statuses: list[int] = [204]
        self.headers: dict[str, str] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


def handler_for(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("content-length", "0"))
            recorder.requests.append((self.path, json.loads(self.rfile.read(size))))
            status = recorder.next_status()
            self.send_response(status)
            for name, value in recorder.headers.items():
                self.send_header(name, value)
            body = b"" if status == 204 else b'{"message": "nope"}'
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def discord() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(recorder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/webhooks/123/{TOKEN}"
    yield recorder, url
    server.shutdown()
    server.server_close()
    thread.join(5)


def post(url: str, waits: list[float], **options: Any) -> None:
    post_decision(
        url, ticker="nvda", trade_date="2024-11-12", action="buy",
        summary="Coaches lean long {above 945}", sleep=waits.append, **options,
    )  # fmt: skip


def test_a_204_posts_one_embed(discord: tuple[Recorder, str]) -> None:
    recorder, url = discord
    waits: list[float] = []
    post(url, waits)
    assert waits == []
    [(path, body)] = recorder.requests
    assert path == f"/api/webhooks/123/{TOKEN}"
    [embed] = body["embeds"]
    assert embed["title"] == "NVDA: BUY"
    assert embed["color"] == 0x2ECC71
    assert embed["fields"] == [
        {"name": "Date", "value": "2024-11-12", "inline": True},
        {"name": "Action", "value": "BUY", "inline": True},
        {"name": "Summary", "value": "Coaches lean long {above 945}", "inline": False},
    ]


def test_a_500_then_a_204_is_retried(discord: tuple[Recorder, str]) -> None:
    recorder, url = discord
    recorder.statuses = [500, 204]
    waits: list[float] = []
    post(url, waits)
    assert len(recorder.requests) == 2
    assert len(waits) == 1


def test_a_429_waits_as_long_as_retry_after_says(discord: tuple[Recorder, str]) -> None:
    recorder, url = discord
    recorder.statuses = [429, 204]
    recorder.headers = {"Retry-After": "2.5"}
    waits: list[float] = []
    post(url, waits)
    assert waits == [2.5]


def test_a_400_raises_without_the_token(discord: tuple[Recorder, str]) -> None:
    recorder, url = discord
    recorder.statuses = [400]
    waits: list[float] = []
    with pytest.raises(WebhookError) as caught:
        post(url, waits)
    assert "HTTP 400" in str(caught.value)
    assert "/api/webhooks/123/***" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert len(recorder.requests) == 1 and waits == []


def test_5xx_past_the_retries_raises(discord: tuple[Recorder, str]) -> None:
    recorder, url = discord
    recorder.statuses = [503]
    waits: list[float] = []
    with pytest.raises(WebhookError, match="failed after 3 attempts: HTTP 503") as caught:
        post(url, waits, max_retries=2)
    assert TOKEN not in str(caught.value)
    assert len(recorder.requests) == 3 and len(waits) == 2


def test_an_unreachable_webhook_raises_after_retries() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the post: nothing listens
    waits: list[float] = []
    url = f"http://127.0.0.1:{port}/api/webhooks/1/{TOKEN}?wait=true"
    with pytest.raises(WebhookError, match="failed after 2 attempts: ConnectError") as caught:
        post(url, waits, max_retries=1, timeout=2)
    assert TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None and len(waits) == 1
