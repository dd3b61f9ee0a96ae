"""Importing plans with their whole history (``coachplans import``), for the plan service.

Kept apart from :mod:`coachplans.service` because it is a different kind of write: history
that happened elsewhere, in one transaction, in batches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from coachplans.domain.charts import ChartBlob
from coachplans.domain.coaches import Roster
from coachplans.domain.imports import (
    ALREADY_IMPORTED,
    INVALID_RECORD,
    INVALID_TEXT,
    KEY_TAKEN,
    SLOT_TAKEN,
    UNKNOWN_COACH,
    ImportedPlan,
    ImportedRevision,
    ImportOutcome,
)
from coachplans.domain.plans import (
    EVENT_TYPES,
    Action,
    ChartRef,
    clean_text,
)
from coachplans.domain.signal_parser import parse_signals
from coachplans.domain.storable import check_optional, check_storable
from coachplans.errors import (
    CoachPlansError,
    ValidationFailed,
)
from coachplans.store.bulk import ImportTx
from coachplans.store.rows import (
    RevisionFacts,
    blob_row,
    event_row,
    key_row,
    link_rows,
    revision_row,
    signal_rows,
)

# -- import: plans with their whole history, from the old system or an export --------------
#
# ``coachplans import`` writes history that happened elsewhere: each revision keeps its own
# time and actor, and the plan's state follows from its revisions exactly as the writes above
# produce it. No "plan.created" event is emitted for those past changes; each imported plan
# gets one "plan.imported" event at the time of the import. The whole import is one
# transaction (``PlanService.importing``), written in batches of a few statements.


class PlanImport:
    """An import in progress inside one transaction; see :meth:`PlanService.importing`.

    A plan is skipped, never overwritten, when its ingest key was already recorded ("already
    imported": a second run changes nothing), or when its slot already has a plan: the same
    plan (same first post time and revision count) when the record has no key of its own,
    as for a coachplans export, else another one ("slot already has a plan").
    """

    def __init__(self, roster: Roster, max_charts: int, tx: ImportTx, now: datetime):
        self._roster = roster
        self._max_charts = max_charts
        self._tx = tx
        self._now = now
        self._before = tx.counts()
        self._added: Counter[str] = Counter()
        self._claimed: dict[tuple[str, date], str] = {}
        self._keys: set[str] = set()
        self._blobs: set[str] = set()

    def add_blobs(self, blobs: Sequence[ChartBlob]) -> None:
        """Store chart bytes that plans added later refer to (each digest once)."""
        fresh = {b.sha256: b for b in blobs if b.sha256 not in self._blobs}
        known = self._tx.known_blobs(fresh)
        rows = [blob_row(b, self._now) for d, b in fresh.items() if d not in known]
        self._tx.insert("chart_blobs", rows)
        self._blobs.update(fresh)
        self._added["chart_blobs"] += len(rows)

    def add(self, records: Sequence[ImportedPlan]) -> list[ImportOutcome]:
        """Check and write a batch of plans; one outcome per record, in order."""
        checked = [self._check(record) for record in records]
        valid = [item for item in checked if isinstance(item, _Checked)]
        seen = self._tx.seen_keys(key for item in valid for key in item.keys)
        taken = {
            slot: _Slot(*found)
            for slot, found in self._tx.taken_slots(item.slot for item in valid).items()
        }
        accepted: list[_Checked] = []
        outcomes: list[ImportOutcome] = []
        for item in checked:
            if not isinstance(item, _Checked):
                outcomes.append(item)
                continue
            refusal = self._refusal(item, seen, taken)
            if refusal is None:
                self._claim(item)
                accepted.append(item)
            outcomes.append(refusal or _imported(item))
        self._write(accepted)
        return outcomes

    def verify(self) -> dict[str, int]:
        """Rows per table now; raise (so the transaction rolls back) unless each grew by
        exactly what this import wrote."""
        after = self._tx.counts()
        for table, before in self._before.items():
            expected = before + self._added[table]
            if after[table] != expected:
                raise ImportCheckFailed(
                    f"{table}: {after[table]} rows after the import, expected {expected}"
                )
        return after

    @property
    def added(self) -> dict[str, int]:
        return dict(self._added)

    # -- checks ---------------------------------------------------------------------------

    def _check(self, record: ImportedPlan) -> _Checked | ImportOutcome:
        coach = self._roster.find(record.coach)
        if coach is None:
            detail = f"{record.coach} is not in the roster ({self._roster.valid_list()})"
            return _skipped(record, UNKNOWN_COACH, detail)
        if not record.revisions:
            return _skipped(record, INVALID_RECORD, "no revisions")
        try:
            revisions = tuple(_clean_revision(rev) for rev in record.revisions)
            check_storable(record.author, "Author name")
            check_optional(record.channel, "Channel")
        except ValidationFailed as exc:
            return _skipped(record, INVALID_TEXT, str(exc))
        charts, notes = record.charts, record.notes
        if len(charts) > self._max_charts:
            note = f"kept the first {self._max_charts} of {len(charts)} charts"
            charts, notes = charts[: self._max_charts], (*notes, note)
        return _Checked(record, coach.key, revisions, charts, notes)

    def _refusal(
        self, item: _Checked, seen: dict[str, int], taken: dict[tuple[str, date], _Slot]
    ) -> ImportOutcome | None:
        record = item.record
        if record.key is not None and (record.key in seen or record.key in self._keys):
            return _skipped(record, ALREADY_IMPORTED, f"ingest key {record.key}")
        slot = taken.get(item.slot)
        if slot is not None:
            same = record.key is None and slot.matches(record.created_at, len(item.revisions))
            if same:
                return _skipped(record, ALREADY_IMPORTED, f"same plan as id {slot.id}")
            return _skipped(record, SLOT_TAKEN, f"plan id {slot.id} is there; not overwritten")
        if item.slot in self._claimed:
            detail = f"{self._claimed[item.slot]} in this import has the same coach and date"
            return _skipped(record, SLOT_TAKEN, detail)
        for key in item.keys:
            if key in seen or key in self._keys:
                return _skipped(record, KEY_TAKEN, f"ingest key {key}")
        return None

    def _claim(self, item: _Checked) -> None:
        self._claimed[item.slot] = item.record.origin
        self._keys.update(item.keys)

    # -- writes ---------------------------------------------------------------------------

    def _write(self, accepted: list[_Checked]) -> None:
        ids = self._tx.insert_plans([item.plan_row() for item in accepted])
        links, revisions, events, keys, signals = [], [], [], [], []
        for plan_id, item in zip(ids, accepted, strict=True):
            links.extend(link_rows(plan_id, item.charts))
            signals.extend(signal_rows(plan_id, parse_signals(item.revisions[-1].text)))
            revisions.extend(item.revision_rows(plan_id))
            events.append(item.event_row(plan_id, self._now))
            keys.extend(item.key_rows(plan_id, self._now))
        for table, rows in (
            ("plan_charts", links),
            ("revisions", revisions),
            ("events", events),
            ("ingest_keys", keys),
            ("plan_signals", signals),
        ):
            self._tx.insert(table, rows)
            self._added[table] += len(rows)
        self._added["plans"] += len(ids)


class ImportCheckFailed(CoachPlansError):
    """The rows written by an import do not add up; the import is rolled back."""


@dataclass(frozen=True, slots=True)
class _Slot:
    id: int
    created_at: datetime
    version: int

    def matches(self, created_at: datetime, version: int) -> bool:
        return self.created_at == created_at and self.version == version


@dataclass(frozen=True, slots=True)
class _Checked:
    """A record that passed the checks: coach resolved, texts cleaned."""

    record: ImportedPlan
    coach: str
    revisions: tuple[ImportedRevision, ...]
    charts: tuple[ChartRef, ...]
    notes: tuple[str, ...]

    @property
    def slot(self) -> tuple[str, date]:
        return self.coach, self.record.trade_date

    @property
    def keys(self) -> list[str]:
        own = [self.record.key] if self.record.key is not None else []
        return own + [key for key, _ in self.record.ingest_keys if key != self.record.key]

    def plan_row(self) -> dict[str, Any]:
        record = self.record
        return {
            "coach": self.coach,
            "trade_date": record.trade_date,
            "text": self.revisions[-1].text,
            "author": record.author,
            "author_id": record.author_id,
            "channel": record.channel,
            "source_message_id": record.source_message_id,
            "created_at": record.created_at,
            "edited_at": record.edited_at,
            "deleted_at": record.deleted_at,
            "version": len(self.revisions),
        }

    def revision_rows(self, plan_id: int) -> list[dict[str, Any]]:
        return [
            revision_row(
                plan_id,
                number,
                rev.text,
                rev.charts,
                RevisionFacts(rev.action, rev.actor, rev.actor_id, rev.source, rev.created_at),
            )
            for number, rev in enumerate(self.revisions, start=1)
        ]

    def event_row(self, plan_id: int, now: datetime) -> dict[str, Any]:
        date_, version = self.record.trade_date, len(self.revisions)
        return event_row(EVENT_TYPES[Action.IMPORT], plan_id, self.coach, date_, version, now)

    def key_rows(self, plan_id: int, now: datetime) -> list[dict[str, Any]]:
        stamps = dict(self.record.ingest_keys)
        return [key_row(key, plan_id, stamps.get(key, now)) for key in self.keys]


def _clean_revision(revision: ImportedRevision) -> ImportedRevision:
    text = clean_text(revision.text)
    check_storable(revision.actor, "Author name")
    return revision if text == revision.text else replace(revision, text=text)


def _skipped(record: ImportedPlan, reason: str, detail: str) -> ImportOutcome:
    return ImportOutcome(
        record.origin, record.coach, record.trade_date, False, reason, detail, notes=record.notes
    )


def _imported(item: _Checked) -> ImportOutcome:
    archived = sum(1 for chart in item.charts if chart.archived)
    return ImportOutcome(
        item.record.origin,
        item.coach,
        item.record.trade_date,
        True,
        revisions=len(item.revisions),
        charts_archived=archived,
        charts_external=len(item.charts) - archived,
        notes=item.notes,
    )
