"""Command arguments: both plan forms, optional strict dates, plan ids, usage errors."""

from __future__ import annotations

from datetime import date

import pytest
from bot_support import bot_roster

from coachplans.bot.syntax import (
    Target,
    UsageError,
    parse_day,
    parse_delete,
    parse_edit,
    parse_history,
    parse_plan,
    usage,
)
from coachplans.errors import ValidationFailed

ROSTER = bot_roster()


@pytest.mark.parametrize(
    ("raw", "day", "text"),
    [
        ("d some text", None, "some text"),
        ("d: some text", None, "some text"),
        ("d:some text", None, "some text"),
        ("D  some text", None, "some text"),
        ("coach_d some text", None, "some text"),
        ("d 2024-05-01 some text", date(2024, 5, 1), "some text"),
        ("d: 2024-05-01 some text", date(2024, 5, 1), "some text"),
        ("d 2024-05-01: some text", date(2024, 5, 1), "some text"),
        ("d 200 SMA holds", None, "200 SMA holds"),
        ("d 2024 was a good year", None, "2024 was a good year"),
        ("d:\nline one\n\nline two", None, "line one\n\nline two"),
    ],
)
def test_plan_forms(raw: str, day: date | None, text: str) -> None:
    args = parse_plan(raw, ROSTER)
    assert (args.coach.key, args.trade_date, args.text) == ("d", day, text)


@pytest.mark.parametrize("raw", ["d 2024-1-5 text", "d 2024-02-30 text", "d 2024-13-01 x"])
def test_malformed_dates_are_errors_not_text(raw: str) -> None:
    with pytest.raises(ValidationFailed, match="YYYY-MM-DD"):
        parse_plan(raw, ROSTER)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Which coach"),
        ("   ", "Which coach"),
        ("d", "text is missing"),
        ("d:", "text is missing"),
        ("d 2024-05-01", "text is missing"),
        ("zz some text", "Invalid coach name 'zz'"),
    ],
)
def test_plan_errors(raw: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        parse_plan(raw, ROSTER)


def test_edit_by_slot_and_by_id() -> None:
    target, text = parse_edit("d 2024-05-01 new text", ROSTER)
    assert target.coach is not None and target.coach.key == "d"
    assert (target.trade_date, target.plan_id, text) == (date(2024, 5, 1), None, "new text")
    assert parse_edit("42 new text", ROSTER) == (Target(plan_id=42), "new text")
    assert parse_edit("#42 new text", ROSTER) == (Target(plan_id=42), "new text")
    target, text = parse_edit("d 200 SMA holds", ROSTER)
    assert (target.trade_date, text) == (None, "200 SMA holds")


def test_edit_needs_text() -> None:
    with pytest.raises(UsageError, match="new text is missing"):
        parse_edit("42", ROSTER)
    with pytest.raises(UsageError, match="Which plan"):
        parse_edit("", ROSTER)


def test_delete_forms() -> None:
    assert parse_delete("17", ROSTER) == Target(plan_id=17)
    target = parse_delete("d: 2024-05-01", ROSTER)
    assert target.coach is not None
    assert (target.coach.key, target.trade_date) == ("d", date(2024, 5, 1))
    with pytest.raises(UsageError, match="Unexpected text"):
        parse_delete("d please", ROSTER)


def test_history_and_day() -> None:
    coach, day = parse_history("i 2024-05-01", ROSTER)
    assert (coach.key, day) == ("i", date(2024, 5, 1))
    assert parse_history("i", ROSTER)[1] is None
    assert parse_day("") is None
    assert parse_day(" 2024-05-01 ") == date(2024, 5, 1)
    with pytest.raises(ValidationFailed, match="YYYY-MM-DD"):
        parse_day("tomorrow")
    with pytest.raises(UsageError, match="Unexpected text"):
        parse_day("2024-05-01 extra")


def test_usage_names_the_prefix() -> None:
    assert usage("?", "plan") == (
        "Usage: `?plan <coach> [YYYY-MM-DD] <text>` or `?plan <coach>: <text>`"
    )
