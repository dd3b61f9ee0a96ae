"""Helpers shared by the API tests: constants, tiny valid images, seeding, a live uvicorn
server and a raw ASGI call (kept apart from conftest.py so test modules can import them)."""

from __future__ import annotations

import asyncio
import random
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import date
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, Plan, Source
from coachplans.service import PlanService
from coachplans.settings import Settings, load_settings

TOKEN = "s3cret-token"
WRITER = "writer"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DAY = date(2024, 11, 12)  # the frozen trading date most tests use
DAY_TEXT = DAY.isoformat()
BASE_URL = "http://testserver"
T = TypeVar("T")

# make_client(**settings_sections) -> (app, client, service)
AppFactory = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient, PlanService]]]


def make_png(seed: int = 0, side: int = 1) -> bytes:
    """A valid PNG of ``side`` x ``side`` RGB pixels; different seeds give different bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(side * 3) for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def api_settings(db_url: str, **sections: Any) -> Settings:
    api = {"tokens": f"{WRITER}:{TOKEN}", **sections.pop("api", {})}
    return load_settings(run_bot=False, database={"url": db_url}, api=api, **sections)


# --- seeding through the service (the path the bot uses) -------------------------------------


def seed(
    service: PlanService,
    coach: str = "d",
    text: str = "Long $NVDA above 945, stop 930",
    day: date | None = DAY,
    *,
    actor: str = "Coach Dee",
    charts: list[bytes] | None = None,
    channel: str | None = "plans",
) -> Plan:
    uploads = [ChartUpload(data, f"chart{i}.png") for i, data in enumerate(charts or [])]
    result = service.post_plan(
        coach,
        text,
        Actor(actor, discord_id=1234),
        source=Source.MOCK,
        trade_date=day,
        charts=uploads,
        channel=channel,
    )
    return result.plan


# --- raw ASGI, for paths httpx would normalise ------------------------------------------------


async def raw_asgi_get(application: FastAPI, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` exactly as given (``..`` segments included), straight into the app."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5555),
        "server": ("testserver", 80),
    }
    sent: list[MutableMapping[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await application(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, body


async def each(cases: Iterable[T], check: Callable[[T], Awaitable[None]]) -> None:
    """Run ``check`` on every case and report every failing one (not only the first)."""
    failures = []
    for case in cases:
        try:
            await check(case)
        except AssertionError as exc:
            failures.append(f"{case!r}: {exc}")
    assert not failures, f"{len(failures)} failing case(s):\n" + "\n".join(failures)
