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

from itertools import chain

from coachplans.domain.signal_words import (
    BIAS,
    COLON,
    CONDITION,
    DASH,
    DIRECTION,
    END,
    FILLER,
    KIND,
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
    cached_tokens,
    tokens_of,
)
from coachplans.domain.signals import Bias, Level, LevelKind, Signal
from coachplans.domain.ticker_lexicon import NOT_TICKERS
from coachplans.domain.tickers import canonical_ticker

_ENTRY, _TARGET, _STOP = LevelKind.ENTRY, LevelKind.TARGET, LevelKind.STOP
_SUPPORT, _RESISTANCE = LevelKind.SUPPORT, LevelKind.RESISTANCE
_REACH = 7  # tokens a level word reaches over ("stop on a daily close above 24.50")
_POSTFIX_GAP = 2  # fillers between prices and a level noun naming them ("579-80 is the lid")
_cached = cached_tokens
_CLOSING = frozenset({WORD, YEAR_WORD})
_BEFORE_YEAR = frozenset({YEAR_WORD, FILLER})
_RANGE_JOINS = frozenset({DASH, TOWARD})
_HEADING_MARKS = frozenset({BIAS, COLON, END, SEPARATOR})
_ORDINALS = frozenset({1.0, 2.0, 3.0, 4.0, 5.0})

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

    def has_entry(self) -> bool:
        return self.entries > 0

    def signal(self, ticker: str) -> Signal:
        # A price of zero is never a level ("{0}" in a template, "0 DTE" read as a number).
        levels = tuple(Level(kind, low, high) for kind, low, high in self.levels if low > 0)
        return Signal(ticker, self._bias(), levels)

    def _bias(self) -> Bias:
        if self.neutral:
            return Bias.NEUTRAL
        if self.score:
            return Bias.BULLISH if self.score > 0 else Bias.BEARISH
        if self.evidence:
            return Bias.NEUTRAL
        entry = next((key[1] for key in self.levels if key[0] is _ENTRY), None)
        target = next((key[1] for key in self.levels if key[0] is _TARGET), None)
        if entry is None or target is None or entry == target:
            return Bias.NEUTRAL
        return Bias.BULLISH if target > entry else Bias.BEARISH


