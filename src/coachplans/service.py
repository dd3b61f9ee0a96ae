"""The plan service: the one place where the rules live.

The bot, the API, the CLI and mock mode all call it; none of them touch SQL. Every change
appends a revision with the full text and charts and an event to the outbox, in the same
transaction; listeners hear about it after the commit.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, TypeVar, cast

from coachplans.domain import dates
from coachplans.domain.access import denial_reason, may_post
from coachplans.domain.charts import MAX_CHARTS, ChartBlob, ChartUpload, validate_chart
from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.plans import (
    EVENT_TYPES,
    Action,
    Actor,
    ChartRef,
    Event,
    HistoryEntry,
    Plan,
    PlanId,
    PlanTarget,
    Revision,
    Source,
    WriteResult,
    clean_text,
)
from coachplans.domain.queries import PlanQuery, PlanVersion, Stats, StoredSignal
from coachplans.domain.signal_parser import parse_signals
from coachplans.domain.signals import Signal
from coachplans.domain.storable import check_optional, check_storable
from coachplans.errors import (
    CoachPlansError,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    StorageUnavailable,
    ValidationFailed,
)
from coachplans.plan_import import PlanImport
from coachplans.store.repository import Repository
from coachplans.store.rows import PlanState, to_plan
from coachplans.store.writes import WriteTx

log = logging.getLogger(__name__)

Listener = Callable[[Plan], None]
DISCORD_SOURCES = {Source.DISCORD_COMMAND, Source.DISCORD_EDIT, Source.DISCORD_DELETE}


class Outbox:
    """The event log every change appends to, read in order: the SSE stream, the pollable
    event list and resumption with ``Last-Event-ID`` all read it here."""

    def __init__(self, repo: Repository):
        self._repo = repo

    def after(self, after_id: int, limit: int = 100) -> list[Event]:
        """Events with an id above ``after_id``, oldest first."""
        return self._repo.events_after(after_id, limit)

    def last_id(self) -> int:
        """The newest event's id; 0 when there is none."""
        return self._repo.last_event_id()


_Write = TypeVar("_Write", bound=Callable[..., WriteResult])


def _counted(write: _Write) -> _Write:
    """Count a write's outcome by its ``source``: the action, ``duplicate``, ``refused``
    (the input or the actor was turned down) or ``failed`` (storage)."""

    @functools.wraps(write)
    def counted(service: PlanService, *args: Any, **kwargs: Any) -> WriteResult:
        source: Source = kwargs["source"]
        try:
            result: WriteResult = write(service, *args, **kwargs)
        except StorageUnavailable:
            service._count(source, "failed")
            raise
        except CoachPlansError:
            service._count(source, "refused")
            raise
        service._count(source, "duplicate" if result.duplicate else result.action.value)
        return result

    return cast(_Write, counted)


class DiscordRecords:
    """What only the Discord bot asks of the stored plans: the plan a message carried, a
    user's own plans of a date, and the per-channel cursors that catch-up starts from."""

    def __init__(
        self,
        repo: Repository,
        plans_for_date: Callable[[date], list[Plan]],
        clock: Callable[[], datetime],
    ):
        self._repo = repo
        self._plans_for_date = plans_for_date
        self._clock = clock

    def plan_for_message(self, message_id: int) -> Plan | None:
        """The plan (live or deleted) a Discord message carried, while that message is still
        its latest post; None otherwise. For raw message edit/delete events."""
        return self._repo.get_by_message_id(message_id)

    def plans_by_author(self, author_id: int, trade_date: date) -> list[Plan]:
        """Live plans of one date posted by this Discord user, in roster order."""
        plans = self._plans_for_date(trade_date)
        return [plan for plan in plans if plan.author_id == author_id]

    def cursors(self) -> dict[int, int]:
        """Discord channel id -> the newest message id the bot has processed there."""
        return self._repo.bot_cursors()

    def advance_cursor(self, channel_id: int, message_id: int) -> bool:
        """Record that the bot processed ``message_id`` in a channel; the cursor only moves
        forward. True when it moved."""
        return self._repo.advance_bot_cursor(channel_id, message_id, self._clock())


