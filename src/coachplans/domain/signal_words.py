"""The tokenizer of plan text (SPEC §3.5): each whitespace-separated word becomes a few tokens
the per-line reader acts on (a ticker, prices, a level word, a bias word, a separator...).

A word's tokens depend on the word alone, so they are cached: plans reuse their vocabulary and
the reader then costs a dictionary look-up per word. A whole plan is turned into one list of
tokens at C speed (split, map over the cache, chain), each line closed by a LINE token. No
regular expressions: every word is read in time linear in its length.
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Final

from coachplans.domain.signal_numbers import plain_price, read_number_word
from coachplans.domain.signals import LevelKind
from coachplans.domain.ticker_lexicon import FUTURES
from coachplans.domain.tickers import ticker_in_word

# Token codes (the first item of a token tuple).
WORD: Final = 0  # ordinary word: counts as distance, closes an open number group
FILLER: Final = 1  # "is", "the": lets a level word after a number still apply to it
PRICES: Final = 2  # (PRICES, ((low, high), ...))
NOT_PRICE: Final = 3  # (NOT_PRICE, side) a time, date, strike...
TICKER: Final = 4  # (TICKER, ticker in mixed-case text, ticker in an all-caps line)
KIND: Final = 5  # (KIND, kind, strength, bias, flags)
# (LEVEL, kind, STRONG, 0, 0): a KIND with no bias and no flags ("stop", "PT"), which the
# reader handles in its loop with no call; it reads as KIND to the words after it.
LEVEL: Final = 27
DIRECTION: Final = 6  # (DIRECTION, +1 above / -1 below): an entry trigger
BIAS: Final = 7  # (BIAS, +1 / -1)
NEUTRAL: Final = 8  # "neutral", "no bias"
NEGATION: Final = 9  # "no", "not", "don't"
CONDITION: Final = 10  # "if", "plan b", "otherwise": what follows weighs less for the bias
TOWARD: Final = 11  # "to", "into", "for": a target once an entry is given
SEPARATOR: Final = 12  # ",", "/", "&", "and", "then": continues a list of prices
COLON: Final = 13  # closes a number group, keeps the clause
END: Final = 14  # ". ; ! ?": the clause ends
UNIT: Final = 15  # "pts", "day", "EMA" after a number: that number is no price
MONTH: Final = 16  # "Jan": the number after it is a day
YEAR_WORD: Final = 17  # "the", "in", "since": a year may follow
SIDE_NOUN: Final = 18  # "side", "thesis", "idea", "bias": "long side" is a bias, no entry
RANGE: Final = 19  # "range": "range low" / "range high"
LOW_HIGH: Final = 20  # (LOW_HIGH, kind)
LOOKING: Final = 21  # "looking": "looking for" names a target
PLAN: Final = 22  # "plan": "plan B" is a condition
PLAN_B: Final = 23
DASH: Final = 24  # a dash alone between two prices: a range ("220 - 222", also en and em dashes)
NOW: Final = 25  # "now": "which is now resistance" renames the level before it
LINE: Final = 26  # the end of a line (no word reads as it: see text_tokens)

Token = tuple[Any, ...]  # (code, payload...): see the codes above

WEAK: Final = 1
STRONG: Final = 2
POSTFIX: Final = 1  # flag: the word may follow its price ("945 support", "602.5 long")
STOP_OR_SUPPORT: Final = 2  # flag: "S" is a stop after an entry, else a support
OPTION: Final = 4  # flag: "calls"/"puts", whose side a "sell" before them turns over

_E, _T, _X = LevelKind.ENTRY, LevelKind.TARGET, LevelKind.STOP
_SU, _R = LevelKind.SUPPORT, LevelKind.RESISTANCE


def _tag(token: Token, words: str) -> dict[str, Token]:
    return dict.fromkeys(words.split(), token)


def _kind(kind: LevelKind, strength: int, bias: int, flags: int) -> Token:
    plain = strength == STRONG and not bias and not flags
    return (LEVEL if plain else KIND, kind, strength, bias, flags)


def _kinds(kind: LevelKind, strength: int, bias: int, flags: int, words: str) -> dict[str, Token]:
    return dict.fromkeys(words.split(), _kind(kind, strength, bias, flags))


VOCABULARY: dict[str, Token] = {
    **_kinds(_E, STRONG, 1, POSTFIX, "long"),
    **_kinds(_E, STRONG, -1, POSTFIX, "short"),
    **_kinds(_E, STRONG, 1, POSTFIX | OPTION, "calls call"),
    **_kinds(_E, STRONG, -1, POSTFIX | OPTION, "puts put"),
    **_kinds(_E, STRONG, 1, 0, "buy buying bought own accumulate"),
    **_kinds(_E, STRONG, -1, 0, "shorting sell selling sold fade fading fades"),
    **_kinds(_E, STRONG, 0, 0, "add adding adds entry entries enter"),
    **_kinds(_E, WEAK, 1, 0, "reclaim reclaims reclaiming reclaimed breakout dip dips"),
    **_kinds(_E, WEAK, -1, 0, "lose loses losing breakdown"),
    **_kinds(_E, WEAK, 0, POSTFIX, "breaks"),
    **_kinds(
        _T,
        STRONG,
        0,
        0,
        "target targets tgt tgts tp tps tp1 tp2 tp3 pt pt1 pt2 pt3 t1 t2 t3 tgt1 tgt2 tgt3 "
        "targeting objective objectives upside downside cover covering trim trimming profit "
        "\u2192 -> => \U0001f3af",
    ),
    **_kinds(
        _X,
        STRONG,
        0,
        0,
        "stop stops stoploss stop-loss sl invalidation inval invalid cut out exit \U0001f6d1",
    ),
    **_kinds(_SU, STRONG, 0, POSTFIX, "support supports supp sup floor shelf demand pivot"),
    **_kinds(_SU, STRONG, 0, 0, "pdl onl s1 s2 s3 val"),
    **_kinds(_SU, WEAK, 0, 0, "holding holds hold held defend defends"),
    **_kinds(_R, STRONG, 0, POSTFIX, "resistance res resist lid ceiling supply overhead"),
    **_kinds(_R, STRONG, 0, 0, "pdh onh r1 r2 r3 vah rejected rejection rejecting"),
    **_tag((DIRECTION, 1), "above over abv > >="),
    **_tag((DIRECTION, -1), "below under blw < <="),
    **_tag((BIAS, 1), "bullish bull longs \U0001f402 \U0001f680 \U0001f4c8"),
    **_tag((BIAS, -1), "bearish bear shorts \U0001f43b \U0001f4c9 \U0001f53b"),
    "\U0001f7e2": (BIAS, 1),
    "\U0001f534": (BIAS, -1),
    "neutral": (NEUTRAL,),
    **_tag((NEGATION,), "no not don't dont never nothing"),
    **_tag((CONDITION,), "if otherwise alt alternate alternatively"),
    **_tag((TOWARD,), "to into for toward towards expect expecting"),
    **_tag((SEPARATOR,), "and or then & / , +"),
    **_tag((FILLER,), "is the as a an area zone level key major line"),
    **_tag(
        (UNIT,),
        "pts points ticks handles cents bps day days week weeks month months "
        "min mins minute minutes hour hours hr hrs ema sma ma dma vwap am pm et est x r "
        "percent",
    ),
    **_tag(
        (MONTH,),
        "jan feb mar apr may jun jul aug sep sept oct nov dec january february "
        "march april june july august september october november december",
    ),
    **_tag((YEAR_WORD,), "in since of from by year early late mid"),
    **_tag((SIDE_NOUN,), "side thesis idea ideas bias term"),
    "range": (RANGE,),
    "low": (LOW_HIGH, _SU),
    "lows": (LOW_HIGH, _SU),
    "high": (LOW_HIGH, _R),
    "highs": (LOW_HIGH, _R),
    "looking": (LOOKING,),
    "look": (LOOKING,),
    "plan": (PLAN,),
    "b": (PLAN_B,),
    "now": (NOW,),
    "-": (DASH,),
    "\u2013": (DASH,),
    "\u2014": (DASH,),
}
# Words whose meaning depends on their case: terse notation ("L > 252.4", "S 250.9").
EXACT: dict[str, Token] = {
    "L": _kind(_E, STRONG, 1, 0),
    "Sh": _kind(_E, STRONG, -1, 0),
    "SH": _kind(_E, STRONG, -1, 0),
    "T": _kind(_T, STRONG, 0, 0),
    "S": _kind(_X, STRONG, 0, STOP_OR_SUPPORT),
    "R": _kind(_R, STRONG, 0, 0),
    "S/R": (WORD,),
}
_LEAD = "([{\"'*_\u2022\u00b7\u201c\u2018"
_TRAIL = ")]}\"'*_\u201d\u2019"
_ENDS = frozenset(".;!?")
_TRAIL_MARKS = _TRAIL + ",;:.!?"
_SPLITTERS = ("=", "@", ":")
_CACHE_LIMIT = 50_000
# A NUL byte stands for a line break in the joined text (see text_tokens); as a word of its own
# it is always the LINE mark, so a text holding NUL bytes is tokenized line by line instead.
_LINE_MARK = "\x00"
_LINE_TOKENS: tuple[Token, ...] = ((LINE,),)


class _WordCache(dict[str, tuple[Token, ...]]):
    """word -> its tokens; a miss reads the word (``__missing__`` keeps ``map`` over
    ``__getitem__`` in C for every word already seen)."""

    def __missing__(self, word: str) -> tuple[Token, ...]:
        number = word.rstrip(_TRAIL_MARKS)
        plain = plain_price(number)
        if plain is not None:
            # Read, not kept: a plan's prices are mostly new, and keeping them filled the
            # cache with words seldom seen again, whose garbage collection cost a fifth of
            # parsing a new plan (SPEC §14: ingest).
            return _price_word(plain, number, word[len(number) :])
        if len(self) >= _CACHE_LIMIT:
            clear_word_cache()
        # The mark is missing only between clear() and its restoring (another thread's
        # clear_word_cache): it still reads as a line end, never as a word.
        found = self[word] = _LINE_TOKENS if word == _LINE_MARK else _read_word(word)
        return found


_CACHE = _WordCache({_LINE_MARK: _LINE_TOKENS})
_tokens_of_word = _CACHE.__getitem__


def clear_word_cache() -> None:
    _CACHE.clear()
    _CACHE[_LINE_MARK] = _LINE_TOKENS


def tokens_of(word: str) -> tuple[Token, ...]:
    """The tokens of one whitespace-separated word, cached."""
    return _read_word(word) if word == _LINE_MARK else _tokens_of_word(word)


def text_tokens(text: str, lines: list[str]) -> list[Token]:
    """The tokens of every line of ``text`` (its ``splitlines()``), each line followed by a
    LINE token; a blank line gives a LINE token alone."""
    if not lines:
        return []
    if _LINE_MARK in text:
        return _tokens_line_by_line(lines)
    words = " \x00 ".join(lines).split()  # str.split: C speed, no backtracking possible
    words.append(_LINE_MARK)
    return list(chain.from_iterable(map(_tokens_of_word, words)))


def _tokens_line_by_line(lines: list[str]) -> list[Token]:
    tokens: list[Token] = []
    for line in lines:
        for word in line.split():
            tokens.extend(tokens_of(word))
        tokens.append(_LINE_TOKENS[0])
    return tokens


def _read_word(word: str) -> tuple[Token, ...]:
    number = word.rstrip(_TRAIL_MARKS)
    plain = plain_price(number)
    if plain is not None:
        return _price_word(plain, number, word[len(number) :])
    core = word.lstrip(_LEAD)
    stripped = core.rstrip(_TRAIL_MARKS)
    tail = core[len(stripped) :]
    core = stripped.rstrip(_TRAIL)
    if tail == ":" and len(core) == 1 and core.isdigit():
        return ((FILLER,),)  # "Target 1: 69,940"
    out = list(_read_core(core)) if core else []
    mark = _tail_mark(tail)
    if mark is not None:
        out.append(mark)
    if not core and not tail:
        return _symbol(word)
    return tuple(out)


def _price_word(price: float, number: str, tail: str) -> tuple[Token, ...]:
    """``638.21,``, ``669.96.``, ``945``: the commonest word not read before (a plan's prices
    are mostly new), read as the general path would with none of its other readings."""
    if tail == ":" and len(number) == 1:
        return ((FILLER,),)  # "Target 1: 69,940"
    token = (PRICES, ((price, None),))
    mark = _tail_mark(tail)
    return (token,) if mark is None else (token, mark)


def _tail_mark(tail: str) -> Token | None:
    """The punctuation after a word: the clause ends, a colon, or a list goes on."""
    if not tail:
        return None
    if not _ENDS.isdisjoint(tail):
        return (END,)
    if ":" in tail:
        return (COLON,)
    if "," in tail:
        return (SEPARATOR,)
    return None


def _symbol(word: str) -> tuple[Token, ...]:
    """A word of punctuation or emoji alone: an arrow, a separator, a bullet."""
    token = VOCABULARY.get(word.rstrip("\ufe0f"))
    return (token,) if token is not None else ()


def _read_core(core: str) -> tuple[Token, ...]:
    plain = plain_price(core)  # no word of EXACT or VOCABULARY is a plain number
    if plain is not None:
        return ((PRICES, ((plain, None),)),)
    exact = EXACT.get(core)
    if exact is not None:
        return (exact,)
    lower = core.lower()
    known = VOCABULARY.get(lower)
    if known is not None:
        return (known,)
    number = read_number_word(core)
    if number is not None:
        if number.prices:
            return ((PRICES, number.prices),)
        if number.side or core.upper() not in FUTURES:
            return ((NOT_PRICE, number.side),)
    return _read_symbolic(core, lower)


def _read_symbolic(core: str, lower: str) -> tuple[Token, ...]:
    if lower.endswith("'s") or lower.endswith("\u2019s"):
        core, lower = core[:-2], lower[:-2]
    mixed, caps = ticker_in_word(core), ticker_in_word(core, all_caps=True)
    if mixed is not None or caps is not None:
        return ((TICKER, mixed, caps),)
    for operator in (">", "<"):
        if operator in core and len(core) > 1:
            return _split(core, operator, keep=True)
    if "/" in core:
        return _split(core, "/", keep=False, mark=(SEPARATOR,))
    for splitter in _SPLITTERS:
        if splitter in core:
            return _split(core, splitter, keep=False)
    return ((WORD,),)


def _split(core: str, operator: str, *, keep: bool, mark: Token | None = None) -> tuple[Token, ...]:
    """``L>252.4`` -> L, >, 252.4; ``SPY/QQQ`` -> SPY, /, QQQ; ``PT:960`` -> PT, 960."""
    out: list[Token] = []
    for index, part in enumerate(core.split(operator)):
        if index:
            if keep:
                out.append(VOCABULARY[operator])
            elif mark is not None:
                out.append(mark)
        if part:
            out.extend(_read_core(part))
    return tuple(out)
