"""Plan ingest through the service on SQLite, no chart download (SPEC §14: p50 <= 1 ms).

N ``PlanService.post_plan`` calls on distinct coach/date slots (creates), then N re-posts to
the same slots (replaces), each timed with ``time.perf_counter``; the same again with three
small PNG charts per plan (bytes in hand, as after a download). A file-backed SQLite database
in WAL mode, as the server uses. Rows at log level INFO (the default: one line per write to a
log file, console to /dev/null) and at WARNING.

Usage: python bench/ingest_bench.py [--quick] [-n N]
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from benchkit import (
    fmt,
    percentile,
    plan_text,
    quiet_console,
    record,
    table,
    tiny_png,
    weekdays_before,
)

TARGET_P50_MS = 1.0
WARMUP = 50


def make_service(tmp: Path, name: str, level: str) -> Any:
    from coachplans.logging import configure_logging
    from coachplans.settings import load_settings
    from coachplans.wiring import build_service

    settings = load_settings(
        run_bot=False,
        database={"url": f"sqlite:///{tmp / name}.db"},
        logging={"level": level, "file": str(tmp / f"{name}.log") if level == "INFO" else None},
    )
    with quiet_console():
        configure_logging(settings.logging)
    return build_service(settings)


def timed(calls: list[Callable[[], object]]) -> tuple[list[float], float]:
    """Per-call milliseconds (sorted) and the wall time of the whole run in seconds."""
    samples = []
    gc.collect()
    started = time.perf_counter()
    for call in calls:
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - started
    samples.sort()
    return samples, wall


def scenarios(service: Any, n: int, rng: random.Random) -> list[tuple[str, list[float], float]]:
    from coachplans.domain.charts import ChartUpload
    from coachplans.domain.plans import Actor, Source

    roster = list(service.roster.keys)
    per_coach = -(-(n + WARMUP) // len(roster))
    days = weekdays_before(date(2026, 1, 1), per_coach * 2)
    plain_days, chart_days = days[:per_coach], days[per_coach:]
    actor = Actor("bench", discord_id=42)

    def slots(dates: list[date]) -> list[tuple[str, date]]:
        return [(coach, day) for day in dates for coach in roster][: n + WARMUP]

    def charts() -> list[Any]:
        return [ChartUpload(tiny_png(rng), filename=f"c{i}.png") for i in range(3)]

    def posts(targets: list[tuple[str, date]], with_charts: bool) -> list[Callable[[], object]]:
        # Texts and chart bytes are made before timing: only the service call is measured.
        prepared = [(c, d, plan_text(rng), charts() if with_charts else []) for c, d in targets]
        return [
            lambda c=c, d=d, t=t, u=u: service.post_plan(
                c, t, actor, source=Source.API, trade_date=d, charts=u, channel="#bench"
            )
            for c, d, t, u in prepared
        ]

    out = []
    for label, dates, with_charts in (
        ("create, no charts", plain_days, False),
        ("create, 3 charts", chart_days, True),
    ):
        targets = slots(dates)
        for call in posts(targets[:WARMUP], with_charts):
            call()  # statement caches, pages, etc.
        measured = targets[WARMUP:]
        samples, wall = timed(posts(measured, with_charts))
        out.append((label, samples, wall))
        replace_label = label.replace("create", "re-post (replace)")
        samples, wall = timed(posts(measured, with_charts))
        out.append((replace_label, samples, wall))
    return out


def bare_sqlite_inserts(tmp: Path, n: int, rng: random.Random) -> list[float]:
    """The floor: the same plan row inserted with the sqlite3 module alone, one transaction
    each, in a WAL database with the server's pragmas (no revision, event, signals, checks)."""
    db = sqlite3.connect(tmp / "bare.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE plans (id INTEGER PRIMARY KEY, coach TEXT, trade_date TEXT, text TEXT,"
        " author TEXT, channel TEXT, created_at TEXT, version INTEGER,"
        " UNIQUE (coach, trade_date))"
    )
    rows = [("d", f"day-{i}", plan_text(rng), "bench", "#bench", "now", 1) for i in range(n)]
    samples = []
    for row in rows:
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO plans (coach, trade_date, text, author, channel, created_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        db.execute("COMMIT")
        samples.append((time.perf_counter() - t0) * 1000)
    db.close()
    return sorted(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 calls per scenario")
    parser.add_argument("-n", type=int, help="calls per scenario (default 2000)")
    args = parser.parse_args(argv)
    n = args.n or (500 if args.quick else 2000)

    tmp = Path(tempfile.mkdtemp(prefix="coachplans-ingest-"))
    rng = random.Random(7)
    rows = []
    headline = 0.0
    try:
        bare = percentile(bare_sqlite_inserts(tmp, n, rng), 50)
        for level in ("INFO", "WARNING"):
            service = make_service(tmp, f"ingest-{level.lower()}", level)
            for label, samples, wall in scenarios(service, n, rng):
                p50 = percentile(samples, 50)
                if level == "INFO" and label == "create, no charts":
                    headline = p50
                rows.append([
                    label, level, len(samples), fmt(p50, 3), fmt(percentile(samples, 95), 3),
                    fmt(percentile(samples, 99), 3), fmt(samples[-1], 2),
                    fmt(len(samples) / wall, 0),
                    "met" if p50 <= TARGET_P50_MS else "MISSED",
                ])  # fmt: skip
            service.repo.engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    record(
        "ingest: PlanService.post_plan, SQLite, no charts, INFO, signals parsed (p50)",
        headline, "ms", "<= 1 ms", headline <= TARGET_P50_MS,
        f"bare sqlite3 insert of the row: {bare:.3f} ms",
    )  # fmt: skip
    print(f"\nbare sqlite3 insert of the same row, one transaction each: p50 {bare:.3f} ms")
    print("\nPlan ingest through PlanService.post_plan (SQLite file, WAL, no chart download)")
    print(table(
        ["scenario", "log level", "calls", "p50 ms", "p95 ms", "p99 ms", "max ms", "plans/s",
         "target p50<=1ms"],
        rows,
    ))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