class PlanService:
    def __init__(
        self,
        repo: Repository,
        roster: Roster,
        tz: tzinfo,
        *,
        max_charts: int = MAX_CHARTS,
        max_chart_bytes: int = 10 * 1024 * 1024,
        clock: Callable[[], datetime] = dates.utcnow,
    ):
        self.repo = repo
        self.roster = roster
        self.tz = tz
        self.max_charts = min(max_charts, MAX_CHARTS)
        self.max_chart_bytes = max_chart_bytes
        self._clock = clock
        self.outbox = Outbox(repo)
        self.discord = DiscordRecords(repo, self.plans_for_date, clock)
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._ingested: Counter[tuple[str, str]] = Counter()

    # -- inputs from outside --------------------------------------------------------------

    def resolve_coach(self, raw: str | None) -> Coach:
        return self.roster.resolve(raw)

    def resolve_date(self, raw: str | None) -> date:
        return dates.resolve_date(raw, self.tz)

    def today(self) -> date:
        return dates.today(self.tz, self._clock())

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    # -- writes ---------------------------------------------------------------------------

    @_counted
    def post_plan(
        self,
        coach: str,
        text: str,
        actor: Actor,
        *,
        source: Source,
        trade_date: date | None = None,
        charts: Sequence[ChartUpload] = (),
        channel: str | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
        ingest_key: str | None = None,
        strict_charts: bool = False,
    ) -> WriteResult:
        """Create the slot's plan, replace it, or revive it after a delete."""
        check_storable(actor.name, "Author name")
        check_optional(channel, "Channel")
        target = self._authorized(coach, actor, source, channel_id)
        body = clean_text(text)
        signals = parse_signals(body)
        day = trade_date or self.today()
        blobs, skipped = self._validate_charts(charts, strict_charts)
        now = self._clock()
        with self.repo.write() as tx:
            if ingest_key and (done := self._duplicate(tx, ingest_key)):
                return done
            row = tx.lock_or_create_slot(target.key, day, now)
            was_live = row.version > 0 and row.deleted_at is None
            action = Action.REPLACE if was_live else Action.CREATE
            if row.version == 0:
                row.created_at = now
                row.edited_at = None
            else:
                row.edited_at = now
            row.text, row.author, row.author_id = body, actor.name, actor.discord_id
            row.channel, row.source_message_id, row.deleted_at = channel, message_id, None
            tx.store_blobs(blobs, now)
            refs = tuple(_ref(blob) for blob in blobs)
            change = _Change(action, refs, signals)
            plan = self._commit_change(tx, row, change, actor, source, now, ingest_key)
        self._log_received(plan, source, action)
        self._notify(plan)
        return WriteResult(plan, action, replaced=was_live, skipped_charts=tuple(skipped))

    @_counted
    def edit_plan(
        self,
        target: PlanTarget,
        text: str,
        actor: Actor,
        *,
        source: Source,
        expected_version: int | None = None,
        ingest_key: str | None = None,
    ) -> WriteResult:
        """Change the text of a live plan; its charts are kept."""
        body = clean_text(text)
        return self._change(
            self._locator(target),
            Action.EDIT,
            actor,
            source,
            text=body,
            expected_version=expected_version,
            ingest_key=ingest_key,
        )

    @_counted
    def delete_plan(
        self,
        target: PlanTarget,
        actor: Actor,
        *,
        source: Source,
        expected_version: int | None = None,
        ingest_key: str | None = None,
    ) -> WriteResult:
        """Soft-delete a live plan (a revision records it; restore brings it back)."""
        return self._change(
            self._locator(target),
            Action.DELETE,
            actor,
            source,
            expected_version=expected_version,
            ingest_key=ingest_key,
        )

    @_counted
    def restore_plan(
        self, plan_id: int, actor: Actor, *, source: Source, expected_version: int | None = None
    ) -> WriteResult:
        return self._change(
            self._locator(PlanId(plan_id)),
            Action.RESTORE,
            actor,
            source,
            expected_version=expected_version,
        )

    # -- import (coachplans import; see coachplans.plan_import) ---------------------------

    @contextmanager
    def importing(self, *, dry_run: bool = False) -> Iterator[PlanImport]:
        """One transaction for a whole import: plans are added in batches, the row counts
        are checked at the end, and it commits; it rolls back completely on any error, and
        always when ``dry_run`` is set."""
        with self.repo.bulk(rollback=dry_run) as tx:
            session = PlanImport(self.roster, self.max_charts, tx, self._clock())
            yield session
            after = session.verify()
        log.debug(
            "import %s: %s; plans now %d",
            "checked (dry run, rolled back)" if dry_run else "committed",
            ", ".join(f"{table} +{count}" for table, count in sorted(session.added.items())),
            after["plans"],
        )

    # -- reads ----------------------------------------------------------------------------

    def get_plan(self, coach: str, trade_date: date) -> Plan | None:
        """The live plan of a slot, or None."""
        return self.repo.get_live(self.roster.resolve(coach).key, trade_date)

    def get_plan_by_id(self, plan_id: int) -> Plan:
        plan = self.repo.get_by_id(plan_id)
        if plan is None:
            raise NotFound(f"Plan {plan_id} not found")
        return plan

    def plans_for_date(self, trade_date: date) -> list[Plan]:
        """Live plans of one date, in roster order."""
        order = {key: index for index, key in enumerate(self.roster.keys)}
        plans = self.repo.plans_for_date(trade_date, coaches=self.roster.keys)
        return sorted(plans, key=lambda plan: order[plan.coach])

    def list_plans(self, query: PlanQuery) -> list[Plan]:
        check_optional(query.text, "Search text")
        check_optional(query.ticker, "Ticker")
        return self.repo.list_plans(query)

    # The fast read path: which plan versions a read holds (one index scan), then only the
    # plans whose serialised form the reader has not kept (see coachplans.api.plan_json).

    @property
    def local_reads(self) -> bool:
        """Short indexed reads wait on no network (SQLite): an event loop may run them."""
        return self.repo.local

    def list_versions(self, query: PlanQuery) -> list[PlanVersion]:
        return self.repo.list_versions(query)

    def versions_for_date(self, trade_date: date) -> list[PlanVersion]:
        """Versions of the live plans of one date, in roster order."""
        keys = tuple(self.roster.keys)
        query = PlanQuery(trade_date=trade_date, coaches=keys, limit=max(len(keys), 1))
        order = {key: index for index, key in enumerate(keys)}
        return sorted(self.repo.list_versions(query), key=lambda v: order[v.coach])

    def plans_by_ids(self, plan_ids: Sequence[int]) -> list[Plan]:
        """The plans (live or deleted) with these ids, in no particular order."""
        return self.repo.get_many(plan_ids)

    def plans_for_json(
        self, plan_ids: Sequence[int], *, signals: bool = True
    ) -> list[tuple[Plan, list[StoredSignal]]]:
        """As ``plans_by_ids``, each with its signals as stored (none read when ``signals`` is
        false) and ``Plan.signals`` empty: what a JSON writer needs, without a Level object
        per price."""
        return self.repo.get_many_stored(plan_ids, signals=signals)

    def revisions(self, plan_id: int) -> list[Revision]:
        self.get_plan_by_id(plan_id)
        return self.repo.revisions(plan_id)

    def history(self, coach: str, trade_date: date) -> list[HistoryEntry]:
        """The old system's view: per change, the text before it; newest first."""
        plan = self.repo.get_slot(self.roster.resolve(coach).key, trade_date)
        if plan is None:
            return []
        revisions = self.repo.revisions(plan.id)
        entries = [
            HistoryEntry(rev.id, rev.plan_id, prev.text, rev.actor, rev.created_at)
            for prev, rev in itertools.pairwise(revisions)
        ]
        return entries[::-1]

    def chart(self, sha256: str) -> tuple[str, bytes]:
        found = self.repo.chart(sha256)
        if found is None:
            raise NotFound(f"Chart {sha256} not found")
        return found

    def stats(self) -> Stats:
        return self.repo.stats()

    # -- maintenance ----------------------------------------------------------------------

    def backfill_signals(
        self, batch: int = 500, tick: Callable[[int], object] | None = None
    ) -> int:
        """Parse every plan's current text (live or deleted) and store its signals in place
        of the stored ones; idempotent. ``tick`` hears how many plans each batch parsed (a
        progress bar). Returns the number of plans parsed."""
        done, after = 0, 0
        while texts := self.repo.plan_texts(after, batch):
            with self.repo.write() as tx:
                for plan_id, text in texts:
                    tx.replace_signals(plan_id, parse_signals(text), had_any=True)
            done += len(texts)
            after = texts[-1][0]
            if tick is not None:
                tick(len(texts))
        log.info("signals backfilled for %d plans", done)
        return done

    def count_signals(self) -> int:
        return self.repo.count_signals()

    def count_plan_texts(self) -> int:
        """How many plans a signals backfill parses (live and deleted)."""
        return self.repo.count_plan_texts()

    def ping(self) -> None:
        self.repo.ping()

    def pool_usage(self) -> dict[str, int]:
        return self.repo.pool_usage()

    def ingest_counts(self) -> dict[tuple[str, str], int]:
        """Writes so far by (source, outcome), for /metrics."""
        with self._lock:
            return dict(self._ingested)

    def _count(self, source: Source, outcome: str) -> None:
        with self._lock:
            self._ingested[(source.value, outcome)] += 1

    # -- internals ------------------------------------------------------------------------

    def _authorized(
        self, coach: str, actor: Actor, source: Source, channel_id: int | None
    ) -> Coach:
        target = self.roster.resolve(coach)
        if source in DISCORD_SOURCES and not may_post(target, actor, channel_id):
            raise Forbidden(denial_reason(target, actor, channel_id))
        return target

    def _locator(self, target: PlanTarget) -> Callable[[WriteTx], PlanState | None]:
        """How the write transaction finds (and locks) the target's row."""
        if isinstance(target, PlanId):
            return lambda tx: tx.lock_by_id(target.id)
        key, day = self.roster.resolve(target.coach).key, target.trade_date
        return lambda tx: tx.lock_slot(key, day)

    def _may_change(self, row: PlanState, actor: Actor, source: Source) -> None:
        if source not in DISCORD_SOURCES or actor.is_admin:
            return
        if actor.discord_id is not None and actor.discord_id == row.author_id:
            return
        coach = self.roster.resolve(row.coach)
        if not may_post(coach, actor):
            raise Forbidden(f"You may not change plans of {coach.wire_key}.")

    def _change(
        self,
        locate: Callable[[WriteTx], PlanState | None],
        action: Action,
        actor: Actor,
        source: Source,
        *,
        text: str | None = None,
        expected_version: int | None = None,
        ingest_key: str | None = None,
    ) -> WriteResult:
        check_storable(actor.name, "Author name")
        signals = None if text is None else parse_signals(text)
        now = self._clock()
        with self.repo.write() as tx:
            if ingest_key and (done := self._duplicate(tx, ingest_key)):
                return done
            row = locate(tx)
            _check_state(row, action, expected_version)
            assert row is not None
            self._may_change(row, actor, source)
            if action is Action.EDIT and text == row.text:
                return WriteResult(_stored_plan(tx, row), action, duplicate=True)
            if text is not None:
                row.text = text
            row.deleted_at = now if action is Action.DELETE else None
            row.edited_at = now
            change = _Change(action, tx.charts_of(row.id), signals)
            plan = self._commit_change(tx, row, change, actor, source, now, ingest_key)
        self._log_received(plan, source, action)
        self._notify(plan)
        return WriteResult(plan, action)

    def _commit_change(
        self,
        tx: WriteTx,
        row: PlanState,
        change: _Change,
        actor: Actor,
        source: Source,
        now: datetime,
        ingest_key: str | None,
    ) -> Plan:
        action, refs = change.action, change.charts
        existed = row.version > 0
        row.version += 1
        tx.save(row)
        if action in (Action.CREATE, Action.REPLACE, Action.IMPORT):
            tx.replace_charts(row.id, refs, had_any=existed)
        if change.signals is not None:
            tx.replace_signals(row.id, change.signals, had_any=existed)
        signals = tx.signals_of(row.id) if change.signals is None else change.signals
        tx.append_revision(row, action, refs, actor.name, actor.discord_id, source, now)
        tx.append_event(row, EVENT_TYPES[action], now)
        if ingest_key:
            tx.record_key(ingest_key, row.id, now)
        return to_plan(row, refs, signals)

    def _duplicate(self, tx: WriteTx, ingest_key: str) -> WriteResult | None:
        plan_id = tx.seen_key(ingest_key)
        if plan_id is None:
            return None
        row = tx.lock_by_id(plan_id)
        assert row is not None  # ingest keys cascade with their plan
        return WriteResult(_stored_plan(tx, row), Action.CREATE, duplicate=True)

    def _validate_charts(
        self, uploads: Sequence[ChartUpload], strict: bool
    ) -> tuple[list[ChartBlob], list[str]]:
        if strict and len(uploads) > self.max_charts:
            raise ValidationFailed(
                f"Too many charts: {len(uploads)}; at most {self.max_charts} per plan"
            )
        blobs: list[ChartBlob] = []
        skipped: list[str] = []
        for upload in uploads:
            if len(blobs) >= self.max_charts:
                skipped.append(f"{upload.filename or 'attachment'}: more than {self.max_charts}")
                continue
            try:
                blobs.append(validate_chart(upload, self.max_chart_bytes))
            except ValidationFailed as exc:
                if strict:
                    raise
                log.warning("chart skipped: %s", exc)
                skipped.append(str(exc))
        return blobs, skipped

    def _notify(self, plan: Plan) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(plan)
            except Exception:
                log.exception("plan listener failed")

    @staticmethod
    def _log_received(plan: Plan, source: Source, action: Action) -> None:
        log.info(
            "plan %s: coach=%s date=%s length=%d charts=%d source=%s version=%d",
            action.value,
            plan.coach,
            plan.trade_date,
            len(plan.text),
            len(plan.charts),
            source.value,
            plan.version,
        )


@dataclass(frozen=True, slots=True)
class _Change:
    """What a write changes beside the row: its charts, and its signals when the text
    changes (None keeps the stored ones)."""

    action: Action
    charts: tuple[ChartRef, ...]
    signals: tuple[Signal, ...] | None


def _stored_plan(tx: WriteTx, row: PlanState) -> Plan:
    return to_plan(row, tx.charts_of(row.id), tx.signals_of(row.id))


def _check_state(row: PlanState | None, action: Action, expected_version: int | None) -> None:
    if row is None or row.version == 0:
        raise NotFound("Plan not found")
    if expected_version is not None and expected_version != row.version:
        raise PreconditionFailed(
            f"Plan {row.id} is at version {row.version}, not {expected_version}"
        )
    live = row.deleted_at is None
    if action is Action.RESTORE and live:
        raise Conflict(f"Plan {row.id} is not deleted")
    if action in (Action.EDIT, Action.DELETE) and not live:
        raise NotFound(f"No live plan for coach_{row.coach} on {row.trade_date.isoformat()}")


def _ref(blob: ChartBlob) -> ChartRef:
    return ChartRef(blob.sha256, blob.content_type, blob.size, blob.filename, blob.source_url)
