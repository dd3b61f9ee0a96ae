"""``python -m coachplans <command>`` as a real process on a free loopback port, for the tests
of serving and of the bot: start it, wait for it, read /health, signal it, read its output."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from coachplans.settings import LEGACY_ENV

COMMAND = (sys.executable, "-m", "coachplans")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any coachplans setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in LEGACY_ENV}
    env = {k: v for k, v in env.items() if not k.startswith("COACHPLANS_")}
    return {**env, **extra}


class ServerProcess:
    """The command on a fresh SQLite file and a free port, its output kept in a file."""

    def __init__(
        self,
        tmp_path: Path,
        *args: str,
        env: dict[str, str] | None = None,
        database_url: str | None = None,
        name: str | None = None,
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"{name or args[0]}.log"
        command = [*COMMAND, *args]
        if args[0] != "bot":  # the bot alone serves no API: it takes no --port
            command += ["--port", str(self.port)]
        command += ["--database-url", database_url or f"sqlite:///{tmp_path / 'plans.db'}"]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env or clean_env()
            )

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

    def wait_healthy(self) -> dict[str, Any]:
        """The first /health answer, whatever its status."""
        body: dict[str, Any] = self._health_when("an answer on /health", lambda _: True).json()
        return body

    def bot_health(self, status: str, detail: Callable[[str], bool] = bool) -> dict[str, Any]:
        """/health once the bot reports ``status`` with a ``detail`` that passes the check;
        ``http_status`` added."""

        def reached(body: dict[str, Any]) -> bool:
            bot = body["components"]["discord_bot"]
            return bool(bot["status"] == status and detail(bot.get("detail") or ""))

        response = self._health_when(f"bot status {status!r} in /health", reached)
        body: dict[str, Any] = response.json()
        body["http_status"] = response.status_code
        return body

    def _health_when(self, what: str, accept: Callable[[dict[str, Any]], bool]) -> httpx.Response:
        seen: list[httpx.Response] = []

        def check() -> bool:
            try:
                response = httpx.get(f"{self.base}/health", timeout=2)
            except httpx.TransportError:
                return False
            seen.append(response)
            return accept(response.json())

        self.wait_for(what, check)
        return seen[-1]

    def get(self, path: str) -> httpx.Response:
        url = path if path.startswith("http") else self.base + path
        return httpx.get(url, timeout=10)

    def get_json(self, path: str) -> Any:
        response = self.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
