"""Read signals (tickers, bias, price levels) from a plan's text (SPEC §3.5).

Pure, deterministic, linear in the text. Words become tokens (:mod:`signal_words`); a small
state machine reads them clause by clause (a clause ends at ``.``, ``;``, ``!``, ``?`` or a line
break):
- a level word (``stop``, ``PT``, ``support``, ``long``, ``above``...) sets the kind of the
  prices that follow it within a few words; a list of prices (``75 / 78``, ``118, 114``,
  ``10.20 then 9.60``) shares it; a level noun right after prices (``945 support``, ``the 420
  lid``) names them; ``to``/``into``/``for`` after an entry introduce a target;
- prices and bias words belong to the ticker last named in the clause (before the first ticker,
  to the first one; a bias word right before a ticker, to that ticker); a clause naming no
  ticker continues the previous one (a ticker alone on a line heads the lines below it), until
  a blank line;
- the bias is the balance of the bias words, conditional ones (``if``, ``plan B``) counting
  half; ``no bias``/``neutral`` make it neutral; with no bias word, an entry below its target
  is a long.
"""

from __future__ import annotations

from functools import partial
from itertools import islice
from operator import itemgetter

from coachplans.domain.signal_words import (
    BIAS,
    COLON,
    CONDITION,
    DASH,
    DIRECTION,
    END,
    FILLER,
    KIND,
    LEVEL,
    LINE,
    LOOKING,
    LOW_HIGH,
    MONTH,
    NEGATION,
    NEUTRAL,
    NOT_PRICE,
    NOW,
    OPTION,
    PLAN,
    PLAN_B,
    POSTFIX,
    PRICES,
    RANGE,
    SEPARATOR,
    SIDE_NOUN,
    STOP_OR_SUPPORT,
    STRONG,
    TICKER,
    TOWARD,
    UNIT,
    VOCABULARY,
    WEAK,
    WORD,
    YEAR_WORD,
    Token,
    text_tokens,
)
from coachplans.domain.signals import Bias, Level, LevelKind, Signal
from coachplans.domain.ticker_lexicon import NOT_TICKERS
from coachplans.domain.tickers import canonical_ticker

_ENTRY, _TARGET, _STOP = LevelKind.ENTRY, LevelKind.TARGET, LevelKind.STOP
_SUPPORT, _RESISTANCE = LevelKind.SUPPORT, LevelKind.RESISTANCE
_SIDES = (_SUPPORT, _RESISTANCE)
_REACH = 7  # tokens a level word reaches over ("stop on a daily close above 24.50")
# A pending kind set at index i is gone for the token at index j when j - i > _REACH + 1 (it
# lapses after the token at i + _REACH + 1): checked where it is read, not after every token.
_LAPSED = _REACH + 1
_POSTFIX_GAP = 2  # fillers between prices and a level noun naming them ("579-80 is the lid")
_BEFORE_YEAR = frozenset({YEAR_WORD, FILLER})
_RANGE_JOINS = frozenset({DASH, TOWARD})
_HEADING_MARKS = frozenset({BIAS, COLON, END, SEPARATOR})
_ORD = frozenset({1.0, 2.0, 3.0, 4.0, 5.0})  # ordinals: "Target 1 413.87"
_NO_NEGATION = -(10**9)  # where the last negation was when the clause has none
# No token before in the clause (so nothing to end at a clause's end); an int, not None,
# keeps every comparison an int comparison, which CPython specialises.
_NO_TOKEN = -1
# Level(kind, low, high) and Signal(...) from a tuple at C speed (a NamedTuple's __new__ costs
# a Python frame per object).
_new_tuple = tuple.__new__
_make_level = partial(_new_tuple, Level)
_low = itemgetter(1)

Price = tuple[float, float | None]
Key = tuple[LevelKind, float, float | None]


class _Found:
    """What the plan says about one ticker so far."""

    __slots__ = ("entries", "evidence", "levels", "neutral", "score")

    def __init__(self) -> None:
        self.levels: dict[Key, None] = {}  # ordered set
        self.entries = 0  # entry groups given (kept, not searched: "S" asks after every line)
        self.score = 0.0
        self.evidence = 0
        self.neutral = False

    def merge(self, other: _Found) -> None:
        self.levels.update(other.levels)
        self.entries += other.entries
        self.score += other.score
        self.evidence += other.evidence
        self.neutral = self.neutral or other.neutral

    def signal(self, ticker: str) -> Signal:
        # A price of zero is never a level ("{0}" in a template, "0 DTE" read as a number).
        keys = self.levels
        if all(map(_low, keys)):  # prices are never negative: a false one is a zero
            levels = tuple(map(_make_level, keys))
        else:
            levels = tuple([_make_level(key) for key in keys if key[1] > 0])
        return _new_tuple(Signal, (ticker, self._bias(), levels))

    def _bias(self) -> Bias:
        if self.neutral:
            return Bias.NEUTRAL
        if self.score:
            return Bias.BULLISH if self.score > 0 else Bias.BEARISH
        if self.evidence:
            return Bias.NEUTRAL
        entry = target = None  # the first of each
        for kind, low, _ in self.levels:
            if kind is _ENTRY:
                entry = low if entry is None else entry
            elif kind is _TARGET:
                target = low if target is None else target
        if entry is None or target is None or entry == target:
            return Bias.NEUTRAL
        return Bias.BULLISH if target > entry else Bias.BEARISH


