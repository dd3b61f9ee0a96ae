"""Coach plans in a real TradingAgents 0.3 run (SPEC §8.1): a real coachplans API process
serves the plans, a real ``TradingAgentsGraph`` runs ``propagate`` with a recording fake chat
model, and every deciding agent's prompt must carry them. Two runs, shared by the module."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langgraph.graph import START, StateGraph
from tradingagents_support import (
    DECIDERS,
    IDENTITY,
    NetworkGuard,
    RecordingChatModel,
    offline_config,
    offline_tradingagents,
    require_tradingagents,
)

from coachplans.agents.tradingagents import (
    COACH_NODE,
    add_coach_plans_node,
    with_coach_plans,
)
from coachplans.client import CoachPlansClient, EnhancedWebhookClient, RetryPolicy
from process_support import ServerProcess, clean_env, free_port

require_tradingagents()

pytestmark = pytest.mark.slow
TOKEN = "ta-test-token"
DAY = "2024-05-10"
BTC_DAY = datetime(2024, 5, 13, 9, 30)  # TradingAgents keeps str(trade_date) in state
BRACES_LINE = "$NVDA long above 945 {entry}, PT 960 {{target}}, SL 938 {0} {missing_key}"
PLANS = {
    (DAY, "d"): f"Morning plan\n{BRACES_LINE}\n$TSLA short below 170, target 160",
    (DAY, "s"): "$AAPL swing long above 185, target 195, stop 180",
    (DAY, "n"): "CPI at 8:30 ET.\nNVDA bearish into the print, resistance 960-965",
    ("2024-05-13", "d"): "$BTC long above 62000, target 65000, stop 60500",
    ("2024-05-13", "i"): "BTCUSD short below 61000 if the weekend gap fills",
    ("2024-05-13", "n"): "Quiet tape; no trades before CPI.",
}


@dataclass
class Run:
    graph: Any
    final: dict[str, Any]
    decision: str
    prompts: dict[str, list[str]]  # node -> its prompts in this run
    requests: int  # requests the client sent to coachplans during the run


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The coachplans API as a real process, with the test plans posted through the API."""
    process = ServerProcess(
        tmp_path_factory.mktemp("server"), "api", env=clean_env(API_TOKENS=f"tests:{TOKEN}")
    )
    try:
        process.wait_healthy()
        with CoachPlansClient(process.base, token=TOKEN) as writer:
            for (day, coach), text in PLANS.items():
                writer.post_plan(coach, text, date=day)
        yield process
    finally:
        process.kill()


@pytest.fixture(scope="module")
def model() -> RecordingChatModel:
    return RecordingChatModel()


@pytest.fixture(scope="module")
def offline(model: RecordingChatModel) -> Iterator[NetworkGuard]:
    with offline_tradingagents(model) as guard:
        yield guard


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> Iterator[EnhancedWebhookClient]:
    with EnhancedWebhookClient(server.base) as opened:
        yield opened


