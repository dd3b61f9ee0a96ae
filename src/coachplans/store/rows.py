"""Row shapes and row <-> domain mapping, shared by the read path, the write path, imports
and exports: the one place that knows how a plan, its charts and its signals sit in rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Text, bindparam, cast, select

from coachplans.domain.charts import ChartBlob
from coachplans.domain.plans import Action, ChartRef, Event, Plan, Revision, Source
from coachplans.domain.queries import StoredSignal
from coachplans.domain.signals import BIASES, LEVEL_KINDS, Level, Signal
from coachplans.store.tables import (
    ChartBlobRow,
    PlanChartRow,
    PlanRow,
    PlanSignalRow,
)


@dataclass
class PlanState:
    """A locked plan row as the service changes it; written back by :meth:`WriteTx.save`."""

    id: int
    coach: str
    trade_date: date
    text: str
    author: str
    author_id: int | None
    channel: str | None
    source_message_id: int | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    version: int


PLANS = PlanRow.__table__
# The plan columns every read returns: the fields of PlanState, in its order.
PLAN_COLUMNS = [PLANS.c[name] for name in PlanState.__dataclass_fields__]
SIGNALS = PlanSignalRow.__table__
LINKS = PlanChartRow.__table__
BLOBS = ChartBlobRow.__table__

# Prebuilt with an expanding IN: a page of plans costs three statements (plans, charts,
# signals), each compiled once per process.
_CHARTS_OF = (
    select(
        LINKS.c.plan_id,
        LINKS.c.sha256,
        BLOBS.c.content_type,
        BLOBS.c.size,
        LINKS.c.filename,
        LINKS.c.source_url,
    )
    .outerjoin(BLOBS, BLOBS.c.sha256 == LINKS.c.sha256)
    .where(LINKS.c.plan_id.in_(bindparam("ids", expanding=True)))
    .order_by(LINKS.c.plan_id, LINKS.c.position)
)
# Levels as JSON text, decoded with orjson: the JSON type's own decoding cost more than the
# query on signal-dense plans.
_SIGNALS_OF = (
    select(SIGNALS.c.plan_id, SIGNALS.c.ticker, SIGNALS.c.bias, cast(SIGNALS.c.levels, Text))
    .where(SIGNALS.c.plan_id.in_(bindparam("ids", expanding=True)))
    .order_by(SIGNALS.c.plan_id, SIGNALS.c.position)
)


def charts_for(conn: Connection, plan_ids: Sequence[int]) -> dict[int, tuple[ChartRef, ...]]:
    """Charts of the given plans, in attachment order (external links have no blob)."""
    if not plan_ids:
        return {}
    out: dict[int, list[ChartRef]] = {}
    for plan_id, sha256, content_type, size, filename, source_url in conn.execute(
        _CHARTS_OF, {"ids": list(plan_ids)}
    ):
        out.setdefault(plan_id, []).append(
            ChartRef(sha256, content_type, size, filename, source_url)
        )
    return {plan_id: tuple(refs) for plan_id, refs in out.items()}


def signals_for(conn: Connection, plan_ids: Sequence[int]) -> dict[int, tuple[Signal, ...]]:
    """Signals of the given plans, in order of first mention."""
    if not plan_ids:
        return {}
    out: dict[int, list[Signal]] = {}
    for plan_id, ticker, bias, levels in conn.execute(_SIGNALS_OF, {"ids": list(plan_ids)}):
        signal = Signal(ticker, BIASES[bias], _levels(orjson.loads(levels)))
        out.setdefault(plan_id, []).append(signal)
    return {plan_id: tuple(signals) for plan_id, signals in out.items()}


def stored_signals_for(conn: Connection, plan_ids: Sequence[int]) -> dict[int, list[StoredSignal]]:
    """Signals of the given plans as stored, in order of first mention, their levels left as
    JSON text (decoded by whoever writes them out, one plan at a time)."""
    if not plan_ids:
        return {}
    out: dict[int, list[StoredSignal]] = {}
    for plan_id, ticker, bias, levels in conn.execute(_SIGNALS_OF, {"ids": list(plan_ids)}):
        out.setdefault(plan_id, []).append(StoredSignal(ticker, bias, levels))
    return out


def _levels(rows: list[dict[str, Any]]) -> tuple[Level, ...]:
    kinds = LEVEL_KINDS
    return tuple(
        Level(kinds[row["kind"]], float(row["low"]), _optional_float(row.get("high")))
        for row in rows
    )


def _optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def to_plans(conn: Connection, rows: Sequence[Any], *, signals_too: bool = True) -> list[Plan]:
    """Plans from rows of PLAN_COLUMNS, with their charts and (unless told not to) signals."""
    ids = [row.id for row in rows]
    charts = charts_for(conn, ids)
    signals = signals_for(conn, ids) if signals_too else {}
    return [to_plan(row, charts.get(row.id, ()), signals.get(row.id, ())) for row in rows]


def to_plan(row: Any, charts: tuple[ChartRef, ...], signals: tuple[Signal, ...] = ()) -> Plan:
    return Plan(
        id=row.id,
        coach=row.coach,
        trade_date=row.trade_date,
        text=row.text,
        author=row.author,
        author_id=row.author_id,
        channel=row.channel,
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
        version=row.version,
        charts=charts,
        revision_count=row.version,
        signals=signals,
    )


def to_revision(row: Any) -> Revision:
    charts = tuple(chart_ref(c) for c in row.charts)
    return Revision(
        id=row.id,
        plan_id=row.plan_id,
        number=row.number,
        action=Action(row.action),
        text=row.text,
        charts=charts,
        actor=row.actor,
        actor_id=row.actor_id,
        source=Source(row.source),
        created_at=row.created_at,
    )


def to_event(row: Any) -> Event:
    return Event(
        id=row.id,
        type=row.type,
        plan_id=row.plan_id,
        coach=row.coach,
        trade_date=row.trade_date,
        revision=row.revision,
        created_at=row.created_at,
    )


def chart_json(chart: ChartRef) -> dict[str, Any]:
    return {
        "sha256": chart.sha256,
        "content_type": chart.content_type,
        "size": chart.size,
        "filename": chart.filename,
        "source_url": chart.source_url,
    }


def signal_rows(plan_id: int, signals: Sequence[Signal]) -> list[dict[str, Any]]:
    """``plan_signals`` rows of one plan, in order."""
    return [
        {
            "plan_id": plan_id,
            "position": position,
            "ticker": signal.ticker,
            "bias": signal.bias.value,
            # floats always, so that readers may write the stored documents out as they are
            "levels": [
                {
                    "kind": level.kind.value,
                    "low": float(level.low),
                    "high": _optional_float(level.high),
                }
                for level in signal.levels
            ],
        }
        for position, signal in enumerate(signals)
    ]


def chart_ref(data: dict[str, Any]) -> ChartRef:
    """The inverse of :func:`chart_json`: a chart as a revision row keeps it."""
    return ChartRef(
        data.get("sha256"),
        data.get("content_type"),
        data.get("size"),
        data.get("filename"),
        data.get("source_url"),
    )


# -- row builders of the write path and of imports -------------------------------------------


def blob_row(blob: ChartBlob, now: datetime) -> dict[str, Any]:
    return {
        "sha256": blob.sha256,
        "content_type": blob.content_type,
        "size": blob.size,
        "data": blob.data,
        "created_at": now,
    }


def link_rows(plan_id: int, charts: Sequence[ChartRef]) -> list[dict[str, Any]]:
    """``plan_charts`` rows of one plan, in attachment order."""
    return [
        {
            "plan_id": plan_id,
            "position": position,
            "sha256": chart.sha256,
            "filename": chart.filename,
            "source_url": chart.source_url,
        }
        for position, chart in enumerate(charts)
    ]


@dataclass(frozen=True, slots=True)
class RevisionFacts:
    """Who changed a plan, how, when and from where: a revision row beside its text."""

    action: Action
    actor: str
    actor_id: int | None
    source: Source
    created_at: datetime


def revision_row(
    plan_id: int, number: int, text: str, charts: Sequence[ChartRef], facts: RevisionFacts
) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "number": number,
        "action": facts.action.value,
        "text": text,
        "charts": [chart_json(c) for c in charts],
        "actor": facts.actor,
        "actor_id": facts.actor_id,
        "source": facts.source.value,
        "created_at": facts.created_at,
    }


def event_row(
    event_type: str, plan_id: int, coach: str, trade_date: date, revision: int, now: datetime
) -> dict[str, Any]:
    return {
        "type": event_type,
        "plan_id": plan_id,
        "coach": coach,
        "trade_date": trade_date,
        "revision": revision,
        "created_at": now,
    }


def key_row(key: str, plan_id: int, created_at: datetime) -> dict[str, Any]:
    return {"key": key, "plan_id": plan_id, "created_at": created_at}
