"""Coach plans for an LLM: the flat state older graph code expects, and a LangChain ``@tool``
that answers with the plans as text, saying explicitly when there is none (SPEC §8)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from langchain_core.tools import BaseTool, tool

from coachplans.agents.consensus import consensus_report
from coachplans.agents.nodes import ROSTER
from coachplans.agents.reports import CoachPlan, clean_ticker, coach_report, from_answer, wire
from coachplans.client import EnhancedWebhookClient


def fetch_plans(
    client: EnhancedWebhookClient, date: str, coaches: Iterable[str]
) -> list[CoachPlan]:
    """Each coach's plan, no plan or failure for ``date`` (one request, then cache hits)."""
    client.fetch_all_coach_plans(date)  # fills the per-coach cache
    return [from_answer(c, date, client.fetch_coach_plan(c, date)) for c in coaches]


def flat_plan_state(
    client: EnhancedWebhookClient, date: str, coaches: Iterable[str] = ROSTER
) -> dict[str, Any]:
    """``{"coach_d_plan": str, "coach_d_charts": [...], "coach_d_found": bool, ...}``: the plan
    text as the server gave it (its "No plan available ..." sentence when none), the charts,
    and whether there is a plan, which the coach nodes read instead of the wording."""
    state: dict[str, Any] = {}
    for coach in coaches:
        body = client.fetch_coach_plan(coach, date)
        key = wire(coach)
        state[f"{key}_plan"] = str(body.get("plan", ""))
        state[f"{key}_charts"] = list(body.get("charts") or [])
        state[f"{key}_found"] = from_answer(coach, date, body).found
    return state


def plans_text(
    client: EnhancedWebhookClient, ticker: str, date: str, coaches: Iterable[str] = ROSTER
) -> str:
    """Every coach's report on ``ticker`` for ``date``, then the consensus when any plan."""
    plans = fetch_plans(client, date, coaches)
    sections = [coach_report(plan, ticker) for plan in plans]
    texts = {plan.coach: plan.text for plan in plans if plan.text is not None}
    if texts:
        sections.append(consensus_report(texts, ticker))
    else:
        sections.append(f"No coach plan for {date}; do not invent one.")
    return f"Coach plans on {clean_ticker(ticker)} for {date}\n\n" + "\n\n".join(sections)


def make_coach_plans_tool(
    client: EnhancedWebhookClient, coaches: Iterable[str] = ROSTER
) -> BaseTool:
    """A LangChain tool ``coach_plans(ticker, date)`` answering through ``client``."""
    roster = tuple(coaches)

    @tool
    def coach_plans(ticker: str, date: str) -> str:
        """The trading coaches' plans about a ticker for a trading date (YYYY-MM-DD): what
        each coach says about it, the bias and price levels, and which coaches have no plan."""
        return plans_text(client, ticker, date, roster)

    return coach_plans


@functools.cache
def _default_client() -> EnhancedWebhookClient:
    return EnhancedWebhookClient()


@tool
def coach_plans_tool(ticker: str, date: str) -> str:
    """The trading coaches' plans about a ticker for a trading date (YYYY-MM-DD), from the
    coachplans server at http://localhost:5000: what each coach says about it, the bias and
    price levels, and which coaches have no plan."""
    return plans_text(_default_client(), ticker, date)
