"""Ticker spellings: one canonical form per instrument, shared by the signal parser, the API's
``?ticker=`` filter, the agents and the MCP tools.

The canonical form is what the parser stores: ``NVDA``, ``BTC-USD`` for a coin, ``ES`` / ``GC``
for a future, ``SPX`` for the S&P 500 index. Every spelling a coach or a data vendor uses maps
onto it: ``$btc``, ``BTCUSD``, ``BTCUSDT``, ``BTC/USD`` -> ``BTC-USD``; ``/GC``, ``GC=F`` ->
``GC``; ``^GSPC`` -> ``SPX``.
"""

from __future__ import annotations

# Coins named without a pair suffix are still coins.
CRYPTO_BASES = frozenset(
    {
        "BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LTC", "LINK", "PEPE", "DOT",
        "BNB", "SHIB", "TRX", "TON", "MATIC", "POL", "BCH", "NEAR", "UNI", "ATOM", "XLM",
        "SUI", "APT", "ARB", "OP", "HBAR", "FIL", "INJ", "WIF", "BONK", "FET", "RNDR",
    }
)  # fmt: skip
CRYPTO_QUOTES = ("USDT", "USDC", "USD")
# Index symbols as Yahoo spells them -> as coaches write them.
INDEX_ALIASES = {
    "^GSPC": "SPX",
    "^SPX": "SPX",
    "^NDX": "NDX",
    "^IXIC": "COMP",
    "^DJI": "DJI",
    "^RUT": "RUT",
    "^VIX": "VIX",
}
FUTURE_SUFFIX = "=F"


def _crypto(symbol: str) -> str | None:
    """``BTC``, ``BTCUSD``, ``BTC-USDT``, ``BTC/USD`` -> ``BTC-USD``; None for anything else."""
    if symbol in CRYPTO_BASES:
        return f"{symbol}-USD"
    for quote in CRYPTO_QUOTES:
        for sep in ("-", "/", ""):
            tail = f"{sep}{quote}"
            if symbol.endswith(tail) and symbol[: -len(tail)] in CRYPTO_BASES:
                return f"{symbol[: -len(tail)]}-USD"
    return None


def canonical_ticker(raw: str) -> str:
    """The canonical spelling of a ticker: ``$nvda`` -> ``NVDA``, ``$btc`` -> ``BTC-USD``,
    ``/ES`` or ``ES=F`` -> ``ES``, ``^GSPC`` -> ``SPX``."""
    symbol = raw.strip().upper()
    if symbol in INDEX_ALIASES:
        return INDEX_ALIASES[symbol]
    symbol = symbol.lstrip("$/")
    if symbol.endswith(FUTURE_SUFFIX) and len(symbol) > len(FUTURE_SUFFIX):
        return symbol[: -len(FUTURE_SUFFIX)]
    return _crypto(symbol) or symbol


def same_ticker(a: str, b: str) -> bool:
    """Whether two spellings name the same instrument."""
    return canonical_ticker(a) == canonical_ticker(b)
