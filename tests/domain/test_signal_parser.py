"""The signal parser (SPEC §3.5): unit cases and the corpus scores."""

from __future__ import annotations

import pytest
from signal_corpus import CORPUS, score

from coachplans.domain.signal_parser import normalize_ticker, parse_signals
from coachplans.domain.signals import Bias, Level, LevelKind, Signal


def tickers(text: str) -> list[str]:
    return [signal.ticker for signal in parse_signals(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$NVDA long", ["NVDA"]),
        ("NVDA long", ["NVDA"]),
        ("$nvda long", ["NVDA"]),
        ("nvda long", []),
        ("BTC-USD and ETH-USD", ["BTC-USD", "ETH-USD"]),
        ("SPX NDX SPY QQQ", ["SPX", "NDX", "SPY", "QQQ"]),
        ("/ES and NQ futures", ["ES", "NQ"]),
        ("NVDA 950C 11/15", ["NVDA"]),
        ("I A CEO ATH EPS IV YOY PT SL ET CPI FOMC PPI NFP GDP VWAP EMA SMA RSI", []),
        ("AM PM USD OK DD TP ITM OTM ATM PDL PDH", []),
        ("$CEO $A", ["CEO", "A"]),
    ],
)
def test_tickers(text: str, expected: list[str]) -> None:
    assert tickers(text) == expected


def test_levels_of_a_day_trade() -> None:
    (signal,) = parse_signals("$NVDA long above 945, PT 960, SL 938")
    assert signal == Signal(
        "NVDA",
        Bias.BULLISH,
        (
            Level(LevelKind.ENTRY, 945),
            Level(LevelKind.TARGET, 960),
            Level(LevelKind.STOP, 938),
        ),
    )


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("$NVDA buy zone 940-945", Level(LevelKind.ENTRY, 940, 945)),
        ("$NVDA support $945-950", Level(LevelKind.SUPPORT, 945, 950)),
        ("$NVDA resistance 945 - 950", Level(LevelKind.RESISTANCE, 945, 950)),
        ("$NVDA entry 940\u2013945", Level(LevelKind.ENTRY, 940, 945)),
        ("BTC-USD target 67,250", Level(LevelKind.TARGET, 67250)),
        ("$NVDA stop loss 938.5", Level(LevelKind.STOP, 938.5)),
        ("$NVDA T2 975", Level(LevelKind.TARGET, 975)),
    ],
)
def test_level_forms(text: str, level: Level) -> None:
    (signal,) = parse_signals(text)
    assert signal.levels == (level,)


def test_bias_is_per_ticker() -> None:
    found = parse_signals("$AAPL calls above 228\n$TSLA puts below 238\n$MSFT watching")
    assert [s.bias for s in found] == [Bias.BULLISH, Bias.BEARISH, Bias.NEUTRAL]


def test_stop_below_is_not_bearish() -> None:
    (signal,) = parse_signals("$NVDA target 960, stop below 938")
    assert signal.bias is Bias.NEUTRAL


def test_bullet_lines_attach_to_the_last_ticker() -> None:
    (signal,) = parse_signals("$META\n- entry 580\n- PT 595\n\nno trades after 11:30, stop 1")
    assert signal.levels == (Level(LevelKind.ENTRY, 580), Level(LevelKind.TARGET, 595))


def test_times_dates_and_strikes_are_not_levels() -> None:
    (signal,) = parse_signals("SPY 590P 12/20 at 8:30 above the 200 SMA")
    assert signal.levels == ()


def test_no_tickers_no_signals() -> None:
    assert parse_signals("CPI at 8:30 ET. No trades before the print.") == ()


@pytest.mark.parametrize(
    ("raw", "ticker"),
    [("nvda", "NVDA"), ("$nvda", "NVDA"), ("/ES", "ES"), ("btc", "BTC-USD"), ("BRK.B", "BRK.B")],
)
def test_normalize_ticker(raw: str, ticker: str) -> None:
    assert normalize_ticker(raw) == ticker


def test_deterministic() -> None:
    assert all(parse_signals(c.text) == parse_signals(c.text) for c in CORPUS)


def test_corpus_scores() -> None:
    assert len(CORPUS) >= 60
    result = score(CORPUS, [parse_signals(case.text) for case in CORPUS])
    assert result.ticker_f1 >= 0.95, result
    assert result.level_f1 >= 0.9, result
    assert result.bias_accuracy >= 0.9, result
