"""Shared helpers of the benchmarks: realistic plan texts, tiny PNG charts, trading days,
percentiles and plain aligned text tables. Standard library only."""

from __future__ import annotations

import contextlib
import json
import os
import random
import struct
import zlib
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

TICKERS = ("SPY", "QQQ", "IWM", "NVDA", "AAPL", "TSLA", "AMD", "MSFT", "META", "AMZN", "ES", "NQ")
OPENERS = (
    "Good morning traders.",
    "Game plan for today.",
    "Quick notes before the open.",
    "Here is how I am approaching today's session.",
    "Morning all, levels and bias below.",
)
BIASES = ("bullish above", "bearish below", "neutral between", "looking for a reclaim of")
CLOSERS = (
    "Size down into the data release and let the first 15 minutes settle.",
    "No trades in the chop; wait for the opening range to break with volume.",
    "Risk is defined at the stop, take partials into the first target.",
    "If we lose the VWAP early I stand aside until lunch.",
    "Remember: A+ setups only, protect the green.",
)


def plan_text(rng: random.Random, lo: int = 600, hi: int = 1500) -> str:
    """A trading plan of ``lo``..``hi`` characters: tickers, levels, bias and risk notes."""
    target = rng.randint(lo, hi)
    parts = [rng.choice(OPENERS)]
    while sum(len(p) + 1 for p in parts) < target:
        ticker = rng.choice(TICKERS)
        base = rng.uniform(20, 900)
        parts.append(
            f"{ticker}: {rng.choice(BIASES)} {base:.2f}; support {base * 0.985:.2f}, "
            f"resistance {base * 1.012:.2f}, stop {base * 0.979:.2f}, "
            f"targets {base * 1.021:.2f} / {base * 1.034:.2f}."
        )
        if rng.random() < 0.3:
            parts.append(rng.choice(CLOSERS))
    text = "\n".join(parts)
    return text[:target].rstrip() or "Plan."


def tiny_png(rng: random.Random, width: int = 16, height: int = 12) -> bytes:
    """A valid, unique-ish RGB PNG of a few hundred bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def weekdays_before(end: date, count: int) -> list[date]:
    """The ``count`` weekdays strictly before ``end``, oldest first."""
    days: list[date] = []
    day = end
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days[::-1]


def weekdays_between(first: date, last: date) -> list[date]:
    """Weekdays ``first``..``last`` inclusive, oldest first."""
    out = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(pct / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned text table; text left-aligned, numbers right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def is_number(text: str) -> bool:
        return text.replace(".", "", 1).replace(",", "").replace("-", "", 1).isdigit()

    def line(row: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(row):
            out.append(cell.rjust(widths[i]) if is_number(cell) else cell.ljust(widths[i]))
        return " | ".join(out).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), rule, *(line(row) for row in cells)])


def fmt(value: float, digits: int = 2) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.{digits}f}"


@contextlib.contextmanager
def quiet_console() -> Iterator[None]:
    """Point stderr at /dev/null while logging handlers are built, so a console handler
    created inside writes nowhere (the file handler, if any, still writes). The null stream
    stays open for the life of the process, as the handlers keep it."""
    devnull = open(os.devnull, "w")  # noqa: SIM115 - handlers hold it until exit
    with contextlib.redirect_stderr(devnull):
        yield


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, from /proc/<pid>/status; (0, 0) if unreadable."""
    values = {"VmRSS": 0, "VmHWM": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in values:
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values["VmRSS"], values["VmHWM"]


# --- targets ------------------------------------------------------------------------------------
# Each benchmark records the figures that have a target; `bench/run` collects them in one file
# (BENCH_RESULTS) and bench/targets.py prints them side by side with PASS/MISS.


def record(what: str, value: float, unit: str, target: str, passed: bool, beside: str = "") -> None:
    """Append one measured figure with its target to $BENCH_RESULTS (when set)."""
    path = os.environ.get("BENCH_RESULTS")
    if not path:
        return
    row = {
        "what": what, "value": value, "unit": unit, "target": target, "passed": passed,
        "beside": beside,
    }  # fmt: skip
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
