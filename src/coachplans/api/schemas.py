"""Wire schemas of the v1 API (the JSON contract, kept apart from rows and domain objects)."""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from coachplans.domain.charts import MAX_CHARTS, ChartUpload
from coachplans.domain.plans import MAX_TEXT
from coachplans.domain.storable import storage_problem

MAX_RAW_TEXT = 16_000  # generous before trimming; the domain enforces 4000 after it
TEXT_DOC = (
    f"The plan text: at most {MAX_TEXT} characters once surrounding whitespace is trimmed,"
    " and not blank"
)
# What the server enforces (the domain's limit after trimming), not the raw-input cap above.
TEXT_SCHEMA: JsonDict = {"maxLength": MAX_TEXT, "minLength": 1, "pattern": r"\S"}


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
    text: str = Field(max_length=MAX_RAW_TEXT, description=TEXT_DOC, json_schema_extra=TEXT_SCHEMA)
    charts: list[ChartIn] = Field(default_factory=list, max_length=MAX_CHARTS)
    channel: str | None = Field(default=None, max_length=200)


class PlanEdit(BodyIn):
    text: str = Field(max_length=MAX_RAW_TEXT, description=TEXT_DOC, json_schema_extra=TEXT_SCHEMA)


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


class CoachList(BaseModel):
    coaches: list[CoachPublic]


class RevisionList(BaseModel):
    revisions: list[RevisionPublic]


class EventPage(BaseModel):
    events: list[EventPublic]
    last_id: int = Field(description="Pass as ``after`` to poll for the next events")


class ErrorBody(BaseModel):
    """Every v1 error: the HTTP status's title and what to do about it."""

    error: str = Field(examples=["Bad Request"])
    message: str = Field(examples=["Invalid date format '2024-13-01'. Use YYYY-MM-DD"])


class CompatError(BaseModel):
    """The compatibility routes' error, as the old server answered it."""

    error: str = Field(examples=["Invalid coach name 'x'. Valid coaches: d, i, s, n"])


class CoachViewPublic(BaseModel):
    coach: str
    plan_id: int | None
    bias: str = Field(description="bullish, bearish or neutral")
    levels: list[LevelPublic]


class ConsensusDayPublic(BaseModel):
    date: str
    coaches: list[CoachViewPublic]
    silent: list[str] = Field(description="Coaches whose plan that day does not name the ticker")
    bullish: int
    bearish: int
    neutral: int
    lean: str | None = Field(description="The majority of bullish and bearish; null on a tie")


class ConsensusPage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    ticker: str
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    days: list[ConsensusDayPublic]
