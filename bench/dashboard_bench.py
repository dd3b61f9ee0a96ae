"""Dashboard speed (SPEC §13, issue 14): the date page at the server and in a browser.

Seeds a temporary SQLite database with the mock plans of a week (four coaches, real mock chart
images), then measures:

- at the server: ``GET /dashboard?date=`` called straight into the ASGI application (no
  socket), median and p99, from the read cache (default settings) and with the cache off;
- over loopback: the same request through uvicorn on 127.0.0.1 (one keep-alive connection);
- in a browser: Debian's headless Chromium (Playwright) loading the page to its ``load`` event
  (navigation timing): the very first load (thumbnails made then), and a new visitor (fresh
  browser profile, warm server) as the median of several loads.

Targets: server median <= 20 ms from the read cache; browser load <= 1 s on loopback.

Usage: python bench/dashboard_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import uvicorn
from benchkit import fmt, percentile, record, table, weekdays_before

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "dashboard"))
from browser_support import CHROMIUM, FLAGS

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.mock import populate_mock_data
from coachplans.settings import load_settings
from coachplans.wiring import build_service

DAY = date(2024, 11, 12)
PATH = f"/dashboard?date={DAY.isoformat()}"
SERVER_TARGET_MS = 20.0
BROWSER_TARGET_MS = 1000.0


def build_app(url: str, cache_seconds: float) -> Any:
    settings = load_settings(
        run_bot=False, database={"url": url}, api={"read_cache_seconds": cache_seconds}
    )
    return create_app(settings, build_service(settings), BotState("mock"))


def seed(url: str) -> None:
    settings = load_settings(run_bot=False, database={"url": url})
    service = build_service(settings)
    for day in [*weekdays_before(DAY, 4), DAY]:
        populate_mock_data(service, day)
    service.repo.engine.dispose()


async def asgi_get(app: Any, path: str) -> int:
    """One GET straight into the application; returns the status."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"text/html")],
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 80),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def at_server(url: str, cache_seconds: float, count: int) -> list[float]:
    """Milliseconds per in-process request, after one warm-up request."""
    app = build_app(url, cache_seconds)

    async def run() -> list[float]:
        async with app.router.lifespan_context(app):
            assert await asgi_get(app, PATH) == 200
            times = []
            for _ in range(count):
                started = time.perf_counter()
                status = await asgi_get(app, PATH)
                times.append((time.perf_counter() - started) * 1000)
                assert status == 200
            return sorted(times)

    return asyncio.run(run())


class ThreadServer:
    """uvicorn on 127.0.0.1 in a background thread (the real HTTP stack, no subprocess)."""

    def __init__(self, app: Any):
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        sock = self.server.servers[0].sockets[0]
        return int(sock.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def over_loopback(port: int, count: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for _ in range(count + 1):
        started = time.perf_counter()
        conn.request("GET", PATH, headers={"Accept": "text/html"})
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200
    conn.close()
    return sorted(times[1:])


def in_browser(port: int, loads: int) -> tuple[float, list[float]]:
    """(first load ms, sorted new-visitor load times ms) to the page's load event."""
    from playwright.sync_api import sync_playwright

    script = "performance.getEntriesByType('navigation')[0].loadEventEnd"
    url = f"http://127.0.0.1:{port}{PATH}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)

        def load() -> float:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="load")
            elapsed = float(page.evaluate(script))
            context.close()
            return elapsed

        first = load()
        warm = sorted(load() for _ in range(loads))
        browser.close()
    return first, warm


def row(label: str, values: list[float], target: float | None) -> list[str]:
    """A table row; a figure with a target is also recorded for bench/targets.py."""
    median = statistics.median(values)
    verdict, goal = "", ""
    if target is not None:
        passed = median <= target
        verdict, goal = ("ok" if passed else "MISSED"), f"<= {target:g} ms"
        record(f"dashboard date page, {label}", median, "ms", goal, passed, "median")
    return [label, fmt(median), fmt(percentile(values, 99)), str(len(values)), goal, verdict]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and loads")
    args = parser.parse_args(argv)
    count, loads = (200, 5) if args.quick else (1000, 15)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'plans.db'}"
        seed(url)
        rows = [
            row("server, read cache (in-process)", at_server(url, 1.0, count), SERVER_TARGET_MS),
            row("server, read cache off (in-process)", at_server(url, 0.0, count), None),
        ]
        with ThreadServer(build_app(url, 1.0)) as server:
            rows.append(row("loopback HTTP, read cache", over_loopback(server.port, count), None))
            if Path(CHROMIUM).exists():
                first, warm = in_browser(server.port, loads)
                first_load = "browser, first load (thumbnails made)"
                rows.append(row(first_load, [first], BROWSER_TARGET_MS))
                rows.append(row("browser, new visitor", warm, BROWSER_TARGET_MS))
            else:
                print(f"{CHROMIUM} missing (apt-get install chromium): no browser rows")
    print(f"Dashboard date page {PATH}: 4 coaches' mock plans with charts, SQLite")
    print(table(["measure", "median ms", "p99 ms", "n", "target", ""], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