class _Reader:
    """The state machine; one instance per plan."""

    def __init__(self) -> None:
        self.found: dict[str, _Found] = {}
        self.context: str | None = None  # the ticker a clause without one continues
        self.context_heading = False  # ... named alone on its line
        self.context_line = -1
        self.line_index = 0
        self.loose = _Found()  # what a clause says before it names a ticker
        self.group: list[Price] = []  # prices read, waiting for their kind
        self.group_kind: LevelKind | None = None
        self.group_strength = self.group_bias = self.group_gap = 0
        self.group_joined = False
        self.pending_strength = self.pending_bias = self.pending_at = self.previous_flags = 0
        self.pending_used = False
        self.held = 0.0  # a bias word's vote, until the next word says whose it is
        self._new_clause()

    def _new_clause(self) -> None:
        """Forget the clause (the group is already flushed, the held vote released)."""
        self.current: str | None = None
        self.scope = self.loose
        self.pending: LevelKind | None = None
        self.last_group: tuple[_Found, LevelKind, list[Price]] | None = None
        self.entry_given = self.options_said = False
        self.weight = 1.0
        self.negated_at = -9
        self.previous: int | None = None

    # -- lines and clauses -----------------------------------------------------------------
    def read_line(self, line: str) -> None:
        words = line.split()
        if not words:
            self.context = None
            return
        caps = _shouting(line, words)
        cached = list(map(_cached, words))
        if None in cached:  # a word not read before
            cached = [tokens_of(word) for word in words]
        tokens: list[Token] = list(chain.from_iterable(cached))  # type: ignore[arg-type]
        heading = len(tokens) <= 4 and _heading(tokens)
        for index, token in enumerate(tokens):
            code = token[0]
            if self.held and code != TICKER and not (code == KIND and token[4] & OPTION):
                self._release_held()
            if code == PRICES:
                self._prices(token[1], index)
            elif code == KIND:
                self._kind(token, index)
            elif code in _CLOSING:
                if self.group:
                    self._flush()
            elif code == FILLER:
                self.group_gap += 1
            elif code == SEPARATOR:
                self.group_joined = True
            elif code == END:
                self._end_clause(heading)
                continue
            elif code == TICKER:
                ticker = token[2] if caps else token[1]
                if ticker is None:
                    if self.group:
                        self._flush()
                else:
                    self._ticker(ticker)
            else:
                self._other(code, token, index)
            self.previous = code
            if self.pending is not None and index - self.pending_at > _REACH:
                self.pending = None
        self._end_clause(heading)
        self.line_index += 1

    def _end_clause(self, heading: bool) -> None:
        if self.group:
            self._flush()
        if self.held:
            self._release_held()
        if self.current is not None:
            self.context = self.current
            self.context_heading = heading
            self.context_line = self.line_index
        else:
            loose = self.loose
            if loose.levels or loose.evidence or loose.neutral:
                if self.context is not None:
                    self._continue_context()
                self.loose = _Found()
        self._new_clause()

    def _continue_context(self) -> None:
        """A clause that names no ticker: its levels go to the previous ticker, and its bias
        too when it gives levels or stays on that ticker's line or heading."""
        assert self.context is not None
        target, loose = self.found[self.context], self.loose
        if loose.levels or self.context_heading or self.context_line == self.line_index:
            target.merge(loose)

    # -- tokens ---------------------------------------------------------------------------
    def _other(self, code: object, token: Token, index: int) -> None:
        if code == DIRECTION:
            self._direction(token[1], index)
        elif code == BIAS:
            if index - self.negated_at > 2:
                self.held = token[1] * self.weight
        elif code == NOT_PRICE:
            if token[1] and not self.options_said:
                self._credit(token[1] * self.weight)
            if self.group:
                self._flush()
        elif code == UNIT:
            if self.group and self.group_gap == 0 and not self.group_joined:
                self.group.pop()
            if self.group:
                self._flush()
        elif code == TOWARD:
            self._toward(index)
        elif code == NEGATION:
            self.negated_at = index
        elif code == NEUTRAL:
            if index - self.negated_at > 2:
                self.scope.neutral = True
        elif code == SIDE_NOUN:
            self._side_noun()
        elif code == CONDITION or (code == PLAN_B and self.previous == PLAN):
            self.weight = 0.5
        elif code == LOW_HIGH and self.previous == RANGE:
            self._set_pending(token[1], STRONG, 0, index)
        elif code != DASH and code != NOW and self.group:  # RANGE, LOOKING, PLAN, MONTH, COLON
            self._flush()

    def _credit(self, value: float) -> None:
        self.scope.score += value
        self.scope.evidence += 1
        if self.weight < 1.0:  # a conditional clause is half a vote, however worded
            self.weight = 0.0

    def _release_held(self) -> None:
        if self.held:
            self._credit(self.held)
            self.held = 0.0

    def _ticker(self, ticker: str) -> None:
        if self.group:
            self._flush()
        found = self.found.get(ticker)
        if found is None:
            found = self.found[ticker] = _Found()
        adopted_entry = False
        loose = self.loose
        if self.current is None and (loose.levels or loose.evidence or loose.neutral):
            adopted_entry = loose.has_entry()
            found.merge(loose)
            self.loose = _Found()
        self.current, self.scope = ticker, found
        self._release_held()
        self.entry_given = adopted_entry
        if self.pending_used:
            self.pending = None

    def _prices(self, prices: tuple[Price, ...], index: int) -> None:
        previous = self.previous
        if previous == MONTH or (previous in _BEFORE_YEAR and _is_year(prices)):
            return
        group = self.group
        if group and previous in _RANGE_JOINS and _single(prices, group):
            low, high = group[-1][0], prices[0][0]
            group[-1] = (min(low, high), max(low, high))  # "220 - 222", "236 to 238"
        elif group and previous == PRICES and len(group) == 1 and group[0][0] in _ORDINALS:
            group[0] = prices[0]  # "Target 1 413.87"
            group.extend(prices[1:])
        elif group and (self.group_joined or self.group_gap == 0):
            group.extend(prices)
        else:
            if self.group:
                self._flush()
            self.group.extend(prices)
            if self.pending is not None:
                self.group_kind = self.pending
                self.group_strength = self.pending_strength
                self.group_bias = self.pending_bias
                self.pending_used = True
                self.pending_at = index
        self.group_gap = 0
        self.group_joined = False

    def _kind(self, token: Token, index: int) -> None:
        _, kind, strength, bias, flags = token
        if index - self.negated_at <= 2:
            if self.group:
                self._flush()
            return
        if flags & OPTION:
            bias = self._option_side(bias)
        if flags & POSTFIX and self._names_group(kind, bias):
            return
        if self.group:
            self._flush()
        if flags & STOP_OR_SUPPORT:
            kind = _STOP if self._after_entry() else _SUPPORT
        if strength == STRONG:
            self._set_pending(kind, STRONG, 0, index)
            if bias:
                self.held = bias * self.weight
        elif self.pending is None or self.pending_strength < STRONG:
            self._set_pending(kind, WEAK, bias, index)
        self.previous_flags = flags

    def _option_side(self, side: int) -> int:
        """``selling puts`` is bullish, ``buying puts`` bearish: the verb's side times the
        option's."""
        self.options_said = True
        verb, self.held = self.held, 0.0
        return side if not verb else side * (1 if verb > 0 else -1)

    def _after_entry(self) -> bool:
        if self.entry_given or self.scope.has_entry():
            return True
        context = self.context
        return self.current is None and context is not None and self.found[context].has_entry()

    def _names_group(self, kind: LevelKind, bias: int) -> bool:
        """``945 support``, ``the 420 lid``, ``602.5 long``: a level word after its prices;
        ``... which is now resistance`` renames the prices named before."""
        if self.previous == NOW and not self.group and self.last_group is not None:
            return self._rename_last(kind, *self.last_group)
        if not self.group or self.group_joined or self.group_gap > _POSTFIX_GAP:
            return False
        if kind is _ENTRY and self.group_gap:
            return False
        if self.group_kind is None or self.group_strength < STRONG:
            self.group_kind, self.group_strength, self.group_bias = kind, STRONG, 0
            if bias:
                self._credit(bias * self.weight)
        if self.group:
            self._flush()
        self.pending = None
        return True

    def _rename_last(
        self, kind: LevelKind, scope: _Found, old: LevelKind, prices: list[Price]
    ) -> bool:
        if old not in (_SUPPORT, _RESISTANCE) or kind not in (_SUPPORT, _RESISTANCE):
            return False
        for low, high in prices:
            scope.levels.pop((old, low, high), None)
            scope.levels[(kind, low, high)] = None
        self.last_group = None
        return True

    def _direction(self, direction: int, index: int) -> None:
        if index - self.negated_at <= 2 or (self.pending_strength == STRONG and self.pending):
            return
        if self.group:
            self._flush()
        self._set_pending(_ENTRY, WEAK, direction, index)

    def _toward(self, index: int) -> None:
        """``long over 24 for 26``, ``short to 385``, ``looking for 158``: a target;
        ``support 236 to 238``: a range."""
        if self.group and self.group_gap == 0 and self.group_kind in (_SUPPORT, _RESISTANCE):
            return
        if self.group:
            self._flush()
        previous = self.previous
        after_verb = previous == KIND and self.pending is _ENTRY and self.previous_flags & POSTFIX
        if previous == LOOKING or after_verb or (self.entry_given and self.pending is not _TARGET):
            self._set_pending(_TARGET, STRONG, 0, index)

    def _side_noun(self) -> None:
        """``long side``, ``short thesis``: a bias, not an entry; ``no bias``: neutral."""
        if self.previous == NEGATION:
            self.scope.neutral = True
        elif self.previous == KIND and self.pending is _ENTRY:
            self.pending = None

    def _set_pending(self, kind: LevelKind, strength: int, bias: int, index: int) -> None:
        self.pending, self.pending_strength, self.pending_bias = kind, strength, bias
        self.pending_at = index
        self.pending_used = False

    def _flush(self) -> None:
        """Give the open (non-empty) group of prices its kind, or drop it when it has none."""
        group = self.group
        kind = self.group_kind
        if kind is not None:
            levels = self.scope.levels
            for low, high in group:
                levels[(kind, low, high)] = None
            self.last_group = (self.scope, kind, group)
            if kind is _ENTRY:
                self.entry_given = True
                self.scope.entries += 1
                if self.group_strength == WEAK and self.group_bias:
                    self._credit(self.group_bias * self.weight)
        self.group = []
        self.group_kind = None
        self.group_strength = self.group_bias = self.group_gap = 0
        self.group_joined = False

    def signals(self) -> tuple[Signal, ...]:
        return tuple(found.signal(ticker) for ticker, found in self.found.items())


