"""State schemas (SPEC §8.1): add_coach_nodes refuses a schema that would drop its keys; the
package's fields extend a schema; "no plan" survives a state without ``coach_<x>_found``."""

from __future__ import annotations

from typing import Any, TypedDict

import httpx
import pytest
from agents_support import NO_PLAN_DAY, TRADING_DAY, offline_client
from langgraph.graph import END, START, MessagesState, StateGraph

from coachplans.agents import (
    ROSTER,
    CoachPlansState,
    StateSchemaError,
    add_coach_nodes,
    coach_state_fields,
    extend_state,
    flat_plan_state,
)
from coachplans.agents.state import declared_keys
from coachplans.client import EnhancedWebhookClient, RetryPolicy


class RunState(TypedDict, total=False):
    """Like TradingAgents' AgentState: the run's keys, no coach keys."""

    company_of_interest: str
    trade_date: str
    final_trade_decision: str


class ForkState(RunState, total=False):
    """A fork that declares plan, charts and report for each coach, but no ``_found``."""

    coach_d_plan: str
    coach_d_charts: list[str]
    coach_d_report: str
    coach_s_plan: str
    coach_s_charts: list[str]
    coach_s_report: str


def test_a_schema_without_the_coach_keys_is_refused_naming_them() -> None:
    with pytest.raises(StateSchemaError) as raised:
        add_coach_nodes(StateGraph(RunState), ("d", "i"), offline_client())
    message = str(raised.value)
    assert message.startswith(
        "the graph's state schema RunState lacks coach_d_report, coach_i_report: LangGraph "
        "would drop these updates silently."
    )
    assert "CoachPlansState" in message and "extend_state" in message


def test_an_untyped_state_is_refused_too() -> None:
    graph: StateGraph[Any] = StateGraph(dict)
    with pytest.raises(StateSchemaError, match="lacks company_of_interest, trade_date, coach_d"):
        add_coach_nodes(graph, ("d",), offline_client())
    assert graph.nodes == {}


def test_the_static_state_matches_the_fields_of_the_default_roster() -> None:
    assert declared_keys(CoachPlansState) == set(coach_state_fields(ROSTER))
    assert {"coach_d_plan", "coach_d_charts", "coach_d_found", "coach_d_report"} <= set(
        coach_state_fields(("d",))
    )


def test_a_state_mixing_in_coach_plans_state_is_accepted() -> None:
    # CoachPlansState is a typing_extensions TypedDict, as LangGraph's MessagesState and so
    # TradingAgents' AgentState are; for a typing.TypedDict base, use extend_state.
    class Base(MessagesState):
        company_of_interest: str
        trade_date: str

    class State(Base, CoachPlansState):
        pass

    names = add_coach_nodes(StateGraph(State), client=offline_client())
    assert names == [f"coach_{c}_analyst" for c in ROSTER]


def _run(schema: type[Any], coaches: tuple[str, ...], state: dict[str, Any]) -> dict[str, Any]:
    graph: StateGraph[Any] = StateGraph(schema)
    names = add_coach_nodes(graph, coaches, offline_client())
    for name in names:
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    return dict(graph.compile().invoke(state))


def test_an_extended_state_keeps_the_reports_of_another_roster() -> None:
    schema = extend_state(RunState, ("d", "x"))
    assert {"coach_x_report", "coach_x_found", "final_trade_decision"} <= declared_keys(schema)
    final = _run(schema, ("d", "x"), {"company_of_interest": "NVDA", "trade_date": NO_PLAN_DAY})
    assert final["coach_d_report"] == f"No plan from coach_d for {NO_PLAN_DAY}; do not invent one."
    assert final["coach_x_report"].startswith(f"The plan from coach_x for {NO_PLAN_DAY} could")


def _only_coach_d_client(seen: list[httpx.Request]) -> EnhancedWebhookClient:
    """A server whose /all answer holds coach_d's plan only (coach_s has none)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path == "/api/coach-plans/all"
        plan = {"plan": "$NVDA long above 945", "charts": [], "found": True}
        return httpx.Response(200, json={"coach_d": plan})

    return EnhancedWebhookClient(
        "http://coachplans.test",
        retry=RetryPolicy(max_retries=0),
        transport=httpx.MockTransport(handler),
    )


def test_flat_plan_state_asks_once_for_every_coach() -> None:
    seen: list[httpx.Request] = []
    state = flat_plan_state(_only_coach_d_client(seen), f"{TRADING_DAY} 00:00:00", ROSTER)
    assert len(seen) == 1
    assert state["coach_d_found"] is True
    assert state["coach_s_plan"] == f"No plan available for coach_s on {TRADING_DAY}"
    assert state["coach_s_found"] is False


def test_no_plan_survives_a_fork_state_without_found() -> None:
    seen: list[httpx.Request] = []
    client = _only_coach_d_client(seen)
    graph: StateGraph[Any] = StateGraph(ForkState)

    def load(state: dict[str, Any]) -> dict[str, Any]:
        return flat_plan_state(client, state["trade_date"], ("d", "s"))  # _found is dropped

    graph.add_node("load", load)
    names = add_coach_nodes(graph, ("d", "s"), client)
    graph.add_edge(START, "load")
    for name in names:
        graph.add_edge("load", name)
        graph.add_edge(name, END)
    final = graph.compile().invoke({"company_of_interest": "NVDA", "trade_date": TRADING_DAY})
    assert "coach_s_found" not in final
    assert final["coach_s_plan"] == f"No plan available for coach_s on {TRADING_DAY}"
    assert final["coach_s_report"] == f"No plan from coach_s for {TRADING_DAY}; do not invent one."
    assert final["coach_d_report"].startswith(f"Plan from coach_d for {TRADING_DAY}, lines about")
    assert len(seen) == 1  # the nodes read the plans in state, they do not ask again


def test_a_failure_text_in_a_fork_state_is_a_failure_not_a_plan() -> None:
    text = "Error fetching plan for coach d: HTTP 503: down"
    final = _run(
        ForkState, ("d",), {"company_of_interest": "NVDA", "trade_date": TRADING_DAY,
                            "coach_d_plan": text},
    )  # fmt: skip
    assert final["coach_d_report"] == (
        f"The plan from coach_d for {TRADING_DAY} could not be fetched (HTTP 503: down); "
        "no plan is known, do not invent one."
    )


def test_a_plan_that_only_starts_like_the_no_plan_sentence_is_a_plan() -> None:
    text = f"No plan available for coach_d on {TRADING_DAY} -- kidding: $NVDA long above 945"
    final = _run(
        ForkState, ("d",), {"company_of_interest": "NVDA", "trade_date": TRADING_DAY,
                            "coach_d_plan": text},
    )  # fmt: skip
    assert final["coach_d_report"].startswith(f"Plan from coach_d for {TRADING_DAY}, lines about")
