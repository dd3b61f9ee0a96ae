"""Trading dates: strict ``YYYY-MM-DD`` parsing and "today" in the market time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo

from coachplans.errors import ValidationFailed

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2200, 12, 31)
DEFAULT_TIMEZONE = "America/New_York"  # the market's: "today" is computed there


def is_iso_date(raw: str) -> bool:
    """True only for a real, zero-padded calendar date (``2024-1-5`` and ``2024-02-30`` are not)."""
    if not _ISO_DATE.match(raw):
        return False
    try:
        date.fromisoformat(raw)
    except ValueError:
        return False
    return True


def parse_date(raw: str) -> date:
    """Parse a trading date or raise the contract's message quoting what was sent."""
    if len(raw) > 64 or not is_iso_date(raw):
        shown = raw if len(raw) <= 64 else raw[:64] + "..."
        raise ValidationFailed(f"Invalid date format '{shown}'. Use YYYY-MM-DD")
    value = date.fromisoformat(raw)
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationFailed(
            f"Date '{raw}' is out of range ({MIN_DATE.isoformat()}..{MAX_DATE.isoformat()})"
        )
    return value


def today(tz: tzinfo, now: datetime | None = None) -> date:
    """The trading date of ``now`` (default: the current instant) in the market time zone."""
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(tz).date()


def resolve_date(raw: str | None, tz: tzinfo) -> date:
    """An optional date parameter: absent or empty means today."""
    if raw is None or raw.strip() == "":
        return today(tz)
    return parse_date(raw.strip())


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset; naive values read back from SQLite are UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()
