"""Wire schemas of the v1 API (the JSON contract, kept apart from rows and domain objects)."""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coachplans.domain.charts import MAX_CHARTS, ChartUpload
from coachplans.domain.storable import storage_problem

MAX_RAW_TEXT = 16_000  # generous before trimming; the domain enforces 4000 after it


class BodyIn(BaseModel):
    """A request body: unknown fields refused, every text value storable."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        if isinstance(value, str) and (problem := storage_problem(value)) is not None:
            raise ValueError(problem)
        return value


class ChartIn(BodyIn):
    filename: str | None = Field(default=None, max_length=255)
    data_base64: str = Field(max_length=15_000_000, description="The image bytes, base64")

    def to_upload(self) -> ChartUpload:
        try:
            data = base64.b64decode(self.data_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"chart '{self.filename or 'chart'}' is not valid base64") from exc
        return ChartUpload(data=data, filename=self.filename)


class PlanCreate(BodyIn):
    """Create the plan of a coach and date, or replace it (text and charts)."""

    coach: str = Field(max_length=64, examples=["d"])
    date: str | None = Field(default=None, max_length=64, description="YYYY-MM-DD; default today")
    text: str = Field(max_length=MAX_RAW_TEXT)
    charts: list[ChartIn] = Field(default_factory=list, max_length=MAX_CHARTS)
    channel: str | None = Field(default=None, max_length=200)


class PlanEdit(BodyIn):
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