def parse_signals(text: str) -> tuple[Signal, ...]:
    """The signals of a plan: one per ticker, in order of first mention."""
    reader = _Reader()
    for line in text.splitlines():
        reader.read_line(line)
    return reader.signals()


def normalize_ticker(raw: str) -> str:
    """A ticker as the parser stores it (kept for callers; see ``tickers.canonical_ticker``)."""
    return canonical_ticker(raw)


def _single(prices: tuple[Price, ...], group: list[Price]) -> bool:
    return len(prices) == 1 and prices[0][1] is None and group[-1][1] is None


def _is_year(prices: tuple[Price, ...]) -> bool:
    if len(prices) != 1 or prices[0][1] is not None:
        return False
    value = prices[0][0]
    return value.is_integer() and 1990 <= value <= 2035


def _heading(tokens: list[Token]) -> bool:
    """A line that names one ticker and nothing else ("NVDA", "🚀 $PLTR 🚀", "/ES:")."""
    tickers = 0
    for token in tokens:
        code = token[0]
        if code == TICKER:
            tickers += 1
        elif code not in _HEADING_MARKS:
            return False
    return tickers == 1


def _shouting(line: str, words: list[str]) -> bool:
    """A line in capitals with English in it ("IF WE LOSE 598 I WILL BE SHORT"), where every
    capitalised word looks like a ticker and only known symbols count."""
    if line.upper() != line:
        return False
    english = 0
    for word in words:
        core = word.strip("()[]{}.,;:!?\"'")
        if core in NOT_TICKERS or core.lower() in VOCABULARY:
            english += 1
            if english >= 2:
                return True
    return False
