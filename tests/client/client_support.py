"""Helpers of the client tests: a scripted fake server for httpx.MockTransport, a hand-moved
clock, a sleep that records instead of waiting, a facade that drives sync and async clients
with the same awaitable calls, and a real uvicorn server in a thread."""

from __future__ import annotations

import hashlib
import inspect
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx

from coachplans.client import (
    AsyncCoachPlansClient,
    AsyncEnhancedWebhookClient,
    CoachPlansClient,
    EnhancedWebhookClient,
    RetryPolicy,
)

NOW = datetime(2024, 11, 12, 15, 30, tzinfo=UTC)  # a Tuesday; 10:30 in New York
TODAY = "2024-11-12"
PAST = "2024-11-08"  # a Friday
PAST_DATE = date(2024, 11, 8)
COACHES = ("d", "i", "s", "n")
TOKEN = "secret"  # the real app's write token ("w:secret")


def frozen_now() -> datetime:
    return NOW


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


class RecordingSleep:
    """Records the waits a retry policy asks for; never sleeps."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_png(seed: int = 0) -> bytes:
    """A valid 1x1 PNG; different seeds give different bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    pixel = b"\x00" + bytes([seed % 256, (seed // 256) % 256, 7])
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixel))
        + chunk(b"IEND", b"")
    )


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


Step = int | httpx.Response | type[Exception] | Exception


class FakeServer:
    """Answers the compatibility routes from ``plans`` ((coach, date) -> text), with ETags and
    304s. ``script`` holds steps consumed first, one per request: a status (JSON error body),
    a response, or an exception to raise. Thread-safe; every request is recorded."""

    def __init__(self) -> None:
        self.plans: dict[tuple[str, str], str] = {}
        self.script: list[Step] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.delay = 0.0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.seen)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.seen.append(
                Seen(request.method, request.url.path, dict(request.url.params),
                     dict(request.headers))
            )  # fmt: skip
            step = self.script.pop(0) if self.script else None
        if self.delay:
            time.sleep(self.delay)
        if step is not None:
            return self.play(step, request)
        return self.route(request)

    def play(self, step: Step, request: httpx.Request) -> httpx.Response:
        if isinstance(step, int):
            return httpx.Response(step, json={"error": "Scripted", "message": f"status {step}"})
        if isinstance(step, httpx.Response):
            return step
        if isinstance(step, type):
            raise step("scripted failure", request=request)  # type: ignore[call-arg]
        raise step

    def route(self, request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, request.url.params
        if path == "/api/coach-plans/":
            return self.answer(request, self.plan_body(params["coach"], params["date"]))
        if path == "/api/coach-plans/all":
            return self.answer(request, self.all_body(params["date"]))
        if path == "/health":
            return httpx.Response(200, json={"status": "healthy", "components": {}})
        if path == "/metrics":
            return httpx.Response(200, json={"requests": {"total": 1}})
        return httpx.Response(404, json={"error": "Not Found", "message": path})

    def plan_body(self, coach: str, day: str) -> dict[str, Any]:
        key = coach.strip().lower().removeprefix("coach_")
        if key not in COACHES:
            return {"error": f"Invalid coach name '{coach.strip()}'. Valid coaches: d, i, s, n"}
        text = self.plans.get((key, day))
        if text is None:
            return {"plan": f"No plan available for coach_{key} on {day}", "charts": [],
                    "found": False}  # fmt: skip
        return {"plan": text, "charts": [f"http://x/{key}.png"], "author": "A", "found": True}

    def all_body(self, day: str) -> dict[str, Any]:
        return {
            f"coach_{key}": self.plan_body(key, day) for key in COACHES if (key, day) in self.plans
        }

    def answer(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        status = 400 if "error" in body else 200
        content = json.dumps(body).encode()
        tag = etag_of(content)
        if status == 200 and request.headers.get("if-none-match") == tag:
            return httpx.Response(304, headers={"ETag": tag})
        headers = {"ETag": tag, "Content-Type": "application/json"}
        return httpx.Response(status, content=content, headers=headers)


Factory = Callable[..., "Facade"]  # the `compat` fixture: build(**options) -> Facade


class Facade:
    """The same awaitable calls on a sync or an async client."""

    def __init__(self, client: Any):
        self.client = client

    def __getattr__(self, name: str) -> Callable[..., Any]:
        attr = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result

        return call

    async def aclose(self) -> None:
        closer = getattr(self.client, "aclose", None) or self.client.close
        result = closer()
        if inspect.isawaitable(result):
            await result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def no_wait_policy(sleeper: RecordingSleep, **options: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleeper, async_sleep=sleeper.asleep, **options)


class Target:
    """The real app as a client sees it (the `target` fixture): its base URL and a factory
    of compat or typed clients, sync or async as the mode says."""

    def __init__(
        self,
        mode: str,
        base: str,
        transport: Any,
        policy: RetryPolicy,
        sleeper: RecordingSleep,
    ):
        self.mode = mode
        self.base = base
        self.transport = transport
        self.policy = policy
        self.sleeper = sleeper
        self.opened: list[Facade] = []

    def client(self, typed: bool = False, **options: Any) -> Facade:
        is_async = self.mode.endswith("async")
        common: dict[str, Any] = {"retry": self.policy}
        if self.transport is not None:
            common["transport"] = self.transport
        if typed:
            cls: Any = AsyncCoachPlansClient if is_async else CoachPlansClient
        else:
            cls = AsyncEnhancedWebhookClient if is_async else EnhancedWebhookClient
        self.opened.append(Facade(cls(self.base, **{**common, **options})))
        return self.opened[-1]

    async def close(self) -> None:
        for client in self.opened:
            await client.aclose()
