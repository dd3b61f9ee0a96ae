"""Signal parser quality and speed on the test corpus (tests/domain/signal_corpus.py).

.venv/bin/python bench/signals_bench.py [--repeat N] [--failures]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "domain"))

from signal_corpus import CORPUS, score

from coachplans.domain.signal_parser import parse_signals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200, help="timing passes over the corpus")
    parser.add_argument("--failures", action="store_true", help="print the cases that differ")
    args = parser.parse_args()
    predicted = [parse_signals(case.text) for case in CORPUS]
    result = score(CORPUS, predicted)
    started = time.perf_counter()
    for _ in range(args.repeat):
        for case in CORPUS:
            parse_signals(case.text)
    per_plan = (time.perf_counter() - started) / (args.repeat * len(CORPUS))
    print(f"signals: {len(CORPUS)} plans, {sum(len(c.expected) for c in CORPUS)} signals")
    print(f"{'metric':<22}{'value':>10}")
    print(f"{'ticker precision':<22}{result.precision:>10.3f}")
    print(f"{'ticker recall':<22}{result.recall:>10.3f}")
    print(f"{'ticker F1':<22}{result.f1:>10.3f}")
    print(f"{'bias accuracy':<22}{result.bias_accuracy:>10.3f}")
    print(f"{'level accuracy':<22}{result.level_accuracy:>10.3f}")
    print(f"{'parse time / plan':<22}{per_plan * 1e6:>8.1f}us")
    if args.failures:
        for case, found in zip(CORPUS, predicted, strict=True):
            if found != case.expected:
                print(f"\n{case.text!r}\n  want {case.expected}\n  got  {found}")


if __name__ == "__main__":
    main()
