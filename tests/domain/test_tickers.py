"""One canonical spelling per instrument, shared by the parser, ?ticker=, agents and MCP."""

from __future__ import annotations

import pytest

from coachplans.domain.tickers import canonical_ticker, same_ticker, ticker_in_word


@pytest.mark.parametrize(
    ("spellings", "canonical"),
    [
        (("BTC-USD", "BTCUSD", "BTCUSDT", "$BTC", "BTC", "$btc", "BTC/USD", "btc-usdt"), "BTC-USD"),
        (("ETH", "ETHUSD", "$eth", "ETH-USD"), "ETH-USD"),
        (("SOL", "SOLUSDT"), "SOL-USD"),
        (("LINK", "PEPE-USD"), None),
        (("GC=F", "GC", "/GC", "/gc"), "GC"),
        (("ES=F", "/ES"), "ES"),
        (("^GSPC", "SPX", "$SPX"), "SPX"),
        (("$nvda", " NVDA ", "nvda"), "NVDA"),
    ],
)
def test_spellings_of_one_instrument(spellings: tuple[str, ...], canonical: str | None) -> None:
    if canonical is None:  # coins named without a pair still become pairs
        assert all(canonical_ticker(s).endswith("-USD") for s in spellings)
        return
    assert {canonical_ticker(s) for s in spellings} == {canonical}
    assert all(same_ticker(s, canonical) for s in spellings)


def test_different_instruments_stay_apart() -> None:
    assert not same_ticker("BTC-USD", "ETH-USD")
    assert not same_ticker("GC=F", "GLD")
    assert canonical_ticker("BRK.B") == "BRK.B"
    assert canonical_ticker("USDT") == "USDT"  # a bare quote currency is not a pair


@pytest.mark.parametrize(
    ("word", "mixed", "shouting"),
    [
        ("NVDA", "NVDA", "NVDA"),
        ("$nvda", "NVDA", "NVDA"),
        ("nvda", None, None),
        ("btc", "BTC-USD", "BTC-USD"),
        ("Bitcoin", "BTC-USD", "BTC-USD"),
        ("SOLUSDT", "SOL-USD", "SOL-USD"),
        ("/ES", "ES", "ES"),
        ("ES=F", "ES", "ES"),
        ("/NQH25", "NQ", "NQ"),
        ("^GSPC", "SPX", "SPX"),
        ("6E", "6E", "6E"),
        ("BRK.B", "BRK.B", "BRK.B"),
        ("ZZZQ", "ZZZQ", None),  # unknown symbol: a ticker in mixed case only
        ("INTO", None, None),
        ("GOLD", None, None),
        ("DYOR", None, None),
        ("TABLE", None, None),
        ("EV", None, None),
        ("L", None, None),
        ("$CEO", "CEO", "CEO"),
    ],
)
def test_words_that_name_a_ticker(word: str, mixed: str | None, shouting: str | None) -> None:
    assert ticker_in_word(word) == mixed
    assert ticker_in_word(word, all_caps=True) == shouting


def test_month_coded_futures_and_pairs() -> None:
    assert canonical_ticker("ESZ5") == "ES"
    assert canonical_ticker("/CLF26") == "CL"
    assert canonical_ticker("WIFUSDT") == "WIF-USD"
    assert canonical_ticker("BTC/USDT") == "BTC-USD"
    assert canonical_ticker("AAPL") == "AAPL"
