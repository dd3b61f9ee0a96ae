"""Serialised plans, memoised by version: a plan at a given version never changes, so its JSON
is built once per process and reused by every listing that holds it.

A read then costs one index scan for the page's (id, version) pairs, always fresh from the
database, plus building only the plans not seen before. This is what keeps reads fast when the
response cache misses (a new date, a backtest over years, another process's write) without
serving anything stale: a changed plan has a new version and so a new key.

Whole pages are kept the same way, with their ETag, keyed by the (id, version, coach, date)
list the scan returned: hashing a 400 kB page for its ETag costs more than the scan itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import LRUCache

from coachplans.api.json_body import dump, etag_of
from coachplans.compat_json import plan_to_compat
from coachplans.contract import ChartUrl, plan_public_stored, stored_signal_public, wire_key
from coachplans.domain.plans import Plan
from coachplans.domain.queries import PlanQuery, PlanVersion, StoredSignal
from coachplans.service import PlanService

# A plan's JSON document, from the plan read with its signals as stored (see
# PlanService.plans_for_json: no Level object per price, which cost half of a cold read).
Shape = Callable[[Plan, list[StoredSignal], ChartUrl], dict[str, Any]]


def _v1(plan: Plan, stored: list[StoredSignal], url_for: ChartUrl) -> dict[str, Any]:
    # Levels decoded plan by plan, written out and dropped at once: decoded for a whole page
    # first, tens of thousands of them lived through garbage collections, a third of the time.
    signals = [stored_signal_public(s, orjson.loads(s.levels_json)) for s in stored]
    return plan_public_stored(plan, signals, url_for)


V1: Shape = _v1


def _compat(plan: Plan, _signals: list[StoredSignal], url_for: ChartUrl) -> dict[str, Any]:
    return plan_to_compat(plan, url_for)  # the old contract shows no signals


COMPAT: Shape = _compat
Parts = list[bytes | None]
DEFAULT_BYTES = 64 * 1024 * 1024  # about 30,000 signal-dense plans
PAGE_BYTES = 32 * 1024 * 1024  # about 80 pages of 100 signal-dense plans
PageKey = tuple[str, str, tuple[PlanVersion, ...], bytes]


@dataclass(frozen=True, slots=True)
class Page:
    body: bytes
    etag: str


def _v1_body(versions: Sequence[PlanVersion], parts: Parts, tail: bytes) -> bytes:
    """``{"plans": [...], "next_cursor": ...}`` exactly as ``dump`` would write it."""
    return b'{"plans":[' + b",".join(p for p in parts if p is not None) + b"]," + tail


def _compat_body(versions: Sequence[PlanVersion], parts: Parts, _tail: bytes) -> bytes:
    """``{"coach_d": {...}, ...}`` in the order given, as ``plans_to_compat`` would."""
    pairs = [
        dump(wire_key(v.coach)) + b":" + part
        for v, part in zip(versions, parts, strict=True)
        if part is not None
    ]
    return b"{" + b",".join(pairs) + b"}"


@dataclass(frozen=True, slots=True)
class Layout:
    """How a listing's plans are shaped and joined into one body."""

    shape: Shape
    join: Callable[[Sequence[PlanVersion], Parts, bytes], bytes]


V1_PAGE = Layout(V1, _v1_body)
COMPAT_DATE = Layout(COMPAT, _compat_body)


class PlanJson:
    """Per-plan JSON fragments keyed by (shape, id, version, chart URL base), and whole pages
    keyed by their versions, both bounded by bytes."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES, page_bytes: int = PAGE_BYTES):
        self._fragments: LRUCache[tuple[str, int, int, str], bytes] = LRUCache(
            maxsize=max_bytes, getsizeof=len
        )
        self._pages: LRUCache[PageKey, Page] = LRUCache(
            maxsize=page_bytes, getsizeof=lambda page: len(page.body)
        )
        self._lock = threading.Lock()

    def known(
        self, layout: Layout, versions: Sequence[PlanVersion], base: str, tail: bytes = b""
    ) -> Page | None:
        """The page of these versions when every plan in it was built before; None when one
        must be read from the database (see :meth:`page`). Never touches the database."""
        key = (layout.shape.__name__, base, tuple(versions), tail)
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                return page
            parts = [self._fragments.get((key[0], v.id, v.version, base)) for v in versions]
        if None in parts:
            return None
        return self._remember(key, layout.join(versions, parts, tail))

    def page(
        self,
        service: PlanService,
        layout: Layout,
        versions: Sequence[PlanVersion],
        url_for: ChartUrl,
        base: str,
        tail: bytes = b"",
    ) -> Page:
        """The page of these versions; plans not seen before are read and built."""
        found = self.known(layout, versions, base, tail)
        if found is not None:
            return found
        parts = self.fragments(service, versions, layout.shape, url_for, base)
        body = layout.join(versions, parts, tail)
        if None in parts:  # a plan vanished between the two reads: served, not kept
            return Page(body, etag_of(body))
        return self._remember((layout.shape.__name__, base, tuple(versions), tail), body)

    def _remember(self, key: PageKey, body: bytes) -> Page:
        page = Page(body, etag_of(body))
        with self._lock:
            self._pages[key] = page
        return page

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
            # the compatibility shape shows no signals: they are not even read for it
            reads = service.plans_for_json(missing, signals=shape is not COMPAT)
            built = {read[0].id: read for read in reads}
            for index, (_, plan_id, _, _) in enumerate(keys):
                read = built.get(plan_id)
                if found[index] is None and read is not None:
                    found[index] = self._build(name, read, shape, url_for, base)
        return found

    def _build(
        self,
        name: str,
        read: tuple[Plan, list[StoredSignal]],
        shape: Shape,
        url_for: ChartUrl,
        base: str,
    ) -> bytes:
        # Keyed by the version actually read: a plan changed between the two reads is served
        # as it is now, and cached under its new version.
        plan, signals = read
        body = dump(shape(plan, signals, url_for))
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
        tail = v1_tail(versions, query.limit, cursor_of)
        return self.page(service, V1_PAGE, versions, url_for, base, tail).body

    def compat_by_coach(
        self,
        service: PlanService,
        versions: Sequence[PlanVersion],
        url_for: ChartUrl,
        base: str,
    ) -> bytes:
        """``{"coach_d": {...}, ...}`` in the order given, as ``plans_to_compat`` would."""
        return self.page(service, COMPAT_DATE, versions, url_for, base).body

    def compat_one(
        self, service: PlanService, version: PlanVersion, url_for: ChartUrl, base: str
    ) -> bytes | None:
        """One plan in the compatibility shape; None when it vanished meanwhile."""
        return self.fragments(service, [version], COMPAT, url_for, base)[0]


def v1_tail(
    versions: Sequence[PlanVersion], limit: int, cursor_of: Callable[[PlanVersion], str]
) -> bytes:
    """``"next_cursor":...}``: a full page points past its last plan."""
    last = versions[-1] if len(versions) == limit else None
    return dump({"next_cursor": cursor_of(last) if last else None})[1:]
