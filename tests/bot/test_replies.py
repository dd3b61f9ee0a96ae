"""Reply texts: splitting under Discord's limit at line boundaries, previews, confirmations."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bot_support import bot_roster

from coachplans.bot.replies import (
    DISCORD_LIMIT,
    help_text,
    plan_list,
    posted,
    preview,
    split_reply,
)
from coachplans.domain.plans import Action, ChartRef, Plan, WriteResult

ROSTER = bot_roster()


def _plan(text: str = "Long NVDA above 950", charts: int = 0, plan_id: int = 7) -> Plan:
    refs = tuple(ChartRef("a" * 64, "image/png", 10, f"c{n}.png") for n in range(charts))
    now = datetime(2024, 5, 1, 13, 0, tzinfo=UTC)
    return Plan(plan_id, "d", date(2024, 5, 1), text, "Dee", 501, "plans", now, None, None, 1, refs)


def test_short_text_is_one_chunk() -> None:
    assert split_reply("hello\nworld") == ["hello\nworld"]


def test_split_keeps_whole_lines_under_the_limit() -> None:
    lines = [f"line {n:04d} " + "x" * 80 for n in range(100)]
    chunks = split_reply("\n".join(lines))
    assert len(chunks) > 1
    assert all(len(chunk) < DISCORD_LIMIT for chunk in chunks)
    # Nothing lost, nothing reordered, no line cut in two.
    assert "\n".join(chunks).splitlines() == lines


def test_a_single_huge_line_is_cut() -> None:
    text = "word " * 1000
    chunks = split_reply(text)
    assert all(len(chunk) < DISCORD_LIMIT for chunk in chunks)
    assert " ".join(chunk.strip() for chunk in chunks).split() == text.split()


@pytest.mark.parametrize("limit", [10, 50])
def test_custom_limit(limit: int) -> None:
    chunks = split_reply("abc def ghi\n" * 30, limit=limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)


def test_preview_is_one_line_and_short() -> None:
    assert preview("a\nb   c") == "a b c"
    long = preview("x" * 500, chars=50)
    assert len(long) == 50 and long.endswith("…")


def test_posted_names_coach_date_charts_and_replacement() -> None:
    coach = ROSTER.resolve("d")
    first = posted(WriteResult(_plan(charts=2), Action.CREATE), coach)
    assert "Coach D (Day Trading)" in first and "2024-05-01" in first
    assert "2 charts" in first and "> Long NVDA above 950" in first
    assert "replaced" not in first
    again = posted(WriteResult(_plan(), Action.REPLACE, replaced=True), coach)
    assert "replaced the earlier plan" in again and "no charts" in again


def test_posted_lists_skipped_charts() -> None:
    coach = ROSTER.resolve("d")
    result = WriteResult(_plan(charts=1), Action.CREATE)
    text = posted(result, coach, ["'a.pdf' is not a PNG, JPEG, GIF or WEBP image"])
    assert "⚠️ Skipped: 'a.pdf' is not a PNG" in text


def test_duplicate_post_says_so() -> None:
    text = posted(WriteResult(_plan(), Action.CREATE, duplicate=True), ROSTER.resolve("d"))
    assert text.startswith("Already saved as plan #7 (coach_d, 2024-05-01)")


def test_plan_list() -> None:
    assert plan_list("Plans for 2024-05-01", [], ROSTER) == "Plans for 2024-05-01: no plans."
    text = plan_list("Plans", [_plan(), _plan(plan_id=8, charts=1)], ROSTER)
    assert text.count("Coach D (Day Trading)") == 2 and "plan #8" in text and "1 chart" in text


def test_help_lists_every_command_and_coach() -> None:
    text = help_text("?", ROSTER)
    for command in ("plan", "edit", "delete", "plans", "myplans", "history"):
        assert f"`?{command}" in text
    assert all(f"`{coach.key}`" in text for coach in ROSTER)
    assert len(text) < DISCORD_LIMIT
