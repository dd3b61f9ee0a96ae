"""Plans and revisions as the service hands them out (never SQLAlchemy rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from coachplans.domain.signals import Signal
from coachplans.domain.storable import check_storable
from coachplans.errors import ValidationFailed

MAX_TEXT = 4000


class Action(StrEnum):
    CREATE = "create"
    REPLACE = "replace"
    EDIT = "edit"
    DELETE = "delete"
    RESTORE = "restore"
    IMPORT = "import"


# The outbox event each kind of change emits (the SSE stream's event names).
EVENT_TYPES = {
    Action.CREATE: "plan.created",
    Action.REPLACE: "plan.replaced",
    Action.EDIT: "plan.edited",
    Action.DELETE: "plan.deleted",
    Action.RESTORE: "plan.restored",
    Action.IMPORT: "plan.imported",
}


class Source(StrEnum):
    DISCORD_COMMAND = "discord_command"
    DISCORD_EDIT = "discord_edit"
    DISCORD_DELETE = "discord_delete"
    API = "api"
    IMPORT = "import"
    MOCK = "mock"
    CLI = "cli"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: a Discord member, an API token name, or a tool."""

    name: str
    discord_id: int | None = None
    role_ids: frozenset[int] = field(default_factory=frozenset)
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class ChartRef:
    """A chart attached to a plan: archived bytes (``sha256`` set), or, for charts imported
    from the old system that could not be fetched, only the original URL (``source_url``)."""

    sha256: str | None
    content_type: str | None
    size: int | None
    filename: str | None
    source_url: str | None = None

    @property
    def archived(self) -> bool:
        """True when coachplans keeps the bytes; False for an external link."""
        return self.sha256 is not None

    @classmethod
    def external(cls, url: str, filename: str | None = None) -> ChartRef:
        return cls(None, None, None, filename, url)


@dataclass(frozen=True, slots=True)
class Plan:
    id: int
    coach: str
    trade_date: date
    text: str
    author: str
    author_id: int | None
    channel: str | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    version: int
    charts: tuple[ChartRef, ...]
    revision_count: int = 0
    signals: tuple[Signal, ...] = ()

    @property
    def is_live(self) -> bool:
        return self.deleted_at is None


@dataclass(frozen=True, slots=True)
class Revision:
    id: int
    plan_id: int
    number: int
    action: Action
    text: str
    charts: tuple[ChartRef, ...]
    actor: str
    actor_id: int | None
    source: Source
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """The old system's history row: the text *before* a change, who changed it, when."""

    id: int
    plan_id: int
    plan_text: str
    edited_by: str
    edited_at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    type: str
    plan_id: int
    coach: str
    trade_date: date
    revision: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a write did: the plan after it, and whether it replaced or was a no-op repeat."""

    plan: Plan
    action: Action
    replaced: bool = False
    duplicate: bool = False
    skipped_charts: tuple[str, ...] = ()


def clean_text(raw: str) -> str:
    """Trim and check plan text: 1..4000 characters, all of them storable."""
    text = raw.strip()
    if not text:
        raise ValidationFailed("Plan text is empty")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"Plan text is {len(text)} characters; the limit is {MAX_TEXT}")
    return check_storable(text, "Plan text")


@dataclass(frozen=True, slots=True)
class Slot:
    """A plan found by its coach (any accepted spelling) and trading date."""

    coach: str
    trade_date: date


@dataclass(frozen=True, slots=True)
class PlanId:
    """A plan found by its id."""

    id: int


PlanTarget = Slot | PlanId  # which plan an edit or a delete acts on
