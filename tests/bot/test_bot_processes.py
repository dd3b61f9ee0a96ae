"""`coachplans serve` and `coachplans bot` as real processes, against a fake Discord on
loopback: real sockets, real signals, nothing on the real network."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_discord import BAD_TOKEN, GOOD_TOKEN, FakeDiscord

from coachplans.bot.runner import INTENTS_MISSING, LOGIN_FAILED
from process_support import COMMAND, ServerProcess, clean_env

pytestmark = pytest.mark.slow


def bot_env(fake: FakeDiscord, token: str) -> dict[str, str]:
    """No setting inherited from this environment; the bot talks to the fake only."""
    return clean_env(DISCORD_BOT_TOKEN=token, COACHPLANS_DISCORD__API_BASE=fake.api_base)


@pytest.fixture
def processes() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for process in started:
        process.kill()


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


def start(
    processes: list[ServerProcess], tmp_path: Path, command: str, fake: FakeDiscord, token: str
) -> ServerProcess:
    process = ServerProcess(tmp_path, command, env=bot_env(fake, token))
    processes.append(process)
    return process


def test_serve_keeps_the_api_when_discord_rejects_the_token(
    tmp_path: Path, processes: list[ServerProcess], fake: FakeDiscord
) -> None:
    server = start(processes, tmp_path, "serve", fake, BAD_TOKEN)
    health = server.bot_health("disconnected", lambda detail: "login" in detail)
    assert health["components"]["discord_bot"]["detail"] == "login failed: invalid token"
    # The API is up, the bot is not: degraded, and still 200 so the API is not taken out.
    assert health["status"] == "degraded" and health["http_status"] == 200
    assert server.get_json("/api/coach-plans/all") == {}

    assert server.stop() == 0
    assert LOGIN_FAILED in server.output()
    assert fake.seen.requests.count("GET /api/v10/users/@me") == 1  # not retried
    assert BAD_TOKEN not in server.output()


def test_serve_runs_the_bot_and_closes_it_on_sigterm(
    tmp_path: Path, processes: list[ServerProcess], fake: FakeDiscord
) -> None:
    server = start(processes, tmp_path, "serve", fake, GOOD_TOKEN)
    health = server.bot_health("connected")
    assert health["status"] == "healthy"
    assert health["components"]["discord_bot"]["detail"].startswith("logged in as coachbot")
    assert server.get_json("/api/coach-plans/all") == {}

    assert server.stop(signal.SIGTERM) == 0
    assert fake.seen.closed.wait(5), "the bot did not close its gateway websocket"
    assert len(fake.seen.identifies) == 1
    output = server.output()
    assert "the Discord bot is closed" in output
    assert "Traceback" not in output and GOOD_TOKEN not in output


def test_bot_alone_connects_and_stops_on_sigterm(
    tmp_path: Path, processes: list[ServerProcess], fake: FakeDiscord
) -> None:
    bot = start(processes, tmp_path, "bot", fake, GOOD_TOKEN)
    bot.wait_for("READY", lambda: "Discord: logged in as coachbot" in bot.output())
    assert bot.stop(signal.SIGTERM) == 0
    assert fake.seen.closed.wait(5)
    assert "Traceback" not in bot.output()
    with pytest.raises(httpx.TransportError):  # no API in this process
        httpx.get(f"{bot.base}/health", timeout=2)


@pytest.mark.parametrize(
    ("token", "allow_intents", "message"),
    [(BAD_TOKEN, True, LOGIN_FAILED), (GOOD_TOKEN, False, INTENTS_MISSING)],
    ids=["bad-token", "intent-missing"],
)
def test_bot_alone_exits_1_with_a_clear_message(
    tmp_path: Path, token: str, allow_intents: bool, message: str
) -> None:
    with FakeDiscord(allow_intents=allow_intents) as fake:
        done = subprocess.run(
            [*COMMAND, "bot", "--database-url", f"sqlite:///{tmp_path / 'plans.db'}"],
            env=bot_env(fake, token),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"coachplans: {message}"
    assert "Traceback" not in done.stderr
    assert token not in done.stderr + done.stdout
