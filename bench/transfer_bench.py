"""Data tools at scale: import of an old-system database with 100,000 plans, export, and
``db copy`` between SQLite and PostgreSQL.

An old-system SQLite file is generated first (executemany; 4 coaches x 25,000 weekdays,
realistic texts, about a fifth of the plans edited 1-3 times, half with a chart URL, 2% deleted,
some dates without zero padding). Then, each timed from start to end through the same
functions the CLI calls (progress bars off):

- ``import`` of that file into a new SQLite database, and into PostgreSQL;
- ``export`` of the SQLite result to JSON Lines, and ``import`` of that export into SQLite;
- ``db copy`` SQLite -> SQLite, SQLite -> PostgreSQL, PostgreSQL -> SQLite.

PostgreSQL rows are skipped when no server is reachable (COACHPLANS_BENCH_PG_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres; a throw-away database is created).

Usage: python bench/transfer_bench.py [--plans N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchkit import fmt, plan_text, quiet_console, table

PG_ADMIN_URL = os.environ.get(
    "COACHPLANS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
COACHES = ("coach_d", "coach_i", "coach_s", "coach_n")
OLD_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE coach_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT, coach_name TEXT NOT NULL, plan_date TEXT NOT NULL,
    plan_text TEXT NOT NULL, author TEXT, channel TEXT, created_at TEXT, updated_at TEXT,
    is_deleted INTEGER DEFAULT 0, UNIQUE (coach_name, plan_date));
CREATE TABLE plan_charts (id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id INTEGER NOT NULL,
    chart_url TEXT NOT NULL, position INTEGER);
CREATE TABLE plan_history (id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id INTEGER NOT NULL,
    plan_text TEXT NOT NULL, edited_by TEXT, edited_at TEXT);
"""


# --- the old-system file ----------------------------------------------------------------------


