"""`coachplans serve` and `coachplans bot` as real processes, against a fake Discord on
loopback: real sockets, real signals, nothing on the real network."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_discord import BAD_TOKEN, GOOD_TOKEN, FakeDiscord

from coachplans.bot.runner import INTENTS_MISSING, LOGIN_FAILED
from coachplans.settings import LEGACY_ENV

pytestmark = pytest.mark.slow

COMMAND = (sys.executable, "-m", "coachplans")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bot_env(fake: FakeDiscord, token: str) -> dict[str, str]:
    """No setting inherited from this environment; the bot talks to the fake only."""
    env = {k: v for k, v in os.environ.items() if k not in LEGACY_ENV}
    env = {k: v for k, v in env.items() if not k.startswith("COACHPLANS_")}
    return {**env, "DISCORD_BOT_TOKEN": token, "COACHPLANS_DISCORD__API_BASE": fake.api_base}


class Process:
    """``python -m coachplans <command>`` on a fresh SQLite file, its output kept in a file."""

    def __init__(self, tmp_path: Path, command: str, env: dict[str, str]):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"{command}.log"
        args = [*COMMAND, command, "--port", str(self.port)]
        args += ["--database-url", f"sqlite:///{tmp_path / 'plans.db'}"]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, what: str, check: Callable[[], bool]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not check():
            if self.proc.poll() is not None:
                pytest.fail(f"exited with {self.proc.returncode} before {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {START_TIMEOUT}s:\n{self.output()}")
            time.sleep(0.1)

    def bot_health(self, status: str, detail: Callable[[str], bool] = bool) -> dict[str, Any]:
        """/health once the bot reports ``status`` with a ``detail`` that passes the check."""
        seen: dict[str, Any] = {}

        def reached() -> bool:
            try:
                seen["response"] = httpx.get(f"{self.base}/health", timeout=2)
            except httpx.TransportError:
                return False
            bot = seen["response"].json()["components"]["discord_bot"]
            return bool(bot["status"] == status and detail(bot.get("detail", "")))

        self.wait_for(f"bot status {status!r} in /health", reached)
        body: dict[str, Any] = seen["response"].json()
        body["http_status"] = seen["response"].status_code
        return body

    def get_json(self, path: str) -> Any:
        response = httpx.get(self.base + path, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.kill()


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


def start(
    processes: list[Process], tmp_path: Path, command: str, fake: FakeDiscord, token: str
) -> Process:
    process = Process(tmp_path, command, bot_env(fake, token))
    processes.append(process)
    return process


def test_serve_keeps_the_api_when_discord_rejects_the_token(
    tmp_path: Path, processes: list[Process], fake: FakeDiscord
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
    tmp_path: Path, processes: list[Process], fake: FakeDiscord
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
    tmp_path: Path, processes: list[Process], fake: FakeDiscord
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
