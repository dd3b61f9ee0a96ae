"""Plain-text reports of coach plans for an LLM: what a coach says about a ticker, and the
explicit "no plan" answers. Pure functions over the client's plan dicts; no LangChain.

"No plan" is a state, read from the answer's ``found`` flag or ``error`` key, never from the
wording of the plan text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coachplans.contract import wire_key


def wire(coach: str) -> str:
    """``d``, ``D``, ``coach_d`` -> ``coach_d``."""
    return wire_key(coach)


def clean_ticker(ticker: str) -> str:
    """``$nvda `` -> ``NVDA``."""
    return ticker.strip().lstrip("$").upper()


@dataclass(frozen=True, slots=True)
class CoachPlan:
    """One coach's answer for a date: a plan (``text``), no plan, or a failure (``error``)."""

    coach: str
    date: str
    text: str | None = None
    charts: tuple[str, ...] = field(default_factory=tuple)
    error: str | None = None

    @property
    def found(self) -> bool:
        return self.text is not None and self.error is None


def from_answer(coach: str, date: str, body: Mapping[str, Any]) -> CoachPlan:
    """Reads a client answer (``fetch_coach_plan``) as a plan, no plan, or a failure."""
    if "error" in body:
        return CoachPlan(wire(coach), date, error=str(body["error"]))
    text = body.get("plan")
    if body.get("found") is False or not isinstance(text, str) or not text.strip():
        return CoachPlan(wire(coach), date)
    return CoachPlan(wire(coach), date, text, _charts(body.get("charts")))


def _charts(value: Any) -> tuple[str, ...]:
    return tuple(str(url) for url in value) if isinstance(value, list | tuple) else ()


def ticker_lines(text: str, ticker: str) -> list[str]:
    """The lines of ``text`` naming ``ticker`` (``NVDA`` or ``$NVDA``, as a whole word)."""
    pattern = re.compile(rf"(?<![A-Za-z0-9$])\$?{re.escape(clean_ticker(ticker))}(?![A-Za-z0-9])")
    return [line.strip() for line in text.splitlines() if pattern.search(line)]


def no_plan_sentence(plan: CoachPlan) -> str:
    if plan.error is not None:
        return (
            f"The plan from {plan.coach} for {plan.date} could not be fetched ({plan.error}); "
            "no plan is known, do not invent one."
        )
    return f"No plan from {plan.coach} for {plan.date}; do not invent one."


def coach_report(plan: CoachPlan, ticker: str) -> str:
    """What the coach's plan says about ``ticker``, deterministic, for an LLM to read."""
    if not plan.found or plan.text is None:
        return no_plan_sentence(plan)
    symbol = clean_ticker(ticker)
    head = f"Plan from {plan.coach} for {plan.date}"
    lines = ticker_lines(plan.text, symbol)
    if lines:
        body = f"{head}, lines about {symbol}:\n" + "\n".join(f"- {line}" for line in lines)
    else:
        body = f"{head} does not mention {symbol}. Full plan for context:\n{plan.text.strip()}"
    return body + _charts_line(plan.charts)


def _charts_line(charts: tuple[str, ...]) -> str:
    return f"\nCharts ({len(charts)}): " + ", ".join(charts) if charts else ""
