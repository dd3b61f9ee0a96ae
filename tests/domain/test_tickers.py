"""One canonical spelling per instrument, shared by the parser, ?ticker=, agents and MCP."""

from __future__ import annotations

import pytest

from coachplans.domain.tickers import canonical_ticker, same_ticker


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
