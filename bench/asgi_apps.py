"""The two ASGI apps the API benchmark starts under uvicorn (``--app-dir bench``).

``coachplans_app``: the real application factory, configured from ``BENCH_*`` environment
variables set by api_bench.py. ``bare_app``: a plain ASGI callable returning canned responses
(status, headers, bytes) captured from the real server, the floor uvicorn itself sets.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from typing import Any

Headers = list[tuple[bytes, bytes]]

_keep_open: list[Any] = []  # the null stream our console log handler writes to


def coachplans_app() -> Any:
    """create_app(settings, build_service(settings), BotState("disabled")), logging set up as
    the CLI does, with the console handler pointed at /dev/null (a log file, if configured,
    is still written)."""
    from coachplans.api.app import create_app
    from coachplans.bot_status import BotState
    from coachplans.logging import configure_logging
    from coachplans.settings import load_settings
    from coachplans.wiring import build_service

    overrides: dict[str, Any] = {
        "run_bot": False,
        "database": {"url": os.environ["BENCH_DB_URL"]},
        "logging": {
            "level": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
            "file": os.environ.get("BENCH_LOG_FILE") or None,
        },
    }
    if os.environ.get("BENCH_READ_CACHE"):
        overrides["api"] = {"read_cache_seconds": float(os.environ["BENCH_READ_CACHE"])}
    settings = load_settings(**overrides)
    devnull = open(os.devnull, "w")  # noqa: SIM115 - the handler writes to it until exit
    _keep_open.append(devnull)
    with contextlib.redirect_stderr(devnull):
        configure_logging(settings.logging)
    return create_app(settings, build_service(settings), BotState("disabled"))


def _load_responses() -> dict[str, tuple[int, Headers, bytes]]:
    path = os.environ.get("BENCH_BARE_RESPONSES")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    return {
        key: (
            int(item["status"]),
            [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in item["headers"]
            ],
            base64.b64decode(item["body"]),
        )
        for key, item in raw.items()
    }


_RESPONSES = _load_responses()
_NOT_FOUND: tuple[int, Headers, bytes] = (
    404,
    [(b"content-type", b"text/plain"), (b"content-length", b"9")],
    b"not found",
)


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    query = scope["query_string"]
    key = scope["path"] + ("?" + query.decode("latin-1") if query else "")
    status, headers, body = _RESPONSES.get(key, _NOT_FOUND)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
