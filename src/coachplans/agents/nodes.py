"""TradingAgents-style coach nodes (SPEC §8): a factory returns a function that takes the graph
state dict and returns a partial update with ``coach_<x>_report``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from langgraph.graph import StateGraph

from coachplans.agents.reports import CoachPlan, coach_report, from_answer, wire
from coachplans.client import EnhancedWebhookClient
from coachplans.contract import coach_key

ROSTER = ("d", "i", "s", "n")
Node = Callable[[dict[str, Any]], dict[str, Any]]


class _LazyClient:
    """The client given, or a default one built on first use (no I/O at graph build time)."""

    def __init__(self, client: EnhancedWebhookClient | None) -> None:
        self._client = client

    def get(self) -> EnhancedWebhookClient:
        if self._client is None:
            self._client = EnhancedWebhookClient()
        return self._client


def plan_from_state(coach: str, state: Mapping[str, Any]) -> CoachPlan | None:
    """The plan already in state (``coach_<x>_plan``/``_charts``/``_found``), if any."""
    key = wire(coach)
    text = state.get(f"{key}_plan")
    if text is None:
        return None
    date = str(state.get("trade_date", ""))
    found = state.get(f"{key}_found", True) is not False
    body = {"plan": text, "charts": state.get(f"{key}_charts", []), "found": found}
    return from_answer(coach, date, body)


def create_coach_node(coach: str, client: EnhancedWebhookClient | None = None) -> Node:
    """A node writing ``coach_<x>_report`` for ``company_of_interest`` on ``trade_date``:
    the plan in state when there, else fetched through ``client`` (a default
    ``EnhancedWebhookClient`` when None)."""
    return _make_node(coach, _LazyClient(client))


def _make_node(coach: str, source: _LazyClient) -> Node:
    key = wire(coach)

    def coach_node(state: dict[str, Any]) -> dict[str, Any]:
        ticker = str(state["company_of_interest"])
        date = str(state["trade_date"])
        plan = plan_from_state(coach, state)
        if plan is None:
            plan = from_answer(coach, date, source.get().fetch_coach_plan(coach, date))
        return {f"{key}_report": coach_report(plan, ticker)}

    coach_node.__name__ = f"{key}_node"
    return coach_node


def create_coach_nodes(
    coaches: Iterable[str] = ROSTER, client: EnhancedWebhookClient | None = None
) -> dict[str, Node]:
    """``{"coach_d": node, ...}``; the nodes share one client (and so its cache)."""
    source = _LazyClient(client)
    return {wire(c): _make_node(coach_key(c), source) for c in coaches}


def node_name(coach: str) -> str:
    """The graph node name of a coach (``coach_d_analyst``): distinct from the state keys,
    as LangGraph requires."""
    return f"{wire(coach)}_analyst"


def add_coach_nodes(
    graph: StateGraph[Any],
    coaches: Iterable[str] = ROSTER,
    client: EnhancedWebhookClient | None = None,
) -> list[str]:
    """Adds one node per coach to ``graph`` and returns their names; the caller wires edges.
    The graph's state needs ``company_of_interest``, ``trade_date`` and ``coach_<x>_report``."""
    names = []
    for key, node in create_coach_nodes(coaches, client).items():
        name = node_name(key)
        graph.add_node(name, cast(Any, node))  # a dict-state node; typed for TypedDicts
        names.append(name)
    return names
