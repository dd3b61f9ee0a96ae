"""Previous/next trading day links skip weekends and stay inside the accepted date range."""

from __future__ import annotations

from datetime import date

from coachplans.dashboard.trading_days import next_trading_day, previous_trading_day
from coachplans.domain.dates import MAX_DATE, MIN_DATE


def test_weekends_are_skipped() -> None:
    monday, friday = date(2024, 11, 11), date(2024, 11, 8)
    assert previous_trading_day(monday) == friday
    assert next_trading_day(friday) == monday
    assert next_trading_day(date(2024, 11, 9)) == monday  # from a Saturday
    assert previous_trading_day(date(2024, 11, 12)) == monday


def test_no_link_outside_the_accepted_dates() -> None:
    assert previous_trading_day(MIN_DATE) is None
    assert next_trading_day(MAX_DATE) is None
