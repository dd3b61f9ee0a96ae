"""API throughput and latency over loopback (SPEC §14).

Seeds a temporary SQLite database through the service (4 coaches x 250 trading days of
600-1500 character plans with 1-3 tiny PNG charts, some replaced or edited, plus today), starts
the real application under uvicorn (one process, uvloop + httptools) and a bare ASGI app that
returns the very same bytes and headers, and loads both with wrk (or hey) at 16 connections.

Targets for ``GET /api/coach-plans/all?date=``: >= 5,000 req/s, p99 <= 10 ms, and within 2x of
the bare app. The headline runs at the default log level INFO with a log file (every request
writes an access line), the console handler pointed at /dev/null; a WARNING row shows what the
access log costs, and rows with the read cache off show the database path.

``--plans N`` / ``--big`` (1,000,000): measures the same reads, then bulk-inserts N older plans
(with revisions and events) straight into the migrated schema with SQLAlchemy Core, measures
again and prints both side by side, to show the reads stay flat with a large table.

Usage: python bench/api_bench.py [--quick] [--seconds S] [--big | --plans N] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from benchkit import (
    fmt,
    percentile,
    plan_text,
    record,
    rss_kib,
    table,
    tiny_png,
    weekdays_between,
)
from benchkit import weekdays_before as trading_days_before

BENCH_DIR = Path(__file__).resolve().parent
TRADING_DAYS = 250
TARGET_RPS = 5000.0
TARGET_P99_MS = 10.0
TARGET_RATIO = 2.0
BULK_BATCH = 10_000
BULK_FIRST_DAY = date(1990, 1, 2)

INFO_FILE = "INFO+file"
WARNING = "WARNING"
UNCACHED = "INFO+file, read cache off"


# --- seeding ----------------------------------------------------------------------------------


@dataclass
class Seed:
    days: list[date]
    today: date
    roster: list[str]
    plans: int
    writes: int
    seconds: float


def settings_for(url: str, level: str = "WARNING") -> Any:
    from coachplans.settings import load_settings

    return load_settings(run_bot=False, database={"url": url}, logging={"level": level})


def seed_through_service(url: str, rng: random.Random) -> Seed:
    """Every plan goes through PlanService.post_plan, as the bot would put it there."""
    from coachplans.domain.charts import ChartUpload
    from coachplans.domain.plans import Actor, Slot, Source
    from coachplans.wiring import build_service

    service = build_service(settings_for(url))
    roster = list(service.roster.keys)
    today = service.today()
    days = trading_days_before(today, TRADING_DAYS)
    actors = {
        key: Actor(f"Coach {key.upper()}", discord_id=1000 + i) for i, key in enumerate(roster)
    }
    counter = iter(range(10**9))

    def charts() -> list[ChartUpload]:
        return [
            ChartUpload(
                tiny_png(rng),
                filename=f"chart_{n}.png",
                source_url=f"https://cdn.example.invalid/attachments/{n}/chart_{n}.png",
            )
            for n in (next(counter) for _ in range(rng.randint(1, 3)))
        ]

    started = time.perf_counter()
    writes = plans = 0
    for day in [*days, None]:
        for key in roster:
            post = dict(source=Source.CLI, trade_date=day, channel=f"#coach-{key}-plans")
            service.post_plan(key, plan_text(rng), actors[key], charts=charts(), **post)
            writes += 1
            plans += 1
            roll = rng.random()
            if roll < 0.15:  # the coach re-posts an updated plan
                service.post_plan(key, plan_text(rng), actors[key], charts=charts(), **post)
                writes += 1
            elif roll < 0.25 and day is not None:  # ... or edits the text
                service.edit_plan(Slot(key, day), plan_text(rng), actors[key], source=Source.CLI)
                writes += 1
    seconds = time.perf_counter() - started
    service.repo.engine.dispose()
    return Seed(days, today, roster, plans, writes, seconds)


@dataclass
class Bulk:
    plans: int
    revisions: int
    events: int
    coaches: int
    first: date
    last: date
    seconds: float


def bulk_insert(url: str, count: int, before: date, roster: list[str], rng: random.Random) -> Bulk:
    """``count`` plans on weekdays from 1990 up to ``before`` (exclusive), spread over the
    roster and extra coach keys, each with its revisions and events, in batches of 10k rows."""
    from sqlalchemy import func, select

    from coachplans.store.engine import make_engine
    from coachplans.store.tables import EventRow, PlanRow, RevisionRow

    days = weekdays_between(BULK_FIRST_DAY, before - timedelta(days=1))
    per_day = max(1, math.ceil(count / len(days)))
    coaches = [*roster, *(f"x{i:03d}" for i in range(max(0, per_day - len(roster))))][:per_day]
    texts = [plan_text(rng) for _ in range(997)]
    plans_t, revisions_t, events_t = PlanRow.__table__, RevisionRow.__table__, EventRow.__table__

    engine = make_engine(url)
    started = time.perf_counter()
    totals = {"plans": 0, "revisions": 0, "events": 0}
    last_day = days[0]
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection  # pragmas outside any transaction
        assert raw is not None
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-262144")
        with conn.begin():
            next_id = (conn.scalar(select(func.max(plans_t.c.id))) or 0) + 1
        slots = ((day, coach) for day in days for coach in coaches)
        remaining = count
        while remaining > 0:
            batch = min(BULK_BATCH, remaining)
            plans, revisions, events = [], [], []
            for plan_id, (day, coach) in zip(range(next_id, next_id + batch), slots, strict=False):
                plans_row, revs, evs = _bulk_rows(rng, texts, plan_id, coach, day)
                last_day = day
                plans.append(plans_row)
                revisions.extend(revs)
                events.extend(evs)
            with conn.begin():
                conn.execute(plans_t.insert(), plans)
                conn.execute(revisions_t.insert(), revisions)
                conn.execute(events_t.insert(), events)
            next_id += len(plans)
            remaining -= len(plans)
            totals["plans"] += len(plans)
            totals["revisions"] += len(revisions)
            totals["events"] += len(events)
            if not plans:
                break
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    engine.dispose()
    return Bulk(
        totals["plans"],
        totals["revisions"],
        totals["events"],
        len(coaches),
        days[0],
        last_day,
        seconds,
    )


def _bulk_rows(
    rng: random.Random, texts: list[str], plan_id: int, coach: str, day: date
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    created = datetime.combine(day, dtime(12, 30), UTC) + timedelta(minutes=rng.randrange(90))
    roll = rng.random()
    actions = ["create"]
    if roll < 0.10:
        actions.append("edit")
    elif roll < 0.12:
        actions.append("delete")
    text = texts[plan_id % len(texts)]
    author = f"Coach {coach.upper()}"
    stamps = [created + timedelta(minutes=17 * i) for i in range(len(actions))]
    plan = {
        "id": plan_id,
        "coach": coach,
        "trade_date": day,
        "text": text,
        "author": author,
        "author_id": 5000 + len(coach),
        "channel": f"#coach-{coach}-plans",
        "source_message_id": 10**17 + plan_id,
        "created_at": created,
        "edited_at": stamps[-1] if len(actions) > 1 else None,
        "deleted_at": stamps[-1] if actions[-1] == "delete" else None,
        "version": len(actions),
    }
    revisions = [
        {
            "plan_id": plan_id,
            "number": n,
            "action": action,
            "text": text,
            "charts": [],
            "actor": author,
            "actor_id": plan["author_id"],
            "source": "discord_command" if action == "create" else "discord_edit",
            "created_at": stamp,
        }
        for n, (action, stamp) in enumerate(zip(actions, stamps, strict=True), start=1)
    ]
    events = [
        {
            "type": f"plan.{action}d" if action != "edit" else "plan.edited",
            "plan_id": plan_id,
            "coach": coach,
            "trade_date": day,
            "revision": n,
            "created_at": stamp,
        }
        for n, (action, stamp) in enumerate(zip(actions, stamps, strict=True), start=1)
    ]
    return plan, revisions, events


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    target: str
    env: dict[str, str]
    logdir: Path
    factory: bool = False
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        self.port = free_port()
        cmd = [
            sys.executable, "-m", "uvicorn", self.target, "--app-dir", str(BENCH_DIR),
            "--host", "127.0.0.1", "--port", str(self.port), "--loop", "uvloop",
            "--http", "httptools", "--no-access-log", "--log-level", "warning",
            "--no-server-header", "--no-proxy-headers",
        ]  # fmt: skip
        if self.factory:
            cmd.append("--factory")
        log_path = self.logdir / f"server-{self.name}.log"
        with log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd, env={**os.environ, **self.env}, stdout=out, stderr=subprocess.STDOUT
            )
        self._wait_ready(log_path)
        return self

    def _wait_ready(self, log_path: Path, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {log_path.read_text()[-2000:]}")
            try:
                self.get("/")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(
            f"{self.name} not ready after {timeout}s: {log_path.read_text()[-2000:]}"
        )

    def get(self, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


# --- load generation --------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(out: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {
        m.group(1): float(m.group(2)) * _UNITS[m.group(3)]
        for m in re.finditer(r"^\s+(\d+)(?:\.\d+)?%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    }
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return Load(rps, lat["50"], lat["99"], int(total.group(1)) if total else 0, errors)


def parse_hey(out: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {
        m.group(1): float(m.group(2)) * 1000 for m in re.finditer(r"(\d+)%+ in ([\d.]+) secs", out)
    }
    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    errors_section = out.split("Error distribution:")[1] if "Error distribution:" in out else ""
    errors = sum(int(n) for n in re.findall(r"\[(\d+)\]", errors_section))
    errors += sum(n for c, n in codes.items() if c >= 400)
    return Load(rps, lat.get("50", math.nan), lat.get("99", math.nan), sum(codes.values()), errors)


@dataclass
class LoadTool:
    name: str
    seconds: int
    warmup: int
    connections: int = 16
    threads: int = 2

    def command(self, url: str, seconds: int) -> list[str]:
        if self.name == "wrk":
            return [
                "wrk",
                f"-t{self.threads}",
                f"-c{self.connections}",
                f"-d{seconds}s",
                "--latency",
                url,
            ]
        return ["hey", "-z", f"{seconds}s", "-c", str(self.connections), url]

    def run(self, url: str) -> Load:
        if self.warmup:
            subprocess.run(self.command(url, self.warmup), capture_output=True, check=True)
        done = subprocess.run(
            self.command(url, self.seconds), capture_output=True, text=True, check=True,
            timeout=self.seconds + 60,
        )  # fmt: skip
        return parse_wrk(done.stdout) if self.name == "wrk" else parse_hey(done.stdout)


def find_tool(preferred: str) -> str:
    for name in [preferred] if preferred != "auto" else ["wrk", "hey"]:
        if shutil.which(name):
            return name
    raise SystemExit("neither wrk nor hey is on PATH: apt-get install -y wrk (bench/run does this)")


# --- the runs ---------------------------------------------------------------------------------


@dataclass
class Bench:
    tmp: Path
    db_url: str
    tool: LoadTool
    servers: list[Server] = field(default_factory=list)

    def coachplans(self, name: str, level: str, cache: bool = True) -> Server:
        env = {
            "BENCH_DB_URL": self.db_url,
            "BENCH_LOG_LEVEL": level,
            "BENCH_LOG_FILE": str(self.tmp / f"{name}.log") if level == "INFO" else "",
            "BENCH_READ_CACHE": "" if cache else "0",
        }
        server = Server(name, "asgi_apps:coachplans_app", env, self.tmp, factory=True)
        self.servers.append(server)
        return server.start()

    def bare(self, responses: dict[str, Any]) -> Server:
        path = self.tmp / "bare-responses.json"
        path.write_text(json.dumps(responses))
        server = Server("bare", "asgi_apps:bare_app", {"BENCH_BARE_RESPONSES": str(path)}, self.tmp)
        self.servers.append(server)
        return server.start()

    def measure(self, server: Server, paths: list[str], label: str) -> dict[str, Load]:
        out = {}
        for path in paths:
            out[path] = result = self.tool.run(server.url(path))
            print(
                f"  {label:<34} {path:<62} {result.rps:>10,.0f} req/s  "
                f"p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
                f"server RSS {rss_kib(server.pid)[0] / 1024:.0f} MiB"
                + (f"  ERRORS {result.errors}" if result.errors else ""),
                flush=True,
            )
        return out

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


def capture(server: Server, paths: list[str]) -> dict[str, Any]:
    """Status, headers (less the ones uvicorn adds) and body of each path, for the bare app."""
    captured = {}
    for path in paths:
        status, headers, body = server.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        kept = [(k, v) for k, v in headers if k.lower() not in {"date", "server"}]
        captured[path] = {
            "status": status,
            "headers": kept,
            "body": base64.b64encode(body).decode(),
        }
    return captured


def urls_for(seed: Seed) -> dict[str, str]:
    day, first = seed.days[-1], seed.days[0]
    return {
        "all": f"/api/coach-plans/all?date={day}",
        "one": f"/api/coach-plans/?coach=d&date={day}",
        "v1day": f"/api/v1/plans?date={day}",
        "v1range": f"/api/v1/plans?from={first}&to={day}&coach=d&limit=100",
    }


def verdict(load: Load, ratio: float) -> str:
    misses = []
    if load.rps < TARGET_RPS:
        misses.append(f"req/s<{TARGET_RPS:,.0f}")
    if load.p99_ms > TARGET_P99_MS:
        misses.append(f"p99>{TARGET_P99_MS:g}ms")
    if ratio > TARGET_RATIO:
        misses.append(f"ratio>{TARGET_RATIO:g}")
    return "met" if not misses else "MISSED: " + ", ".join(misses)


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def run_main(bench: Bench, seed: Seed) -> None:
    urls = urls_for(seed)
    paths = list(urls.values())
    memory: list[list[object]] = []

    print("\nload runs (each after a warm-up):", flush=True)
    headline = bench.coachplans("coachplans-info", "INFO")
    responses = capture(headline, paths)
    before = rss_kib(headline.pid)[0]
    info = bench.measure(headline, paths, INFO_FILE)
    after, peak = rss_kib(headline.pid)
    memory.append(
        [INFO_FILE, mib(before), mib(after), mib(peak), sum(r.requests for r in info.values())]
    )
    headline.stop()

    bare_server = bench.bare(responses)
    for path in paths:  # the bare app must answer the very same bytes
        status, _, body = bare_server.get(path)
        assert status == 200 and body == base64.b64decode(responses[path]["body"]), path
    bare = bench.measure(bare_server, paths, "bare ASGI")
    bare_server.stop()

    quiet = bench.coachplans("coachplans-warning", "WARNING")
    warning = bench.measure(quiet, [urls["all"]], WARNING)
    quiet.stop()

    uncached_server = bench.coachplans("coachplans-nocache", "INFO", cache=False)
    before = rss_kib(uncached_server.pid)[0]
    uncached = bench.measure(uncached_server, paths, UNCACHED)
    after, peak = rss_kib(uncached_server.pid)
    memory.append(
        [UNCACHED, mib(before), mib(after), mib(peak), sum(r.requests for r in uncached.values())]
    )
    uncached_server.stop()

    rows = []
    for config, results in ((INFO_FILE, info), (WARNING, warning), (UNCACHED, uncached)):
        for path, load in results.items():
            ratio = bare[path].rps / load.rps if load.rps else math.inf
            if path == urls["all"] and config == INFO_FILE:
                target = verdict(load, ratio) + " (headline)"
            elif path == urls["all"] and config == WARNING:
                target = "info; at WARNING: " + verdict(load, ratio)
            else:
                target = "info"
            rows.append([
                path, config, fmt(load.rps, 0), fmt(load.p50_ms), fmt(load.p99_ms),
                fmt(bare[path].rps, 0), fmt(bare[path].p99_ms), fmt(ratio), load.errors, target,
            ])  # fmt: skip
    print(f"\nAPI over loopback: {bench.tool.name}, {bench.tool.connections} connections, "
          f"{bench.tool.seconds}s per run, one uvicorn process (uvloop, httptools)")  # fmt: skip
    print(table(
        ["route", "coachplans config", "req/s", "p50 ms", "p99 ms", "bare req/s", "bare p99 ms",
         "ratio bare/cp", "errors", "target (>=5000 req/s, p99<=10ms, ratio<=2)"],
        rows,
    ))  # fmt: skip
    record_targets(urls, info, uncached, bare)
    print("\nserver memory (VmRSS of the coachplans process, MiB):")
    print(table(["config", "before load", "after load", "peak (VmHWM)", "requests served"], memory))


def record_targets(
    urls: dict[str, str],
    info: dict[str, Load],
    uncached: dict[str, Load],
    bare: dict[str, Load],
) -> None:
    """The read targets: shares of the bare app's throughput, and the v1 range's req/s."""
    cases = (
        ("GET /api/coach-plans/all?date=, read cache off", uncached, urls["all"], 0.2),
        ("GET /api/coach-plans/all?date=, default config (INFO+file)", info, urls["all"], 0.5),
    )
    for what, results, path, share in cases:
        value = results[path].rps / bare[path].rps if bare[path].rps else 0.0
        beside = f"{results[path].rps:,.0f} vs bare {bare[path].rps:,.0f} req/s"
        record(what, value, "x bare", f">= {share} x bare", value >= share, beside)
    v1 = uncached[urls["v1range"]]
    beside = f"bare {bare[urls['v1range']].rps:,.0f} req/s; p50 {v1.p50_ms:.1f} ms"
    record(
        "GET /api/v1/plans 1-year range, limit 100, read cache off",
        v1.rps, "req/s", ">= 2,000 req/s", v1.rps >= 2000, beside,
    )  # fmt: skip


def service_reads(
    url: str, queries: dict[str, Callable[[Any], object]], iterations: int
) -> dict[str, tuple[float, float]]:
    """In-process service read latency (no HTTP, no read cache): p50 and p99 in microseconds."""
    from coachplans.wiring import build_service

    service = build_service(settings_for(url), migrate=False)
    out = {}
    for name, call in queries.items():
        for _ in range(20):
            call(service)
        samples = []
        for _ in range(iterations):
            started = time.perf_counter()
            call(service)
            samples.append((time.perf_counter() - started) * 1e6)
        samples.sort()
        out[name] = (percentile(samples, 50), percentile(samples, 99))
    service.repo.engine.dispose()
    return out


def read_queries(seed: Seed, bulk_day: date | None) -> dict[str, Callable[[Any], object]]:
    from coachplans.domain.queries import PlanQuery

    day, first = seed.days[-1], seed.days[0]
    queries: dict[str, Callable[[Any], object]] = {
        "plans_for_date(day)": lambda s: s.plans_for_date(day),
        "get_plan(d, day)": lambda s: s.get_plan("d", day),
        "list_plans(date=day)": lambda s: s.list_plans(PlanQuery(trade_date=day)),
        "list_plans(range, coach=d, 100)": lambda s: s.list_plans(
            PlanQuery(date_from=first, date_to=day, coaches=("d",), limit=100)
        ),
    }
    if bulk_day is not None:
        queries["plans_for_date(old day) [bulk]"] = lambda s: s.plans_for_date(bulk_day)
        queries["list_plans(2000..2010, d, 100) [bulk]"] = lambda s: s.list_plans(
            PlanQuery(
                date_from=date(2000, 1, 1), date_to=date(2010, 12, 31), coaches=("d",), limit=100
            )
        )
    return queries


def run_big(bench: Bench, seed: Seed, count: int, rng: random.Random, quick: bool) -> None:
    urls = urls_for(seed)
    paths = list(urls.values())
    iterations = 200 if quick else 1000
    db_path = Path(bench.db_url.removeprefix("sqlite:///"))

    def measure_all(tag: str, extra: list[str]) -> dict[tuple[str, str], Load]:
        results: dict[tuple[str, str], Load] = {}
        for config, cache in ((INFO_FILE, True), (UNCACHED, False)):
            name = f"{tag}-{'cache' if cache else 'nocache'}"
            server = bench.coachplans(name, "INFO", cache=cache)
            for path in [*paths, *extra]:
                status, _, body = server.get(path)
                assert status == 200, (path, status, body[:200])
            for path, load in bench.measure(server, [*paths, *extra], f"{tag}: {config}").items():
                results[(path, config)] = load
            server.stop()
        return results

    print("\nload runs on the seeded database:", flush=True)
    small = measure_all("small", [])
    small_reads = service_reads(bench.db_url, read_queries(seed, None), iterations)
    small_size = db_path.stat().st_size

    print(f"\nbulk-inserting {count:,} plans (with revisions and events) ...", flush=True)
    bulk = bulk_insert(bench.db_url, count, seed.days[0], seed.roster, rng)
    print(
        f"  {bulk.plans:,} plans, {bulk.revisions:,} revisions, {bulk.events:,} events over "
        f"{bulk.coaches} coaches, {bulk.first}..{bulk.last}, in {bulk.seconds:.1f}s "
        f"({bulk.plans / bulk.seconds:,.0f} plans/s); database "
        f"{db_path.stat().st_size / 2**20:,.0f} MiB (was {small_size / 2**20:,.1f} MiB)",
        flush=True,
    )
    mid = bulk.first + (bulk.last - bulk.first) / 2
    bulk_day = next(d for d in weekdays_between(mid, bulk.last))
    extra = [
        f"/api/coach-plans/all?date={bulk_day}",
        "/api/v1/plans?from=2000-01-01&to=2010-12-31&coach=d&limit=100",
    ]
    print("\nload runs with the large table:", flush=True)
    big = measure_all("big", extra)
    big_reads = service_reads(bench.db_url, read_queries(seed, bulk_day), iterations)

    rows = []
    for (path, config), load in big.items():
        before = small.get((path, config))
        rows.append([
            path, config,
            fmt(before.rps, 0) if before else "-", fmt(before.p50_ms) if before else "-",
            fmt(before.p99_ms) if before else "-",
            fmt(load.rps, 0), fmt(load.p50_ms), fmt(load.p99_ms),
            fmt(load.p50_ms / before.p50_ms) if before else "(bulk range)", load.errors,
        ])  # fmt: skip
    total = seed.plans + bulk.plans
    print(f"\nreads with {seed.plans:,} plans vs {total:,} plans ({bench.tool.name}, "
          f"{bench.tool.connections} connections, {bench.tool.seconds}s per run)")  # fmt: skip
    print(table(
        ["route", "coachplans config", "small req/s", "small p50", "small p99", "big req/s",
         "big p50", "big p99", "p50 big/small", "errors"],
        rows,
    ))  # fmt: skip
    read_rows = []
    for name, (p50, p99) in big_reads.items():
        was = small_reads.get(name)
        read_rows.append([
            name, fmt(was[0], 0) if was else "-", fmt(was[1], 0) if was else "-",
            fmt(p50, 0), fmt(p99, 0), fmt(p50 / was[0]) if was else "(bulk range)",
        ])  # fmt: skip
    print(f"\nservice reads in-process, no HTTP, no read cache ({iterations} calls each, µs):")
    print(
        table(["query", "small p50", "small p99", "big p50", "big p99", "p50 big/small"], read_rows)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3s runs, 1s warm-up")
    parser.add_argument("--seconds", type=int, help="seconds per load run (default 10)")
    parser.add_argument("--warmup", type=int, help="warm-up seconds before each run (default 2)")
    parser.add_argument("--plans", type=int, default=0, help="bulk-insert N plans and compare")
    parser.add_argument("--big", action="store_true", help="same as --plans 1000000")
    parser.add_argument("--tool", choices=["auto", "wrk", "hey"], default="auto")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    seconds = args.seconds or (3 if args.quick else 10)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    count = 1_000_000 if args.big else args.plans

    tool = LoadTool(find_tool(args.tool), seconds, warmup, connections=args.connections)
    tmp = Path(tempfile.mkdtemp(prefix="coachplans-bench-"))
    bench = Bench(tmp, f"sqlite:///{tmp / 'bench.db'}", tool)
    rng = random.Random(20261121)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"API benchmark: {os.cpu_count()} CPUs, load average {load} before start (wrk uses "
        "about one core beside the server; absolute figures are noisy here, ratios less so)"
    )
    try:
        seed = seed_through_service(bench.db_url, rng)
        print(
            f"seeded {seed.plans:,} plans ({seed.writes:,} service writes) for coaches "
            f"{','.join(seed.roster)} over {len(seed.days)} trading days {seed.days[0]}.."
            f"{seed.days[-1]} plus today {seed.today}, in {seed.seconds:.1f}s",
            flush=True,
        )
        if count:
            run_big(bench, seed, count, rng, args.quick)
        else:
            run_main(bench, seed)
    finally:
        bench.stop_all()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
