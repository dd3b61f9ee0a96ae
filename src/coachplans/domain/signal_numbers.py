"""Reading the numbers of plan text (SPEC §3.5): prices and price ranges as coaches write them,
and the numbers that are not prices.

Prices: ``945``, ``$945.50``, ``2,645``, ``65.5k``, ``945-950``, ``$945-$950``, ``5842-46``
(5842 to 5846), ``579-80``, ``101.5k-102k``, ``96-97k``, ``75/78`` (two prices). Not prices:
times (``10:30``), dates (``11/22``, ``2026-01-06``), percentages, option strikes (``230c``,
``590P``, which still tell the side), ``0DTE``, ``9.77B``, ``2x``, ``4h``, ``200dma``.

Each function reads one word with no surrounding punctuation, without regular expressions,
in time linear in the word.
"""

from __future__ import annotations

PriceRange = tuple[float, float | None]

_DIGITS = frozenset("0123456789")
_NUMBER_CHARS = frozenset("0123456789.,")
_DASHES = ("-", "\u2013", "\u2014")


class NumberWord:
    """What a numeric word says: prices (possibly several, possibly ranges), or a number that
    is not a price; ``side`` is +1 for a call strike, -1 for a put strike, else 0."""

    __slots__ = ("prices", "side")

    def __init__(self, prices: tuple[PriceRange, ...] = (), side: int = 0) -> None:
        self.prices = prices
        self.side = side


NOT_A_PRICE = NumberWord()


def plain_price(word: str) -> float | None:
    """``945``, ``945.50``, ``.5``: the commonest numeric word, read at C speed (``isascii``,
    ``replace``, ``isdigit``: no backtracking, linear), else None. A plan's prices are mostly
    new words, so this is the usual first reading of a word."""
    if word.isascii() and word.replace(".", "", 1).isdigit():
        return float(word)
    return None


def read_number_word(word: str) -> NumberWord | None:
    """The prices of a word that starts like a number, NOT_A_PRICE for other numbers, None
    when the word is not numeric at all."""
    plain = plain_price(word)
    if plain is not None:
        return NumberWord(((plain, None),))
    body = word.lstrip("~\u2248@+")
    if body.startswith("$"):
        body = body[1:]
    if not body or (body[0] not in _DIGITS and not (body[0] == "." and body[1:2].isdigit())):
        return None
    if "%" in body or ":" in body or "\u00b1" in word:
        return NOT_A_PRICE
    if "/" in body:
        return _slashed(body)
    strike = _strike(body)
    if strike is not None:
        return strike
    for dash in _DASHES:
        if dash in body:
            return _ranged(body, dash)
    value = _price(body)
    return NumberWord(((value, None),)) if value is not None else NOT_A_PRICE


def _slashed(body: str) -> NumberWord:
    """``75/78`` and ``2.45/2.60`` are two prices; ``11/22`` and ``12/20/25`` are dates."""
    parts = body.split("/")
    # isdecimal, not isdigit: int() reads every decimal digit but no superscript ("1/²").
    if all(p.isdecimal() for p in parts) and int(parts[0]) <= 12 and int(parts[1]) <= 31:
        return NOT_A_PRICE
    prices = []
    for part in parts:
        value = _price(part.lstrip("$"))
        if value is None:
            return NOT_A_PRICE
        prices.append((value, None))
    return NumberWord(tuple(prices))


def _strike(body: str) -> NumberWord | None:
    """``230c`` / ``950C`` / ``590P``: an option strike, not a level, but a side."""
    last = body[-1]
    if last not in "cCpP" or len(body) < 2 or not _NUMBER_CHARS.issuperset(body[:-1]):
        return None
    return NumberWord((), 1 if last in "cC" else -1)


def _ranged(body: str, dash: str) -> NumberWord:
    """``945-950``, ``5842-46``, ``96-97k``; a date ``2026-01-06`` is no price."""
    left, _, right = body.partition(dash)
    right = right.lstrip("$")
    if dash in right:
        return NOT_A_PRICE
    low, high = _price(left), _price(right)
    if low is None or high is None:
        return NOT_A_PRICE
    if right[-1:] in "kK" and left[-1:] not in "kK" and low * 1000 <= high:
        low = _round(low * 1000)
    elif high < low and "." not in right and right.isdigit():
        high = _shorthand(left, right, low, high)
    return NumberWord(((min(low, high), max(low, high)),))


def _shorthand(left: str, right: str, low: float, high: float) -> float:
    """``5842-46`` -> 5846 and ``579-80`` -> 580: the second number drops leading digits."""
    whole = left.replace(",", "").split(".")[0]
    if len(right) >= len(whole):
        return high
    expanded = float(whole[: len(whole) - len(right)] + right)
    return expanded if expanded > low else high


def _price(text: str) -> float | None:
    """``945``, ``945.50``, ``2,645.25``, ``65.5k``; None for anything else."""
    scale = 1.0
    if text[-1:] in "kK":
        text, scale = text[:-1], 1000.0
    if not text or (text[0] not in _DIGITS and text[0] != "."):
        return None
    if not _NUMBER_CHARS.issuperset(text):
        return None
    if "," in text and not _grouped(text):
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return _round(value * scale) if scale != 1.0 else value


def _grouped(text: str) -> bool:
    """``2,645`` and ``102,400.50`` are thousands groups; ``1,2`` is not."""
    whole = text.split(".")[0]
    groups = whole.split(",")
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _round(value: float) -> float:
    return round(value, 6)
