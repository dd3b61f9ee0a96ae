"""Structured signals read from plan text (SPEC §3.5): tickers, bias, price levels.

The types live here; the parser is :func:`coachplans.domain.signal_parser.parse_signals`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Bias(StrEnum):
    BULLISH = "bullish"
    BEARISH = "bearish"
    NEUTRAL = "neutral"


class LevelKind(StrEnum):
    ENTRY = "entry"
    TARGET = "target"
    STOP = "stop"
    SUPPORT = "support"
    RESISTANCE = "resistance"


# Named tuples rather than dataclasses: a page of plans holds tens of thousands of levels, and
# building a tuple costs a fraction of a frozen dataclass's __init__.
class Level(NamedTuple):
    """One price, or a range when ``high`` is set (``$945-950``: low 945, high 950)."""

    kind: LevelKind
    low: float
    high: float | None = None


class Signal(NamedTuple):
    """What one plan says about one ticker."""

    ticker: str
    bias: Bias = Bias.NEUTRAL
    levels: tuple[Level, ...] = ()


# Stored values -> members, without Enum.__call__ (which costs a microsecond per level).
LEVEL_KINDS = {kind.value: kind for kind in LevelKind}
BIASES = {bias.value: bias for bias in Bias}
