"""examples/ keep working: offline mock mode answers, and an unreachable server is a clear
message with exit status 1 (the scripts are run as a user would, in a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from client_support import free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_fetch_plans_offline() -> None:
    done = run("fetch_plans.py", "--offline", "--coach", "s", "--date", "2024-11-08")
    assert done.returncode == 0, done.stderr
    assert "Plans for 2024-11-08: 4 coach(es)" in done.stdout
    assert "Swing idea" in done.stdout
    assert "2 fetches, 1 from the cache" in done.stdout


def test_backtest_range_offline() -> None:
    done = run("backtest_range.py", "--offline", "--days", "30", "--coach", "d")
    assert done.returncode == 0, done.stderr
    assert "plans from" in done.stdout and "in 1 request(s)" in done.stdout


@pytest.mark.parametrize("script", ["fetch_plans.py", "backtest_range.py"])
def test_an_unreachable_server_is_a_clear_exit_1(script: str) -> None:
    done = run(script, "--base-url", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 1
    assert "coachplans is not reachable at http://127.0.0.1:" in done.stderr
    assert "coachplans serve --mock" in done.stderr
