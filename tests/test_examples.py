"""Every example says which install it needs and, when that is missing, says so in one line
(exit 1) instead of a traceback. The examples' behaviour is tested in tests/client and
tests/agents."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NEEDS = {
    "fetch_plans.py": ("coachplans", "pip install coachplans"),
    "backtest_range.py": ("coachplans", "pip install coachplans"),
    "langgraph_coaches.py": ("langgraph", "pip install 'coachplans[agents]'"),
    "tradingagents_coaches.py": ("tradingagents", "pip install 'coachplans[agents]'"),
}


def test_every_example_is_covered() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == set(NEEDS)


@pytest.mark.parametrize(("script", "needs"), NEEDS.items())
def test_an_example_names_what_it_needs_in_one_line(script: str, needs: tuple[str, str]) -> None:
    hidden, install = needs
    doc = ast.get_docstring(ast.parse((EXAMPLES / script).read_text(encoding="utf-8"))) or ""
    assert "Needs" in doc and install in doc
    runner = (
        f"import sys, runpy; sys.modules[{hidden!r}] = None; sys.argv = [{script!r}, '--offline']; "
        f"runpy.run_path({str(EXAMPLES / script)!r}, run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", runner], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert " needs " in done.stderr and install in done.stderr
