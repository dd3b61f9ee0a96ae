"""coachplans' own export format: JSON Lines, one object per line.

1. ``{"type": "header", "format": "coachplans-export", "version": 1, "schema": "<alembic
   revision>", "exported_at": iso, "counts": {...}}``
2. ``{"type": "blob", "sha256", "content_type", "size", "data": base64}``: every archived
   chart image once, before the plans that refer to it;
3. ``{"type": "plan", "coach", "date", "text", "author", "author_id", "channel",
   "source_message_id", "created_at", "edited_at", "deleted_at", "version", "charts": [...],
   "revisions": [{"number", "action", "text", "charts", "actor", "actor_id", "source",
   "created_at"}, ...], "ingest_keys": [{"key", "created_at"}, ...]}``: every plan, live or
   deleted, with its whole history; a chart is ``{"sha256", "content_type", "size",
   "filename", "source_url"}`` (``sha256`` null for an external link);
4. ``{"type": "end", "counts": {"plans": n, "blobs": n}}``: a file without it is truncated.

Times are ISO 8601 with offset, to the microsecond. Importing an export restores every plan
exactly (ids aside): the same revisions with their actions, actors, sources and times, the
same charts, the same ingest keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Connection

from coachplans.domain.charts import ChartBlob, is_sha256
from coachplans.domain.dates import iso, parse_date
from coachplans.domain.imports import ImportedPlan, ImportedRevision, SourceItem
from coachplans.domain.plans import Action, ChartRef, Source
from coachplans.errors import ValidationFailed
from coachplans.store.dump import PlanDump, count_rows, plans_in_batches, rows_in_batches
from coachplans.store.rows import chart_json
from coachplans.transfer.formats import EXPORT_FORMAT, JSONL, BadFile

VERSION = 1
BLOB_BATCH = 100
PLAN_BATCH = 500


# --- writing --------------------------------------------------------------------------------


def write_export(
    conn: Connection, out: IO[bytes], schema: str | None, tick: Callable[[int], object]
) -> dict[str, int]:
    """Write the whole database seen by ``conn`` to ``out``; the counts written."""
    counts = count_rows(conn)
    _line(out, _header(schema, counts))
    written: Counter[str] = Counter()
    for blobs in rows_in_batches(conn, "chart_blobs", BLOB_BATCH):
        for blob in blobs:
            _line(out, _blob_record(blob))
        written["blobs"] += len(blobs)
    for dumps in plans_in_batches(conn, PLAN_BATCH):
        for dump in dumps:
            _line(out, plan_record(dump))
            written["revisions"] += len(dump.revisions)
        written["plans"] += len(dumps)
        tick(len(dumps))
    _line(out, {"type": "end", "counts": {"plans": written["plans"], "blobs": written["blobs"]}})
    return dict(written)


def _line(out: IO[bytes], record: dict[str, Any]) -> None:
    out.write(orjson.dumps(record) + b"\n")


def _header(schema: str | None, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "type": "header",
        "format": EXPORT_FORMAT,
        "version": VERSION,
        "schema": schema,
        "exported_at": iso(datetime.now(UTC)),
        "counts": {
            "plans": counts["plans"],
            "revisions": counts["revisions"],
            "blobs": counts["chart_blobs"],
            "chart_links": counts["plan_charts"],
            "ingest_keys": counts["ingest_keys"],
        },
    }


def _blob_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "blob",
        "sha256": row["sha256"],
        "content_type": row["content_type"],
        "size": row["size"],
        "data": base64.b64encode(row["data"]).decode("ascii"),
    }


def plan_record(dump: PlanDump) -> dict[str, Any]:
    row = dump.row
    return {
        "type": "plan",
        "coach": row["coach"],
        "date": row["trade_date"].isoformat(),
        "text": row["text"],
        "author": row["author"],
        "author_id": row["author_id"],
        "channel": row["channel"],
        "source_message_id": row["source_message_id"],
        "created_at": iso(row["created_at"]),
        "edited_at": iso(row["edited_at"]),
        "deleted_at": iso(row["deleted_at"]),
        "version": row["version"],
        "charts": [chart_json(chart) for chart in dump.charts],
        "revisions": [
            {
                "number": rev["number"],
                "action": rev["action"],
                "text": rev["text"],
                "charts": rev["charts"],
                "actor": rev["actor"],
                "actor_id": rev["actor_id"],
                "source": rev["source"],
                "created_at": iso(rev["created_at"]),
            }
            for rev in dump.revisions
        ],
        "ingest_keys": [
            {"key": key["key"], "created_at": iso(key["created_at"])} for key in dump.keys
        ],
    }


# --- reading --------------------------------------------------------------------------------


class JsonlSource:
    """Records of a coachplans export. The file is checked to be complete (its end record
    and line count) before anything is imported; a malformed line stops the import, which
    then rolls back."""

    format = JSONL

    def __init__(self, path: Path, local: tzinfo | None = None):
        self.path = path
        self.read: Counter[str] = Counter()
        self._header, self._end = _check_complete(path)
        self.schema_version = self._header.get("schema")
        self._blobs: set[str] = set()

    def total(self) -> int:
        return int(self._end["counts"]["plans"])

    def close(self) -> None:
        self._blobs = set()

    def items(self) -> Iterator[SourceItem]:
        with self.path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                record = _parse(line, number)
                kind = record.get("type")
                if kind == "blob":
                    yield self._blob(record, number)
                elif kind == "plan":
                    yield self._plan(record, number)
                elif kind not in ("header", "end"):
                    raise BadFile(f"line {number}: unknown record type {kind!r}")

    def _blob(self, record: dict[str, Any], number: int) -> ChartBlob:
        try:
            data = base64.b64decode(record["data"], validate=True)
            blob = ChartBlob(record["sha256"], record["content_type"], data, None, None)
        except (KeyError, TypeError, binascii.Error, ValueError) as exc:
            raise BadFile(f"line {number}: malformed chart record ({exc})") from exc
        if hashlib.sha256(data).hexdigest() != blob.sha256:
            raise BadFile(f"line {number}: chart bytes do not match their sha256")
        self._blobs.add(blob.sha256)
        self.read["blobs"] += 1
        return blob

    def _plan(self, record: dict[str, Any], number: int) -> ImportedPlan:
        try:
            plan = _imported(record, number)
        except (KeyError, TypeError, ValueError, ValidationFailed) as exc:
            raise BadFile(f"line {number}: malformed plan record ({_reason(exc)})") from exc
        for chart in plan.charts:
            if chart.sha256 is not None and chart.sha256 not in self._blobs:
                raise BadFile(f"line {number}: chart {chart.sha256} has no blob record before it")
        self.read["plans"] += 1
        self.read["revisions"] += len(plan.revisions)
        self.read["charts"] += len(plan.charts)
        return plan


def _imported(record: dict[str, Any], number: int) -> ImportedPlan:
    revisions = tuple(_revision(rev) for rev in record["revisions"])
    numbers = [rev["number"] for rev in record["revisions"]]
    if numbers != list(range(1, len(numbers) + 1)) or record["version"] != len(numbers):
        raise ValueError("revisions are not numbered 1..version")
    day = parse_date(record["date"])
    return ImportedPlan(
        key=None,
        origin=f"line {number} ({record['coach']} {record['date']})",
        coach=record["coach"],
        trade_date=day,
        author=record["author"],
        author_id=record["author_id"],
        channel=record["channel"],
        source_message_id=record["source_message_id"],
        revisions=revisions,
        charts=tuple(_chart(chart) for chart in record["charts"]),
        ingest_keys=tuple((k["key"], _time(k["created_at"])) for k in record["ingest_keys"]),
    )


def _revision(record: dict[str, Any]) -> ImportedRevision:
    return ImportedRevision(
        action=Action(record["action"]),
        text=record["text"],
        actor=record["actor"],
        created_at=_time(record["created_at"]),
        charts=tuple(_chart(chart) for chart in record["charts"]),
        actor_id=record["actor_id"],
        source=Source(record["source"]),
    )


def _chart(record: dict[str, Any]) -> ChartRef:
    sha = record.get("sha256")
    if sha is not None and not is_sha256(sha):
        raise ValueError(f"bad sha256 {str(sha)[:70]!r}")
    if sha is None and not record.get("source_url"):
        raise ValueError("a chart with neither sha256 nor source_url")
    return ChartRef(
        sha, record.get("content_type"), record.get("size"), record.get("filename"),
        record.get("source_url"),
    )  # fmt: skip


def _time(raw: Any) -> datetime:
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"time {raw!r} has no offset")
    return moment


def _parse(line: bytes, number: int) -> dict[str, Any]:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadFile(f"line {number}: not valid JSON ({exc})") from exc
    if not isinstance(record, dict):
        raise BadFile(f"line {number}: not a JSON object")
    return record


def _check_complete(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and end records, after checking the file has every line it announces."""
    lines = 0
    first = last = b""
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                raise BadFile(f"line {lines + 1}: empty line in a coachplans export")
            lines += 1
            first = first or line
            last = line
    if not lines:
        raise BadFile(f"{path}: empty file")
    try:
        header = _parse(first, 1)
    except BadFile:
        header = {}
    if header.get("format") != EXPORT_FORMAT:
        raise BadFile(f"{path}: not a coachplans export (no header line)")
    if not isinstance(header.get("version"), int) or header["version"] > VERSION:
        raise BadFile(
            f"{path}: export format version {header.get('version')!r}; this coachplans "
            f"reads version {VERSION} (upgrade coachplans)"
        )
    end = _parse(last, lines) if lines > 1 else {}
    counts = end.get("counts") if end.get("type") == "end" else None
    if not isinstance(counts, dict) or not _counts_match(counts, lines):
        raise BadFile(f"{path}: truncated export (no end record after line {lines})")
    return header, end


def _counts_match(counts: dict[str, Any], lines: int) -> bool:
    plans, blobs = counts.get("plans"), counts.get("blobs")
    return isinstance(plans, int) and isinstance(blobs, int) and plans + blobs + 2 == lines


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc) or type(exc).__name__
