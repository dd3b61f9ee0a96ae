"""The structured consensus the API, dashboard, agents and MCP share (text: tests/agents)."""

from __future__ import annotations

from coachplans.domain.consensus import consensus_of, consensus_text
from coachplans.domain.signal_parser import parse_signals
from coachplans.domain.signals import Bias, Level, LevelKind


def test_views_per_coach_silent_coaches_and_the_lean() -> None:
    signals = {
        "d": parse_signals("$BTC long above 65,000, target 67,500"),
        "coach_i": parse_signals("$BTC short below 64,000, stop 64,800"),
        "s": parse_signals("$BTC long over 64,500"),
        "n": parse_signals("CPI at 8:30 ET; flat into the print"),
    }
    consensus = consensus_of(signals, "btcusdt")
    assert consensus.ticker == "BTC-USD"
    assert [(v.coach, v.bias) for v in consensus.views] == [
        ("coach_d", Bias.BULLISH), ("coach_i", Bias.BEARISH), ("coach_s", Bias.BULLISH),
    ]  # fmt: skip
    assert consensus.silent == ("coach_n",)
    assert consensus.lean is Bias.BULLISH
    assert Level(LevelKind.TARGET, 67500.0) in consensus.views[0].levels
    assert "leans bullish" in consensus_text(consensus)


def test_a_tie_or_silence_has_no_lean() -> None:
    tie = consensus_of({"d": parse_signals("$SPY long"), "i": parse_signals("$SPY short")}, "SPY")
    assert tie.lean is None and "no majority" in consensus_text(tie)
    nobody = consensus_of({"d": parse_signals("$SPY long")}, "AAPL")
    assert nobody.views == () and "do not invent one" in consensus_text(nobody)
