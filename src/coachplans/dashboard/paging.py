"""Page positions in the dashboard's URLs: ``?older=2024-11-11.17`` means "the plans after
plan 17 of 2024-11-11, newest first" (a keyset position people can read)."""

from __future__ import annotations

from datetime import date

from coachplans.domain.dates import parse_date
from coachplans.errors import ValidationFailed

MAX_PLAN_ID = 2**31 - 1  # plan ids are 32-bit integer columns
MAX_ID_DIGITS = len(str(MAX_PLAN_ID))
Position = tuple[date, int]


def position_text(day: date, plan_id: int) -> str:
    return f"{day.isoformat()}.{plan_id}"


def plan_number(raw: str) -> int | None:
    """A plan id as written in a URL, or None when it is not one."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_ID_DIGITS:
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_PLAN_ID else None


def parse_position(raw: str) -> Position:
    day, _, number = raw.partition(".")
    plan_id = plan_number(number)
    try:
        parsed = parse_date(day)
    except ValidationFailed:
        parsed = None
    if parsed is None or plan_id is None:
        shown = raw[:40]
        raise ValidationFailed(
            f"Invalid page position '{shown}': use the Older plans link (YYYY-MM-DD.<plan id>)"
        )
    return parsed, plan_id
