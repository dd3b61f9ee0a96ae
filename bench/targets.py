"""The speed targets in one table: every figure a benchmark recorded in $BENCH_RESULTS (or the
file given), with what it was measured beside, its target and PASS or MISS.

Usage: python bench/targets.py [results.jsonl]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from benchkit import fmt, table


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else os.environ.get("BENCH_RESULTS", ""))
    if not path.is_file():
        print(f"no results recorded ({path})")
        return 0
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        value = fmt(row["value"], 3 if abs(row["value"]) < 10 else 0)
        verdict = "PASS" if row["passed"] else "MISS"
        rows.append([row["what"], f"{value} {row['unit']}", row["beside"], row["target"], verdict])
    print("\nspeed targets (one run on this machine):")
    print(table(["what", "measured", "beside", "target", "verdict"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
