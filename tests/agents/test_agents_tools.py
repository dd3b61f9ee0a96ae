"""The LangChain tool and the flat state of older graphs (SPEC §8), offline."""

from __future__ import annotations

import subprocess
import sys

from agents_support import NO_PLAN_DAY, TRADING_DAY, offline_client, scripted_client

from coachplans.agents import coach_plans_tool, flat_plan_state, make_coach_plans_tool


def test_the_tool_answers_with_every_coachs_report_and_the_consensus() -> None:
    client = offline_client()
    tool = make_coach_plans_tool(client)
    assert tool.name == "coach_plans"
    assert set(tool.args) == {"ticker", "date"}
    text = tool.invoke({"ticker": "SPY", "date": TRADING_DAY})
    assert text.startswith(f"Coach plans on SPY for {TRADING_DAY}\n\n")
    for coach in ("coach_d", "coach_i", "coach_s", "coach_n"):
        assert f"Plan from {coach} for {TRADING_DAY}" in text
    assert "Consensus on SPY from 4 coach plan(s):" in text


def test_the_tool_says_there_is_no_plan() -> None:
    tool = make_coach_plans_tool(offline_client(), coaches=("d", "s"))
    text = tool.invoke({"ticker": "NVDA", "date": NO_PLAN_DAY})
    assert text == (
        f"Coach plans on NVDA for {NO_PLAN_DAY}\n\n"
        f"No plan from coach_d for {NO_PLAN_DAY}; do not invent one.\n\n"
        f"No plan from coach_s for {NO_PLAN_DAY}; do not invent one.\n\n"
        f"No coach plan for {NO_PLAN_DAY}; there is no consensus, do not invent one."
    )


def test_the_tool_says_when_the_server_failed() -> None:
    text = make_coach_plans_tool(scripted_client(), ("d",)).invoke(
        {"ticker": "NVDA", "date": TRADING_DAY}
    )
    assert f"The plan from coach_d for {TRADING_DAY} could not be fetched (" in text
    assert "do not invent one" in text


def test_the_default_tool_is_a_langchain_tool() -> None:
    assert coach_plans_tool.name == "coach_plans_tool"
    assert set(coach_plans_tool.args) == {"ticker", "date"}


def test_flat_plan_state_as_older_graphs_expect() -> None:
    client = offline_client()
    state = flat_plan_state(client, TRADING_DAY, coaches=("d", "coach_s"))
    assert set(state) == {
        "coach_d_plan", "coach_d_charts", "coach_d_found",
        "coach_s_plan", "coach_s_charts", "coach_s_found",
    }  # fmt: skip
    assert state["coach_d_plan"] == client.fetch_coach_plan("d", TRADING_DAY)["plan"]
    assert state["coach_d_charts"] == []
    assert state["coach_d_found"] is True


def test_flat_plan_state_without_a_plan() -> None:
    state = flat_plan_state(offline_client(), NO_PLAN_DAY, coaches=("n",))
    assert state == {
        "coach_n_plan": f"No plan available for coach_n on {NO_PLAN_DAY}",
        "coach_n_charts": [],
        "coach_n_found": False,
    }


def test_the_rest_of_coachplans_does_not_import_the_agents_package() -> None:
    code = (
        "import sys, coachplans, coachplans.client, coachplans.cli, coachplans.api.app\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('langchain_core', 'langgraph')"
        " or m.startswith('coachplans.agents')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
