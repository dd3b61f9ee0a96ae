"""Which lines of a plan are about a ticker, whatever spelling the coach used: ``$BTC``,
``BTCUSD`` and ``BTC/USD`` are ``BTC-USD``; ``/GC`` and ``$GC`` are ``GC=F``; ``SPX`` is
``^GSPC`` (the aliases of ``coachplans.domain.tickers``, shared with the signal parser)."""

from __future__ import annotations

import re

from coachplans.domain.signal_parser import parse_signals
from coachplans.domain.tickers import canonical_ticker, ticker_in_word

# A symbol as written: an optional $ / ^ marker, then letters with -, /, . or = parts.
_SYMBOL = re.compile(
    r"(?<![\w$/^])(?P<mark>[$/^]?)(?P<body>[A-Za-z][A-Za-z0-9]*(?:[-/.=][A-Za-z0-9]+)*)"
)


def _spellings(mark: str, body: str) -> list[str]:
    """The symbol whole, and each side of a ``/`` (``NVDA/AMD`` names both)."""
    parts = body.split("/") if "/" in body else []
    return [mark + body, *(mark + part for part in parts if part)]


def names_ticker(line: str, ticker: str) -> bool:
    """Whether ``line`` names ``ticker`` in any of its spellings; a word counts by the
    domain's rule (``ticker_in_word``: ``$`` marks a ticker, common words like ``I`` or
    ``CEO`` are not one)."""
    wanted = canonical_ticker(ticker)
    if any(canonical_ticker(signal.ticker) == wanted for signal in parse_signals(line)):
        return True
    return any(
        ticker_in_word(spelling) == wanted
        for match in _SYMBOL.finditer(line)
        for spelling in _spellings(match["mark"], match["body"])
    )


def names_any_ticker(line: str) -> bool:
    return bool(parse_signals(line))


def ticker_lines(text: str, ticker: str) -> list[str]:
    """The lines naming ``ticker``, each followed by the lines under it that name no ticker
    (a bullet list of levels); a blank line or another ticker ends that."""
    lines: list[str] = []
    following = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            following = False
        elif names_ticker(line, ticker):
            lines.append(line)
            following = True
        elif following and not names_any_ticker(line):
            lines.append(line)
        else:
            following = False
    return lines
