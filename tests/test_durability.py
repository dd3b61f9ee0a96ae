"""kill -9 of the server while plans are being written loses no acknowledged plan (SPEC §14)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from coachplans.settings import LEGACY_ENV, load_settings
from coachplans.wiring import build_service

pytestmark = pytest.mark.slow

TOKEN = "durable-secret"
START = date(2020, 1, 1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_api(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in LEGACY_ENV}
    env["API_TOKENS"] = f"writer:{TOKEN}"
    command = [sys.executable, "-m", "coachplans", "api", "--port", str(port)]
    command += ["--database-url", db_url]
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


def _wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited during start-up"
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("server did not start")


def _write_until_stopped(base: str, acked: dict[date, str], stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
        for n in range(100_000):
            if stop.is_set():
                return
            day = START + timedelta(days=n)
            text = f"plan number {n} for {day.isoformat()}"
            body = {"coach": "d", "date": day.isoformat(), "text": text}
            try:
                response = client.post("/api/v1/plans", json=body)
            except httpx.TransportError:
                return  # the server is gone: this write was never acknowledged
            if response.status_code == 201:
                acked[day] = text


def test_kill_9_loses_no_acknowledged_plan(db_url: str, tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start_api(db_url, port, tmp_path / "server.log")
    acked: dict[date, str] = {}
    stop = threading.Event()
    try:
        _wait_up(base, proc)
        writer = threading.Thread(target=_write_until_stopped, args=(base, acked, stop))
        writer.start()
        deadline = time.monotonic() + 20
        while len(acked) < 40 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        stop.set()
        writer.join(timeout=10)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 40

    service = build_service(load_settings(run_bot=False, database={"url": db_url}))
    try:
        for day, text in acked.items():
            plan = service.get_plan("d", day)
            assert plan is not None, f"acknowledged plan for {day} was lost"
            assert plan.text == text
            assert len(service.revisions(plan.id)) == 1
    finally:
        service.repo.engine.dispose()
