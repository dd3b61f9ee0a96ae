"""Reader of the old in-memory server's JSON dump.

Shape: one object, ``{"coach_<letter>_<date>": {"plan": str, "charts": [url, ...], "author":
str, "timestamp": naive local ISO}, ...}`` (also accepted wrapped as ``{"plans": {...}}``, and
with an optional ``"channel"``). The in-memory server kept no history, so each entry becomes
one plan with a single revision: the text by its author at ``timestamp``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import tzinfo
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
from coachplans.transfer.formats import OLD_JSON, BadFile
from coachplans.transfer.normalise import BadValue, normalise_date, parse_time, url_filename

_KEY = re.compile(r"^(?P<coach>.+)_(?P<date>[^_]+)$")


class OldJsonSource:
    """Entries of an old JSON dump, one :class:`ImportedPlan` each."""

    format = OLD_JSON
    schema_version: str | None = None

    def __init__(self, path: Path, local: tzinfo):
        self.path = path
        self.local = local
        self.read: Counter[str] = Counter()
        self._entries = _load(path)

    def total(self) -> int:
        return len(self._entries)

    def close(self) -> None:
        self._entries = {}

    def items(self) -> Iterator[SourceItem]:
        for key, value in self._entries.items():
            self.read["plans"] += 1
            yield self._plan(str(key), value)

    def _plan(self, key: str, value: Any) -> ImportedPlan | Skipped:
        origin = f"dump entry {key[:80]}"
        match = _KEY.match(key.strip())
        if match is None:
            return Skipped(origin, INVALID_RECORD, "key is not coach_<letter>_<date>")
        if not isinstance(value, dict) or not isinstance(value.get("plan"), str):
            return Skipped(origin, INVALID_RECORD, "no plan text")
        try:
            day, note = normalise_date(match["date"])
        except BadValue as exc:
            return Skipped(origin, INVALID_DATE, str(exc))
        try:
            created = parse_time(value.get("timestamp") or value.get("created_at"), self.local)
        except BadValue as exc:
            return Skipped(origin, INVALID_TIME, str(exc))
        urls = [str(url) for url in value.get("charts") or [] if url]
        self.read["charts"] += len(urls)
        charts = tuple(ChartRef.external(url, url_filename(url)) for url in urls)
        author = str(value.get("author") or UNKNOWN_ACTOR)
        channel = value.get("channel")
        coach = match["coach"]
        return ImportedPlan(
            key=f"import:old-json:{coach[:64]}/{day.isoformat()}",
            origin=origin,
            coach=coach,
            trade_date=day,
            author=author,
            channel=None if channel is None else str(channel),
            revisions=(ImportedRevision(Action.CREATE, value["plan"], author, created, charts),),
            charts=charts,
            notes=(note,) if note else (),
        )


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise BadFile(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise BadFile(f"{path}: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise BadFile(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(data, dict) and set(data) == {"plans"} and isinstance(data["plans"], dict):
        data = data["plans"]
    if not isinstance(data, dict):
        raise BadFile(f"{path}: the JSON dump must be an object of coach_<letter>_<date> keys")
    return data