def parse_signals(text: str) -> tuple[Signal, ...]:
    """The signals of a plan: one per ticker, in order of first mention."""
    lines = text.splitlines()
    found = _read(lines, text_tokens(text, lines))
    return tuple([entry.signal(ticker) for ticker, entry in found.items()])


def normalize_ticker(raw: str) -> str:
    """A ticker as the parser stores it (kept for callers; see ``tickers.canonical_ticker``)."""
    return canonical_ticker(raw)


def _read(lines: list[str], tokens: list[Token]) -> dict[str, _Found]:
    """The state machine over the plan's tokens (LINE closes each line of ``lines``).

    Speed (SPEC §14): this runs once per token, so its state lives in local variables that the
    nested steps below share (``nonlocal``): a closure cell is read faster than an attribute
    and no method is looked up, and the commonest tokens (prices, plain level words,
    separators, plain words) are handled in the loop itself with no call at all. The token
    index runs over the whole plan; distances between tokens never cross a line, as the clause
    state is forgotten at each line's end.
    """
    found: dict[str, _Found] = {}
    context: str | None = None  # the ticker a clause without one continues
    context_line = -1  # the line (counted as line_index) that named it ...
    context_start = 0  # ... and the index of that line's first token
    line_index = 0  # counts the lines with words (a blank line is not counted)
    line_start = 0  # the index of the first token of the line being read
    caps_line, caps = -1, False  # the line whose shouting was last asked, and the answer
    loose = _Found()  # what a clause says before it names a ticker
    group: list[Price] = []  # prices read, waiting for their kind
    group_kind: LevelKind | None = None
    group_strength = group_bias = group_gap = 0
    group_joined = False
    pending: LevelKind | None = None  # the kind a level word gives the prices after it
    pending_strength = pending_bias = pending_at = previous_flags = 0
    pending_used = False
    held = 0.0  # a bias word's vote, until the next word says whose it is
    # The clause (forgotten at its end).
    current: str | None = None
    scope = loose
    # The last group given a kind, which "... which is now resistance" renames.
    last_scope: _Found | None = None
    last_kind: LevelKind | None = None
    last_prices: list[Price] = []
    entry_given = options_said = False
    weight = 1.0
    negated_at = _NO_NEGATION
    previous = _NO_TOKEN  # the code of the clause's previous token

    def end_clause() -> None:
        """The clause ends (``.``, ``;``, a line break): its group and vote are given, the
        ticker it named becomes the context, and the clause is forgotten."""
        nonlocal context, context_line, context_start, loose
        nonlocal current, scope, pending, last_scope, entry_given, options_said, weight
        nonlocal negated_at, previous
        if group:
            flush()
        if held:
            release_held()
        if current is not None:
            context, context_line, context_start = current, line_index, line_start
        elif loose.levels or loose.evidence or loose.neutral:
            # A clause that names no ticker: its levels go to the previous ticker, and its
            # bias too when it gives levels or stays on that ticker's line or heading.
            if context is not None and (
                loose.levels or context_line == line_index or _heading(tokens, context_start)
            ):
                found[context].merge(loose)
            loose = _Found()
        # Forget the clause.
        current, scope, pending, last_scope = None, loose, None, None
        entry_given = options_said = False
        weight, negated_at, previous = 1.0, _NO_NEGATION, _NO_TOKEN

    def flush() -> None:
        """Give the open (non-empty) group of prices its kind, or drop it when it has none."""
        nonlocal group, group_kind, group_strength, group_bias, group_gap, group_joined
        nonlocal last_scope, last_kind, last_prices, entry_given
        kind = group_kind
        if kind is not None:
            levels = scope.levels
            for low, high in group:
                levels[(kind, low, high)] = None
            last_scope, last_kind, last_prices = scope, kind, group
            if kind is _ENTRY:
                entry_given = True
                scope.entries += 1
                if group_strength == WEAK and group_bias:
                    credit(group_bias * weight)
        group = []
        group_kind = None
        group_strength = group_bias = group_gap = 0
        group_joined = False

    def credit(value: float) -> None:
        nonlocal weight
        scope.score += value
        scope.evidence += 1
        if weight < 1.0:  # a conditional clause is half a vote, however worded
            weight = 0.0

    def release_held() -> None:
        nonlocal held
        if held:
            credit(held)
            held = 0.0

    def set_pending(kind: LevelKind, strength: int, bias: int, index: int) -> None:
        nonlocal pending, pending_strength, pending_bias, pending_at, pending_used
        pending, pending_strength, pending_bias = kind, strength, bias
        pending_at = index
        pending_used = False

    def ticker_named(ticker: str) -> None:
        nonlocal loose, current, scope, entry_given, pending
        if group:
            flush()
        entry = found.get(ticker)
        if entry is None:
            entry = found[ticker] = _Found()
        adopted_entry = False
        if current is None and (loose.levels or loose.evidence or loose.neutral):
            adopted_entry = loose.entries > 0
            entry.merge(loose)
            loose = _Found()
        current, scope = ticker, entry
        release_held()
        entry_given = adopted_entry
        if pending_used:
            pending = None

    def level_word(token: Token, index: int) -> None:
        nonlocal held, previous_flags, pending, pending_strength, pending_bias, pending_at
        nonlocal pending_used
        _, kind, strength, bias, flags = token
        if index - negated_at <= 2:
            if group:
                flush()
            return
        if flags & OPTION:
            bias = option_side(bias)
        if flags & POSTFIX and names_group(kind, bias):
            return
        if group:
            flush()
        if flags & STOP_OR_SUPPORT:
            kind = _STOP if after_entry() else _SUPPORT
        if strength == STRONG:
            pending, pending_strength, pending_bias = kind, STRONG, 0  # (as set_pending)
            pending_at, pending_used = index, False
            if bias:
                held = bias * weight
        elif pending is None or index - pending_at > _LAPSED or pending_strength < STRONG:
            pending, pending_strength, pending_bias = kind, WEAK, bias
            pending_at, pending_used = index, False
        previous_flags = flags

    def option_side(side: int) -> int:
        """``selling puts`` is bullish, ``buying puts`` bearish: the verb's side times the
        option's."""
        nonlocal options_said, held
        options_said = True
        verb, held = held, 0.0
        return side if not verb else side * (1 if verb > 0 else -1)

    def after_entry() -> bool:
        if entry_given or scope.entries > 0:
            return True
        return current is None and context is not None and found[context].entries > 0

    def names_group(kind: LevelKind, bias: int) -> bool:
        """``945 support``, ``the 420 lid``, ``602.5 long``: a level word after its prices;
        ``... which is now resistance`` renames the prices named before."""
        nonlocal group_kind, group_strength, group_bias, pending
        if previous == NOW and not group and last_scope is not None:
            return rename_last(kind, last_scope, last_kind, last_prices)
        if not group or group_joined or group_gap > _POSTFIX_GAP:
            return False
        if kind is _ENTRY and group_gap:
            return False
        if group_kind is None or group_strength < STRONG:
            group_kind, group_strength, group_bias = kind, STRONG, 0
            if bias:
                credit(bias * weight)
        if group:
            flush()
        pending = None
        return True

    def rename_last(
        kind: LevelKind, named: _Found, old: LevelKind | None, prices: list[Price]
    ) -> bool:
        nonlocal last_scope
        if old not in _SIDES or kind not in _SIDES:
            return False
        for low, high in prices:
            named.levels.pop((old, low, high), None)
            named.levels[(kind, low, high)] = None
        last_scope = None
        return True

    def other(code: int, token: Token, index: int) -> None:
        nonlocal held, negated_at, weight
        if code == DIRECTION:
            direction(token[1], index)
        elif code == BIAS:
            if index - negated_at > 2:
                held = token[1] * weight
        elif code == NOT_PRICE:
            if token[1] and not options_said:
                credit(token[1] * weight)
            if group:
                flush()
        elif code == UNIT:
            if group and group_gap == 0 and not group_joined:
                group.pop()
            if group:
                flush()
        elif code == TOWARD:
            toward(index)
        elif code == NEGATION:
            negated_at = index
        elif code == NEUTRAL:
            if index - negated_at > 2:
                scope.neutral = True
        elif code == SIDE_NOUN:
            side_noun(index)
        elif code == CONDITION or (code == PLAN_B and previous == PLAN):
            weight = 0.5
        elif code == LOW_HIGH and previous == RANGE:
            set_pending(token[1], STRONG, 0, index)
        elif code != DASH and code != NOW and group:  # RANGE, LOOKING, PLAN, MONTH, YEAR_WORD
            flush()

    def direction(side: int, index: int) -> None:
        if index - negated_at <= 2 or (
            pending_strength == STRONG and pending is not None and index - pending_at <= _LAPSED
        ):
            return
        if group:
            flush()
        set_pending(_ENTRY, WEAK, side, index)

    def toward(index: int) -> None:
        """``long over 24 for 26``, ``short to 385``, ``looking for 158``: a target;
        ``support 236 to 238``: a range."""
        if group and group_gap == 0 and group_kind in _SIDES:
            return
        if group:
            flush()
        live = pending if index - pending_at <= _LAPSED else None
        after_verb = previous == KIND and live is _ENTRY and previous_flags & POSTFIX
        if previous == LOOKING or after_verb or (entry_given and live is not _TARGET):
            set_pending(_TARGET, STRONG, 0, index)

    def side_noun(index: int) -> None:
        """``long side``, ``short thesis``: a bias, not an entry; ``no bias``: neutral."""
        nonlocal pending
        if previous == NEGATION:
            scope.neutral = True
        elif previous == KIND and pending is _ENTRY and index - pending_at <= _LAPSED:
            pending = None

    line = 0  # the index in ``lines`` of the line being read
    # The branches in order of frequency in plans (prices, plain words, separators...).
    for index, token in enumerate(tokens):
        code = token[0]
        if held and code != TICKER and not (code == KIND and token[4] & OPTION):
            release_held()
        if code == PRICES:
            prices = token[1]
            if previous == MONTH or (previous in _BEFORE_YEAR and _is_year(prices)):
                pass  # "Jan 15", "in 2024": no price
            else:
                if group and previous in _RANGE_JOINS and _single(prices, group):
                    low, high = group[-1][0], prices[0][0]
                    group[-1] = (min(low, high), max(low, high))  # "220 - 222", "236 to 238"
                elif group and previous == PRICES and len(group) == 1 and group[0][0] in _ORD:
                    group[0] = prices[0]  # "Target 1 413.87"
                    group.extend(prices[1:])
                elif group and (group_joined or group_gap == 0):
                    group.extend(prices)
                else:
                    if group:
                        flush()
                    group.extend(prices)
                    if pending is not None and index - pending_at <= _LAPSED:
                        group_kind, group_strength = pending, pending_strength
                        group_bias, pending_used, pending_at = pending_bias, True, index
                group_gap, group_joined = 0, False
        elif code == WORD:  # (YEAR_WORD, rarer, closes a group in other)
            if group:
                flush()
        elif code == SEPARATOR:
            group_joined = True
        elif code == LINE:
            if index == line_start and not lines[line].split():
                context = None  # a blank line
            else:
                if previous != _NO_TOKEN:  # (a line ending with "." has ended its clause)
                    end_clause()
                line_index += 1
            line_start = index + 1
            line += 1
            continue
        elif code == END:
            if previous != _NO_TOKEN:  # else the clause is empty: nothing to end
                end_clause()
            continue
        elif code == LEVEL:  # what level_word does for a plain one: no bias, no flags
            if group:
                flush()
            if index - negated_at > 2:
                pending, pending_strength, pending_bias = token[1], STRONG, 0
                pending_at, pending_used, previous_flags = index, False, 0
            previous = KIND
            continue
        elif code == KIND:
            level_word(token, index)
        elif code == TICKER:
            ticker = token[1]
            if ticker != token[2]:  # an all-caps line reads it otherwise: is this one?
                if caps_line != line:
                    caps_line, caps = line, _shouting(lines[line])
                if caps:
                    ticker = token[2]
            if ticker is None:
                if group:
                    flush()
            else:
                ticker_named(ticker)
        elif code == FILLER:
            group_gap += 1
        elif code == COLON:
            if group:
                flush()
        else:
            other(code, token, index)
        previous = code
    return found


