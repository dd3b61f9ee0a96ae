"""Models of the v1 API's answers, for the typed client (mirrors coachplans.api.schemas).

Unknown fields are ignored, so a newer server that adds fields does not break older clients.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

_READ = ConfigDict(extra="ignore", frozen=True)


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

    @property
    def etag(self) -> str:
        """The value for ``If-Match`` when editing, deleting or restoring this version."""
        return f'"plan-{self.id}-v{self.version}"'


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
