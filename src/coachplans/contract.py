"""The wire contract that the server and the client share, written once: coach keys on the
wire, the default roster, limits, ETag formats, chart URLs and the v1 JSON shapes.

Client-safe: only the standard library and the domain, so ``coachplans.client`` can import it
without any server dependency.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from coachplans.domain.charts import MAX_CHARTS, extension_for
from coachplans.domain.coaches import DEFAULT_ROSTER, WIRE_PREFIX, coach_key, wire_key
from coachplans.domain.dates import iso
from coachplans.domain.plans import MAX_TEXT, ChartRef, Event, Plan, Revision
from coachplans.domain.queries import StoredSignal
from coachplans.domain.signals import Signal

__all__ = [
    "CHARTS_PREFIX",
    "DEFAULT_ROSTER",
    "MAX_CHARTS",
    "MAX_TEXT",
    "WIRE_PREFIX",
    "ChartUrl",
    "body_etag",
    "chart_path",
    "chart_url",
    "coach_key",
    "plan_etag",
    "plan_public",
    "wire_key",
]

ChartUrl = Callable[[ChartRef], str]
CHARTS_PREFIX = "/api/v1/charts"
PLAN_ETAG_PREFIX = "plan-"


# -- ETags ---------------------------------------------------------------------------------


def body_etag(body: bytes) -> str:
    """The strong ETag of a JSON read: a short digest of its bytes."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def plan_etag(plan_id: int, version: int) -> str:
    """The ETag of one version of a plan, for ``If-Match`` on edit, delete and restore."""
    return f'"{PLAN_ETAG_PREFIX}{plan_id}-v{version}"'


def plan_version_in(tag: str, plan_id: int) -> int | None:
    """The version an ``If-Match`` value names for this plan; None when it is not this plan's
    ETag (or not an ETag at all)."""
    value = tag.strip().removeprefix("W/").strip('"')
    prefix = f"{PLAN_ETAG_PREFIX}{plan_id}-v"
    digits = value.removeprefix(prefix)
    # isascii: str.isdigit() is also true for "²", which int() rejects; the length bound keeps
    # int() from refusing a huge number.
    valid = digits.isascii() and digits.isdigit() and len(digits) <= 18
    if not value.startswith(prefix) or not valid:
        return None
    return int(digits)


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` / ``If-Match`` header names ``etag`` (or ``*``)."""
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags or "*" in tags


# -- charts ---------------------------------------------------------------------------------


def chart_path(chart: ChartRef) -> str:
    """The server-relative path of an archived chart: ``/api/v1/charts/<sha256>.<ext>``;
    for an external link (an old-system chart never fetched) its original URL."""
    if chart.sha256 is None or chart.content_type is None:
        return chart.source_url or ""
    return f"{CHARTS_PREFIX}/{chart.sha256}.{extension_for(chart.content_type)}"


def chart_url(chart: ChartRef, base: str) -> str:
    """The absolute URL of a chart: ``base`` + its path, or an external link as it is."""
    return base + chart_path(chart) if chart.archived else chart_path(chart)


# -- the v1 JSON shapes -----------------------------------------------------------------------


def _id_text(value: int | None) -> str | None:
    # Discord snowflakes exceed 2**53: strings keep them exact for JavaScript readers.
    return None if value is None else str(value)


def chart_public(chart: ChartRef, url_for: ChartUrl) -> dict[str, Any]:
    return {
        "url": url_for(chart),
        "sha256": chart.sha256,
        "content_type": chart.content_type,
        "size": chart.size,
        "filename": chart.filename,
        "archived": chart.archived,
    }


def signal_public(signal: Signal) -> dict[str, Any]:
    return {
        "ticker": signal.ticker,
        "bias": signal.bias.value,
        "levels": [
            {"kind": level.kind.value, "low": level.low, "high": level.high}
            for level in signal.levels
        ],
    }


def plan_public(plan: Plan, url_for: ChartUrl = chart_path) -> dict[str, Any]:
    return {
        "id": plan.id,
        "coach": wire_key(plan.coach),
        "coach_key": plan.coach,
        "date": plan.trade_date.isoformat(),
        "text": plan.text,
        "author": plan.author,
        "author_id": _id_text(plan.author_id),
        "channel": plan.channel,
        "created_at": iso(plan.created_at),
        "edited_at": iso(plan.edited_at),
        "deleted_at": iso(plan.deleted_at),
        "deleted": plan.deleted_at is not None,
        "version": plan.version,
        "revision_count": plan.revision_count,
        "charts": [chart_public(chart, url_for) for chart in plan.charts],
        "signals": [signal_public(signal) for signal in plan.signals],
    }


def stored_signal_public(signal: StoredSignal, levels: list[dict[str, Any]]) -> dict[str, Any]:
    """``signal_public`` of a signal as stored, given its decoded ``levels_json``: the same
    JSON, since the stored levels are the wire's ``{"kind", "low", "high"}`` documents with
    float prices."""
    return {"ticker": signal.ticker, "bias": signal.bias, "levels": levels}


def plan_public_stored(
    plan: Plan, signals: list[dict[str, Any]], url_for: ChartUrl = chart_path
) -> dict[str, Any]:
    """``plan_public`` of a plan read without its signals, given them as
    ``stored_signal_public`` made them."""
    return plan_public(plan, url_for) | {"signals": signals}


def revision_public(revision: Revision, url_for: ChartUrl = chart_path) -> dict[str, Any]:
    return {
        "id": revision.id,
        "plan_id": revision.plan_id,
        "number": revision.number,
        "action": revision.action.value,
        "text": revision.text,
        "charts": [chart_public(chart, url_for) for chart in revision.charts],
        "actor": revision.actor,
        "actor_id": _id_text(revision.actor_id),
        "source": revision.source.value,
        "created_at": iso(revision.created_at),
    }


def event_public(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "plan_id": event.plan_id,
        "coach": wire_key(event.coach),
        "date": event.trade_date.isoformat(),
        "revision": event.revision,
        "created_at": iso(event.created_at),
    }
