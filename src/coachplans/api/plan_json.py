"""Serialised plans, memoised by version: a plan at a given version never changes, so its JSON
is built once per process and reused by every listing that holds it.

A read then costs one index scan for the page's (id, version) pairs, always fresh from the
database, plus building only the plans not seen before. This is what keeps reads fast when the
response cache misses (a new date, a backtest over years, another process's write) without
serving anything stale: a changed plan has a new version and so a new key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from cachetools import LRUCache

from coachplans.api.json_body import dump
from coachplans.compat_json import plan_to_compat
from coachplans.contract import ChartUrl, plan_public, wire_key
from coachplans.domain.plans import Plan
from coachplans.domain.queries import PlanQuery, PlanVersion
from coachplans.service import PlanService

Shape = Callable[[Plan, ChartUrl], dict[str, Any]]
V1: Shape = plan_public
COMPAT: Shape = plan_to_compat
DEFAULT_BYTES = 64 * 1024 * 1024  # about 30,000 signal-dense plans


class PlanJson:
    """Per-plan JSON fragments keyed by (shape, id, version, chart URL base), bounded by bytes."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES):
        self._fragments: LRUCache[tuple[str, int, int, str], bytes] = LRUCache(
            maxsize=max_bytes, getsizeof=len
        )
        self._lock = threading.Lock()

    def fragments(
        self,
        service: PlanService,
        versions: Sequence[PlanVersion],
        shape: Shape,
        url_for: ChartUrl,
        base: str,
    ) -> list[bytes | None]:
        """The JSON of each listed plan, in the order given; unseen ones are read and built.
        None for a plan that vanished between the two reads."""
        name = shape.__name__
        keys = [(name, v.id, v.version, base) for v in versions]
        with self._lock:
            found = [self._fragments.get(key) for key in keys]
        missing = [v.id for v, body in zip(versions, found, strict=True) if body is None]
        if missing:
            built = {p.id: p for p in service.plans_by_ids(missing)}
            for index, (_, plan_id, _, _) in enumerate(keys):
                plan = built.get(plan_id)
                if found[index] is None and plan is not None:
                    found[index] = self._build(name, plan, shape, url_for, base)
        return found

    def _build(self, name: str, plan: Plan, shape: Shape, url_for: ChartUrl, base: str) -> bytes:
        # Keyed by the version actually read: a plan changed between the two reads is served
        # as it is now, and cached under its new version.
        body = dump(shape(plan, url_for))
        with self._lock:
            self._fragments[(name, plan.id, plan.version, base)] = body
        return body

    def v1_page(
        self,
        service: PlanService,
        query: PlanQuery,
        url_for: ChartUrl,
        base: str,
        cursor_of: Callable[[PlanVersion], str],
    ) -> bytes:
        """``{"plans": [...], "next_cursor": ...}`` exactly as ``dump`` would write it."""
        versions = service.list_versions(query)
        last = versions[-1] if len(versions) == query.limit else None
        tail = dump({"next_cursor": cursor_of(last) if last else None})[1:]
        parts = self.fragments(service, versions, V1, url_for, base)
        return b'{"plans":[' + b",".join(p for p in parts if p is not None) + b"]," + tail

    def compat_by_coach(
        self,
        service: PlanService,
        versions: Sequence[PlanVersion],
        url_for: ChartUrl,
        base: str,
    ) -> bytes:
        """``{"coach_d": {...}, ...}`` in the order given, as ``plans_to_compat`` would."""
        parts = self.fragments(service, versions, COMPAT, url_for, base)
        pairs = [
            dump(wire_key(v.coach)) + b":" + part
            for v, part in zip(versions, parts, strict=True)
            if part is not None
        ]
        return b"{" + b",".join(pairs) + b"}"

    def compat_one(
        self, service: PlanService, version: PlanVersion, url_for: ChartUrl, base: str
    ) -> bytes | None:
        """One plan in the compatibility shape; None when it vanished meanwhile."""
        return self.fragments(service, [version], COMPAT, url_for, base)[0]
