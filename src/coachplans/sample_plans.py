"""Realistic sample plans per coach and date, deterministic: the same coach and date always
give the same text. Mock mode posts them (with charts drawn around the same prices) and the
client's offline mode answers with them, so this module depends on nothing but the standard
library.

Each coach has a style of its own (day-trading levels, intraday index ranges, swing setups,
news and events), with prices drawn around a base per ticker so the charts match the text.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

BASE_PRICES = {
    "NVDA": 945.0,
    "TSLA": 242.0,
    "AAPL": 228.0,
    "AMD": 158.0,
    "META": 585.0,
    "MSFT": 418.0,
    "AMZN": 186.0,
    "SPY": 586.0,
    "QQQ": 505.0,
    "IWM": 226.0,
    "BTC-USD": 67250.0,
    "ETH-USD": 3420.0,
    "COIN": 205.0,
    "PLTR": 41.0,
    "SMCI": 38.0,
}
EVENTS = (
    ("CPI", "8:30 ET"),
    ("PPI", "8:30 ET"),
    ("FOMC minutes", "14:00 ET"),
    ("Initial jobless claims", "8:30 ET"),
    ("Retail sales", "8:30 ET"),
    ("ISM services", "10:00 ET"),
    ("Powell speaks", "13:00 ET"),
    ("NFP", "8:30 ET"),
)
EARNINGS = ("NVDA", "CRM", "COST", "AVGO", "ORCL", "ADBE", "MU", "NKE", "FDX", "LULU")
AUTHORS = {"d": "CoachD", "i": "CoachI", "s": "CoachS", "n": "CoachN"}


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """A chart that goes with the text: the ticker, its last price, and the price levels the
    text names (drawn on the chart as they are written)."""

    ticker: str
    last: float
    levels: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class SamplePlan:
    text: str
    author: str
    charts: list[ChartSpec] = field(default_factory=list)


Style = Callable[[date, random.Random], tuple[str, list[ChartSpec]]]


def _price(base: float, rng: random.Random) -> float:
    return round(base * rng.uniform(0.93, 1.07), 2)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10_000 else f"{value:.2f}"


def _level(value: float) -> float:
    """``value`` exactly as the text writes it, so a chart draws the same number."""
    return float(_fmt(value).replace(",", ""))


def _day_trading(day: date, rng: random.Random) -> tuple[str, list[ChartSpec]]:
    picks = rng.sample(["NVDA", "TSLA", "AMD", "META", "SMCI", "PLTR"], 2)
    lines = [f"Day trading plan {day.isoformat()} 🎯", ""]
    charts = []
    for ticker in picks:
        last = _price(BASE_PRICES[ticker], rng)
        step = round(last * 0.012, 2)
        sign, side, word = (1, "long", "above") if rng.random() < 0.6 else (-1, "short", "below")
        target, stop = _level(last + sign * 2 * step), _level(last - sign * step)
        lines.append(f"${ticker} {side} {word} {_fmt(last)}, PT {_fmt(target)}, SL {_fmt(stop)}")
        charts.append(ChartSpec(ticker, last, (_level(last), target, stop)))
    lines += ["", "Size down into the open; no new entries after 11:30 ET."]
    return "\n".join(lines), charts


def _intraday(day: date, rng: random.Random) -> tuple[str, list[ChartSpec]]:
    lines = [f"Intraday levels for {day.strftime('%A %b %d')}:"]
    charts = []
    for ticker in ("SPY", "QQQ"):
        last = _price(BASE_PRICES[ticker], rng)
        gap = round(last * 0.004, 2)
        support = (_level(last - gap), _level(last - gap / 2))
        resistance = (_level(last + gap), _level(last + 1.6 * gap))
        lines += [
            f"• {ticker} support {_fmt(support[0])}-{_fmt(support[1])}",
            f"• {ticker} resistance {_fmt(resistance[0])}-{_fmt(resistance[1])}",
        ]
        charts.append(ChartSpec(ticker, last, support + resistance))
    bias = rng.choice(["bullish over VWAP", "neutral, range day", "bearish under PDL"])
    lines += ["", f"Bias: {bias}. Fade the first push into resistance, scale at midpoint."]
    return "\n".join(lines), charts


def _swing(day: date, rng: random.Random) -> tuple[str, list[ChartSpec]]:
    ticker = rng.choice(["AAPL", "MSFT", "AMZN", "COIN", "ETH-USD", "BTC-USD"])
    last = _price(BASE_PRICES[ticker], rng)
    entry_low, entry_high = _level(last * 0.985), _level(last * 0.995)
    first, second, stop = _level(last * 1.04), _level(last * 1.08), _level(last * 0.96)
    text = (
        f"Swing idea (3-10 days): ${ticker}\n"
        f"- Entry zone {_fmt(entry_low)}-{_fmt(entry_high)} on a pullback to the 20 EMA\n"
        f"- Target 1 {_fmt(first)}, target 2 {_fmt(second)}\n"
        f"- Stop {_fmt(stop)} on a daily close\n"
        f"Holding last week's position in ${rng.choice(['IWM', 'QQQ'])}; trail stop to breakeven."
    )
    return text, [ChartSpec(ticker, last, (entry_low, entry_high, first, second, stop))]


def _news(day: date, rng: random.Random) -> tuple[str, list[ChartSpec]]:
    events = rng.sample(EVENTS, 2)
    reporters = rng.sample(EARNINGS, 3)
    lines = [f"📰 Events for {day.isoformat()}"]
    lines += [f"- {name} at {when}" for name, when in events]
    lines.append(f"- Earnings after the close: {', '.join(reporters)}")
    lines += ["", "Expect IV crush on the reporters; no positions into the prints."]
    last = _price(BASE_PRICES["SPY"], rng)
    return "\n".join(lines), [ChartSpec("SPY", last)]  # the text names no price levels


STYLES: dict[str, Style] = {
    "d": _day_trading,
    "i": _intraday,
    "s": _swing,
    "n": _news,
}


def sample_plan(coach: str, day: date) -> SamplePlan:
    """The sample plan of a coach for a date; a coach outside the default four gets a note."""
    style = STYLES.get(coach)
    if style is None:
        return SamplePlan(f"Mock plan for coach_{coach} on {day}.", f"Coach{coach}")
    text, charts = style(day, random.Random(f"{coach}:{day.toordinal()}"))
    return SamplePlan(text, AUTHORS.get(coach, f"Coach{coach.upper()}"), charts)
