"""The text an LLM reads: plans, a ticker's plans, the consensus, a plan's revisions, the
roster. Missing data is said plainly ("No plan from coach_d for 2024-05-10; do not invent
one."); plan text is quoted as the coach's words, never mixed into instructions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from coachplans import client
from coachplans.client import Chart, Coach, Plan, Revision
from coachplans.domain.consensus import coach_view, consensus_of, consensus_text, level_text
from coachplans.domain.signals import Bias, Level, LevelKind, Signal
from coachplans.mcp.source import chart_name

CHART_URI = "coachplans://charts/{name}"
BIASES = {bias.value for bias in Bias}
LEVEL_KINDS = {kind.value for kind in LevelKind}


def _level(level: client.Level) -> Level | None:
    if level.kind not in LEVEL_KINDS:  # a kind newer than this package: left out
        return None
    return Level(LevelKind(level.kind), level.low, level.high)


def _signal(signal: client.Signal) -> Signal:
    bias = Bias(signal.bias) if signal.bias in BIASES else Bias.NEUTRAL
    levels = (_level(level) for level in signal.levels)
    return Signal(signal.ticker, bias, tuple(level for level in levels if level is not None))


def signals_of(plan: Plan) -> tuple[Signal, ...]:
    """The plan's signals as the domain's types, for the domain's consensus and views."""
    return tuple(_signal(signal) for signal in plan.signals)


def names_ticker(plan: Plan, symbol: str) -> bool:
    return plan.signal_for(symbol) is not None


def no_plan(coach: str, day: date) -> str:
    return f"No plan from {coach} for {day.isoformat()}; do not invent one."


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else "-"


def _chart_line(chart: Chart) -> str:
    name = chart_name(chart)
    if name is None:
        return f"- {chart.url} (an old link the server never archived; it may be gone)"
    return f"- {CHART_URI.format(name=name)}"


def _charts(charts: Sequence[Chart]) -> list[str]:
    if not charts:
        return []
    return ["Charts (read these resources for the images):", *map(_chart_line, charts)]


def _signal_text(signal: Signal) -> str:
    levels = ", ".join(level_text(level) for level in signal.levels)
    return f"{signal.ticker} {signal.bias.value}" + (f" ({levels})" if levels else "")


def _signals_line(plan: Plan, ticker: str | None) -> str:
    if ticker is not None:
        view = coach_view(plan.coach, signals_of(plan), ticker)
        if view is None:
            return f"{ticker}: not named"
        levels = ", ".join(level_text(level) for level in view.levels) or "no levels"
        return f"{ticker}: {view.bias.value}; levels: {levels}"
    signals = signals_of(plan)
    shown = "; ".join(_signal_text(signal) for signal in signals) or "none"
    return f"Tickers: {shown}"


def plan_text(plan: Plan, *, ticker: str | None = None) -> str:
    """One plan: who, when, its signals (or one ticker's), charts, and the coach's words."""
    edited = f"; edited {_when(plan.edited_at)}" if plan.edited_at else ""
    channel = f"; channel {plan.channel}" if plan.channel else ""
    lines = [
        f"## {plan.coach} - {plan.date.isoformat()} (plan {plan.id}, version {plan.version})",
        f"Author: {plan.author}; posted {_when(plan.created_at)}{edited}{channel}",
        _signals_line(plan, ticker),
        *_charts(plan.charts),
        "Plan text (the coach's words, verbatim):",
        plan.text,
    ]
    return "\n".join(lines)


def plans_of_day(day: date, plans: Mapping[str, Plan], roster: Sequence[Coach]) -> str:
    if not plans:
        return f"No coach has posted a plan for {day.isoformat()}; do not invent one."
    head = f"Plans for {day.isoformat()}: {len(plans)} of {len(roster)} coaches posted."
    blocks = [plan_text(plans[wire]) for wire in sorted(plans)]
    missing = [coach.wire_key for coach in roster if coach.wire_key not in plans]
    tail = [no_plan(", ".join(missing), day)] if missing else []
    return "\n\n".join([head, *blocks, *tail])


def ticker_plans(symbol: str, start: date, end: date, plans: Sequence[Plan]) -> str:
    span = f"from {start.isoformat()} to {end.isoformat()}"
    if not plans:
        return f"No plan {span} names {symbol}; do not invent one."
    head = f"{len(plans)} plan(s) {span} name {symbol}, newest first."
    return "\n\n".join([head, *(plan_text(plan, ticker=symbol) for plan in plans)])


def consensus_answer(symbol: str, day: date, plans: Mapping[str, Plan]) -> str:
    if not plans:
        return (
            f"No coach has posted a plan for {day.isoformat()}, so there is no consensus on "
            f"{symbol}; do not invent one."
        )
    signals = {wire: signals_of(plan) for wire, plan in sorted(plans.items())}
    return f"{day.isoformat()}: " + consensus_text(consensus_of(signals, symbol))


def _revision_text(revision: Revision) -> str:
    charts = f"; {len(revision.charts)} chart(s)" if revision.charts else ""
    return "\n".join(
        [
            f"### Revision {revision.number}: {revision.action} by {revision.actor} "
            f"via {revision.source} at {_when(revision.created_at)}{charts}",
            revision.text,
        ]
    )


def history_answer(plan: Plan, revisions: Sequence[Revision]) -> str:
    state = f"deleted at {_when(plan.deleted_at)}" if plan.deleted else "live"
    head = (
        f"History of the plan from {plan.coach} for {plan.date.isoformat()} (plan {plan.id}, "
        f"{state}): {len(revisions)} revision(s), oldest first; each shows the plan as it was "
        "after that change."
    )
    return "\n\n".join([head, *map(_revision_text, revisions)])


def no_history(coach: str, day: date) -> str:
    return f"No plan from {coach} for {day.isoformat()}, so it has no history; do not invent one."


def roster_answer(roster: Sequence[Coach]) -> str:
    lines = [f"- {coach.wire_key} ({coach.key}): {coach.name}" for coach in roster]
    keys = ", ".join(coach.key for coach in roster)
    return "\n".join([f"{len(roster)} coach(es); pass any of {keys} as `coach`:", *lines])
