"""Read signals (tickers, bias, price levels) from a plan's text (SPEC §3.5).

Pure and deterministic. The text is cut into segments (lines, then sentences); each segment
is cut again at every ticker it mentions, and the words of a piece belong to its ticker (words
before the first ticker belong to the first one). A segment without a ticker that holds levels
continues the most recent ticker (a bullet list under a ticker); a blank line ends that context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coachplans.domain.signals import Bias, Level, LevelKind, Signal
from coachplans.domain.tickers import canonical_ticker

# Upper-case words that are not tickers unless written with "$".
NOT_TICKERS = frozenset(
    {
        "I",
        "A",
        "AM",
        "PM",
        "ET",
        "EST",
        "EDT",
        "PT",
        "CT",
        "PST",
        "SL",
        "TP",
        "TA",
        "FA",
        "DD",
        "OK",
        "CEO",
        "CFO",
        "CTO",
        "COO",
        "ATH",
        "ATL",
        "EPS",
        "IV",
        "HV",
        "YOY",
        "QOQ",
        "MOM",
        "YTD",
        "MTD",
        "WTD",
        "CPI",
        "PPI",
        "PCE",
        "FOMC",
        "NFP",
        "GDP",
        "ISM",
        "PMI",
        "JOLTS",
        "FED",
        "ECB",
        "BOJ",
        "BOE",
        "SEC",
        "FDA",
        "DOJ",
        "FTC",
        "ETF",
        "IPO",
        "VWAP",
        "EMA",
        "SMA",
        "DMA",
        "MA",
        "RSI",
        "MACD",
        "ATR",
        "OI",
        "ADX",
        "OBV",
        "USD",
        "EUR",
        "JPY",
        "GBP",
        "ITM",
        "OTM",
        "ATM",
        "PDL",
        "PDH",
        "PDC",
        "ONH",
        "ONL",
        "FOMO",
        "HOD",
        "LOD",
        "RTH",
        "ETH",
        "ORB",
        "OPEX",
        "EOD",
        "EOW",
        "EOM",
        "IMO",
        "FYI",
        "LFG",
        "GM",
        "GN",
        "TLDR",
        "NOTE",
        "UPDATE",
        "ALERT",
        "WATCH",
        "PLAN",
        "NO",
        "YES",
        "NOT",
        "AND",
        "OR",
        "THE",
        "FOR",
        "ON",
        "IN",
        "AT",
        "TO",
        "OF",
        "BY",
        "IF",
        "IS",
        "IT",
        "BE",
        "SO",
        "DO",
        "GO",
        "UP",
        "MY",
        "WE",
        "US",
        "ME",
        "AN",
        "AS",
        "ALL",
        "NEW",
        "HIGH",
        "LOW",
        "OPEN",
        "CLOSE",
        "BUY",
        "SELL",
        "LONG",
        "SHORT",
        "CALL",
        "CALLS",
        "PUT",
        "PUTS",
        "STOP",
        "TARGET",
        "HOLD",
        "WAIT",
        "RISK",
        "SIZE",
        "ENTRY",
        "EXIT",
        "NEWS",
        "GAP",
        "DOWN",
        "GREEN",
        "RED",
        "BULL",
        "BEAR",
        "TRADE",
        "TRADES",
        "SETUP",
        "LEVEL",
        "LEVELS",
        "KEY",
        "DAY",
        "WEEK",
        "TODAY",
        "BIG",
        "HOT",
        "TOP",
        "DATA",
        "JOBS",
        "AI",
        "UK",
        "EU",
        "NY",
        "NYSE",
        "NASDAQ",
        "DOW",
        "RR",
        "PNL",
        "TBD",
        "TBA",
        "ASAP",
        "AH",
        "PRE",
        "POST",
        "DTE",
        "ODTE",
        "AVWAP",
        "POC",
        "VAH",
        "VAL",
        "VPOC",
        "LVN",
        "HVN",
        "R",
        "S",
        "R1",
        "R2",
        "S1",
        "S2",
        "TGT",
    }
)

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A price: not part of a time (8:30), a date (11/15), a strike (950C) or "200 SMA".
_AFTER = r"(?![\d:]|,\d|/\d{1,2}(?!\d)|[A-Za-z%]|\s?(?:EMA|SMA|MA|DMA|day|days|min|minute|week)\b)"


def _price(name: str, *, first: bool = True) -> str:
    before = r"(?<![\w.,:/])" if first else ""
    return rf"{before}\$?(?P<{name}>{_NUM}){_AFTER}"


def _range(prefix: str = "", *, first: bool = True) -> str:
    low, high = _price(f"{prefix}low", first=first), _price(f"{prefix}high", first=False)
    return rf"{low}(?:\s*(?:-|\u2013|\u2014|\bto\b)\s*{high})?"


_FILL = (
    r"(?:\s*(?:[:=@~]|\bat\b|\bis\b|\bnear\b|\baround\b|\bof\b|\bon\b|\bthe\b|\bzone\b|"
    r"\barea\b|\bif\b|\bbelow\b|\babove\b|\bunder\b|\bover\b|\ba\b|\bclose\b|\bdaily\b))*\s*"
)
_KEYWORDS: tuple[tuple[LevelKind, str], ...] = (
    (
        LevelKind.STOP,
        r"stop[\s-]*loss|stops?|stopped|SL|invalidation|invalid|cut|🛑",
    ),
    (
        LevelKind.TARGET,
        r"price\s+targets?|targets?(?:\s*#?[1-3](?=\s*[:=)]?\s*\$?\d))?|PT[1-3]?|TP[1-3]?|"
        r"T[1-3]|tgt|take\s+profit|trim|objective|🎯",
    ),
    (LevelKind.SUPPORT, r"support|supp|sup|demand|floor"),
    (LevelKind.RESISTANCE, r"resistance|res|resist|supply|ceiling|overhead"),
    (
        LevelKind.ENTRY,
        r"(?:long|short|calls|puts|buy|sell|buying|selling)\s+(?:above|over|below|under)|"
        r"break(?:out|down|s)?\s+(?:above|over|below|under)|entry(?:\s+(?:zone|area|price))?|"
        r"entries|enter|buy\s+(?:zone|area)|buy|long|short|add|reclaim(?:s|ing)?|"
        r"above|below|over|under",
    ),
)
_LEVEL_RE = re.compile(
    "|".join(
        rf"(?P<{kind.value}>(?<![\w$/])(?:{words})(?![\w-])){_FILL}{_range(kind.value + '_')}"
        for kind, words in _KEYWORDS
    )
    + rf"|{_price('post_low')}\s*(?:is\s+)?(?P<post>support|resistance)\b",
    re.IGNORECASE,
)
_MORE_RE = re.compile(
    rf"\s*(?:/|,|\band\b|\bthen\b)\s*{_range(first=False)}"
    r"(?!\s*(?:support|resistance|res|sup)\b)",
    re.IGNORECASE,
)
_TICKER_RE = re.compile(
    r"(?<![\w$])\$(?P<dollar>[A-Za-z]{1,6}(?:[.-][A-Za-z]{1,4})?)(?![\w])"
    r"|(?<![\w$/.-])(?P<pair>[A-Z]{2,6}-(?:USDT|USDC|USD|EUR|BTC))(?![\w-])"
    r"|(?<![\w$/])/(?P<future>[A-Z]{1,4})(?![\w-])"
    r"|(?<![\w$/.-])(?P<bare>[A-Z]{2,5})(?![\w-]|\.\w)"
)
_BULL = (
    r"buy(?:ing)?\s+calls|long\s+calls|sell(?:ing)?\s+puts|long|longs|calls|call|bullish|bull|"
    r"buy|buying|above|over|break\s*out|breakout|reclaim(?:s|ing)?|upside|higher|rip|squeeze|"
    r"🚀|📈|🟢|🐂"
)
_BEAR = (
    r"buy(?:ing)?\s+puts|long\s+puts|sell(?:ing)?\s+calls|short|shorts|puts|put|bearish|bear|"
    r"sell|selling|below|under|fade|fades|fading|breakdown|break\s*down|rejection|downside|lower|dump|"
    r"🔻|📉|🔴|🐻"
)
_BIAS_RE = re.compile(
    rf"(?<![\w$])(?:(?P<bear_phrase>buy(?:ing)?\s+puts|long\s+puts|sell(?:ing)?\s+calls)|"
    rf"(?P<bull>{_BULL})|(?P<bear>{_BEAR}))(?![\w])",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile(r"\d")
_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+")


@dataclass
class _Draft:
    ticker: str
    score: int = 0
    levels: list[Level] = field(default_factory=list)


def parse_signals(text: str) -> tuple[Signal, ...]:
    """The signals of a plan: one per ticker, in order of first mention."""
    drafts: dict[str, _Draft] = {}
    context: str | None = None
    for line in text.splitlines():
        if not line.strip():
            context = None
            continue
        for segment in _SENTENCE_RE.split(line):
            context = _read_segment(segment, context, drafts)
    return tuple(_signal(draft) for draft in drafts.values())


def _read_segment(segment: str, context: str | None, drafts: dict[str, _Draft]) -> str | None:
    found = [(m.start(), ticker) for m in _TICKER_RE.finditer(segment) if (ticker := _ticker(m))]
    if not found:
        if context is not None:
            levels, score = _read_piece(segment)
            if levels:
                draft = drafts[context]
                draft.levels += levels
                draft.score += score
        return context
    for index, (start, ticker) in enumerate(found):
        begin = 0 if index == 0 else start
        end = found[index + 1][0] if index + 1 < len(found) else len(segment)
        levels, score = _read_piece(segment[begin:end])
        draft = drafts.setdefault(ticker, _Draft(ticker))
        draft.levels += levels
        draft.score += score
    return found[-1][1]


def _ticker(match: re.Match[str]) -> str | None:
    if match["bare"] is not None:
        word = match["bare"]
        return None if word in NOT_TICKERS else _normal(word)
    raw = match["dollar"] or match["pair"] or match["future"]
    return _normal(raw.upper())


def _normal(symbol: str) -> str:
    return canonical_ticker(symbol)


def normalize_ticker(raw: str) -> str:
    """A ticker as the parser stores it: ``$nvda`` -> NVDA, ``/ES`` -> ES, BTC -> BTC-USD."""
    return canonical_ticker(raw)


def read_levels(text: str) -> list[Level]:
    """The price levels of a piece of text, in order."""
    return _read_piece(text)[0]


def _read_piece(text: str) -> tuple[list[Level], int]:
    """Levels and bias score of a piece of text, in one pass: the words of stops, targets,
    supports and resistances do not count for the bias ("stop below 938" is no short)."""
    if not _DIGIT_RE.search(text):
        return [], _bias_score(text)
    levels: list[Level] = []
    kept: list[str] = []
    position = 0
    while match := _LEVEL_RE.search(text, position):
        kind = _kind_of(match)
        prefix = "post" if match["post"] else kind.value
        groups = match.groupdict()
        levels.append(_level(kind, groups[f"{prefix}_low"], groups.get(f"{prefix}_high")))
        kept.append(text[position : match.start() if kind is not LevelKind.ENTRY else match.end()])
        position = match.end()
        while more := _MORE_RE.match(text, position):
            levels.append(_level(kind, more["low"], more["high"]))
            position = more.end()
    kept.append(text[position:])
    return levels, _bias_score(" ".join(kept))


def _kind_of(match: re.Match[str]) -> LevelKind:
    if match["post"]:
        return LevelKind(match["post"].lower())
    return next(kind for kind, _ in _KEYWORDS if match[kind.value] is not None)


def _level(kind: LevelKind, low: str, high: str | None) -> Level:
    a = float(low.replace(",", ""))
    if high is None:
        return Level(kind, a)
    b = float(high.replace(",", ""))
    return Level(kind, min(a, b), max(a, b))


def _bias_score(text: str) -> int:
    score = 0
    for match in _BIAS_RE.finditer(text):
        score += 1 if match["bull"] else -1
    return score


def _signal(draft: _Draft) -> Signal:
    bias = Bias.NEUTRAL
    if draft.score > 0:
        bias = Bias.BULLISH
    elif draft.score < 0:
        bias = Bias.BEARISH
    return Signal(draft.ticker, bias, tuple(draft.levels))
