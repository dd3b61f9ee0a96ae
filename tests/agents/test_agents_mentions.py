"""A plan names a ticker in whatever spelling the coach used (aliases shared with the signal
parser); the reports quote those lines and the bias and levels parsed from them."""

from __future__ import annotations

import pytest

from coachplans.agents.mentions import names_ticker, ticker_lines
from coachplans.agents.reports import CoachPlan, coach_report

ALIASES = [
    ("BTC-USD", "$BTC long above 62000"),
    ("BTC-USD", "BTCUSD short below 61000"),
    ("BTC-USD", "BTC-USD reclaim 63000"),
    ("BTC-USD", "watching $btc"),
    ("BTCUSD", "$BTC long above 62000"),
    ("$BTC", "BTC-USD long"),
    ("GC=F", "$GC long above 2350"),
    ("GC=F", "/GC support 2300"),
    ("GC=F", "GC holding 2340"),
    ("GC", "GC=F rejected at 2400"),
    ("/GC", "GC=F rejected at 2400"),
    ("ES=F", "/ES short below 5200"),
    ("/ES", "ES=F bid"),
    ("^GSPC", "SPX puts below 5200"),
    ("SPX", "^GSPC at highs"),
    ("NVDA", "NVDA/AMD pair trade"),
    ("nvda", "$NVDA long"),
]


@pytest.mark.parametrize(("ticker", "line"), ALIASES)
def test_a_line_names_the_ticker_in_any_spelling(ticker: str, line: str) -> None:
    assert names_ticker(line, ticker)


@pytest.mark.parametrize(
    ("ticker", "line"),
    [
        ("NVDA", "NVDAX is another fund"),
        ("NVDA", "nvda in lower case is a word"),
        ("AMD", "I like the CEO"),
        ("I", "I think we go higher"),  # common words are tickers only with $
        ("GC=F", "GCX is not gold"),
        ("BTC-USD", "ETH-USD long"),
        ("ES=F", "ESG funds"),
    ],
)
def test_other_words_do_not_name_it(ticker: str, line: str) -> None:
    assert not names_ticker(line, ticker)


def test_lines_under_a_ticker_belong_to_it_until_a_blank_line_or_another_ticker() -> None:
    text = "Morning\n$NVDA long above 945\n- PT 960\n- SL 938\n$TSLA short\n- PT 160\n\n- x"
    assert ticker_lines(text, "NVDA") == ["$NVDA long above 945", "- PT 960", "- SL 938"]
    assert ticker_lines(text, "TSLA") == ["$TSLA short", "- PT 160"]


def test_a_plan_written_with_dollar_btc_is_about_btc_usd() -> None:
    plan = CoachPlan("coach_d", "2024-05-13", "$BTC long above 62000, target 65000, stop 60500")
    assert coach_report(plan, "BTC-USD") == (
        "Plan from coach_d for 2024-05-13, lines about BTC-USD:\n"
        "- $BTC long above 62000, target 65000, stop 60500\n"
        "Parsed for BTC-USD: bias bullish; levels entry 62000, target 65000, stop 60500."
    )


def test_a_plan_written_with_slash_gc_is_about_gc_f() -> None:
    plan = CoachPlan("coach_s", "2024-05-13", "/GC long above 2350, stop 2320")
    report = coach_report(plan, "GC=F")
    assert "lines about GC=F:\n- /GC long above 2350, stop 2320\n" in report
    assert "Parsed for GC=F: bias bullish; levels entry 2350, stop 2320." in report


def test_a_plan_not_naming_the_ticker_says_so() -> None:
    plan = CoachPlan("coach_n", "2024-05-13", "CPI at 8:30 ET {no trades}")
    assert coach_report(plan, "NVDA") == (
        "Plan from coach_n for 2024-05-13 does not name NVDA: coach_n gives no view on NVDA; "
        "do not attribute one. Full plan for context:\nCPI at 8:30 ET {no trades}"
    )
