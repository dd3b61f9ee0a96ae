"""Plain-text reports of coach plans for an LLM: what a coach says about a ticker (its lines,
the bias and levels parsed from them), and the explicit "no plan" and "does not name the
ticker" answers. Pure functions over the client's plan dicts; no LangChain.

"No plan" is a state, read from the answer's ``found`` flag or ``error`` key, never from the
wording of the plan text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coachplans.agents.mentions import ticker_lines
from coachplans.contract import wire_key
from coachplans.domain.consensus import coach_view, consensus_report, level_text
from coachplans.domain.signal_parser import parse_signals


def wire(coach: str) -> str:
    """``d``, ``D``, ``coach_d`` -> ``coach_d``."""
    return wire_key(coach)


def clean_ticker(ticker: str) -> str:
    """``$nvda `` -> ``NVDA`` (as the caller spelt it otherwise: ``GC=F`` stays ``GC=F``)."""
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


def no_plan_sentence(plan: CoachPlan) -> str:
    if plan.error is not None:
        return (
            f"The plan from {plan.coach} for {plan.date} could not be fetched ({plan.error}); "
            "no plan is known, do not invent one."
        )
    return f"No plan from {plan.coach} for {plan.date}; do not invent one."


def parsed_line(coach: str, text: str, ticker: str) -> str:
    """``Parsed for NVDA: bias bullish; levels entry 945, target 960, stop 938.``"""
    view = coach_view(coach, parse_signals(text), ticker)
    if view is None:
        return f"Parsed for {clean_ticker(ticker)}: no bias or levels could be read."
    levels = ", ".join(level_text(level) for level in view.levels) or "none"
    return f"Parsed for {clean_ticker(ticker)}: bias {view.bias.value}; levels {levels}."


def coach_report(plan: CoachPlan, ticker: str) -> str:
    """What the coach's plan says about ``ticker``, deterministic, for an LLM to read."""
    if not plan.found or plan.text is None:
        return no_plan_sentence(plan)
    symbol = clean_ticker(ticker)
    head = f"Plan from {plan.coach} for {plan.date}"
    lines = ticker_lines(plan.text, symbol)
    if lines:
        quoted = "\n".join(f"- {line}" for line in lines)
        body = f"{head}, lines about {symbol}:\n{quoted}\n" + parsed_line(
            plan.coach, "\n".join(lines), symbol
        )
    else:
        body = (
            f"{head} does not name {symbol}: {plan.coach} gives no view on {symbol}; "
            f"do not attribute one. Full plan for context:\n{plan.text.strip()}"
        )
    return body + _charts_line(plan.charts)


def _charts_line(charts: tuple[str, ...]) -> str:
    return f"\nCharts ({len(charts)}): " + ", ".join(charts) if charts else ""


def consensus_for(plans: list[CoachPlan], ticker: str, date: str) -> str:
    """The cross-coach consensus on ``ticker`` over the plans found, or that there is none."""
    texts = {plan.coach: plan.text for plan in plans if plan.text is not None}
    if not texts:
        return f"No coach plan for {date}; there is no consensus, do not invent one."
    return consensus_report(texts, ticker)
