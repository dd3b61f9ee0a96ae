"""Prices as coaches write them, and the numbers that are no prices."""

from __future__ import annotations

import pytest

from coachplans.domain.signal_numbers import NOT_A_PRICE, plain_price, read_number_word


@pytest.mark.parametrize(
    ("word", "prices"),
    [
        ("945", ((945, None),)),
        ("$945.50", ((945.5, None),)),
        ("2,645", ((2645, None),)),
        ("65.5k", ((65500, None),)),
        ("94.2K", ((94200, None),)),
        ("945-950", ((945, 950),)),
        ("$945-$950", ((945, 950),)),
        ("945\u2013950", ((945, 950),)),
        ("5842-46", ((5842, 5846),)),
        ("579-80", ((579, 580),)),
        ("101.5k-102k", ((101500, 102000),)),
        ("96-97k", ((96000, 97000),)),
        ("2,645-2,650", ((2645, 2650),)),
        ("24.50-24", ((24, 24.5),)),
        ("75/78", ((75, None), (78, None))),
        ("2.45/2.60", ((2.45, None), (2.6, None))),
        ("0.0000215", ((0.0000215, None),)),
    ],
)
def test_prices(word: str, prices: tuple[tuple[float, float | None], ...]) -> None:
    number = read_number_word(word)
    assert number is not None
    assert number.prices == prices


@pytest.mark.parametrize(
    "word",
    ["10:30", "11/22", "12/20/25", "2026-01-06", "14%", "0DTE", "9.77B", "2x", "200dma", "1,2"],
)
def test_not_prices(word: str) -> None:
    assert read_number_word(word) is NOT_A_PRICE


@pytest.mark.parametrize(("word", "side"), [("230c", 1), ("950C", 1), ("590P", -1), ("220p", -1)])
def test_strikes_tell_the_side(word: str, side: int) -> None:
    number = read_number_word(word)
    assert number is not None
    assert (number.prices, number.side) == ((), side)


@pytest.mark.parametrize("word", ["NVDA", "long", "$AAPL", "", "-"])
def test_words_are_not_numbers(word: str) -> None:
    assert read_number_word(word) is None


@pytest.mark.parametrize(("word", "value"), [("945", 945), ("945.50", 945.5), (".5", 0.5)])
def test_plain_prices(word: str, value: float) -> None:
    assert plain_price(word) == value


@pytest.mark.parametrize("word", ["1.2.3", "2,645", "945k", "\u0663", "\u00b2", "", "."])
def test_not_plain_prices(word: str) -> None:
    """Only ASCII digits with one dot at most (other digits are no prices: see below)."""
    assert plain_price(word) is None


@pytest.mark.parametrize("word", ["\u0663", "\u0663.5"])
def test_other_digits_are_not_numbers(word: str) -> None:
    assert read_number_word(word) is None


def test_a_superscript_after_a_slash_is_no_date() -> None:
    assert read_number_word("1/\u00b2") is NOT_A_PRICE  # it raised ValueError before
