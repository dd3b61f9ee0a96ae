"""TradingAgents-style coach nodes (SPEC §8): a factory returns a function that takes the graph
state dict and returns a partial update with ``coach_<x>_report``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from langgraph.graph import StateGraph

from coachplans.agents.dates import trade_date_text
from coachplans.agents.reports import CoachPlan, coach_report, from_answer, wire
from coachplans.agents.state import ROSTER, missing_keys
from coachplans.client import EnhancedWebhookClient
from coachplans.client.compat_core import NO_PLAN_PREFIX
from coachplans.contract import coach_key

Node = Callable[[dict[str, Any]], dict[str, Any]]
READS = ("company_of_interest", "trade_date")
# The compatibility contract's fixed answers (SPEC §6.1), matched whole; read only when the
# state has no ``coach_<x>_found`` to say whether the text is a plan.
_FETCH_FAILED = "Error fetching plan for coach "  # plan_fallback's text
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class LazyClient:
    """The client given, or a default one built on first use (no I/O at graph build time)."""

    def __init__(self, client: EnhancedWebhookClient | None) -> None:
        self._client = client

    def get(self) -> EnhancedWebhookClient:
        if self._client is None:
            self._client = EnhancedWebhookClient()
        return self._client


def _contract_answer(key: str, text: str) -> dict[str, Any] | None:
    """The server's "no plan" sentence or the client's failure text, as the answer they are."""
    prefix = f"{NO_PLAN_PREFIX}{key} on "
    if text.startswith(prefix) and _DAY.fullmatch(text.removeprefix(prefix)):
        return {"plan": text, "found": False}
    if text.startswith(_FETCH_FAILED + key.removeprefix("coach_") + ": "):
        return {"error": text.split(": ", 1)[1]}
    return None


def plan_from_state(coach: str, state: Mapping[str, Any]) -> CoachPlan | None:
    """The plan already in state (``coach_<x>_plan``/``_charts``/``_found``), if any. Without
    ``_found`` (a schema that does not declare it) the contract's "no plan" and failure texts
    still mean no plan."""
    key = wire(coach)
    text = state.get(f"{key}_plan")
    if text is None:
        return None
    date = trade_date_text(state.get("trade_date", ""))
    found = state.get(f"{key}_found")
    if found is None and (answer := _contract_answer(key, str(text))) is not None:
        return from_answer(coach, date, answer)
    body = {"plan": text, "charts": state.get(f"{key}_charts", []), "found": found is not False}
    return from_answer(coach, date, body)


def create_coach_node(coach: str, client: EnhancedWebhookClient | None = None) -> Node:
    """A node writing ``coach_<x>_report`` for ``company_of_interest`` on ``trade_date``:
    the plan in state when there, else fetched through ``client`` (a default
    ``EnhancedWebhookClient`` when None)."""
    return _make_node(coach, LazyClient(client))


def _make_node(coach: str, source: LazyClient) -> Node:
    key = wire(coach)

    def coach_node(state: dict[str, Any]) -> dict[str, Any]:
        ticker = str(state["company_of_interest"])
        date = trade_date_text(state["trade_date"])
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
    source = LazyClient(client)
    return {wire(c): _make_node(coach_key(c), source) for c in coaches}


def node_name(coach: str) -> str:
    """The graph node name of a coach (``coach_d_analyst``): distinct from the state keys,
    as LangGraph requires."""
    return f"{wire(coach)}_analyst"


class StateSchemaError(ValueError):
    """A graph's state schema lacks keys the coach nodes read or write."""


def check_state_schema(graph: StateGraph[Any], keys: Iterable[str]) -> None:
    """Refuses a graph whose state schema would silently drop ``keys``, naming them."""
    schema = graph.state_schema
    missing = missing_keys(schema, keys)
    if missing:
        name = getattr(schema, "__name__", repr(schema))
        raise StateSchemaError(
            f"the graph's state schema {name} lacks {', '.join(missing)}: LangGraph would "
            "drop these updates silently. Declare them, e.g. class State(AgentState, "
            "CoachPlansState), or extend_state(AgentState, coaches) from coachplans.agents."
        )


def add_coach_nodes(
    graph: StateGraph[Any],
    coaches: Iterable[str] = ROSTER,
    client: EnhancedWebhookClient | None = None,
) -> list[str]:
    """Adds one node per coach to ``graph`` and returns their names; the caller wires edges.
    Refuses (``StateSchemaError``) a state schema without ``company_of_interest``,
    ``trade_date`` and each ``coach_<x>_report``."""
    nodes = create_coach_nodes(coaches, client)
    check_state_schema(graph, [*READS, *(f"{key}_report" for key in nodes)])
    names = []
    for key, node in nodes.items():
        name = node_name(key)
        graph.add_node(name, cast(Any, node))  # a dict-state node; typed for TypedDicts
        names.append(name)
    return names
