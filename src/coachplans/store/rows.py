"""Row shapes and row <-> domain mapping, shared by the read path, the write path, imports
and exports: the one place that knows how a plan, its charts and its signals sit in rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from coachplans.domain.charts import ChartBlob
from coachplans.domain.plans import Action, ChartRef, Event, Plan, Revision, Source
from coachplans.domain.signals import Bias, Level, LevelKind, Signal
from coachplans.store.tables import (
    ChartBlobRow,
    EventRow,
    PlanChartRow,
    PlanRow,
    PlanSignalRow,
    RevisionRow,
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


def charts_for(
    executor: Session | Connection, plan_ids: Sequence[int]
) -> dict[int, tuple[ChartRef, ...]]:
    """Charts of the given plans, in attachment order (external links have no blob)."""
    if not plan_ids:
        return {}
    link = PlanChartRow
    stmt = (
        select(
            link.plan_id,
            link.sha256,
            ChartBlobRow.content_type,
            ChartBlobRow.size,
            link.filename,
            link.source_url,
        )
        .outerjoin(ChartBlobRow, ChartBlobRow.sha256 == PlanChartRow.sha256)
        .where(PlanChartRow.plan_id.in_(plan_ids))
        .order_by(PlanChartRow.plan_id, PlanChartRow.position)
    )
    out: dict[int, list[ChartRef]] = {}
    for plan_id, sha256, content_type, size, filename, source_url in executor.execute(stmt):
        out.setdefault(plan_id, []).append(
            ChartRef(sha256, content_type, size, filename, source_url)
        )
    return {plan_id: tuple(refs) for plan_id, refs in out.items()}


def signals_for(
    executor: Session | Connection, plan_ids: Sequence[int]
) -> dict[int, tuple[Signal, ...]]:
    """Signals of the given plans, in order of first mention."""
    if not plan_ids:
        return {}
    sig = PlanSignalRow
    stmt = (
        select(sig.plan_id, sig.ticker, sig.bias, sig.levels)
        .where(sig.plan_id.in_(plan_ids))
        .order_by(sig.plan_id, sig.position)
    )
    out: dict[int, list[Signal]] = {}
    for plan_id, ticker, bias, levels in executor.execute(stmt):
        out.setdefault(plan_id, []).append(Signal(ticker, Bias(bias), _levels(levels)))
    return {plan_id: tuple(signals) for plan_id, signals in out.items()}


def _levels(rows: list[dict[str, object]]) -> tuple[Level, ...]:
    return tuple(
        Level(LevelKind(str(row["kind"])), _float(row["low"]), _optional_float(row.get("high")))
        for row in rows
    )


def _float(value: object) -> float:
    assert isinstance(value, int | float)
    return float(value)


def _optional_float(value: object) -> float | None:
    return None if value is None else _float(value)


def to_plans(session: Session, rows: Sequence[PlanRow]) -> list[Plan]:
    ids = [row.id for row in rows]
    charts, signals = charts_for(session, ids), signals_for(session, ids)
    return [to_plan(row, charts.get(row.id, ()), signals.get(row.id, ())) for row in rows]


def to_plan(
    row: PlanRow | PlanState, charts: tuple[ChartRef, ...], signals: tuple[Signal, ...] = ()
) -> Plan:
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


def to_revision(row: RevisionRow) -> Revision:
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


def to_event(row: EventRow) -> Event:
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
            "levels": [
                {"kind": level.kind.value, "low": level.low, "high": level.high}
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
