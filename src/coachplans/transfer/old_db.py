"""Reader of the old system's SQLite database.

The old schema, as this reader expects it (a few other column names are accepted too, see
``*_COLUMNS``)::

    schema_version(version)
    coach_plans(id, coach_name 'coach_d', plan_date '2024-01-05' (or '2024-1-5'), plan_text,
                author, channel, created_at, updated_at (naive local ISO), is_deleted 0/1)
    plan_charts(id, plan_id, chart_url, position)
    plan_history(id, plan_id, plan_text, edited_by, edited_at)

A ``plan_history`` row holds the text *before* a change and who made the change, when. So a
plan with history h1..hn becomes revisions: the original text (h1's) by the author at
``created_at``; then per change i the text after it (h(i+1)'s, the current text for the last)
by h(i)'s editor at h(i)'s time; then, for a deleted plan, a delete at ``updated_at`` (the old
system did not record who deleted). The old system kept only the current charts, so every
revision lists them. Chart URLs are kept as external links (see :mod:`.fetch`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from coachplans.domain.imports import (
    INVALID_DATE,
    INVALID_RECORD,
    INVALID_TIME,
    UNKNOWN_ACTOR,
    ImportedPlan,
    ImportedRevision,
    Skipped,
    SourceItem,
)
from coachplans.domain.plans import Action, ChartRef
from coachplans.transfer.formats import OLD_DB, SQLITE_MAGIC, BadFile
from coachplans.transfer.normalise import (
    BadValue,
    normalise_date,
    optional_int,
    parse_time,
    truthy,
    url_filename,
)

PLAN_COLUMNS = {
    "id": ("id", "plan_id"),
    "coach": ("coach_name", "coach", "coach_key"),
    "date": ("plan_date", "date", "trade_date"),
    "text": ("plan_text", "text", "content", "plan"),
    "author": ("author", "author_name", "posted_by"),
    "author_id": ("author_id",),
    "channel": ("channel", "channel_name"),
    "message_id": ("message_id",),
    "created": ("created_at", "created", "timestamp"),
    "updated": ("updated_at", "modified_at", "edited_at"),
    "deleted": ("is_deleted", "deleted"),
}
CHART_COLUMNS = {
    "id": ("id",),
    "plan": ("plan_id",),
    "url": ("chart_url", "url"),
    "position": ("position", "chart_order", "idx"),
}
HISTORY_COLUMNS = {
    "id": ("id",),
    "plan": ("plan_id",),
    "text": ("plan_text", "old_text", "text"),
    "by": ("edited_by", "editor", "author"),
    "at": ("edited_at", "changed_at", "created_at"),
}
REQUIRED = {
    "coach_plans": {"id", "coach", "date", "text"},
    "plan_charts": {"plan", "url"},
    "plan_history": {"plan", "text"},
}


@dataclass(frozen=True, slots=True)
class _Change:
    text: str
    by: str
    at: Any


class OldDbSource:
    """Plans of an old-system database, read-only, one :class:`ImportedPlan` each."""

    format = OLD_DB

    def __init__(self, path: Path, local: tzinfo):
        self.path = path
        self.local = local
        self.read: Counter[str] = Counter()
        self._db = _open(path)
        self._plan_sql = _select(self._db, "coach_plans", PLAN_COLUMNS, order="id")
        self._chart_sql = _select(self._db, "plan_charts", CHART_COLUMNS, order="id")
        self._history_sql = _select(self._db, "plan_history", HISTORY_COLUMNS, order="id")
        self.schema_version = _schema_version(self._db)

    def total(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM coach_plans").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def items(self) -> Iterator[SourceItem]:
        charts = self._charts()
        history = self._history()
        for row in self._rows(self._plan_sql):
            self.read["plans"] += 1
            plan_id = row["id"]
            yield self._plan(row, charts.pop(plan_id, []), history.pop(plan_id, []))
        yield from _orphans(charts, "chart links")
        yield from _orphans(history, "history entries")

    # -- reading ------------------------------------------------------------------------

    def _rows(self, sql: str | None) -> Iterator[dict[str, Any]]:
        if sql is None:
            return
        try:
            cursor = self._db.execute(sql)
            names = [column[0] for column in cursor.description]
            for values in cursor:
                yield dict(zip(names, values, strict=True))
        except sqlite3.DatabaseError as exc:
            raise BadFile(f"{self.path}: cannot be read: {exc}") from exc

    def _charts(self) -> dict[Any, list[str]]:
        rows = list(self._rows(self._chart_sql))
        rows.sort(key=lambda r: (r["plan"], _order(r["position"]), _order(r["id"])))
        out: dict[Any, list[str]] = {}
        for row in rows:
            if row["url"]:
                self.read["charts"] += 1
                out.setdefault(row["plan"], []).append(str(row["url"]))
        return out

    def _history(self) -> dict[Any, list[_Change]]:
        out: dict[Any, list[_Change]] = {}
        for row in self._rows(self._history_sql):
            self.read["history entries"] += 1
            change = _Change(str(row["text"] or ""), str(row["by"] or UNKNOWN_ACTOR), row["at"])
            out.setdefault(row["plan"], []).append(change)
        return out

    # -- one plan -----------------------------------------------------------------------

    def _plan(
        self, row: dict[str, Any], urls: list[str], changes: list[_Change]
    ) -> ImportedPlan | Skipped:
        origin = f"old plan #{row['id']}"
        try:
            day, note = normalise_date(row["date"])
        except BadValue as exc:
            return Skipped(origin, INVALID_DATE, str(exc))
        if row["coach"] is None or row["text"] is None:
            return Skipped(origin, INVALID_RECORD, "no coach or no text")
        charts = tuple(ChartRef.external(url, url_filename(url)) for url in urls)
        try:
            revisions = self._revisions(row, changes, charts)
        except BadValue as exc:
            return Skipped(origin, INVALID_TIME, str(exc))
        coach = str(row["coach"]).strip()
        return ImportedPlan(
            key=f"import:old-db:{coach[:64]}/{day.isoformat()}/{row['id']}",
            origin=origin,
            coach=coach,
            trade_date=day,
            author=str(row["author"] or UNKNOWN_ACTOR),
            author_id=optional_int(row["author_id"]),
            channel=None if row["channel"] is None else str(row["channel"]),
            source_message_id=optional_int(row["message_id"]),
            revisions=revisions,
            charts=charts,
            notes=(note,) if note else (),
        )

    def _revisions(
        self, row: dict[str, Any], changes: list[_Change], charts: tuple[ChartRef, ...]
    ) -> tuple[ImportedRevision, ...]:
        created = parse_time(row["created"] or row["updated"], self.local)
        texts = [change.text for change in changes] + [str(row["text"])]
        author = str(row["author"] or UNKNOWN_ACTOR)
        author_id = optional_int(row["author_id"])
        out = [ImportedRevision(Action.CREATE, texts[0], author, created, charts, author_id)]
        for change, text in zip(changes, texts[1:], strict=True):
            at = parse_time(change.at, self.local)
            out.append(ImportedRevision(Action.EDIT, text, change.by, at, charts))
        if truthy(row["deleted"]):
            at = self._deleted_at(row["updated"], out[-1].created_at)
            out.append(ImportedRevision(Action.DELETE, texts[-1], UNKNOWN_ACTOR, at, charts))
        return tuple(out)

    def _deleted_at(self, updated: Any, last_change: datetime) -> datetime:
        if not updated:
            return last_change
        return max(parse_time(updated, self.local), last_change)


def _open(path: Path) -> sqlite3.Connection:
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BadFile(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if magic != SQLITE_MAGIC:
        raise BadFile(f"{path}: not a SQLite database")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BadFile(f"{path}: not a readable SQLite database ({exc})") from exc
    if "coach_plans" not in tables:
        db.close()
        found = ", ".join(sorted(tables)) or "none"
        raise BadFile(f"{path}: no coach_plans table; not an old-system database (tables: {found})")
    return db


def _select(
    db: sqlite3.Connection, table: str, wanted: Mapping[str, Sequence[str]], order: str
) -> str | None:
    """``SELECT`` of ``table`` with its columns renamed to ``wanted``'s keys (NULL for an
    optional one it lacks); None when the optional table is absent."""
    columns = {row[1].lower(): row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
    if not columns:
        if table == "coach_plans":
            raise BadFile(f"table {table} has no columns")
        return None
    parts = []
    for name, aliases in wanted.items():
        found = next((columns[a] for a in aliases if a in columns), None)
        if found is None and name in REQUIRED[table]:
            raise BadFile(
                f"table {table} has no column for {name} (looked for {', '.join(aliases)})"
            )
        parts.append(f'"{found}" AS {name}' if found else f"NULL AS {name}")
    order_by = f' ORDER BY "{columns[order]}"' if order in columns else ""
    return f'SELECT {", ".join(parts)} FROM "{table}"{order_by}'


def _schema_version(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT max(version) FROM schema_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None or row[0] is None else str(row[0])


def _order(value: Any) -> tuple[int, Any]:
    """Sort key tolerating NULLs and mixed types: NULLs last."""
    return (1, 0) if value is None else (0, value)


def _orphans(left: dict[Any, list[Any]], what: str) -> Iterator[Skipped]:
    for plan_id, rows in left.items():
        yield Skipped(
            f"{len(rows)} {what} of old plan #{plan_id}",
            INVALID_RECORD,
            "they refer to a plan that does not exist",
        )