def weekdays(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def make_old_db(path: Path, plans: int, rng: random.Random) -> dict[str, int]:
    """Write the old schema with ``plans`` plans; counts of what was written."""
    texts = [plan_text(rng) for _ in range(500)]  # a pool: generating 100k texts is the slow part
    per_coach = -(-plans // len(COACHES))
    days = weekdays(date(1995, 1, 2), per_coach)
    plan_rows, chart_rows, history_rows = [], [], []
    for number in range(plans):
        plan_id = number + 1
        coach, day = COACHES[number % len(COACHES)], days[number // len(COACHES)]
        created = datetime(day.year, day.month, day.day, 8, rng.randrange(60), rng.randrange(60))
        edits = rng.choice((1, 2, 3)) if rng.random() < 0.2 else 0
        stamp = created
        for _ in range(edits):
            stamp += timedelta(minutes=rng.randrange(5, 90))
            history_rows.append((plan_id, rng.choice(texts), coach.upper(), stamp.isoformat(" ")))
        if rng.random() < 0.5:
            url = f"https://cdn.discordapp.com/attachments/1/{plan_id}/chart.png?ex=65a1"
            chart_rows.append((plan_id, url, 0))
        raw_day = f"{day.year}-{day.month}-{day.day}" if rng.random() < 0.01 else day.isoformat()
        plan_rows.append((
            plan_id, coach, raw_day, rng.choice(texts), coach.upper(), "#plans",
            created.isoformat(" "), stamp.isoformat(" "), int(rng.random() < 0.02),
        ))  # fmt: skip
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO schema_version VALUES (3)")
    db.executemany("INSERT INTO coach_plans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", plan_rows)
    db.executemany(
        "INSERT INTO plan_charts (plan_id, chart_url, position) VALUES (?, ?, ?)", chart_rows
    )
    db.executemany(
        "INSERT INTO plan_history (plan_id, plan_text, edited_by, edited_at) VALUES (?, ?, ?, ?)",
        history_rows,
    )
    db.commit()
    db.close()
    return {"plans": plans, "history": len(history_rows), "charts": len(chart_rows)}


# --- runs -------------------------------------------------------------------------------------


def settings_for(url: str) -> Any:
    from coachplans.settings import load_settings

    return load_settings(run_bot=False, database={"url": url}, logging={"level": "WARNING"})


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def do_import(path: Path, url: str) -> Any:
    from coachplans.transfer.importer import ImportOptions, run_import

    return run_import(settings_for(url), ImportOptions(path, backup=False), url)


def do_export(url: str, path: Path) -> Any:
    from coachplans.store.engine import make_engine
    from coachplans.transfer.export import run_export

    engine = make_engine(url)
    try:
        return run_export(engine, str(path))
    finally:
        engine.dispose()


def do_copy(source: str, target: str) -> Any:
    from coachplans.transfer.copy import run_copy

    return run_copy(source, target, source, target)


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A new empty PostgreSQL database, dropped afterwards; None when unreachable."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"coachplans_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(
            PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # unreachable: the PostgreSQL rows are skipped (and say so)
        yield None
        return
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def row(label: str, plans: int, seconds: float, note: str = "") -> list[str]:
    return [label, f"{plans:,}", fmt(seconds, 1), f"{plans / seconds:,.0f}", note]


def run_all(tmp: Path, plans: int, rng: random.Random) -> list[list[str]]:
    rows = []
    old = tmp / "old_system.db"
    seconds, counts = timed(lambda: make_old_db(old, plans, rng))
    size = old.stat().st_size / 1e6
    note = f"{counts['history']:,} history rows, {counts['charts']:,} chart URLs, {size:.0f} MB"
    rows.append(row("generate old-system file (executemany)", plans, seconds, note))

    lite = f"sqlite:///{tmp / 'imported.db'}"
    seconds, report = timed(lambda: do_import(old, lite))
    imported = report.imported["plans"]
    note = f"{report.imported['revisions']:,} revisions, {len(report.skipped)} skipped"
    rows.append(row("import old-db -> SQLite", imported, seconds, note))

    export = tmp / "export.jsonl"
    seconds, _ = timed(lambda: do_export(lite, export))
    size = export.stat().st_size / 1e6
    rows.append(row("export SQLite -> JSON Lines", imported, seconds, f"{size:.0f} MB"))

    again = f"sqlite:///{tmp / 'from_export.db'}"
    seconds, _ = timed(lambda: do_import(export, again))
    rows.append(row("import JSON Lines -> SQLite", imported, seconds))

    copied = f"sqlite:///{tmp / 'copied.db'}"
    seconds, report = timed(lambda: do_copy(lite, copied))
    rows.append(row("db copy SQLite -> SQLite", imported, seconds, _rows(report)))

    with postgres_database() as pg:
        if pg is None:
            rows.append(["PostgreSQL rows skipped", "-", "-", "-", f"unreachable: {PG_ADMIN_URL}"])
        else:
            seconds, report = timed(lambda: do_copy(lite, pg))
            rows.append(row("db copy SQLite -> PostgreSQL", imported, seconds, _rows(report)))
            back = f"sqlite:///{tmp / 'back.db'}"
            seconds, report = timed(lambda: do_copy(pg, back))
            rows.append(row("db copy PostgreSQL -> SQLite", imported, seconds, _rows(report)))
    with postgres_database() as pg:
        if pg is not None:
            seconds, report = timed(lambda: do_import(old, pg))
            rows.append(row("import old-db -> PostgreSQL", report.imported["plans"], seconds))
    return rows


def _rows(report: Any) -> str:
    return f"{sum(report.source_counts.values()):,} rows verified"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, help="plans in the old-system file (default 100000)")
    parser.add_argument("--quick", action="store_true", help="10,000 plans")
    args = parser.parse_args(argv)
    plans = args.plans or (10_000 if args.quick else 100_000)
    tmp = Path(tempfile.mkdtemp(prefix="coachplans-transfer-"))
    try:
        with quiet_console():
            rows = run_all(tmp, plans, random.Random(11))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nData tools with {plans:,} old-system plans (wall time, 2-core machine)")
    print(table(["operation", "plans", "seconds", "plans/s", "notes"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
