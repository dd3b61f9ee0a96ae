"""The old system's JSON shapes (SPEC §6.1) built from domain objects: the compatibility
routes, the old Python names and the client's offline mode all answer with these.

Pure functions over domain objects: no I/O, no server dependencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from coachplans.contract import ChartUrl, chart_path, wire_key
from coachplans.domain.dates import iso
from coachplans.domain.plans import HistoryEntry, Plan


def plan_to_compat(plan: Plan, chart_url: ChartUrl = chart_path) -> dict[str, Any]:
    """A live plan as the compatibility routes return it (old fields first, extras after)."""
    return {
        "plan": plan.text,
        "charts": [chart_url(chart) for chart in plan.charts],
        "author": plan.author,
        "created_at": iso(plan.created_at),
        "edited_at": iso(plan.edited_at),
        "channel": plan.channel,
        "id": plan.id,
        "coach": wire_key(plan.coach),
        "date": plan.trade_date.isoformat(),
        "found": True,
        "version": plan.version,
    }


def no_plan(coach_wire_key: str, day: date) -> dict[str, Any]:
    """The contract's "no plan" answer; callers match on the exact text."""
    return {
        "plan": f"No plan available for {coach_wire_key} on {day.isoformat()}",
        "charts": [],
        "found": False,
    }


def history_entry_to_compat(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "plan_id": entry.plan_id,
        "plan_text": entry.plan_text,
        "edited_by": entry.edited_by,
        "edited_at": iso(entry.edited_at),
    }


def history_to_compat(entries: Iterable[HistoryEntry]) -> dict[str, Any]:
    """``{"history": [...]}``, in the order given (the service returns newest first)."""
    return {"history": [history_entry_to_compat(entry) for entry in entries]}


def plans_to_compat(plans: Iterable[Plan], chart_url: ChartUrl = chart_path) -> dict[str, Any]:
    """``{"coach_d": {...}, ...}`` for the live plans given; ``{}`` when there are none."""
    return {wire_key(plan.coach): plan_to_compat(plan, chart_url) for plan in plans}
