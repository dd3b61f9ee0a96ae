"""Candlestick chart images for mock plans, drawn locally with Pillow (no network, no data).

The same arguments always give the same PNG bytes, so seeded plans are stable across runs and
their charts deduplicate by SHA-256 in the store.
"""

from __future__ import annotations

import functools
import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.ImageFont | ImageFont.FreeTypeFont
Color = tuple[int, int, int]

BACKGROUND: Color = (19, 23, 34)
GRID: Color = (38, 43, 56)
TEXT: Color = (209, 212, 220)
MUTED: Color = (120, 126, 140)
UP: Color = (38, 166, 154)
DOWN: Color = (239, 83, 80)
RESISTANCE: Color = (255, 152, 0)
SUPPORT: Color = (41, 121, 255)

MIN_SIZE = (200, 150)
MAX_SIZE = (4000, 4000)
LEFT, RIGHT, TOP, BOTTOM = 10, 72, 44, 22
BAR_SPACING = 11


@dataclass(frozen=True, slots=True)
class Candle:
    open: float
    high: float
    low: float
    close: float


@dataclass(frozen=True, slots=True)
class _Frame:
    """Maps prices to pixel rows inside the plot area."""

    left: int
    top: int
    right: int
    bottom: int
    low: float
    high: float

    def y(self, price: float) -> float:
        share = (price - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


def render_chart(
    ticker: str,
    seed: int,
    width: int = 800,
    height: int = 450,
    *,
    base_price: float | None = None,
    timeframe: str = "5m",
    levels: Sequence[float] | None = None,
) -> bytes:
    """A dark candlestick chart of a seeded random walk, as PNG bytes.

    ``levels`` are drawn as horizontal lines (above the last close: resistance, below:
    support); ``None`` takes two levels from the walk itself, ``()`` draws none. With
    ``base_price`` the walk is scaled so that the last close is that price, so plan levels
    sit around it.
    """
    _check_size(width, height)
    symbol = ticker.strip().upper() or "MOCK"
    rng = random.Random(f"{symbol}:{seed}")
    start = base_price if base_price and base_price > 0 else rng.uniform(20.0, 500.0)
    bars = max(10, (width - LEFT - RIGHT) // BAR_SPACING)
    candles = random_walk(rng, start, bars)
    if base_price and base_price > 0:
        candles = _anchor(candles, base_price)
    lines = _default_levels(candles) if levels is None else tuple(levels)
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    frame = _frame(width, height, candles, lines)
    _draw_grid(draw, frame)
    _draw_candles(draw, frame, candles)
    _draw_levels(draw, frame, lines, candles[-1].close)
    _draw_titles(draw, frame, symbol, timeframe, candles[-1].close)
    return _png(image)


def random_walk(rng: random.Random, start: float, count: int) -> list[Candle]:
    """``count`` OHLC candles whose opens follow the previous close."""
    volatility = 0.0035
    drift = rng.uniform(-0.0008, 0.0008)
    candles: list[Candle] = []
    close = start
    for _ in range(count):
        open_ = close
        close = max(0.01, open_ * (1 + rng.gauss(drift, volatility)))
        high = max(open_, close) * (1 + abs(rng.gauss(0, volatility / 2)))
        low = min(open_, close) * (1 - abs(rng.gauss(0, volatility / 2)))
        candles.append(Candle(open_, high, low, close))
    return candles


def _anchor(candles: Sequence[Candle], last: float) -> list[Candle]:
    scale = last / candles[-1].close
    return [Candle(c.open * scale, c.high * scale, c.low * scale, c.close * scale) for c in candles]


def _check_size(width: int, height: int) -> None:
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise ValueError(
            f"Chart size {width}x{height} is outside {MIN_SIZE[0]}x{MIN_SIZE[1]}"
            f"..{MAX_SIZE[0]}x{MAX_SIZE[1]}"
        )


def _default_levels(candles: Sequence[Candle]) -> tuple[float, float]:
    highs = sorted(c.high for c in candles)
    lows = sorted(c.low for c in candles)
    return highs[int(len(highs) * 0.85)], lows[int(len(lows) * 0.15)]


def _frame(width: int, height: int, candles: Sequence[Candle], levels: Sequence[float]) -> _Frame:
    low = min(min(c.low for c in candles), *levels) if levels else min(c.low for c in candles)
    high = max(max(c.high for c in candles), *levels) if levels else max(c.high for c in candles)
    pad = (high - low) * 0.06 or high * 0.01
    return _Frame(LEFT, TOP, width - RIGHT, height - BOTTOM, low - pad, high + pad)


def nice_step(span: float, count: int = 6) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` ticks."""
    raw = span / max(count, 1)
    if raw <= 0:
        return 1.0
    power: float = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _draw_grid(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    step = nice_step(frame.high - frame.low)
    tick = math.ceil(frame.low / step) * step
    font = _font(12)
    while tick <= frame.high:
        y = frame.y(tick)
        draw.line([(frame.left, y), (frame.right, y)], fill=GRID, width=1)
        draw.text((frame.right + 6, y), _price(tick), fill=MUTED, font=font, anchor="lm")
        tick += step
    draw.rectangle([frame.left, frame.top, frame.right, frame.bottom], outline=GRID)


def _draw_candles(draw: ImageDraw.ImageDraw, frame: _Frame, candles: Sequence[Candle]) -> None:
    slot = (frame.right - frame.left) / len(candles)
    body = max(1, int(slot * 0.6))
    for index, candle in enumerate(candles):
        color = UP if candle.close >= candle.open else DOWN
        middle = frame.left + slot * (index + 0.5)
        draw.line([(middle, frame.y(candle.high)), (middle, frame.y(candle.low))], fill=color)
        top = frame.y(max(candle.open, candle.close))
        bottom = max(frame.y(min(candle.open, candle.close)), top + 1)
        draw.rectangle([middle - body / 2, top, middle + body / 2, bottom], fill=color)


def _draw_levels(
    draw: ImageDraw.ImageDraw, frame: _Frame, levels: Sequence[float], last: float
) -> None:
    font = _font(12)
    for level in levels:
        color = RESISTANCE if level >= last else SUPPORT
        y = frame.y(level)
        for x in range(frame.left, frame.right, 12):
            draw.line([(x, y), (min(x + 6, frame.right), y)], fill=color, width=2)
        label = f"{'R' if level >= last else 'S'} {_price(level)}"
        draw.text((frame.left + 6, y - 3), label, fill=color, font=font, anchor="lb")


def _draw_titles(
    draw: ImageDraw.ImageDraw, frame: _Frame, symbol: str, timeframe: str, last: float
) -> None:
    big = _font(22)
    draw.text((frame.left, 10), symbol, fill=TEXT, font=big)
    subtitle = f"{timeframe} candles - last {_price(last)} - mock data, not advice"
    offset = frame.left + draw.textlength(symbol, font=big) + 12
    draw.text((offset, 16), subtitle, fill=MUTED, font=_font(13))


def _price(value: float) -> str:
    return f"{value:,.2f}"


@functools.cache
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
