"""A deterministic consensus across coaches for one ticker (SPEC §8), no LLM: who is bullish,
bearish or neutral, and the price levels each coach gives, from the plans' parsed signals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from coachplans.agents.reports import clean_ticker, wire
from coachplans.domain.signals import Bias, Level, Signal

BIASES = (Bias.BULLISH, Bias.BEARISH, Bias.NEUTRAL)


def _parse(text: str) -> tuple[Signal, ...]:
    from coachplans.domain.signal_parser import parse_signals  # lands in parallel (issue 5)

    return tuple(parse_signals(text))


def coach_signal(text: str, ticker: str) -> Signal | None:
    """What one plan says about ``ticker``: the first non-neutral bias it gives, and all its
    levels for it; None when the plan does not name it."""
    found = [s for s in _parse(text) if clean_ticker(s.ticker) == ticker]
    if not found:
        return None
    bias = next((s.bias for s in found if s.bias is not Bias.NEUTRAL), Bias.NEUTRAL)
    levels = tuple(level for s in found for level in s.levels)
    return Signal(ticker, bias, levels)


def price(value: float) -> str:
    """945.0 -> ``945``, 945.5 -> ``945.5``."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def level_text(level: Level) -> str:
    high = f"-{price(level.high)}" if level.high is not None else ""
    return f"{level.kind.value} {price(level.low)}{high}"


def _names(coaches: Iterable[str]) -> str:
    return ", ".join(coaches) or "none"


def _bias_lines(signals: Mapping[str, Signal], silent: list[str]) -> list[str]:
    lines = []
    for bias in BIASES:
        who = [coach for coach, signal in signals.items() if signal.bias is bias]
        lines.append(f"{bias.value.capitalize()} ({len(who)}): {_names(who)}")
    lines.append(f"Not mentioned ({len(silent)}): {_names(silent)}")
    return lines


def _level_lines(signals: Mapping[str, Signal]) -> list[str]:
    lines = []
    for coach, signal in signals.items():
        levels = ", ".join(level_text(level) for level in signal.levels) or "no levels"
        lines.append(f"- {coach} ({signal.bias.value}): {levels}")
    return lines


def _verdict(signals: Mapping[str, Signal]) -> str:
    bulls = sum(s.bias is Bias.BULLISH for s in signals.values())
    bears = sum(s.bias is Bias.BEARISH for s in signals.values())
    if bulls == bears:
        lean = "no majority"
    else:
        lean = "leans bullish" if bulls > bears else "leans bearish"
    return f"Overall: {bulls} bullish vs {bears} bearish, {lean}."


def consensus_report(plans: Mapping[str, str], ticker: str) -> str:
    """``plans`` maps a coach (``d`` or ``coach_d``) to its plan text; the report lists, for
    ``ticker``, the coaches by bias and each one's levels. The same input gives the same text."""
    symbol = clean_ticker(ticker)
    signals: dict[str, Signal] = {}
    silent: list[str] = []
    for coach, text in plans.items():
        signal = coach_signal(text, symbol)
        if signal is None:
            silent.append(wire(coach))
        else:
            signals[wire(coach)] = signal
    head = f"Consensus on {symbol} from {len(plans)} coach plan(s):"
    if not signals:
        return f"{head}\nNo coach mentions {symbol}; there is no consensus, do not invent one."
    levels = ["Levels:", *_level_lines(signals)]
    return "\n".join([head, *_bias_lines(signals, silent), *levels, _verdict(signals)])
