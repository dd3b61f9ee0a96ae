"""The tokenizer of plan text: one token list per plan, each line closed by a LINE token."""

from __future__ import annotations

from coachplans.domain import signal_words
from coachplans.domain.signal_words import (
    KIND,
    LEVEL,
    LINE,
    PRICES,
    TICKER,
    WORD,
    clear_word_cache,
    text_tokens,
    tokens_of,
)


def codes(text: str) -> list[int]:
    return [token[0] for token in text_tokens(text, text.splitlines())]


def test_each_line_ends_with_a_line_token() -> None:
    text = "NVDA long\n\n  \nPT 960"
    assert codes(text) == [TICKER, KIND, LINE, LINE, LINE, LEVEL, PRICES, LINE]


def test_no_text_no_tokens() -> None:
    assert codes("") == []


def test_a_nul_byte_is_a_word_not_a_line_break() -> None:
    """NUL stands for a line break inside the tokenizer: a text holding one is read line by
    line, and the NUL word reads as any unknown word would."""
    assert codes("NVDA \x00 foo\nPT 960") == [TICKER, WORD, WORD, LINE, LEVEL, PRICES, LINE]
    assert tokens_of("\x00") == ((WORD,),)


def test_the_same_tokens_with_the_cache_emptied() -> None:
    text = "$NVDA long above 945, PT 960\n\nAAPL: support 225 / 228."
    warm = text_tokens(text, text.splitlines())
    clear_word_cache()
    assert text_tokens(text, text.splitlines()) == warm


def test_plain_level_words_are_level_tokens() -> None:
    """A level word with no bias and no flags is a LEVEL token (the reader's fast path); one
    with a side or a flag stays a KIND token."""
    assert [tokens_of(w)[0][0] for w in ("stop", "PT", "T", "long", "support", "S")] == [
        LEVEL,
        LEVEL,
        LEVEL,
        KIND,
        KIND,
        KIND,
    ]


def test_the_line_mark_survives_a_cache_cleared_by_another_thread() -> None:
    """Between a clear() and the mark's restoring, a parse on another thread still reads its
    line ends."""
    signal_words._CACHE.pop("\x00")
    assert codes("NVDA long\nPT 960") == [TICKER, KIND, LINE, LEVEL, PRICES, LINE]
