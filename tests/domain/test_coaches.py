"""The roster and the spellings of a coach that callers send."""

from __future__ import annotations

import pytest

from coachplans.domain.coaches import Coach, Roster
from coachplans.errors import ValidationFailed


@pytest.fixture
def roster() -> Roster:
    return Roster(
        [
            Coach("d", "Coach D (Day Trading)"),
            Coach("i", "Coach I (Intraday)"),
            Coach("s", "Coach S (Swing)"),
            Coach("n", "Coach N (News/Events)"),
        ]
    )


@pytest.mark.parametrize(
    "spelling", ["d", "D", " d ", "\td\n", "coach_d", "COACH_D", "Coach_D", "  coach_d  "]
)
def test_every_accepted_spelling_resolves(roster: Roster, spelling: str) -> None:
    coach = roster.resolve(spelling)
    assert coach.key == "d"
    assert coach.wire_key == "coach_d"
    assert coach.name == "Coach D (Day Trading)"
    assert roster.find(spelling) is coach


@pytest.mark.parametrize("key", ["d", "i", "s", "n"])
def test_each_default_coach_resolves_by_wire_key(roster: Roster, key: str) -> None:
    assert roster.resolve(f"coach_{key}").key == key


@pytest.mark.parametrize("raw", ["x", "dd", "coach_x", "coach_", "coach d", "d_coach", "ḍ"])
def test_unknown_coach_message(roster: Roster, raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        roster.resolve(raw)
    assert str(caught.value) == f"Invalid coach name '{raw}'. Valid coaches: d, i, s, n"
    assert roster.find(raw) is None


def test_unknown_coach_message_is_exact_for_x(roster: Roster) -> None:
    with pytest.raises(ValidationFailed) as caught:
        roster.resolve("x")
    assert str(caught.value) == "Invalid coach name 'x'. Valid coaches: d, i, s, n"


def test_unknown_coach_message_quotes_the_trimmed_value(roster: Roster) -> None:
    with pytest.raises(ValidationFailed) as caught:
        roster.resolve("  x ")
    assert str(caught.value) == "Invalid coach name 'x'. Valid coaches: d, i, s, n"


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing_coach_message(roster: Roster, raw: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        roster.resolve(raw)
    assert str(caught.value) == "Missing required parameter: coach"
    assert roster.find(None) is None


def test_roster_keeps_configuration_order(roster: Roster) -> None:
    assert roster.keys == ["d", "i", "s", "n"]
    assert [coach.key for coach in roster] == ["d", "i", "s", "n"]
    assert len(roster) == 4
    assert roster.valid_list() == "d, i, s, n"


def test_custom_roster_with_slugs() -> None:
    custom = Roster([Coach("alpha", "Alpha"), Coach("z", "Zed")])
    assert custom.resolve("COACH_ALPHA").key == "alpha"
    assert custom.resolve(" Alpha ").key == "alpha"
    with pytest.raises(ValidationFailed) as caught:
        custom.resolve("d")
    assert str(caught.value) == "Invalid coach name 'd'. Valid coaches: alpha, z"
