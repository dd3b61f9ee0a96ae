"""examples/langgraph_coaches.py runs as a user would: offline it prints the reports, the
consensus and the fake model's decision; an unreachable server is a clear exit 1."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "langgraph_coaches.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )


def test_the_example_offline() -> None:
    done = run("--offline", "--date", "2024-11-12", "--ticker", "SPY")
    assert done.returncode == 0, done.stderr
    assert "--- coach_d_report" in done.stdout
    assert "Consensus on SPY from 4 coach plan(s):" in done.stdout
    assert "Decision (fake model): HOLD" in done.stdout


def test_the_example_without_a_server() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = run("--base-url", f"http://127.0.0.1:{port}")
    assert done.returncode == 1
    assert f"coachplans is not reachable at http://127.0.0.1:{port}" in done.stderr
    assert "coachplans serve --mock" in done.stderr
