"""Query and statistics types the service answers with: what a caller may ask of the stored
plans, independent of how the store runs it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class PlanQuery:
    """Filters of the v1 list; ``after`` is the keyset position (trade_date, id)."""

    trade_date: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    coaches: tuple[str, ...] = ()
    text: str | None = None
    ticker: str | None = None
    include_deleted: bool = False
    ascending: bool = False
    after: tuple[date, int] | None = None
    limit: int = 100


class PlanVersion(NamedTuple):
    """Which plan at which version a listing holds: enough to reuse what was built for it
    before, since a plan at a given version never changes."""

    id: int
    version: int
    coach: str
    trade_date: date


class StoredSignal(NamedTuple):
    """A plan's signal as its row holds it, the levels as their stored JSON text (a list of
    ``{"kind", "low", "high"}`` documents, prices as floats): for readers that write them out
    again as JSON without building a Level per price."""

    ticker: str
    bias: str
    levels_json: str


@dataclass(frozen=True, slots=True)
class Stats:
    total_plans: int
    total_charts: int
    total_edits: int
    latest_plan: datetime | None
