"""The deterministic consensus across coaches on one ticker (SPEC §8): who is bullish, bearish
or neutral, and the price levels each coach gives, from the plans' parsed signals. No LLM: the
same plans always give the same answer, for the API, the dashboard, the agents and MCP."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from coachplans.domain.coaches import wire_key
from coachplans.domain.signal_parser import parse_signals
from coachplans.domain.signals import Bias, Level, Signal
from coachplans.domain.tickers import canonical_ticker

BIASES = (Bias.BULLISH, Bias.BEARISH, Bias.NEUTRAL)


@dataclass(frozen=True, slots=True)
class CoachView:
    """What one coach says about the ticker: the first non-neutral bias it gives, and all the
    levels it names for it."""

    coach: str  # wire key, ``coach_d``
    bias: Bias
    levels: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class Consensus:
    ticker: str
    views: tuple[CoachView, ...]
    silent: tuple[str, ...]  # coaches with a plan that does not name the ticker

    def count(self, bias: Bias) -> int:
        return sum(view.bias is bias for view in self.views)

    @property
    def lean(self) -> Bias | None:
        """The majority between bullish and bearish; None when they tie (or nobody speaks)."""
        bulls, bears = self.count(Bias.BULLISH), self.count(Bias.BEARISH)
        if bulls == bears:
            return None
        return Bias.BULLISH if bulls > bears else Bias.BEARISH


def coach_view(coach: str, signals: Iterable[Signal], ticker: str) -> CoachView | None:
    """One coach's view on ``ticker`` from its plan's signals; None when it does not name it."""
    symbol = canonical_ticker(ticker)
    found = [s for s in signals if canonical_ticker(s.ticker) == symbol]
    if not found:
        return None
    bias = next((s.bias for s in found if s.bias is not Bias.NEUTRAL), Bias.NEUTRAL)
    levels = tuple(level for s in found for level in s.levels)
    return CoachView(wire_key(coach), bias, levels)


def consensus_of(signals: Mapping[str, Iterable[Signal]], ticker: str) -> Consensus:
    """``signals`` maps each coach with a plan to that plan's signals."""
    views: list[CoachView] = []
    silent: list[str] = []
    for coach, plan_signals in signals.items():
        view = coach_view(coach, plan_signals, ticker)
        if view is None:
            silent.append(wire_key(coach))
        else:
            views.append(view)
    return Consensus(canonical_ticker(ticker), tuple(views), tuple(silent))


def price(value: float) -> str:
    """945.0 -> ``945``, 945.5 -> ``945.5``."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def level_text(level: Level) -> str:
    high = f"-{price(level.high)}" if level.high is not None else ""
    return f"{level.kind.value} {price(level.low)}{high}"


def _names(coaches: Iterable[str]) -> str:
    return ", ".join(coaches) or "none"


def _bias_lines(consensus: Consensus) -> list[str]:
    lines = []
    for bias in BIASES:
        who = [view.coach for view in consensus.views if view.bias is bias]
        lines.append(f"{bias.value.capitalize()} ({len(who)}): {_names(who)}")
    lines.append(f"Not mentioned ({len(consensus.silent)}): {_names(consensus.silent)}")
    return lines


def _level_lines(consensus: Consensus) -> list[str]:
    lines = []
    for view in consensus.views:
        levels = ", ".join(level_text(level) for level in view.levels) or "no levels"
        lines.append(f"- {view.coach} ({view.bias.value}): {levels}")
    return lines


def _verdict(consensus: Consensus) -> str:
    bulls, bears = consensus.count(Bias.BULLISH), consensus.count(Bias.BEARISH)
    lean = consensus.lean
    said = "no majority" if lean is None else f"leans {lean.value}"
    return f"Overall: {bulls} bullish vs {bears} bearish, {said}."


def consensus_text(consensus: Consensus) -> str:
    """The consensus as plain text for a person or an LLM."""
    symbol = consensus.ticker
    plans = len(consensus.views) + len(consensus.silent)
    head = f"Consensus on {symbol} from {plans} coach plan(s):"
    if not consensus.views:
        return f"{head}\nNo coach mentions {symbol}; there is no consensus, do not invent one."
    levels = ["Levels:", *_level_lines(consensus)]
    return "\n".join([head, *_bias_lines(consensus), *levels, _verdict(consensus)])


def consensus_report(plans: Mapping[str, str], ticker: str) -> str:
    """``plans`` maps a coach (``d`` or ``coach_d``) to its plan text."""
    signals = {coach: parse_signals(text) for coach, text in plans.items()}
    return consensus_text(consensus_of(signals, ticker))
