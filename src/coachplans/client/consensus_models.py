"""What ``GET /api/v1/consensus`` answers, as models for the typed clients."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from coachplans.client.models import Level

_READ = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class CoachView(BaseModel):
    """One coach's bias and levels on the ticker that day."""

    model_config = _READ

    coach: str  # wire key, "coach_d"
    plan_id: int | None = None
    bias: str
    levels: list[Level] = []


class ConsensusDay(BaseModel):
    model_config = _READ

    date: str
    coaches: list[CoachView] = []
    silent: list[str] = []  # coaches with a plan that does not name the ticker
    bullish: int = 0
    bearish: int = 0
    neutral: int = 0
    lean: str | None = None  # the majority of bullish and bearish; None on a tie


class Consensus(BaseModel):
    model_config = _READ

    ticker: str  # canonical: "BTC-USD" whichever spelling was asked
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    days: list[ConsensusDay] = []
