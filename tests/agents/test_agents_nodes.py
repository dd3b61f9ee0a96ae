"""Coach nodes (SPEC §8): reports from fetched or given plans, "no plan" as a state, and a
LangGraph graph where a fake chat model reads the reports."""

from __future__ import annotations

import httpx
from agents_support import (
    NO_PLAN_DAY,
    TRADING_DAY,
    CoachState,
    analyst_graph,
    offline_client,
    scripted_client,
    weekday,
)
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langgraph.graph import StateGraph

from coachplans.agents import add_coach_nodes, create_coach_node, create_coach_nodes

BRACES = "$NVDA long above 945 {entry} PT 960 {{target}} SL 938 {0} {missing_key}"


def test_the_test_dates_are_a_weekday_and_a_weekend() -> None:
    assert weekday(TRADING_DAY) < 5 <= weekday(NO_PLAN_DAY)


def test_a_node_reports_the_lines_about_the_ticker_from_state() -> None:
    node = create_coach_node("d", client=scripted_client())  # the client must not be used
    state = {
        "company_of_interest": "NVDA",
        "trade_date": TRADING_DAY,
        "coach_d_plan": "Morning notes\n$NVDA long above 945, PT 960, SL 938\n$TSLA short",
        "coach_d_charts": ["https://x.test/c.png"],
    }
    report = node(state)["coach_d_report"]
    assert report == (
        f"Plan from coach_d for {TRADING_DAY}, lines about NVDA:\n"
        "- $NVDA long above 945, PT 960, SL 938\n"
        "Parsed for NVDA: bias bullish; levels entry 945, target 960, stop 938.\n"
        "Charts (1): https://x.test/c.png"
    )


def test_a_node_fetches_the_plan_through_the_client() -> None:
    client = offline_client()
    node = create_coach_node("coach_d", client)
    text = client.fetch_coach_plan("d", TRADING_DAY)["plan"]
    report = node({"company_of_interest": "ZZZZ", "trade_date": TRADING_DAY})["coach_d_report"]
    assert report.startswith(
        f"Plan from coach_d for {TRADING_DAY} does not name ZZZZ: coach_d gives no view on ZZZZ;"
    )
    assert text.strip() in report


def test_a_missing_plan_is_an_explicit_answer() -> None:
    node = create_coach_node("s", offline_client())
    update = node({"company_of_interest": "NVDA", "trade_date": NO_PLAN_DAY})
    assert update == {
        "coach_s_report": f"No plan from coach_s for {NO_PLAN_DAY}; do not invent one."
    }


def test_no_plan_is_read_from_the_found_flag_not_the_wording() -> None:
    node = create_coach_node("d", scripted_client())
    base = {"company_of_interest": "NVDA", "trade_date": TRADING_DAY}
    none = node({**base, "coach_d_plan": "$NVDA long above 945", "coach_d_found": False})
    assert none["coach_d_report"].startswith("No plan from coach_d")
    looks_like_none = "No plan available for coach_d, but $NVDA long above 945"
    some = node({**base, "coach_d_plan": looks_like_none})
    assert "lines about NVDA" in some["coach_d_report"]


def test_a_server_failure_says_the_plan_could_not_be_fetched() -> None:
    node = create_coach_node("d", scripted_client())
    report = node({"company_of_interest": "NVDA", "trade_date": TRADING_DAY})["coach_d_report"]
    assert report.startswith(f"The plan from coach_d for {TRADING_DAY} could not be fetched (")
    assert report.endswith("no plan is known, do not invent one.")


def test_a_refused_request_is_a_failure_not_a_plan() -> None:
    refusal = httpx.Response(400, json={"error": "Invalid coach name 'x'. Valid coaches: d"})
    node = create_coach_node("x", scripted_client(refusal))
    report = node({"company_of_interest": "NVDA", "trade_date": TRADING_DAY})["coach_x_report"]
    assert "could not be fetched (Invalid coach name 'x'" in report


def test_braces_in_a_plan_are_data() -> None:
    node = create_coach_node("d", scripted_client())
    state = {"company_of_interest": "NVDA", "trade_date": TRADING_DAY, "coach_d_plan": BRACES}
    assert BRACES in node(state)["coach_d_report"]


def test_one_node_per_roster_coach() -> None:
    nodes = create_coach_nodes(client=offline_client())
    assert list(nodes) == ["coach_d", "coach_i", "coach_s", "coach_n"]
    state = {"company_of_interest": "SPY", "trade_date": NO_PLAN_DAY}
    assert nodes["coach_n"](state) == {
        "coach_n_report": f"No plan from coach_n for {NO_PLAN_DAY}; do not invent one."
    }


def test_add_coach_nodes_returns_the_node_names() -> None:
    graph = StateGraph(CoachState)
    names = add_coach_nodes(graph, ("d", "I"), offline_client())
    assert names == ["coach_d_analyst", "coach_i_analyst"]
    assert set(names) <= set(graph.nodes)


def test_a_graph_where_a_fake_model_reads_the_reports() -> None:
    model = FakeListChatModel(responses=["BUY: coaches lean long"])
    app = analyst_graph(model, offline_client(), ("d", "i"))
    state = {
        "company_of_interest": "NVDA",
        "trade_date": NO_PLAN_DAY,
        "coach_d_plan": BRACES,  # given in state: braces reach the model untouched
    }
    final = app.invoke(state)
    assert final["decision"] == "BUY: coaches lean long"
    contents = [str(message.content) for message in final["messages"]]
    assert any(BRACES in content for content in contents)
    assert f"No plan from coach_i for {NO_PLAN_DAY}; do not invent one." in contents
