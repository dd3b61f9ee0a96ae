"""Word-level differences between revision texts (the plan page's <ins>/<del>)."""

from __future__ import annotations

from coachplans.dashboard.diff import Segment, diff_segments


def rebuilt(segments: list[Segment], keep: str) -> str:
    return "".join(s.text for s in segments if s.kind in ("same", keep))


def test_a_changed_price_is_marked_alone() -> None:
    segments = diff_segments("Long NVDA above 945, stop 930", "Long NVDA above 950, stop 930")
    assert segments == [
        Segment("same", "Long NVDA above "),
        Segment("del", "945"),
        Segment("ins", "950"),
        Segment("same", ", stop 930"),
    ]


def test_both_texts_can_be_read_back_from_the_segments() -> None:
    before = "Plan:\n- SPY 580 support\n- QQQ bearish\n\nRisk small."
    after = "Plan:\n- SPY 582 support\n- IWM neutral\n\nRisk small, size down."
    segments = diff_segments(before, after)
    assert rebuilt(segments, "ins") == after
    assert rebuilt(segments, "del") == before


def test_added_lines_and_identical_texts() -> None:
    assert diff_segments("a", "a\nb") == [Segment("same", "a"), Segment("ins", "\nb")]
    assert diff_segments("same text", "same text") == [Segment("same", "same text")]
