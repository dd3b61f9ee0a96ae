"""Helpers of the agents tests: offline clients and a fake-model analyst graph."""

from __future__ import annotations

import operator
from datetime import date
from typing import Annotated, Any, TypedDict

import httpx
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph

from coachplans.agents import add_coach_nodes
from coachplans.client import EnhancedWebhookClient, RetryPolicy

TRADING_DAY = "2024-11-12"  # a Tuesday: the offline mock mode has plans for it
NO_PLAN_DAY = "2024-11-09"  # a Saturday: no plans


class CoachState(TypedDict, total=False):
    company_of_interest: str
    trade_date: str
    coach_d_plan: str
    coach_d_charts: list[str]
    coach_d_found: bool
    coach_d_report: str
    coach_i_report: str
    coach_s_report: str
    coach_n_report: str
    messages: Annotated[list[BaseMessage], operator.add]
    decision: str


def offline_client() -> EnhancedWebhookClient:
    return EnhancedWebhookClient(mock=True)


def scripted_client(answer: httpx.Response | None = None) -> EnhancedWebhookClient:
    """A client over httpx.MockTransport: every request gets ``answer`` (a 503 by default),
    no retries."""

    def handler(request: httpx.Request) -> httpx.Response:
        return answer if answer is not None else httpx.Response(503, json={"error": "down"})

    return EnhancedWebhookClient(
        "http://coachplans.test",
        retry=RetryPolicy(max_retries=0),
        transport=httpx.MockTransport(handler),
    )


def analyst_graph(
    model: FakeListChatModel, client: EnhancedWebhookClient, coaches: tuple[str, ...]
):  # type: ignore[no-untyped-def]
    """START -> coach nodes (in parallel) -> analyst (the fake model reads the reports as
    message content) -> END."""
    graph = StateGraph(CoachState)
    names = add_coach_nodes(graph, coaches, client)

    def analyst(state: CoachState) -> dict[str, Any]:
        reports = [state[f"coach_{c}_report"] for c in coaches]  # type: ignore[literal-required]
        messages: list[BaseMessage] = [
            SystemMessage("You are a trading analyst. Coach reports follow."),
            *(HumanMessage(report) for report in reports),
        ]
        answer = model.invoke(messages)
        return {"messages": messages, "decision": str(answer.content)}

    graph.add_node("analyst", analyst)
    for name in names:
        graph.add_edge(START, name)
    graph.add_edge(names, "analyst")
    graph.add_edge("analyst", END)
    return graph.compile()


def weekday(day: str) -> int:
    return date.fromisoformat(day).weekday()
