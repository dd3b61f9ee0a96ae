"""The deterministic consensus across coaches (SPEC §8), on plans whose signals are plain."""

from __future__ import annotations

from coachplans.agents import consensus_report

PLANS = {
    "d": "$NVDA long above 945, PT 960, SL 938",
    "coach_i": "$NVDA short below 940, target 930, stop 948",
    "s": "$NVDA long above 950, PT 990, SL 930\n$TSLA short below 240",
    "n": "CPI at 8:30 ET. No positions into the print {really}.",
}


def test_bullish_and_bearish_coaches_and_their_levels() -> None:
    assert consensus_report(PLANS, "$nvda") == "\n".join(
        [
            "Consensus on NVDA from 4 coach plan(s):",
            "Bullish (2): coach_d, coach_s",
            "Bearish (1): coach_i",
            "Neutral (0): none",
            "Not mentioned (1): coach_n",
            "Levels:",
            "- coach_d (bullish): entry 945, target 960, stop 938",
            "- coach_i (bearish): entry 940, target 930, stop 948",
            "- coach_s (bullish): entry 950, target 990, stop 930",
            "Overall: 2 bullish vs 1 bearish, leans bullish.",
        ]
    )


def test_the_same_plans_give_the_same_report() -> None:
    assert consensus_report(PLANS, "TSLA") == consensus_report(dict(PLANS), "TSLA")
    assert "Bearish (1): coach_s" in consensus_report(PLANS, "TSLA")


def test_ranges_support_and_resistance() -> None:
    report = consensus_report({"i": "SPY support 573.5-574, resistance 578"}, "SPY")
    assert "- coach_i (neutral): support 573.5-574, resistance 578" in report
    assert "Overall: 0 bullish vs 0 bearish, no majority." in report


def test_no_coach_mentions_the_ticker() -> None:
    assert consensus_report(PLANS, "AAPL") == (
        "Consensus on AAPL from 4 coach plan(s):\n"
        "No coach mentions AAPL; there is no consensus, do not invent one."
    )
    assert "do not invent one" in consensus_report({}, "NVDA")
