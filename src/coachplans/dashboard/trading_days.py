"""Previous and next trading day for the date page's links: weekdays (Monday to Friday).

Exchange holidays are not known here; a holiday simply shows as a day without plans.
"""

from __future__ import annotations

from datetime import date, timedelta

from coachplans.domain.dates import MAX_DATE, MIN_DATE

SATURDAY = 5


def _step(day: date, direction: int) -> date:
    cursor = day + timedelta(days=direction)
    while cursor.weekday() >= SATURDAY:
        cursor += timedelta(days=direction)
    return cursor


def previous_trading_day(day: date) -> date | None:
    found = _step(day, -1)
    return found if found >= MIN_DATE else None


def next_trading_day(day: date) -> date | None:
    found = _step(day, 1)
    return found if found <= MAX_DATE else None
