"""Signal parser quality on both corpus parts and parse speed (SPEC §3.5).

    .venv/bin/python bench/signals_bench.py [--failures PART] [--quick]

Quality: ticker precision/recall/F1, bias accuracy and level precision/recall/F1 on the tuning
part and on the held-out part (tests/domain/signal_plans). Speed: the median time to parse a
1,000-character plan (plans cut from the corpus and from bench/benchkit.plan_text), and the time
for a 4,000-character adversarial plan against a 4x 1,000-character plan (linear growth).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "domain"))
sys.path.insert(0, str(ROOT / "bench"))

from benchkit import plan_text  # noqa: E402
from signal_corpus import Case, score  # noqa: E402
from signal_plans import PARTS  # noqa: E402

from coachplans.domain.signal_parser import parse_signals  # noqa: E402

QUALITY_ROWS = (
    ("ticker precision", "ticker_precision"),
    ("ticker recall", "ticker_recall"),
    ("ticker F1", "ticker_f1"),
    ("bias accuracy", "bias_accuracy"),
    ("level precision", "level_precision"),
    ("level recall", "level_recall"),
    ("level F1", "level_f1"),
)


def thousand_char_plans(count: int) -> list[str]:
    """Plans of exactly 1,000 characters: corpus plans joined, and generated plans."""
    rng = random.Random(15)
    texts = [case.text for part in PARTS.values() for case in part]
    plans = []
    for _ in range(count // 2):
        rng.shuffle(texts)
        plans.append("\n\n".join(texts)[:1000])
    while len(plans) < count:
        text = plan_text(rng, 1000, 1000)
        plans.append((text + "\n" + plan_text(rng, 1000, 1000))[:1000])
    return plans


def adversarial_plan(length: int) -> str:
    """Long runs of what a tokenizer or a regex might backtrack on: digits, separators, signs,
    capitals, dollar signs, no line breaks."""
    chunk = "1,2.3-4-5k$$ABCDEFGH/ES=F^GSPC 999999999.99999-- ++ ..,,  L>S<T/ " + "9" * 40
    return (chunk * (length // len(chunk) + 1))[:length]


def median_us(parse: Callable[[str], object], texts: list[str], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter_ns()
            parse(text)
            samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1000


def quality_table(parts: dict[str, list[Case]]) -> None:
    results = {
        name: score(cases, [parse_signals(c.text) for c in cases]) for name, cases in parts.items()
    }
    print(f"{'signals quality':<20}" + "".join(f"{name:>12}" for name in results))
    print(f"{'plans':<20}" + "".join(f"{len(parts[name]):>12}" for name in results))
    for label, attr in QUALITY_ROWS:
        print(f"{label:<20}" + "".join(f"{getattr(r, attr):>12.3f}" for r in results.values()))


def speed_table(quick: bool) -> None:
    rounds = 5 if quick else 40
    plans = thousand_char_plans(50)
    normal = median_us(parse_signals, plans, rounds)
    four = median_us(parse_signals, [p * 4 for p in plans[:10]], rounds)
    hostile = median_us(parse_signals, [adversarial_plan(4000)], rounds * 10)
    print(f"{'signals speed':<36}{'value':>12}")
    print(f"{'median parse, 1,000-char plan':<36}{normal:>10.1f}us")
    print(f"{'median parse, 4,000-char plan':<36}{four:>10.1f}us")
    print(f"{'median parse, 4,000-char adversarial':<36}{hostile:>10.1f}us")


def print_failures(cases: list[Case]) -> None:
    for case in cases:
        found = parse_signals(case.text)
        if found != case.expected:
            print(f"\n{case.text!r}\n  want {case.expected}\n  got  {found}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--failures", choices=sorted(PARTS), help="print a part's misses")
    parser.add_argument("--quick", action="store_true", help="fewer timing rounds")
    args = parser.parse_args()
    quality_table(PARTS)
    print()
    speed_table(args.quick)
    if args.failures:
        print_failures(PARTS[args.failures])


if __name__ == "__main__":
    main()
