"""One spelling per instrument (SPEC §3.5): the canonical ticker and the rule that says whether
a word of a plan names an instrument.

Canonical forms: stocks and ETFs upper case (``BRK.B``), coins ``BASE-USD`` (``BTC``,
``$btc``, ``BTCUSDT``, ``BTC/USDT``, ``BTC-USD`` are all ``BTC-USD``), futures their root
(``/ES``, ``ES=F``, ``ESZ5`` are ``ES``), indices their plain name (``^GSPC`` is ``SPX``).
"""

from __future__ import annotations

from coachplans.domain.ticker_lexicon import (
    CRYPTO,
    CRYPTO_NAMES,
    CRYPTO_QUOTES,
    FUTURES,
    INDEX_ALIASES,
    INDICES,
    KNOWN_STOCKS,
    NOT_TICKERS,
)

_MONTH_CODES = frozenset("FGHJKMNQUVXZ")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def canonical_ticker(raw: str) -> str:
    """The stored spelling of a ticker as a user or a plan may write it."""
    word = raw.strip()
    named = CRYPTO_NAMES.get(word.lower())
    if named is not None:
        return f"{named}-USD"
    symbol = word.upper()
    if symbol in INDEX_ALIASES:
        return INDEX_ALIASES[symbol]
    if symbol.startswith("$"):
        symbol = symbol[1:]
    elif symbol.startswith("/"):
        return _future_root(symbol[1:]) or symbol[1:]
    elif symbol.startswith("^"):
        symbol = symbol[1:]
    if symbol.endswith("=F"):
        return _future_root(symbol[:-2]) or symbol[:-2]
    if symbol[-1:].isdigit():
        symbol = _future_root(symbol) or symbol
    return _coin(symbol) or INDEX_ALIASES.get(symbol, symbol)


def same_ticker(a: str, b: str) -> bool:
    """Whether two spellings name the same instrument (``$BTC`` and ``BTCUSDT``)."""
    return canonical_ticker(a) == canonical_ticker(b)


def _coin(symbol: str) -> str | None:
    """``BTC``, ``BTC-USD``, ``BTCUSDT``, ``BTC/USDT``, ``WIFUSDT`` -> ``BASE-USD``."""
    if symbol in CRYPTO:
        return f"{symbol}-USD"
    for quote in CRYPTO_QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote) + 1:
            base = symbol[: -len(quote)].rstrip("-/")
            known = base in CRYPTO or (quote != "USD" and base.isalpha())
            if known and base.isalnum():
                return f"{base}-USD"
    return None


def _future_root(symbol: str) -> str | None:
    """``ES`` and ``ESZ5``/``ESZ25`` -> ``ES``; None when not a futures symbol."""
    if symbol in FUTURES:
        return symbol
    body = symbol.rstrip("0123456789")
    digits = len(symbol) - len(body)
    if 1 <= digits <= 2 and len(body) >= 2 and body[-1] in _MONTH_CODES and body[:-1] in FUTURES:
        return body[:-1]
    return None


def ticker_in_word(word: str, all_caps: bool = False) -> str | None:
    """The canonical ticker a word of a plan names, or None. ``word`` has its surrounding
    punctuation removed. ``$`` marks a ticker outright; a bare capitalised word is one unless
    it is jargon or an English word, and in a line written all in capitals only a known symbol
    counts (there ``INTO`` or ``TREND`` are just shouting)."""
    first = word[:1]
    if first == "$":
        body = word[1:]
        if 1 <= len(body) <= 12 and body[:1].isalpha() and _symbol_chars(body.upper()):
            return canonical_ticker(body)
        return None
    if first == "/" or first == "^":
        return _prefixed(word)
    named = CRYPTO_NAMES.get(word.lower())
    if named is not None and (word.islower() or word.istitle() or word.isupper()):
        return f"{named}-USD"
    if not word.isupper() or len(word) < 2:
        return None
    return _bare(word, all_caps)


def _prefixed(word: str) -> str | None:
    body = word[1:].upper()
    if word[0] == "/":
        return _future_root(body)
    alias = INDEX_ALIASES.get(word.upper())
    return alias if alias is not None else (body if body in INDICES else None)


def _bare(word: str, all_caps: bool) -> str | None:
    if word.endswith("=F"):
        return _future_root(word[:-2])
    coin = _coin(word)
    if coin is not None:
        return coin
    if word in NOT_TICKERS:
        return None
    if word[-1].isdigit():
        return _future_root(word)
    if word in FUTURES or word in INDICES or word in KNOWN_STOCKS:
        return INDEX_ALIASES.get(word, word)
    if all_caps:
        return _future_root(word) if len(word) >= 4 else None
    if len(word) > 5 and "." not in word:
        return _future_root(word)
    return word if _stock_shape(word) else None


def _stock_shape(word: str) -> bool:
    """``NVDA``, ``BRK.B``: 2-5 letters, optionally a one- or two-letter class."""
    head, dot, tail = word.partition(".")
    if not (2 <= len(head) <= 5 and all(c in _LETTERS for c in head)):
        return False
    return not dot or (1 <= len(tail) <= 2 and all(c in _LETTERS for c in tail))


def _symbol_chars(symbol: str) -> bool:
    return all(c in _LETTERS or c in ".-/" or c.isdigit() for c in symbol)
