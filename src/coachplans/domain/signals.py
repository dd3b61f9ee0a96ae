"""Structured signals read from plan text (SPEC §3.5): tickers, bias, price levels.

The types live here; the parser is :func:`coachplans.domain.signal_parser.parse_signals`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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


@dataclass(frozen=True, slots=True)
class Level:
    """One price, or a range when ``high`` is set (``$945-950``: low 945, high 950)."""

    kind: LevelKind
    low: float
    high: float | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """What one plan says about one ticker."""

    ticker: str
    bias: Bias = Bias.NEUTRAL
    levels: tuple[Level, ...] = field(default_factory=tuple)
