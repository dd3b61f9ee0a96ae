"""The exchange's trading days for mock mode: NYSE sessions (weekdays that are not NYSE
holidays, from the maintained ``holidays`` package), so mock plans never land on a day the
market is closed. "Today" is the service's, in the market time zone from the settings."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays

MAX_SCAN_DAYS = 31  # no NYSE closure lasts this long; a bound instead of an open loop


@functools.cache
def _closures(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("NYSE", years=year))


def is_trading_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _closures(day.year)


def trading_days_until(today: date, count: int) -> list[date]:
    """The last ``count`` trading days on or before ``today``, oldest first."""
    found: list[date] = []
    cursor = today
    while len(found) < count:
        if is_trading_day(cursor):
            found.append(cursor)
        cursor -= timedelta(days=1)
    return found[::-1]


def session_day(today: date) -> date:
    """The trading day plans made ``today`` are for: today, or the next trading day when
    the exchange is closed today (a Sunday plan is Monday's)."""
    for offset in range(MAX_SCAN_DAYS):
        day = today + timedelta(days=offset)
        if is_trading_day(day):
            return day
    return today
