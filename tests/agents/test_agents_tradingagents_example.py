"""examples/tradingagents_coaches.py runs as a user would, with fake models and no LLM key:
offline, and against a real ``coachplans serve --mock``; without TradingAgents it says so in
one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tradingagents_support import DECIDERS, require_tradingagents

from process_support import ServerProcess, clean_env

require_tradingagents()

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "tradingagents_coaches.py"


def no_llm_keys() -> dict[str, str]:
    """This environment without any provider key or TradingAgents setting: fake models."""
    return {
        k: v
        for k, v in clean_env().items()
        if not k.endswith("_API_KEY") and not k.startswith("TRADINGAGENTS_")
    }


def run(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *(["-c", code] if code else [str(SCRIPT)]), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=180, env=no_llm_keys(), check=False
    )


def assert_every_agent_read_the_plans(stdout: str) -> None:
    assert "Prompts carrying the coach plans: 9 of 9" in stdout
    assert all(agent in stdout for agent in DECIDERS)
    assert "Decision: Hold" in stdout


def test_the_example_offline(tmp_path: Path) -> None:
    done = run("--offline", "--date", "2024-11-12", "--reports", str(tmp_path / "saved"))
    assert done.returncode == 0, done.stderr
    assert "NVDA on 2024-11-12, plans from offline mock plans, fake models" in done.stdout
    assert "Plan from coach_d for 2024-11-12, lines about NVDA:" in done.stdout
    assert "Consensus on NVDA from 4 coach plan(s):" in done.stdout
    assert_every_agent_read_the_plans(done.stdout)
    complete = tmp_path / "saved" / "complete_report.md"
    assert f"Reports: {complete}" in done.stdout
    assert "## Coach Plans" in complete.read_text()


def test_the_example_against_serve_mock(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, "serve", "--mock")
    try:
        server.wait_healthy()
        done = run("--base-url", server.base, "--ticker", "SPY")
    finally:
        server.kill()
    assert done.returncode == 0, done.stderr
    assert f"plans from {server.base}, fake models" in done.stdout
    assert "Consensus on SPY from 4 coach plan(s):" in done.stdout
    assert "No plan from" not in done.stdout
    assert_every_agent_read_the_plans(done.stdout)


def test_without_tradingagents_the_example_says_what_is_missing() -> None:
    hide = (
        "import runpy, sys; sys.modules['tradingagents'] = None; "
        f"sys.argv = [{str(SCRIPT)!r}]; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    done = run(code=hide)
    assert done.returncode == 1
    assert done.stderr == (
        "this example needs TradingAgents 0.3 and coachplans[agents] (tradingagents is not "
        "installed): pip install 'coachplans[agents]' and TradingAgents\n"
    )
