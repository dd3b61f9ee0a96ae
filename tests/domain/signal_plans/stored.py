"""The parser's output for every corpus plan, stored, so that a change to the parser that
changes what it reads from any plan shows up in a test (``test_signal_parser``), even when the
corpus scores stay the same.

Regenerate (only after checking that every change is wanted):
    .venv/bin/python tests/domain/signal_plans/stored.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from coachplans.domain.signals import Bias, Level, LevelKind, Signal

STORED = Path(__file__).with_name("parses.json")


def stored_texts(corpus_texts: list[str]) -> list[str]:
    """The corpus plans as written, and in capitals (an all-caps plan reads tickers apart)."""
    return corpus_texts + [text.upper() for text in corpus_texts]


def dump(signals: tuple[Signal, ...]) -> list[Any]:
    return [
        [s.ticker, s.bias.value, [[lv.kind.value, lv.low, lv.high] for lv in s.levels]]
        for s in signals
    ]


def load(entry: list[Any]) -> tuple[Signal, ...]:
    return tuple(
        Signal(ticker, Bias(bias), tuple(Level(LevelKind(k), low, high) for k, low, high in levels))
        for ticker, bias, levels in entry
    )


def read_stored() -> dict[str, tuple[Signal, ...]]:
    rows = json.loads(STORED.read_text(encoding="utf-8"))
    return {row["text"]: load(row["signals"]) for row in rows}


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from coachplans.domain.signal_parser import parse_signals
    from signal_plans import PARTS

    texts = stored_texts([case.text for cases in PARTS.values() for case in cases])
    rows = [{"text": text, "signals": dump(parse_signals(text))} for text in dict.fromkeys(texts)]
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)  # one plan a line
    STORED.write_text(f"[\n{lines}\n]\n", encoding="utf-8")


if __name__ == "__main__":
    main()
