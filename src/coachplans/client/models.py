"""Models of the v1 API's answers, for the typed client (mirrors coachplans.api.schemas).

Unknown fields are ignored, so a newer server that adds fields does not break older clients.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coachplans.contract import plan_etag
from coachplans.domain.tickers import canonical_ticker

_READ = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Chart(BaseModel):
    """A chart image: the URL of the server's archived copy, SHA-256, type, size, original
    name. ``archived`` is False for a chart imported from the old system whose bytes could not
    be fetched: then ``url`` is its original (likely expired) link and the rest is None."""

    model_config = _READ

    url: str
    sha256: str | None = None
    content_type: str | None = None
    size: int | None = None
    filename: str | None = None
    archived: bool = True


class Level(BaseModel):
    """A price level; a range when ``high`` is set (``945-950``: low 945, high 950)."""

    model_config = _READ

    kind: Literal["entry", "target", "stop", "support", "resistance"] | str
    low: float
    high: float | None = None


class Signal(BaseModel):
    """What a plan says about one ticker: its bias and the levels it gives (SPEC §3.5)."""

    model_config = _READ

    ticker: str
    bias: Literal["bullish", "bearish", "neutral"] | str
    levels: list[Level] = []


class Plan(BaseModel):
    """A coach's plan for one trading date, as ``/api/v1/plans`` returns it."""

    model_config = _READ

    id: int
    coach: str  # wire key, "coach_d"
    coach_key: str  # "d"
    date: dt.date
    text: str
    author: str
    author_id: str | None = None
    channel: str | None = None
    created_at: dt.datetime
    edited_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None
    deleted: bool = False
    version: int
    revision_count: int = 0
    charts: list[Chart] = []
    # Kept as parsed JSON and turned into models on first use: a backtest page of 1,000
    # signal-dense plans holds tens of thousands of levels, most of which nobody reads.
    signals_json: Any = Field(default_factory=list, alias="signals", repr=False)

    @cached_property
    def signals(self) -> list[Signal]:
        """What the plan says per ticker (bias and levels), as the server parsed it."""
        return [Signal.model_validate(item) for item in self.signals_json or ()]

    @property
    def etag(self) -> str:
        """The value for ``If-Match`` when editing, deleting or restoring this version."""
        return plan_etag(self.id, self.version)

    def signal_for(self, ticker: str) -> Signal | None:
        """What this plan says about ``ticker`` (any spelling), or None."""
        symbol = canonical_ticker(ticker)
        return next((s for s in self.signals if canonical_ticker(s.ticker) == symbol), None)


class PlanPage(BaseModel):
    """One page of a plan listing; pass ``next_cursor`` back for the next one."""

    model_config = _READ

    plans: list[Plan]
    next_cursor: str | None = None


class Revision(BaseModel):
    """A plan as it was after one change."""

    model_config = _READ

    id: int
    plan_id: int
    number: int
    action: str
    text: str
    charts: list[Chart] = []
    actor: str
    actor_id: str | None = None
    source: str
    created_at: dt.datetime


class Coach(BaseModel):
    model_config = _READ

    key: str
    wire_key: str
    name: str


class ComponentStatus(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    status: str


class Health(BaseModel):
    """``/health``: overall status and per component (database, discord_bot)."""

    model_config = _READ

    status: Literal["healthy", "degraded", "unhealthy"] | str
    timestamp: dt.datetime | None = None
    components: dict[str, ComponentStatus] = {}

    @property
    def ok(self) -> bool:
        return self.status == "healthy"
