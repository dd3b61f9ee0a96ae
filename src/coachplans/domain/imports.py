"""Plans brought in from elsewhere (the old system, a coachplans export) with their history.

A reader turns each source record into an :class:`ImportedPlan`: the slot, the author and
channel, and every change as an :class:`ImportedRevision` with its own time and actor. The
service checks and writes them (``PlanService.importing``); nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from coachplans.domain.charts import ChartBlob
from coachplans.domain.plans import Action, ChartRef, Source

UNKNOWN_ACTOR = "unknown (old system)"


@dataclass(frozen=True, slots=True)
class ImportedRevision:
    """One change as it happened: the full text and charts after it, who, when, from where."""

    action: Action
    text: str
    actor: str
    created_at: datetime
    charts: tuple[ChartRef, ...] = ()
    actor_id: int | None = None
    source: Source = Source.IMPORT


@dataclass(frozen=True, slots=True)
class ImportedPlan:
    """A plan with its whole history, in order.

    ``key`` marks the plan as imported (an ingest key), so a second run skips it; without
    one (a coachplans export) the same plan already in its slot is recognised by its first
    post time and revision count. ``ingest_keys`` are keys carried over verbatim. The plan's
    state follows from its revisions the way the service's own writes produce it: the text
    of the last one, ``created_at`` of the first, ``edited_at`` of the last when there is
    more than one, and ``deleted_at`` of the last when it is a delete.
    """

    key: str | None
    origin: str
    coach: str
    trade_date: date
    author: str
    revisions: tuple[ImportedRevision, ...]
    charts: tuple[ChartRef, ...] = ()
    author_id: int | None = None
    channel: str | None = None
    source_message_id: int | None = None
    ingest_keys: tuple[tuple[str, datetime], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def created_at(self) -> datetime:
        return self.revisions[0].created_at

    @property
    def edited_at(self) -> datetime | None:
        return self.revisions[-1].created_at if len(self.revisions) > 1 else None

    @property
    def deleted_at(self) -> datetime | None:
        last = self.revisions[-1]
        return last.created_at if last.action is Action.DELETE else None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A source record that could not become a plan (bad date, unreadable time...)."""

    origin: str
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What the service did with one imported plan."""

    origin: str
    coach: str
    trade_date: date
    imported: bool
    reason: str | None = None
    detail: str = ""
    revisions: int = 0
    charts_archived: int = 0
    charts_external: int = 0
    notes: tuple[str, ...] = ()


SourceItem = ImportedPlan | Skipped | ChartBlob

# Reasons a plan is skipped; the report groups by them.
ALREADY_IMPORTED = "already imported"
SLOT_TAKEN = "slot already has a plan"
KEY_TAKEN = "ingest key already recorded for another plan"
UNKNOWN_COACH = "unknown coach"
INVALID_TEXT = "invalid text"
INVALID_DATE = "invalid date"
INVALID_TIME = "invalid timestamp"
INVALID_RECORD = "invalid record"
