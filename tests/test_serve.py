"""The server as operators run it: a real process, real sockets, real signals."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from coachplans.bot import runner
from coachplans.bot_status import BotState
from coachplans.mock import recent_dates
from coachplans.serve import ServeError, bind_socket, runs_discord_bot, serve_api, warn_if_exposed
from coachplans.settings import Settings, load_settings
from coachplans.wiring import build_service
from process_support import STOP_TIMEOUT, ServerProcess, clean_env, free_port

pytestmark = pytest.mark.slow

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT_COACHES = {"coach_d", "coach_i", "coach_s", "coach_n"}


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.kill()


# --- real processes -------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_mock_server_serves_plans_and_stops_cleanly(
    tmp_path: Path, servers: list[ServerProcess], sig: signal.Signals
) -> None:
    server = ServerProcess(tmp_path, "serve", "--mock")
    servers.append(server)

    health = server.wait_healthy()
    assert health["components"]["discord_bot"]["status"] == "mock"
    assert health["status"] == "healthy"

    # the last trading session: today, unless the exchange is closed today
    session = recent_dates(datetime.now(ZoneInfo("America/New_York")).date(), 1)[0]
    plans = server.get(f"/api/coach-plans/all?date={session.isoformat()}").json()
    assert set(plans) == DEFAULT_COACHES
    for plan in plans.values():
        assert plan["plan"] and plan["author"] and plan["created_at"]
    chart_urls = [url for plan in plans.values() for url in plan["charts"]]
    assert chart_urls, "mock plans carry generated charts"
    chart = server.get(chart_urls[0])
    assert chart.status_code == 200
    assert chart.content.startswith(PNG_SIGNATURE)

    assert server.stop(sig) == 0
    output = server.output()
    assert "MOCK MODE" in output
    assert "Traceback" not in output


def test_open_event_stream_does_not_hold_up_shutdown(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    server = ServerProcess(tmp_path, "serve", "--mock")
    servers.append(server)
    server.wait_healthy()
    with httpx.stream("GET", f"{server.base}/api/v1/events/stream", timeout=10) as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        started = time.monotonic()
        assert server.stop(signal.SIGTERM) == 0
    # Well under the 10 s graceful-shutdown cap that an open stream would otherwise use up.
    assert time.monotonic() - started < 5
    assert "Traceback" not in server.output()


def test_serve_keeps_serving_while_discord_is_unreachable(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    """The bot retries a refused connection (a closed loopback port stands for Discord); the
    API serves meanwhile and SIGTERM ends the wait between retries."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        api_base = f"http://127.0.0.1:{closed.getsockname()[1]}/api/v10"
        env = clean_env(
            DISCORD_BOT_TOKEN="not-a-real-token-123",
            COACHPLANS_DISCORD__API_BASE=api_base,
            RECONNECT_DELAY_SECONDS="60",
        )
        server = ServerProcess(tmp_path, "serve", env=env)
        servers.append(server)
        server.wait_healthy()
        server.bot_health("disconnected", lambda detail: "ClientConnectorError" in detail)
        assert server.get("/api/coach-plans/all").json() == {}
        started = time.monotonic()
        assert server.stop(signal.SIGTERM) == 0
    assert time.monotonic() - started < 5  # not the minute-long retry wait
    output = server.output()
    assert "retrying the Discord connection" in output
    assert "not-a-real-token-123" not in output


def test_api_command_reports_bot_disabled(tmp_path: Path, servers: list[ServerProcess]) -> None:
    server = ServerProcess(tmp_path, "api")
    servers.append(server)
    assert server.wait_healthy()["components"]["discord_bot"]["status"] == "disabled"
    assert server.stop(signal.SIGINT) == 0


def test_port_in_use_fails_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "coachplans",
                "api",
                "--port",
                str(port),
                "--database-url",
                f"sqlite:///{tmp_path / 'plans.db'}",
            ],
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == f"coachplans: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert "Traceback" not in done.stderr


# --- in-process -----------------------------------------------------------------------------


def mock_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return load_settings(
        mock={"enabled": True, "seed_days": 2, **overrides},
        database={"url": f"sqlite:///{tmp_path / 'plans.db'}"},
        api={"port": free_port()},
    )


