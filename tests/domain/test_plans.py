"""Plan text rules and the plain value types the service hands out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coachplans.domain.plans import MAX_TEXT, Action, Plan, Source, clean_text
from coachplans.errors import ValidationFailed


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("x", "x"),
        ("  plan  ", "plan"),
        ("\n\tline one\nline two\n", "line one\nline two"),
        ("$NVDA long above 945", "$NVDA long above 945"),
        ("émoji 🚀 ok", "émoji 🚀 ok"),
    ],
)
def test_clean_text_trims(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw", ["", " ", "\n\t  \n"])
def test_empty_text_rejected(raw: str) -> None:
    with pytest.raises(ValidationFailed, match=r"^Plan text is empty$"):
        clean_text(raw)


def test_length_limit_counts_characters_after_trimming() -> None:
    assert MAX_TEXT == 4000
    assert clean_text("a" * 4000) == "a" * 4000
    assert clean_text("  " + "a" * 4000 + "\n\n") == "a" * 4000
    assert len(clean_text("🚀" * 4000)) == 4000  # characters, not bytes
    with pytest.raises(ValidationFailed) as caught:
        clean_text("a" * 4001)
    assert str(caught.value) == "Plan text is 4001 characters; the limit is 4000"


@pytest.mark.parametrize("raw", ["a\x00b", "\x00plan", "plan\x00"])
def test_nul_rejected(raw: str) -> None:
    with pytest.raises(ValidationFailed, match="NUL"):
        clean_text(raw)


def test_enum_wire_values() -> None:
    assert [a.value for a in Action] == ["create", "replace", "edit", "delete", "restore", "import"]
    assert Source("discord_command") is Source.DISCORD_COMMAND
    assert Source("api") is Source.API


def test_plan_liveness() -> None:
    now = datetime(2024, 11, 12, tzinfo=UTC)
    plan = Plan(1, "d", date(2024, 11, 12), "t", "a", None, None, now, None, None, 1, ())
    assert plan.is_live
    deleted = Plan(1, "d", date(2024, 11, 12), "t", "a", None, None, now, now, now, 2, ())
    assert not deleted.is_live
