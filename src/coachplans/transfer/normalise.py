"""Reading the old system's loose values: dates that may lack zero padding and naive local
timestamps. The only place where ``2024-1-5`` is accepted (and reported as normalised)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from coachplans.domain.dates import MAX_DATE, MIN_DATE

_LOOSE_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_LOOSE_TIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$"
)


class BadValue(ValueError):
    """A date or time that cannot be read; the message quotes it."""


def normalise_date(raw: Any) -> tuple[date, str | None]:
    """The trading date of ``raw`` and, when it was not written ``YYYY-MM-DD``, a note
    saying how it was read. Raises :class:`BadValue` for anything else (``2024-13-45``)."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise BadValue("missing date")
    match = _LOOSE_DATE.match(text)
    if match is None:
        raise BadValue(f"'{_shown(raw)}' is not a date")
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise BadValue(f"'{text}' is not a calendar date") from exc
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadValue(f"'{text}' is out of range")
    canonical = day.isoformat()
    return day, (None if canonical == raw else f"date '{raw}' read as {canonical}")


def parse_time(raw: Any, local: tzinfo) -> datetime:
    """A timestamp in UTC. Naive values are wall-clock time in ``local`` (the old server
    wrote ``datetime.now()``); at the autumn clock change an ambiguous time is read as its
    first occurrence. Values with an offset keep it; numbers are Unix seconds."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw, UTC)
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise BadValue("missing timestamp")
    moment = _parse_iso(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local)
    return moment.astimezone(UTC)


def _parse_iso(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)  # also "Z", a space for "T", no seconds
    except ValueError:
        pass
    match = _LOOSE_TIME.match(text)
    if match is None:
        raise BadValue(f"'{_shown(text)}' is not a timestamp")
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(  # noqa: DTZ001 - naive on purpose: local time, zone added by caller
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError as exc:
        raise BadValue(f"'{text}' is not a real time") from exc


def _shown(raw: Any) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:40] + "..."


def url_filename(url: str) -> str | None:
    """The file name at the end of a URL's path (``chart.png`` of a Discord CDN link)."""
    name = PurePosixPath(urlsplit(url).path).name
    return name[:255] or None


def truthy(raw: Any) -> bool:
    """The old soft-delete flag: 1, "1", "true", True..."""
    if isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "t", "yes", "y"}
    return bool(raw)


def optional_int(raw: Any) -> int | None:
    try:
        return None if raw is None or raw == "" else int(raw)
    except (TypeError, ValueError):
        return None