@pytest.fixture(scope="module")
def graph(
    offline: NetworkGuard, client: EnhancedWebhookClient, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    from tradingagents.graph.trading_graph import TradingAgentsGraph

    folder = tmp_path_factory.mktemp("tradingagents")
    built = TradingAgentsGraph(selected_analysts=("market",), config=offline_config(folder))
    wired = with_coach_plans(built, client)
    assert wired is built
    return wired


def propagate(
    graph: Any, model: RecordingChatModel, client: EnhancedWebhookClient, ticker: str, day: Any
) -> Run:
    start, before = len(model.calls), _sent(client)
    final, decision = graph.propagate(ticker, day)
    return Run(graph, final, decision, model.prompts(start), _sent(client) - before)


def no_retries() -> RetryPolicy:
    return RetryPolicy(max_retries=0)


def _sent(client: EnhancedWebhookClient) -> int:
    api = client.get_metrics()["api"]
    return int(api["success"]) + int(api["errors"])


@pytest.fixture(scope="module")
def nvda(graph: Any, model: RecordingChatModel, client: EnhancedWebhookClient) -> Run:
    return propagate(graph, model, client, "NVDA", DAY)


@pytest.fixture(scope="module")
def btc(nvda: Run, model: RecordingChatModel, client: EnhancedWebhookClient) -> Run:
    return propagate(nvda.graph, model, client, "BTC-USD", BTC_DAY)


# --- the NVDA run: plans with braces, a coach without a plan, a plan without the ticker ---


def test_every_deciding_agent_is_asked_once(nvda: Run) -> None:
    assert {node: len(prompts) for node, prompts in nvda.prompts.items()} == {
        "Market Analyst": 1,
        **dict.fromkeys(DECIDERS, 1),
    }


@pytest.mark.parametrize("agent", DECIDERS)
def test_a_deciding_agents_prompt_carries_the_coach_plans(nvda: Run, agent: str) -> None:
    (prompt,) = nvda.prompts[agent]
    assert f"Coach plans for NVDA on {DAY}: the daily plans of human trading coaches" in prompt
    assert f"Plan from coach_d for {DAY}, lines about NVDA:\n- {BRACES_LINE}\n" in prompt
    assert "Parsed for NVDA: bias bullish; levels entry 945, target 960, stop 938" in prompt
    assert f"No plan from coach_i for {DAY}; do not invent one." in prompt
    assert f"Plan from coach_s for {DAY} does not name NVDA: coach_s gives no view" in prompt
    assert "- NVDA bearish into the print, resistance 960-965" in prompt
    assert "Consensus on NVDA from 3 coach plan(s):" in prompt
    assert "Bullish (1): coach_d" in prompt and "Bearish (1): coach_n" in prompt
    assert IDENTITY["company_name"] in prompt  # TradingAgents' own context is kept


def test_braces_reach_the_analysts_template_prompt_verbatim(nvda: Run) -> None:
    (prompt,) = nvda.prompts["Market Analyst"]  # a ChatPromptTemplate with partials
    assert BRACES_LINE in prompt


def test_the_decision_still_comes_back(nvda: Run) -> None:
    assert nvda.decision == "Underweight"  # what the fake portfolio manager answered
    assert "Portfolio Manager (fake model)" in nvda.final["final_trade_decision"]


def test_the_plans_are_fetched_in_one_request(nvda: Run) -> None:
    assert nvda.requests == 1


def test_the_final_state_carries_the_coach_reports_and_the_consensus(nvda: Run) -> None:
    final = nvda.final
    assert final["coach_d_found"] is True and final["coach_i_found"] is False
    assert final["coach_i_report"] == f"No plan from coach_i for {DAY}; do not invent one."
    assert BRACES_LINE in final["coach_d_report"]
    assert final["coaches_consensus_report"].startswith("Consensus on NVDA from 3 coach plan(s):")
    assert final["coaches_report"] in final["instrument_context"]
    assert final["instrument_context"].startswith("The instrument to analyze is `NVDA`.")


def test_the_saved_reports_carry_the_coach_plans(nvda: Run, tmp_path: Path) -> None:
    complete = Path(nvda.graph.save_reports(nvda.final, "NVDA", tmp_path / "saved"))
    folder = complete.parent / "0_coach_plans"
    assert sorted(p.name for p in folder.iterdir()) == [
        "coach_d.md", "coach_i.md", "coach_n.md", "coach_s.md", "consensus.md",
    ]  # fmt: skip
    assert (folder / "consensus.md").read_text() == nvda.final["coaches_consensus_report"]
    report = complete.read_text()
    assert report.index("## Coach Plans") < report.index("## I. Analyst Team Reports")
    assert BRACES_LINE in report
    assert f"No plan from coach_i for {DAY}; do not invent one." in report
    assert (complete.parent / "5_portfolio" / "decision.md").exists()


def test_the_coach_node_comes_first(nvda: Run) -> None:
    edges = {(e.source, e.target) for e in nvda.graph.graph.get_graph().edges}
    assert ("__start__", COACH_NODE) in edges
    assert (COACH_NODE, "Market Analyst") in edges
    assert ("__start__", "Market Analyst") not in edges


def test_a_graph_without_one_entry_edge_is_refused() -> None:
    class State(TypedDict):
        company_of_interest: str
        trade_date: str

    workflow: StateGraph[Any] = StateGraph(State)
    for name in ("a", "b"):
        workflow.add_node(name, lambda state: {})
        workflow.add_edge(START, name)
    with pytest.raises(ValueError, match=r"one edge from START, found \['a', 'b'\]"):
        add_coach_plans_node(workflow)
    assert COACH_NODE not in workflow.nodes


def test_wiring_twice_is_refused(nvda: Run) -> None:
    with pytest.raises(ValueError, match="already has a 'Coach Plans' node"):
        with_coach_plans(nvda.graph)


# --- the BTC-USD run: a datetime as the date, coaches writing $BTC and BTCUSD ---


def test_aliases_and_a_datetime_reach_every_deciding_agent(btc: Run) -> None:
    for agent in DECIDERS:
        (prompt,) = btc.prompts[agent]
        assert "Coach plans for BTC-USD on 2024-05-13" in prompt
        assert "- $BTC long above 62000, target 65000, stop 60500" in prompt
        assert "- BTCUSD short below 61000 if the weekend gap fills" in prompt
        assert "Parsed for BTC-USD: bias bearish; levels entry 61000" in prompt
        assert "Bullish (1): coach_d" in prompt and "Bearish (1): coach_i" in prompt
        assert "No plan from coach_s for 2024-05-13; do not invent one." in prompt
        assert "Plan from coach_n for 2024-05-13 does not name BTC-USD" in prompt
    assert btc.final["trade_date"] == str(BTC_DAY)
    assert btc.requests == 1


# --- coachplans unreachable: the agents are told, the run goes on ---


def test_an_unreachable_server_is_stated_and_the_run_goes_on(
    offline: NetworkGuard,
    model: RecordingChatModel,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tradingagents.graph.trading_graph import TradingAgentsGraph

    down = EnhancedWebhookClient(f"http://127.0.0.1:{free_port()}", retry=no_retries())
    built = TradingAgentsGraph(selected_analysts=("market",), config=offline_config(tmp_path))
    graph = with_coach_plans(built, down, coaches=("d", "coach_s"))
    with caplog.at_level(logging.WARNING, logger="coachplans.agents"):
        done = propagate(graph, model, down, "NVDA", DAY)
    for agent in DECIDERS:
        (prompt,) = done.prompts[agent]
        assert f"The plan from coach_d for {DAY} could not be fetched (" in prompt
        assert f"The plan from coach_s for {DAY} could not be fetched (" in prompt
        assert f"No coach plan for {DAY}; there is no consensus, do not invent one." in prompt
    assert done.decision == "Underweight"
    assert "coach_i_report" not in done.final  # the roster given: d and s
    assert f"coach plans for NVDA on {DAY} could not be fetched for coach_d, coach_s" in caplog.text


def test_nothing_reached_the_network(btc: Run, offline: NetworkGuard) -> None:
    assert offline.attempts == []
