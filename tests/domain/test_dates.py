"""Trading dates: strict YYYY-MM-DD parsing and "today" in the market time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from coachplans.domain import dates
from coachplans.domain.dates import is_iso_date, iso, parse_date, resolve_date, today
from coachplans.errors import ValidationFailed

NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-05", date(2024, 1, 5)),
        ("2024-02-29", date(2024, 2, 29)),
        ("1990-01-01", date(1990, 1, 1)),
        ("2200-12-31", date(2200, 12, 31)),
    ],
)
def test_valid_dates_parse(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected
    assert is_iso_date(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-1-5",
        "2024-01-5",
        "2024-1-05",
        "2024-02-30",
        "2023-02-29",
        "2024-13-01",
        "2024-00-10",
        "20241105",
        "24-11-05",
        "2024/11/05",
        "11/05/2024",
        "2024-11-05T00:00",
        "2024-11-05 ",
        " 2024-11-05",
        "2024-11-05\n",
        "+2024-11-05",
        "2024-W45-2",
        "\uff12\uff10\uff12\uff14-\uff11\uff11-\uff10\uff15",  # full-width digits match \d
        "",
        "today",
        "x" * 64,
    ],
)
def test_malformed_dates_rejected_with_exact_message(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_date(raw)
    assert str(caught.value) == f"Invalid date format '{raw}'. Use YYYY-MM-DD"
    assert not is_iso_date(raw)


@pytest.mark.parametrize("size", [65, 1000, 1_000_000])
def test_huge_strings_rejected_without_echoing_them_whole(size: int) -> None:
    raw = "9" * size
    with pytest.raises(ValidationFailed) as caught:
        parse_date(raw)
    message = str(caught.value)
    assert message == f"Invalid date format '{raw[:64]}...'. Use YYYY-MM-DD"
    assert len(message) < 120


def test_huge_string_that_starts_like_a_date_is_rejected() -> None:
    raw = "2024-11-05" + "0" * 10_000
    with pytest.raises(ValidationFailed, match=r"^Invalid date format '2024-11-05"):
        parse_date(raw)


@pytest.mark.parametrize("raw", ["1989-12-31", "2201-01-01", "0001-01-01", "9999-12-31"])
def test_out_of_range_dates_rejected(raw: str) -> None:
    with pytest.raises(ValidationFailed, match=r"out of range"):
        parse_date(raw)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Winter (EST, UTC-5): 04:59 UTC is still the previous evening in New York.
        (datetime(2024, 11, 12, 0, 0, tzinfo=UTC), date(2024, 11, 11)),
        (datetime(2024, 11, 12, 4, 59, 59, tzinfo=UTC), date(2024, 11, 11)),
        (datetime(2024, 11, 12, 5, 0, tzinfo=UTC), date(2024, 11, 12)),
        (datetime(2024, 11, 11, 23, 59, tzinfo=UTC), date(2024, 11, 11)),
        # Summer (EDT, UTC-4): the switch is at 04:00 UTC.
        (datetime(2024, 7, 1, 3, 59, 59, tzinfo=UTC), date(2024, 6, 30)),
        (datetime(2024, 7, 1, 4, 0, tzinfo=UTC), date(2024, 7, 1)),
        # New Year's midnight UTC is still the old year in New York.
        (datetime(2025, 1, 1, 0, 0, tzinfo=UTC), date(2024, 12, 31)),
    ],
)
def test_today_is_computed_in_the_market_time_zone(now: datetime, expected: date) -> None:
    assert today(NY, now) == expected


def test_today_accepts_any_aware_instant() -> None:
    tokyo = timezone(timedelta(hours=9))
    # 2024-11-12 09:00 in Tokyo is 00:00 UTC, 19:00 on the 11th in New York.
    assert today(NY, datetime(2024, 11, 12, 9, 0, tzinfo=tokyo)) == date(2024, 11, 11)
    assert today(UTC, datetime(2024, 11, 12, 9, 0, tzinfo=tokyo)) == date(2024, 11, 12)


def test_today_without_instant_uses_the_clock() -> None:
    before = datetime.now(UTC).astimezone(NY).date()
    value = today(NY)
    after = datetime.now(UTC).astimezone(NY).date()
    assert value in {before, after}


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_resolve_date_defaults_to_today(raw: str | None) -> None:
    before = dates.today(NY)
    value = resolve_date(raw, NY)
    after = dates.today(NY)
    assert value in {before, after}


def test_resolve_date_trims_and_validates() -> None:
    assert resolve_date(" 2024-11-05 ", NY) == date(2024, 11, 5)
    with pytest.raises(
        ValidationFailed, match=r"^Invalid date format '2024-1-5'\. Use YYYY-MM-DD$"
    ):
        resolve_date("2024-1-5", NY)


def test_iso_serialises_with_offset() -> None:
    assert iso(None) is None
    assert iso(datetime(2024, 11, 12, 15, 30, tzinfo=UTC)) == "2024-11-12T15:30:00+00:00"
    assert iso(datetime(2024, 11, 12, 15, 30)) == "2024-11-12T15:30:00+00:00"
    eastern = datetime(2024, 11, 12, 10, 30, tzinfo=NY)
    assert iso(eastern) == "2024-11-12T10:30:00-05:00"


def test_utcnow_is_aware_utc() -> None:
    now = dates.utcnow()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
