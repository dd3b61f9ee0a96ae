"""Domain objects as the templates show them: times in the market time zone, chart links and
thumbnails, signals as short phrases. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from coachplans.contract import chart_path
from coachplans.dashboard.thumbnails import VERSION
from coachplans.domain.charts import extension_for
from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.consensus import Consensus, level_text
from coachplans.domain.plans import ChartRef, Plan
from coachplans.domain.signals import Bias, Signal

THUMBS_PREFIX = "/dashboard/thumbs"


@dataclass(frozen=True, slots=True)
class Stamp:
    iso: str  # for <time datetime>
    text: str  # for people, in the market time zone


@dataclass(frozen=True, slots=True)
class ChartView:
    full_url: str
    thumb_url: str | None  # None for an external link (never loaded from another host)
    alt: str


@dataclass(frozen=True, slots=True)
class SignalView:
    ticker: str
    bias: str
    levels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanView:
    id: int
    coach_key: str
    coach_name: str
    date: str
    text: str
    author: str
    channel: str | None
    created: Stamp
    edited: Stamp | None
    deleted: Stamp | None
    revision_count: int
    charts: tuple[ChartView, ...]
    signals: tuple[SignalView, ...]


def stamp(moment: datetime, tz: tzinfo) -> Stamp:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    local = aware.astimezone(tz)
    return Stamp(aware.isoformat(), local.strftime("%Y-%m-%d %H:%M %Z"))


def maybe_stamp(moment: datetime | None, tz: tzinfo) -> Stamp | None:
    return None if moment is None else stamp(moment, tz)


def thumb_url(sha256: str) -> str:
    return f"{THUMBS_PREFIX}/{VERSION}/{sha256}.webp"


def chart_view(chart: ChartRef, number: int, total: int, coach_name: str) -> ChartView:
    name = chart.filename or (
        f"chart.{extension_for(chart.content_type)}" if chart.content_type else "chart"
    )
    alt = f"Chart {number} of {total} in the plan of {coach_name} ({name})"
    if chart.sha256 is None:
        return ChartView(chart_path(chart), None, alt + ", external link")
    return ChartView(chart_path(chart), thumb_url(chart.sha256), alt)


def signal_view(signal: Signal) -> SignalView:
    levels = tuple(level_text(level) for level in signal.levels)
    return SignalView(signal.ticker, signal.bias.value, levels)


def plan_view(plan: Plan, coach: Coach | None, tz: tzinfo) -> PlanView:
    name = coach.name if coach is not None else plan.coach
    total = len(plan.charts)
    return PlanView(
        id=plan.id,
        coach_key=plan.coach,
        coach_name=name,
        date=plan.trade_date.isoformat(),
        text=plan.text,
        author=plan.author,
        channel=plan.channel,
        created=stamp(plan.created_at, tz),
        edited=maybe_stamp(plan.edited_at, tz),
        deleted=maybe_stamp(plan.deleted_at, tz),
        revision_count=plan.revision_count,
        charts=tuple(chart_view(c, i, total, name) for i, c in enumerate(plan.charts, 1)),
        signals=tuple(signal_view(s) for s in plan.signals),
    )


@dataclass(frozen=True, slots=True)
class CoachStance:
    coach_key: str
    coach_name: str
    bias: str
    levels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConsensusView:
    ticker: str
    date: str
    stances: tuple[CoachStance, ...]
    counts: tuple[tuple[str, int], ...]  # (bias, number of coaches), in a fixed order
    silent: tuple[str, ...]  # display names of coaches whose plan does not name it
    verdict: str


def _coach_name(roster: Roster, wire_key: str) -> tuple[str, str]:
    coach = roster.find(wire_key)
    return (coach.key, coach.name) if coach is not None else (wire_key, wire_key)


def consensus_view(consensus: Consensus, day: str, roster: Roster) -> ConsensusView:
    stances = tuple(
        CoachStance(
            *_coach_name(roster, view.coach),
            view.bias.value,
            tuple(level_text(level) for level in view.levels),
        )
        for view in consensus.views
    )
    counts = tuple((bias.value, consensus.count(bias)) for bias in Bias)
    lean = consensus.lean
    verdict = "No majority" if lean is None else f"Leans {lean.value}"
    silent = tuple(_coach_name(roster, wire)[1] for wire in consensus.silent)
    return ConsensusView(consensus.ticker, day, stances, counts, silent, verdict)
