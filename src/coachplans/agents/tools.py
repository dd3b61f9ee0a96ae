"""Coach plans for an LLM: the flat state older graph code expects, and a LangChain ``@tool``
that answers with the plans as text, saying explicitly when there is none (SPEC §8)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from langchain_core.tools import BaseTool, tool

from coachplans.agents.dates import trade_date_text
from coachplans.agents.fetch import failure_of, fetch_plans
from coachplans.agents.reports import (
    clean_ticker,
    coach_report,
    consensus_for,
    from_answer,
    wire,
)
from coachplans.agents.state import ROSTER
from coachplans.client import EnhancedWebhookClient
from coachplans.client.compat_core import NO_PLAN_PREFIX, plan_fallback
from coachplans.contract import coach_key


def flat_plan_state(
    client: EnhancedWebhookClient, date: Any, coaches: Iterable[str] = ROSTER
) -> dict[str, Any]:
    """``{"coach_d_plan": str, "coach_d_charts": [...], "coach_d_found": bool, ...}`` from one
    request: the plan text as the server gave it (its "No plan available ..." sentence when
    none), the charts, and whether there is a plan. The nodes read ``_found``; a state that
    does not declare it still keeps "no plan" (see ``plan_from_state``)."""
    day = trade_date_text(date)
    answer = client.fetch_all_coach_plans(day)
    failure = failure_of(answer)
    state: dict[str, Any] = {}
    for coach in coaches:
        key = wire(coach)
        body = answer.get(key) if failure is None else plan_fallback(coach_key(coach), failure)
        if not isinstance(body, dict):
            body = {"plan": f"{NO_PLAN_PREFIX}{key} on {day}", "charts": [], "found": False}
        state[f"{key}_plan"] = str(body.get("plan", ""))
        state[f"{key}_charts"] = list(body.get("charts") or [])
        state[f"{key}_found"] = from_answer(coach, day, body).found
    return state


def plans_text(
    client: EnhancedWebhookClient, ticker: str, date: str, coaches: Iterable[str] = ROSTER
) -> str:
    """Every coach's report on ``ticker`` for ``date``, then the consensus when any plan."""
    date = trade_date_text(date)
    plans = fetch_plans(client, date, coaches)
    sections = [coach_report(plan, ticker) for plan in plans]
    sections.append(consensus_for(plans, ticker, date))
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