def _single(prices: tuple[Price, ...], group: list[Price]) -> bool:
    return len(prices) == 1 and prices[0][1] is None and group[-1][1] is None


def _is_year(prices: tuple[Price, ...]) -> bool:
    if len(prices) != 1 or prices[0][1] is not None:
        return False
    value = prices[0][0]
    return value.is_integer() and 1990 <= value <= 2035


def _heading(tokens: list[Token], start: int) -> bool:
    """Whether the line whose tokens start at ``start`` names one ticker and nothing else
    ("NVDA", "🚀 $PLTR 🚀", "/ES:"): four tokens at most, then the LINE token."""
    tickers = 0
    for token in islice(tokens, start, start + 5):
        code = token[0]
        if code == LINE:
            return tickers == 1
        if code == TICKER:
            tickers += 1
        elif code not in _HEADING_MARKS:
            return False
    return False


def _shouting(line: str) -> bool:
    """A line in capitals with English in it ("IF WE LOSE 598 I WILL BE SHORT"), where every
    capitalised word looks like a ticker and only known symbols count."""
    if line.upper() != line:
        return False
    english = 0
    for word in line.split():
        core = word.strip("()[]{}.,;:!?\"'")
        if core in NOT_TICKERS or core.lower() in VOCABULARY:
            english += 1
            if english >= 2:
                return True
    return False
