"""Wire schemas of the v1 API (the JSON contract, kept apart from rows and domain objects)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coachplans.domain.charts import MAX_CHARTS, ChartUpload
from coachplans.domain.dates import iso
from coachplans.domain.plans import ChartRef, Event, Plan, Revision
from coachplans.domain.signals import Signal
from coachplans.views import ChartUrl, wire_key

MAX_RAW_TEXT = 16_000  # generous before trimming; the domain enforces 4000 after it


class ChartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str | None = Field(default=None, max_length=255)
    data_base64: str = Field(max_length=15_000_000, description="The image bytes, base64")

    def to_upload(self) -> ChartUpload:
        try:
            data = base64.b64decode(self.data_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"chart '{self.filename or 'chart'}' is not valid base64") from exc
        return ChartUpload(data=data, filename=self.filename)


class PlanCreate(BaseModel):
    """Create the plan of a coach and date, or replace it (text and charts)."""

    model_config = ConfigDict(extra="forbid")

    coach: str = Field(max_length=64, examples=["d"])
    date: str | None = Field(default=None, max_length=64, description="YYYY-MM-DD; default today")
    text: str = Field(max_length=MAX_RAW_TEXT)
    charts: list[ChartIn] = Field(default_factory=list, max_length=MAX_CHARTS)
    channel: str | None = Field(default=None, max_length=200)


class PlanEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_RAW_TEXT)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return value


class ChartPublic(BaseModel):
    url: str = Field(description="The archived copy, or the original URL when not archived")
    sha256: str | None
    content_type: str | None
    size: int | None
    filename: str | None
    archived: bool = Field(
        description="False for a chart imported from the old system whose bytes could not be"
        " fetched: only its original (likely expired) URL is kept"
    )


class LevelPublic(BaseModel):
    kind: str = Field(description="entry, target, stop, support or resistance")
    low: float
    high: float | None = Field(description="Set for a range (945-950: low 945, high 950)")


class SignalPublic(BaseModel):
    ticker: str
    bias: str = Field(description="bullish, bearish or neutral")
    levels: list[LevelPublic]


class PlanPublic(BaseModel):
    id: int
    coach: str
    coach_key: str
    date: str
    text: str
    author: str
    author_id: str | None
    channel: str | None
    created_at: str
    edited_at: str | None
    deleted_at: str | None
    deleted: bool
    version: int
    revision_count: int
    charts: list[ChartPublic]
    signals: list[SignalPublic] = Field(
        description="Tickers, bias and price levels read from the text (SPEC §3.5)"
    )


class PlanPage(BaseModel):
    plans: list[PlanPublic]
    next_cursor: str | None


class RevisionPublic(BaseModel):
    id: int
    plan_id: int
    number: int
    action: str
    text: str
    charts: list[ChartPublic]
    actor: str
    actor_id: str | None
    source: str
    created_at: str


class EventPublic(BaseModel):
    id: int
    type: str
    plan_id: int
    coach: str
    date: str
    revision: int
    created_at: str


class CoachPublic(BaseModel):
    key: str
    wire_key: str
    name: str


def chart_public(chart: ChartRef, url_for: ChartUrl) -> dict[str, Any]:
    return {
        "url": url_for(chart),
        "sha256": chart.sha256,
        "content_type": chart.content_type,
        "size": chart.size,
        "filename": chart.filename,
        "archived": chart.archived,
    }


def _id_text(value: int | None) -> str | None:
    # Discord snowflakes exceed 2**53: strings keep them exact for JavaScript readers.
    return None if value is None else str(value)


def plan_public(plan: Plan, url_for: ChartUrl) -> dict[str, Any]:
    return {
        "id": plan.id,
        "coach": wire_key(plan.coach),
        "coach_key": plan.coach,
        "date": plan.trade_date.isoformat(),
        "text": plan.text,
        "author": plan.author,
        "author_id": _id_text(plan.author_id),
        "channel": plan.channel,
        "created_at": iso(plan.created_at),
        "edited_at": iso(plan.edited_at),
        "deleted_at": iso(plan.deleted_at),
        "deleted": plan.deleted_at is not None,
        "version": plan.version,
        "revision_count": plan.revision_count,
        "charts": [chart_public(chart, url_for) for chart in plan.charts],
        "signals": [signal_public(signal) for signal in plan.signals],
    }


def signal_public(signal: Signal) -> dict[str, Any]:
    return {
        "ticker": signal.ticker,
        "bias": signal.bias.value,
        "levels": [
            {"kind": level.kind.value, "low": level.low, "high": level.high}
            for level in signal.levels
        ],
    }


def revision_public(revision: Revision, url_for: ChartUrl) -> dict[str, Any]:
    return {
        "id": revision.id,
        "plan_id": revision.plan_id,
        "number": revision.number,
        "action": revision.action.value,
        "text": revision.text,
        "charts": [chart_public(chart, url_for) for chart in revision.charts],
        "actor": revision.actor,
        "actor_id": _id_text(revision.actor_id),
        "source": revision.source.value,
        "created_at": iso(revision.created_at),
    }


def event_public(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "plan_id": event.plan_id,
        "coach": wire_key(event.coach),
        "date": event.trade_date.isoformat(),
        "revision": event.revision,
        "created_at": iso(event.created_at),
    }
