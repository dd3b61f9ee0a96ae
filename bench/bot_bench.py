"""The Discord bot: the time from a message arriving to the plan stored and the reply produced.

A ``PlanBot`` that never logs in (built like the bot tests: ``OfflineContext``, a guild and a
channel from gateway-shaped payloads) receives real ``discord.Message`` objects through
``await bot.on_message(message)``, the call the gateway makes. Each message is
``!plan <coach> <date> <~1,000-character plan>`` from a coach allowed to post, with three chart
attachments whose URLs point at a real HTTP server on 127.0.0.1 (``ThreadingHTTPServer`` in a
thread, HTTP/1.1 keep-alive, Discord-style signed query strings). Timed per message:
command parsing, the three downloads over loopback, validation and hashing, the write
(plan, revision, chart blobs, signals, ingest key) in a worker thread, the reply, and the
channel cursor write that follows. The database is a temporary SQLite file (WAL), migrated and
served by ``build_service`` as in production; the log level is INFO with a log file (the
default: one line per plan), the console pointed at /dev/null; uvloop as under uvicorn.

The charts are 1600x900 candlestick screenshots drawn with Pillow (a few hundred KB each).
"New charts" are made unique per message by a ``tEXt`` chunk with a counter (a valid PNG, same
pixels, new bytes), so every message stores three new blobs; "the same 3 charts" re-sends
identical bytes, which the content-addressed store keeps once (the chart_blobs rows show it).

Rows: new slot (create) with 3 new charts, the same slots again (replace) with 3 new charts,
8 messages at once, text only, the same 3 charts re-sent, and the three downloads alone. Every
reply is checked (saved/replaced, with the expected chart count, nothing skipped). The same
rows run on PostgreSQL when a server is reachable (COACHPLANS_BENCH_PG_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres; a throw-away database is created).

Usage: python bench/bot_bench.py [--quick] [-n N] [--no-pg]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import random
import re
import secrets
import shutil
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchkit import fmt, percentile, plan_text, quiet_console, table, weekdays_before
from transfer_bench import PG_ADMIN_URL, postgres_database

GUILD = 1000
CHANNEL = 2001
BOT_USER = 1
COACH_USER = 501  # posts for d by user id and for i through COACH_ROLE
COACH_ROLE = 701
ADMIN_USER = 900
COACHES = ("d", "i")
CHARTS = 3
BATCH = 8  # messages delivered at once in the concurrent row
REPLY = re.compile(
    r"^Plan #\d+ (saved|replaced the earlier plan) for .* with (\d+ charts?|no charts)"
)


# --- charts -----------------------------------------------------------------------------------


def chart_png(seed: int, width: int = 1600, height: int = 900, candles: int = 390) -> bytes:
    """A trading-platform style chart (dark theme, candles, moving averages, volume, price
    scale), drawn at twice the size and scaled down so its edges are anti-aliased like a
    screenshot's."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    scale = 2
    big_w, big_h = width * scale, height * scale
    shade = Image.linear_gradient("L").resize((big_w, big_h))
    top, bottom = (
        Image.new("RGB", shade.size, (12, 14, 22)),
        Image.new("RGB", shade.size, (30, 36, 54)),
    )
    img = Image.composite(bottom, top, shade)
    draw = ImageDraw.Draw(img)
    for gx in range(0, big_w, 80 * scale):
        draw.line([(gx, 0), (gx, big_h)], fill=(42, 46, 57), width=scale)
    for gy in range(0, big_h, 60 * scale):
        draw.line([(0, gy), (big_w, gy)], fill=(42, 46, 57), width=scale)
    bars, price = [], rng.uniform(50, 900)
    for _ in range(candles):
        close = price + rng.gauss(0, price * 0.0018)
        high = max(price, close) + abs(rng.gauss(0, price * 0.0011))
        low = min(price, close) - abs(rng.gauss(0, price * 0.0011))
        bars.append((price, high, low, close))
        price = close
    lo, hi = min(b[2] for b in bars), max(b[1] for b in bars)

    def y_of(p: float) -> float:
        return 40 * scale + (hi - p) / (hi - lo) * (big_h * 0.7 - 40 * scale)

    step = (big_w - 120 * scale) / candles
    for i, (o, h, low, c) in enumerate(bars):
        x = 10 * scale + i * step
        color = (38, 166, 154) if c >= o else (239, 83, 80)
        draw.line([(x + step / 2, y_of(h)), (x + step / 2, y_of(low))], fill=color)
        draw.rectangle([x + 0.6, y_of(max(o, c)), x + step - 0.6, y_of(min(o, c)) + 1], fill=color)
        volume = rng.uniform(0.1, 1) * big_h * 0.18
        dim = (color[0] // 2, color[1] // 2, color[2] // 2)
        draw.rectangle(
            [x + 0.6, big_h - 30 * scale - volume, x + step - 0.6, big_h - 30 * scale], fill=dim
        )
    for span, color in ((9, (171, 71, 188)), (20, (255, 183, 77)), (50, (66, 165, 245))):
        points = []
        for i in range(candles):
            window = [b[3] for b in bars[max(0, i - span + 1) : i + 1]]
            points.append((10 * scale + i * step + step / 2, y_of(sum(window) / len(window))))
        draw.line(points, fill=color, width=2 * scale)
    for k in range(14):
        p = lo + (hi - lo) * k / 13
        draw.text(
            (big_w - 100 * scale, y_of(p) - 6), f"{p:.2f}", fill=(180, 180, 190), font_size=22
        )
    out = io.BytesIO()
    img.resize((width, height), Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()


def with_nonce(png: bytes, nonce: int) -> bytes:
    """The same image with a ``tEXt`` chunk after IHDR: still a valid PNG, different bytes."""
    body = b"tEXt" + b"bench\x00" + str(nonce).encode()
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    ihdr_end = 8 + 4 + 4 + 13 + 4  # signature, then IHDR's length, type, data and CRC
    return png[:ihdr_end] + chunk + png[ihdr_end:]


class ChartServer:
    """Serves ``/attachments/<channel>/<nonce>/<k>/<name>``: base chart ``k``, made unique by
    ``nonce`` (0: the base bytes). A Discord-like CDN on loopback, in a thread."""

    def __init__(self, charts: Sequence[bytes]):
        self.charts = list(charts)
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a CDN

            def do_GET(self) -> None:
                data = outer.body(self.path)
                self.send_response(200 if data else 404)
                self.send_header("Content-Type", "image/png" if data else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one line per request on stderr would be the loudest thing here

        return Handler

    def body(self, path: str) -> bytes:
        parts = path.split("?", 1)[0].strip("/").split("/")
        if len(parts) != 5 or parts[0] != "attachments":
            return b""
        nonce, k = int(parts[2]), int(parts[3])
        with self._lock:
            self.requests += 1
        return self.charts[k] if nonce == 0 else with_nonce(self.charts[k], nonce)

    def size(self, nonce: int, k: int) -> int:
        return len(self.charts[k]) if nonce == 0 else len(with_nonce(self.charts[k], nonce))

    def url(self, nonce: int, k: int) -> str:
        host, port = self._server.server_address[:2]
        signed = f"ex={secrets.token_hex(4)}&is={secrets.token_hex(4)}&hm={secrets.token_hex(32)}"
        return (
            f"http://{host!s}:{port}/attachments/{CHANNEL}/{nonce}/{k}/chart-{k + 1}.png?{signed}"
        )

    def start(self) -> ChartServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# --- the bot ----------------------------------------------------------------------------------


def make_service(url: str) -> Any:
    from coachplans.settings import load_settings
    from coachplans.wiring import build_service

    settings = load_settings(
        run_bot=False,
        database={"url": url},
        discord=discord_settings(),
        coaches=[
            {"key": "d", "name": "Coach D (Day Trading)", "user_ids": [COACH_USER]},
            {"key": "i", "name": "Coach I (Intraday)", "role_ids": [COACH_ROLE]},
            {"key": "s", "name": "Coach S (Swing)", "allow_anyone": True},
            {"key": "n", "name": "Coach N (News/Events)"},
        ],
    )
    return build_service(settings)  # runs the Alembic migrations first, as on start


def discord_settings() -> dict[str, Any]:
    return {
        "admin_user_ids": [ADMIN_USER],
        "channel_ids": [CHANNEL],
        "sync_commands": False,
        "download_timeout_seconds": 10,
    }


@dataclass
class Bot:
    bot: Any
    channel: Any
    server: ChartServer
    nonces: int = 0
    days: list[date] = field(default_factory=list)

    @classmethod
    async def build(cls, service: Any, server: ChartServer) -> Bot:
        from coachplans.bot.gateway_objects import OfflineContext, act_as, make_channel, make_guild
        from coachplans.bot.plan_bot import PlanBot
        from coachplans.bot_status import BotState
        from coachplans.settings import DiscordSettings

        config = DiscordSettings(**discord_settings())
        bot = PlanBot(config, service, BotState(), context_class=OfflineContext)
        act_as(bot, BOT_USER, "coachplans")
        guild = make_guild(bot, GUILD, "Trading Room", [COACH_ROLE])
        channel = make_channel(guild, CHANNEL, "daily-plans")
        await bot.install()
        days = weekdays_before(date(2026, 1, 1), 5_000)[::-1]  # newest first, never reused
        return cls(bot, channel, server, days=days)

    def slots(self, count: int) -> list[tuple[str, date]]:
        """``count`` coach/date slots never used before, alternating the coaches."""
        days_needed = -(-count // len(COACHES))
        days, self.days = self.days[:days_needed], self.days[days_needed:]
        return [(coach, day) for day in days for coach in COACHES][:count]

    def attachments(self, mode: str) -> list[dict[str, Any]]:
        from coachplans.bot.gateway_objects import attachment_payload

        if mode == "none":
            return []
        if mode == "new":
            self.nonces += 1
        nonce = self.nonces if mode == "new" else 0
        return [
            attachment_payload(
                f"chart-{k + 1}.png", self.server.url(nonce, k), self.server.size(nonce, k)
            )
            for k in range(CHARTS)
        ]

    def message(self, slot: tuple[str, date], text: str, mode: str) -> Any:
        from coachplans.bot.gateway_objects import make_message

        coach, day = slot
        return make_message(
            self.channel,
            author_id=COACH_USER,
            author_name="Coach Dee",
            role_ids=[COACH_ROLE],
            content=f"!plan {coach} {day.isoformat()} {text}",
            attachments=self.attachments(mode),
        )

    @property
    def replies(self) -> list[str]:
        from coachplans.bot.gateway_objects import outbox

        return [reply.content for reply in outbox(self.bot)]

    async def close(self) -> None:
        await self.bot.close()


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    charts: str
    samples: list[float]  # milliseconds, sorted
    wall: float


async def deliver(bot: Bot, messages: Sequence[Any], batch: int = 1) -> tuple[list[float], float]:
    """Per-message milliseconds (sorted) and the wall time, ``batch`` messages at a time."""

    async def one(message: Any) -> float:
        started = time.perf_counter()
        await bot.bot.on_message(message)
        return (time.perf_counter() - started) * 1000

    samples: list[float] = []
    gc.collect()
    started = time.perf_counter()
    for i in range(0, len(messages), batch):
        samples += await asyncio.gather(*(one(m) for m in messages[i : i + batch]))
    wall = time.perf_counter() - started
    return sorted(samples), wall


def check_replies(replies: Sequence[str], charts: int, replaced: bool) -> None:
    """Every message was stored as expected: a bench that measures failures measures nothing."""
    want = "no charts" if charts == 0 else f"{charts} charts"
    verb = "replaced the earlier plan" if replaced else "saved"
    for reply in replies:
        match = REPLY.match(reply)
        ok = match is not None and match.groups() == (verb, want) and "Skipped" not in reply
        assert ok, f"unexpected reply: {reply[:300]!r}"


@dataclass(frozen=True)
class Spec:
    label: str
    charts: str  # "new": 3 charts never seen before; "same": the same 3 every time; "none"
    replace: bool = False  # post again to the previous row's slots
    batch: int = 1  # messages delivered at once

    @property
    def shown(self) -> str:
        return {"new": f"{CHARTS} new", "same": f"the same {CHARTS}", "none": "none"}[self.charts]


SPECS = (
    Spec("new slot (create)", "new"),
    Spec("same slot again (replace)", "new", replace=True),
    Spec(f"new slot, {BATCH} messages at once", "new", batch=BATCH),
    Spec("new slot, text only", "none"),
    Spec("new slot, charts re-sent", "same"),
)


async def scenario(
    bot: Bot, spec: Spec, slots: Sequence[tuple[str, date]], warmup: int, rng: random.Random
) -> Run:
    """Warm up on the first ``warmup`` slots, then time the rest (messages built beforehand)."""
    messages = [bot.message(slot, plan_text(rng, 950, 1050), spec.charts) for slot in slots]
    before = len(bot.replies)
    await deliver(bot, messages[:warmup], spec.batch)
    samples, wall = await deliver(bot, messages[warmup:], spec.batch)
    replies = bot.replies[before:]
    assert len(replies) == len(messages), (spec.label, len(replies), len(messages))
    check_replies(replies, 0 if spec.charts == "none" else CHARTS, spec.replace)
    return Run(spec.label, spec.shown, samples, wall)


async def downloads_alone(bot: Bot, n: int, warmup: int) -> Run:
    """The three downloads without the bot around them: how much of a message they are."""
    from coachplans.bot.downloads import AttachmentInfo

    samples = []
    for i in range(n + warmup):
        infos = [AttachmentInfo(a["filename"], a["url"], a["size"]) for a in bot.attachments("new")]
        started = time.perf_counter()
        done = await bot.bot.downloader.download(infos)
        elapsed = (time.perf_counter() - started) * 1000
        assert len(done.uploads) == CHARTS and not done.warnings, done.warnings
        if i >= warmup:
            samples.append(elapsed)
    return Run(
        "the 3 downloads alone (no bot, no store)",
        f"{CHARTS} new",
        sorted(samples),
        sum(samples) / 1000,
    )


def blob_counts(service: Any) -> tuple[int, int, int]:
    """(chart_blobs rows, their bytes, plan_charts rows)."""
    from sqlalchemy import text

    with service.repo.engine.connect() as conn:
        blobs, size = conn.execute(
            text("SELECT count(*), coalesce(sum(size), 0) FROM chart_blobs")
        ).one()
        refs = conn.execute(text("SELECT count(*) FROM plan_charts")).scalar_one()
    return int(blobs), int(size), int(refs)


@dataclass
class Results:
    runs: list[Run]
    notes: list[str]


async def run_database(service: Any, server: ChartServer, n: int, warmup: int) -> Results:
    rng = random.Random(20260105)
    bot = await Bot.build(service, server)
    try:
        runs, notes, slots = [], [], bot.slots(0)
        for spec in SPECS:
            slots = slots if spec.replace else bot.slots(n + warmup)
            blobs, _, refs = blob_counts(service)
            runs.append(await scenario(bot, spec, slots, warmup, rng))
            if spec.charts == "same":
                now, size, refs_now = blob_counts(service)
                notes.append(
                    f"the same 3 charts in {len(slots)} messages: chart_blobs {blobs:,} -> "
                    f"{now:,} rows (+{now - blobs}), plan_charts {refs:,} -> {refs_now:,} "
                    f"(+{refs_now - refs:,}); {size / 2**20:,.0f} MiB of chart bytes in all"
                )
        runs.append(await downloads_alone(bot, n, warmup))
        return Results(runs, notes)
    finally:
        await bot.close()


def run_on(url: str, server: ChartServer, n: int, warmup: int) -> Results:
    import uvloop

    service = make_service(url)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(run_database(service, server, n, warmup))
    finally:
        service.repo.engine.dispose()


# --- main -------------------------------------------------------------------------------------


def rows_of(database: str, results: Results) -> list[list[object]]:
    rows: list[list[object]] = []
    for run in results.runs:
        s = run.samples
        rows.append([
            run.label, database, run.charts, len(s), fmt(percentile(s, 50), 2),
            fmt(percentile(s, 90), 2), fmt(percentile(s, 99), 2), fmt(s[-1], 2),
            fmt(len(s) / run.wall, 0),
        ])  # fmt: skip
    return rows


def configure_logging(log_file: Path) -> None:
    from coachplans.logging import configure_logging as configure
    from coachplans.settings import LoggingSettings

    with quiet_console():
        configure(LoggingSettings(level="INFO", file=str(log_file)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 messages per row")
    parser.add_argument("-n", type=int, help="messages per row (default 200)")
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL rows")
    args = parser.parse_args(argv)
    n = args.n or (50 if args.quick else 200)
    warmup = 10 if args.quick else 20

    tmp = Path(tempfile.mkdtemp(prefix="coachplans-bot-bench-"))
    log_file = tmp / "coachplans.log"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"bot benchmark: {os.cpu_count()} CPUs, load average {load} before start", flush=True)
    charts = [chart_png(seed) for seed in (1, 2, 3)]
    sizes = ", ".join(f"{len(c) / 1024:,.0f} KiB" for c in charts)
    print(f"charts: 3 PNGs 1600x900 of {sizes}; plan texts 950-1050 characters", flush=True)
    server = ChartServer(charts).start()
    rows, notes = [], []
    try:
        configure_logging(log_file)
        lite = run_on(f"sqlite:///{tmp / 'bot.db'}", server, n, warmup)
        rows += rows_of("SQLite", lite)
        notes += [f"SQLite: {note}" for note in lite.notes]
        pg_results = run_postgres(server, n, warmup, skip=args.no_pg)
        if isinstance(pg_results, str):
            notes.append(pg_results)
        else:
            rows += rows_of("PostgreSQL", pg_results)
            notes += [f"PostgreSQL: {note}" for note in pg_results.notes]
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        "\nDiscord bot: `await bot.on_message(message)` until the plan is stored and the reply made"
    )
    print("(!plan <coach> <date> <text>, charts downloaded over loopback HTTP; uvloop; log INFO)")
    print(table(
        ["scenario", "database", "charts", "messages", "p50 ms", "p90 ms", "p99 ms", "max ms",
         "messages/s"],
        rows,
    ))  # fmt: skip
    for note in notes:
        print(note)
    print(f"chart server: {server.requests:,} downloads served")
    return 0


def run_postgres(server: ChartServer, n: int, warmup: int, *, skip: bool) -> Results | str:
    if skip:
        return "PostgreSQL rows skipped (--no-pg)"
    with postgres_database() as url:
        if url is None:
            return (
                f"PostgreSQL rows skipped: unreachable at {PG_ADMIN_URL} (COACHPLANS_BENCH_PG_URL)"
            )
        return run_on(url, server, n, warmup)


if __name__ == "__main__":
    sys.exit(main())