async def wait_for_health(base: str, server: asyncio.Task[None]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            if server.done():
                server.result()  # raises what stopped the server
                raise AssertionError("server stopped before answering")
            try:
                body: dict[str, Any] = (await client.get("/health")).json()
                return body
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise AssertionError("server did not answer")


async def test_serve_api_seeds_mock_plans_and_stops_on_the_event(tmp_path: Path) -> None:
    settings = mock_settings(tmp_path, simulate_every_seconds=0.05)
    service = build_service(settings)
    bot_state, stop = BotState(), asyncio.Event()
    task = asyncio.create_task(
        serve_api(settings, service, bot_state, stop=stop, handle_signals=False)
    )
    health = await wait_for_health(f"http://127.0.0.1:{settings.api.port}", task)
    assert health["components"]["discord_bot"]["status"] == "mock"
    last_session = recent_dates(service.today(), 1)[0]  # today unless the exchange is closed
    assert {p.coach for p in service.plans_for_date(last_session)} == {"d", "i", "s", "n"}
    stop.set()
    await asyncio.wait_for(task, STOP_TIMEOUT)


async def test_a_crashing_bot_task_leaves_the_api_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def crash(*args: Any, **kwargs: Any) -> runner.BotOutcome:
        raise RuntimeError("boom in the bot task")

    monkeypatch.setattr(runner, "run_bot", crash)
    settings = load_settings(
        discord={"token": "unused-token", "api_base": "http://127.0.0.1:9/api/v10"},
        database={"url": f"sqlite:///{tmp_path / 'plans.db'}"},
        api={"port": free_port()},
    )
    bot_state, stop = BotState(), asyncio.Event()
    task = asyncio.create_task(
        serve_api(settings, build_service(settings), bot_state, stop=stop, handle_signals=False)
    )
    base = f"http://127.0.0.1:{settings.api.port}"
    await wait_for_health(base, task)
    for _ in range(100):
        if bot_state.detail == "the bot task crashed (see the log)":
            break
        await asyncio.sleep(0.02)
    async with httpx.AsyncClient(base_url=base) as client:
        health = (await client.get("/health")).json()
        assert (await client.get("/api/coach-plans/all")).status_code == 200
    assert health["status"] == "degraded"
    assert health["components"]["discord_bot"] == {
        "status": "disconnected",
        "detail": "the bot task crashed (see the log)",
    }
    assert "boom in the bot task" in caplog.text
    stop.set()
    await asyncio.wait_for(task, STOP_TIMEOUT)


def test_the_real_bot_runs_only_with_a_token_outside_mock_mode() -> None:
    token = {"token": "a-token"}
    assert runs_discord_bot(load_settings(discord=token))
    assert not runs_discord_bot(load_settings(discord=token, run_bot=False))
    assert not runs_discord_bot(load_settings(discord=token, mock={"enabled": True}))
    assert not runs_discord_bot(load_settings(mock={"enabled": True}))


async def test_serve_api_refuses_a_taken_port(tmp_path: Path) -> None:
    settings = mock_settings(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", settings.api.port))
        taken.listen()
        with pytest.raises(ServeError, match="Address already in use"):
            await serve_api(settings, build_service(settings), BotState(), handle_signals=False)


def test_bind_socket_rejects_an_address_not_on_this_machine() -> None:
    with pytest.raises(ServeError, match=r"cannot listen on 192\.0\.2\.1:5000: Cannot assign"):
        bind_socket("192.0.2.1", 5000)


def test_open_reads_on_a_public_address_log_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    exposed = load_settings(run_bot=False, api={"host": "0.0.0.0"})
    closed = load_settings(run_bot=False, api={"host": "0.0.0.0", "require_read_token": True})
    loopback = load_settings(run_bot=False)
    with caplog.at_level(logging.WARNING, logger="coachplans.serve"):
        warn_if_exposed(closed)
        warn_if_exposed(loopback)
        assert caplog.records == []
        warn_if_exposed(exposed)
    assert "0.0.0.0" in caplog.text and "require_read_token" in caplog.text


def test_short_api_tokens_log_a_warning_at_start(caplog: pytest.LogCaptureFixture) -> None:
    from coachplans.serve import warn_if_weak_tokens

    strong = "0123456789abcdef"
    settings = load_settings(
        run_bot=False, api={"tokens": f"ops:tiny-secret,agents:{strong},bot:x"}
    )
    with caplog.at_level(logging.WARNING, logger="coachplans.serve"):
        warn_if_weak_tokens(load_settings(run_bot=False, api={"tokens": f"agents:{strong}"}))
        assert caplog.records == []
        warn_if_weak_tokens(settings)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    message = caplog.records[0].getMessage()
    assert "'bot', 'ops'" in message and "16 characters" in message
    assert "agents" not in message and "tiny-secret" not in message
