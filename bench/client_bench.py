"""The Python client (SPEC §14): cache-hit cost, a miss over loopback, and a backtest range
fetch of 5 years x 4 coaches beside the same dates fetched one at a time.

Seeds a temporary SQLite database through the service (every weekday of the last 5 years, 4
coaches, 600-1500 character plans), starts the real application under uvicorn in its own
processes (uvloop, httptools, log level WARNING; one with the read cache on, as deployed,
one with it off) and measures, from this process:

- a cache hit of ``EnhancedWebhookClient.fetch_coach_plan`` (timeit over many calls; one
  thread, and 4 threads sharing one client), and the async client's hit;
- a miss over loopback: the client's cache off, distinct dates (the server's read cache cold),
  then the same date again (the server's read cache warm); median and p99;
- ``CoachPlansClient.plan_range`` over the 5 years (pages of 1000) from a second server with
  its read cache off (every page read from the database) and from the first one (warm),
  beside ``fetch_all_coach_plans`` date by date over the same weekdays (read cache off). The
  first fetch after each server started (building every plan's JSON, kept per version) is
  shown apart from the medians of the fetches after it.

Targets: a hit under 2 µs; the range fetch under 0.2 s.

Usage: python bench/client_bench.py [--quick] [--years N] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from api_bench import Server
from benchkit import fmt, percentile, plan_text, record, table, weekdays_between

TARGET_HIT_US = 2.0
TARGET_RANGE_S = 0.2
COACHES = ("d", "i", "s", "n")
APP = "asgi_apps:coachplans_app"


@dataclass
class Seed:
    first: date
    last: date
    days: list[date]
    plans: int
    seconds: float


def seed_years(url: str, years: int, rng: random.Random) -> Seed:
    """Every weekday of the last ``years`` years, one plan per coach, through the service."""
    from coachplans.domain.plans import Actor, Source
    from coachplans.settings import load_settings
    from coachplans.wiring import build_service

    settings = load_settings(run_bot=False, database={"url": url}, logging={"level": "WARNING"})
    service = build_service(settings)
    last = service.today() - timedelta(days=1)
    days = weekdays_between(last - timedelta(days=round(365.25 * years) - 1), last)
    actors = {coach: Actor(f"Coach {coach.upper()}") for coach in COACHES}
    texts = [(day, coach, plan_text(rng)) for day in days for coach in COACHES]
    started = time.perf_counter()
    for day, coach, text in texts:
        service.post_plan(coach, text, actors[coach], source=Source.CLI, trade_date=day)
    seconds = time.perf_counter() - started
    service.repo.engine.dispose()
    return Seed(days[0], days[-1], days, len(texts), seconds)


# --- cache hits -------------------------------------------------------------------------------


def per_call_us(call: Callable[[], object], number: int) -> float:
    """Best of 5 timeit runs, in microseconds per call."""
    gc.collect()
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def threaded_us(call: Callable[[], object], threads: int, number: int) -> float:
    """Wall time per call with ``threads`` threads calling at once (the GIL serialises them:
    this shows the cost of the lock under contention, not parallel speed-up)."""
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(number):
            call()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return (time.perf_counter() - started) / (threads * number) * 1e6


def async_hit_us(url: str, day: str, number: int) -> float:
    from coachplans.client import AsyncEnhancedWebhookClient

    async def run() -> float:
        async with AsyncEnhancedWebhookClient(url) as client:
            await client.fetch_coach_plan("d", day)
            best = float("inf")
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(number):
                    await client.fetch_coach_plan("d", day)
                best = min(best, time.perf_counter() - started)
            return best / number * 1e6

    return asyncio.run(run())


def measure_hits(url: str, seed: Seed, number: int) -> list[list[object]]:
    from coachplans.client import EnhancedWebhookClient

    day = seed.last.isoformat()
    rows = []
    with EnhancedWebhookClient(url) as client:
        client.fetch_coach_plan("d", day)
        client.fetch_coach_plan("d")  # today: no plan yet, served within the 30 s interval
        cases: list[tuple[str, Callable[[], object]]] = [
            ("hit, past date, 1 thread", lambda: client.fetch_coach_plan("d", day)),
            ("hit, today (date=None), 1 thread", lambda: client.fetch_coach_plan("d")),
        ]
        for label, call in cases:
            rows.append([label, fmt(per_call_us(call, number), 2), "µs/call"])
        threaded = threaded_us(lambda: client.fetch_coach_plan("d", day), 4, number // 4)
        rows.append(["hit, past date, 4 threads sharing one client", fmt(threaded, 2), "µs/call"])
        single = per_call_us(lambda: client.fetch_coach_plan("d", day), number)
        record(
            "client cache hit, 4 threads sharing one client", threaded, "µs",
            f"<= {TARGET_HIT_US} µs", threaded <= TARGET_HIT_US, f"1 thread: {single:.2f} µs",
        )  # fmt: skip
        requests = client.get_metrics()["requests"]
        assert requests["cache_misses"] == 2, requests  # everything else was a hit
    rows.append(["async hit, past date", fmt(async_hit_us(url, day, number), 2), "µs/call"])
    return rows


# --- misses over loopback ---------------------------------------------------------------------


def measure_misses(url: str, seed: Seed, count: int) -> list[list[object]]:
    from coachplans.client import EnhancedWebhookClient

    rows = []
    with EnhancedWebhookClient(url, max_cache_size=0) as client:  # the client caches nothing
        client.check_health()  # connection opened before timing
        days = [day.isoformat() for day in seed.days[-count:]]
        for label, targets in (
            ("miss, server read cache cold (distinct dates)", days),
            ("miss, server read cache warm (same date)", [days[0]] * count),
        ):
            samples = []
            for day in targets:
                started = time.perf_counter()
                answer = client.fetch_coach_plan("s", day)
                samples.append((time.perf_counter() - started) * 1000)
                assert answer.get("found") is True, answer
            samples.sort()
            rows.append([label, fmt(statistics.median(samples), 3), "ms median"])
            rows.append([label.replace("miss", "   p99"), fmt(percentile(samples, 99), 3), "ms"])
    return rows


# --- the backtest range fetch -----------------------------------------------------------------


@dataclass
class RangeRun:
    seconds: float
    requests: int
    plans: int


def typed_range(url: str, seed: Seed) -> RangeRun:
    from coachplans.client import CoachPlansClient

    with CoachPlansClient(url) as client:
        started = time.perf_counter()
        plans = client.plan_range(seed.first, seed.last)
        seconds = time.perf_counter() - started
        requests = client.get_metrics()["api"]["success"]
    return RangeRun(seconds, requests, len(plans))


def async_typed_range(url: str, seed: Seed) -> RangeRun:
    from coachplans.client import AsyncCoachPlansClient

    async def run() -> RangeRun:
        async with AsyncCoachPlansClient(url) as client:
            started = time.perf_counter()
            plans = await client.plan_range(seed.first, seed.last)
            seconds = time.perf_counter() - started
            return RangeRun(seconds, client.get_metrics()["api"]["success"], len(plans))

    return asyncio.run(run())


def date_by_date(url: str, seed: Seed) -> RangeRun:
    from coachplans.client import EnhancedWebhookClient

    with EnhancedWebhookClient(url, max_cache_size=len(seed.days) * 5) as client:
        started = time.perf_counter()
        plans = sum(len(client.fetch_all_coach_plans(day)) for day in seed.days)
        seconds = time.perf_counter() - started
        requests = client.get_metrics()["api"]["success"]
    return RangeRun(seconds, requests, plans)


def median_run(run: Callable[[str, Seed], RangeRun], url: str, seed: Seed, times: int) -> RangeRun:
    runs = sorted((run(url, seed) for _ in range(times)), key=lambda r: r.seconds)
    return runs[len(runs) // 2]


def measure_range(
    cached: str, uncached: str, seed: Seed, repeat: int
) -> tuple[list[list[object]], float]:
    """``uncached``: a server with its read cache off (every page read from the database).

    The first fetch from each server is shown on its own: it also builds every plan's JSON,
    which the server keeps per (plan, version) for as long as it runs (api/plan_json.py),
    response cache or not. The medians that follow are what every later backtest pays."""
    first = typed_range(uncached, seed)
    typed_range(cached, seed)  # the same for the server with its read cache on
    cold = median_run(typed_range, uncached, seed, repeat)
    cases = [
        ("typed plan_range (sync), first after the server started", first),
        ("typed plan_range (sync), server read cache off, median", cold),
        ("typed plan_range (async), server read cache off, median",
         median_run(async_typed_range, uncached, seed, repeat)),
        ("typed plan_range (sync), server read cache warm, median",
         median_run(typed_range, cached, seed, repeat)),
        ("fetch_all_coach_plans date by date, server read cache off",
         date_by_date(uncached, seed)),
    ]  # fmt: skip
    record(
        f"5 years x 4 coaches through CoachPlansClient.plan_range, read cache off ({seed.plans:,}"
        " plans)", cold.seconds, "s", f"<= {TARGET_RANGE_S} s", cold.seconds <= TARGET_RANGE_S,
        f"{cold.requests} requests; each plan's JSON already built by the server",
    )  # fmt: skip
    record(
        "the same, first fetch after the server started (every plan's JSON built)",
        first.seconds, "s", f"<= {TARGET_RANGE_S} s", first.seconds <= TARGET_RANGE_S,
        f"{first.requests} requests",
    )  # fmt: skip
    rows = []
    for label, found in cases:
        assert found.plans == seed.plans, (label, found.plans, seed.plans)
        rows.append([label, fmt(found.seconds, 3), f"{found.requests:,}", f"{found.plans:,}"])
    return rows, cold.seconds


# --- main -------------------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    return "PASS" if value < target else "MISS"


def report(hits: list[list[object]], misses: list[list[object]], ranges: Any) -> None:
    range_rows, cold_range = ranges
    print("\nclient cache hits (EnhancedWebhookClient.fetch_coach_plan):")
    print(table(["case", "cost", "unit"], hits))
    print("\nclient misses over loopback (one uvicorn process, SQLite):")
    print(table(["case", "value", "unit"], misses))
    print("\nbacktest range fetch, 5 years x 4 coaches:")
    print(table(["how", "seconds", "HTTP requests", "plans"], range_rows))
    hit = float(str(hits[0][1]).replace(",", ""))
    print(
        f"\ntargets: cache hit {hit:.2f} µs < {TARGET_HIT_US} µs: {verdict(hit, TARGET_HIT_US)}; "
        f"range fetch (read cache off) {cold_range:.3f} s < {TARGET_RANGE_S} s: "
        f"{verdict(cold_range, TARGET_RANGE_S)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and repeats")
    parser.add_argument("--years", type=int, default=5, help="years of plans (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    number, misses, repeat = (50_000, 100, 3) if args.quick else (200_000, 300, 5)

    tmp = Path(tempfile.mkdtemp(prefix="coachplans-client-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"client benchmark: {os.cpu_count()} CPUs, load average {load} before start")
    servers: list[Server] = []
    try:
        seed = seed_years(url, args.years, random.Random(20261122))
        print(
            f"seeded {seed.plans:,} plans (4 coaches x {len(seed.days):,} weekdays "
            f"{seed.first}..{seed.last}) through the service in {seed.seconds:.1f}s",
            flush=True,
        )
        env = {"BENCH_DB_URL": url, "BENCH_LOG_LEVEL": "WARNING", "BENCH_LOG_FILE": ""}
        servers.append(Server("cached", APP, env, tmp, factory=True).start())
        servers.append(Server("uncached", APP, {**env, "BENCH_READ_CACHE": "0"}, tmp, True).start())
        cached, uncached = (server.url("") for server in servers)
        report(
            measure_hits(cached, seed, number),
            measure_misses(cached, seed, misses),
            measure_range(cached, uncached, seed, repeat),
        )
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
