"""Builders of the old system's files for the transfer tests.

The old SQLite schema (as the old Flask/discord.py system created it)::

    schema_version(version INTEGER)
    coach_plans(id INTEGER PRIMARY KEY AUTOINCREMENT, coach_name TEXT, plan_date TEXT,
                plan_text TEXT, author TEXT, channel TEXT, created_at TEXT, updated_at TEXT,
                is_deleted INTEGER DEFAULT 0, UNIQUE(coach_name, plan_date))
    plan_charts(id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id INTEGER, chart_url TEXT,
                position INTEGER)
    plan_history(id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id INTEGER, plan_text TEXT,
                 edited_by TEXT, edited_at TEXT)

Timestamps are naive local ISO strings (``datetime.now().isoformat(sep=" ")`` on a server in
New York); ``plan_history.plan_text`` is the text *before* the change.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, Slot, Source

OLD_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE coach_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    coach_name TEXT NOT NULL,
    plan_date TEXT NOT NULL,
    plan_text TEXT NOT NULL,
    author TEXT,
    channel TEXT,
    created_at TEXT,
    updated_at TEXT,
    is_deleted INTEGER DEFAULT 0,
    UNIQUE (coach_name, plan_date)
);
CREATE TABLE plan_charts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES coach_plans(id),
    chart_url TEXT NOT NULL,
    position INTEGER
);
CREATE TABLE plan_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER NOT NULL REFERENCES coach_plans(id),
    plan_text TEXT NOT NULL,
    edited_by TEXT,
    edited_at TEXT
);
"""

CDN = "https://cdn.discordapp.com/attachments/111/222"


@dataclass
class OldPlan:
    id: int
    coach: str
    date: str
    text: str
    author: str
    created: str
    updated: str | None = None
    deleted: bool = False
    channel: str | None = "#trading-plans"
    charts: list[str] = field(default_factory=list)
    # (text before the change, edited_by, edited_at), oldest first
    history: list[tuple[str, str, str]] = field(default_factory=list)


def standard_plans() -> list[OldPlan]:
    """Deletes, several edits, charts and odd dates; expected outcome in ``EXPECTED``."""
    return [
        OldPlan(
            1, "coach_d", "2024-01-05", "NVDA long above 950, stop 940. Final.", "CoachD",
            "2024-01-05 08:30:00", "2024-01-05 09:45:10.250000",
            charts=[f"{CDN}/nvda.png?ex=65a1&is=659f", f"{CDN}/spy.png?ex=65a1"],
            history=[
                ("NVDA long above 950.", "CoachD", "2024-01-05 09:00:00"),
                ("NVDA long above 950, stop 940.", "Admin Al", "2024-01-05 09:45:10.250000"),
            ],
        ),
        OldPlan(
            2, "coach_i", "2024-1-8", "Intraday: fade the gap on QQQ.", "CoachI",
            "2024-01-08 07:55:00", charts=[f"{CDN}/qqq.png"],
        ),
        OldPlan(
            3, "coach_s", "2024-01-09", "Swing: AAPL 185 calls.", "CoachS",
            "2024-01-09 06:00:00", "2024-01-09 16:30:00", deleted=True,
            history=[("Swing: AAPL 180 calls.", "CoachS", "2024-01-09 10:00:00")],
        ),
        OldPlan(4, "coach_n", "2024-13-45", "CPI day.", "CoachN", "2024-01-10 08:00:00"),
        OldPlan(
            5, "coach_d", "2024-01-10", "Deleted without edits.", "CoachD",
            "2024-01-10 08:00:00", "2024-01-10 08:05:00", deleted=True,
        ),
        OldPlan(6, "coach_x", "2024-01-05", "Nobody knows coach X.", "X", "2024-01-05 08:00:00"),
        OldPlan(
            7, "coach_n", "2024-07-01", "News: FOMC minutes 14:00; stay flat before.", "CoachN",
            "2024-07-01 08:00:00", "2024-07-01 13:15:00", channel=None,
            charts=[f"{CDN}/fomc.gif"],
            history=[
                ("News: FOMC minutes.", "CoachN", "2024-07-01 09:00:00"),
                ("News: FOMC minutes 14:00.", "CoachN", "2024-07-01 11:30:00"),
                ("News: FOMC minutes 14:00; flat.", "Mod Mia", "2024-07-01 13:15:00"),
            ],
        ),
    ]  # fmt: skip


EXPECTED = {
    "read": 7,
    "imported": 5,
    "revisions": 3 + 1 + 3 + 2 + 4,
    "skipped": {"invalid date": 1, "unknown coach": 1},
    "external charts": 4,
}


def write_old_db(path: Path, plans: Sequence[OldPlan], schema_version: int = 3) -> Path:
    db = sqlite3.connect(path)
    try:
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO schema_version VALUES (?)", (schema_version,))
        for plan in plans:
            _insert(db, plan)
        db.commit()
    finally:
        db.close()
    return path


def _insert(db: sqlite3.Connection, plan: OldPlan) -> None:
    db.execute(
        "INSERT INTO coach_plans (id, coach_name, plan_date, plan_text, author, channel, "
        "created_at, updated_at, is_deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            plan.id, plan.coach, plan.date, plan.text, plan.author, plan.channel, plan.created,
            plan.updated or plan.created, int(plan.deleted),
        ),
    )  # fmt: skip
    db.executemany(
        "INSERT INTO plan_charts (plan_id, chart_url, position) VALUES (?, ?, ?)",
        [(plan.id, url, position) for position, url in enumerate(plan.charts)],
    )
    db.executemany(
        "INSERT INTO plan_history (plan_id, plan_text, edited_by, edited_at) VALUES (?, ?, ?, ?)",
        [(plan.id, text, by, at) for text, by, at in plan.history],
    )


def old_dump() -> dict[str, Any]:
    """The old in-memory server's JSON dump (no history), with an odd date and a bad key."""
    return {
        "coach_d_2024-02-01": {
            "plan": "Dump: TSLA short under 190.",
            "charts": [f"{CDN}/tsla.png?ex=1"],
            "author": "CoachD",
            "timestamp": "2024-02-01T08:15:00.500000",
        },
        "coach_s_2024-2-2": {
            "plan": "Dump: swing MSFT.",
            "charts": [],
            "author": "CoachS",
            "timestamp": "2024-02-02T07:00:00",
        },
        "coach_i_2024-02-30": {"plan": "Bad day.", "charts": [], "author": "I", "timestamp": ""},
        "not-a-key": {"plan": "?", "charts": [], "author": "?", "timestamp": "2024-02-01"},
    }


def write_old_json(path: Path, data: dict[str, Any] | None = None) -> Path:
    path.write_text(json.dumps(old_dump() if data is None else data, indent=2))
    return path


# --- running and inspecting ---------------------------------------------------------------


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    """``coachplans.cli.main(args)`` in-process: (exit status, stdout, stderr)."""
    from coachplans.cli import main

    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def import_json(capsys: Any, db_url: str, path: Path, *flags: str) -> dict[str, Any]:
    status, out, err = run_cli(
        capsys, "import", str(path), "--database-url", db_url, "--json", *flags
    )
    assert status == 0, err
    assert err == ""
    report: dict[str, Any] = json.loads(out)
    return report


@contextmanager
def opened(db_url: str) -> Iterator[Any]:
    """The plan service over ``db_url`` (default roster, New York), disposed afterwards."""
    from coachplans.settings import load_settings
    from coachplans.wiring import build_service

    service = build_service(load_settings(run_bot=False, database={"url": db_url}))
    try:
        yield service
    finally:
        service.repo.engine.dispose()


def table_counts(db_url: str) -> dict[str, int]:
    from coachplans.store.dump import count_rows
    from coachplans.store.engine import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return count_rows(conn)
    finally:
        engine.dispose()


# --- a coachplans database with every kind of change ------------------------------------

DAY = date(2024, 11, 12)
SNOWFLAKE = 987654321098765432


def png(seed: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes([seed]) * 40


def populate(url: str, old_db: Path | None = None) -> None:
    """Every kind of change, charts archived and external, ingest keys, a delete."""
    coach = Actor("Coach Dee", discord_id=SNOWFLAKE, is_admin=True)
    with opened(url) as service:
        charts = [ChartUpload(png(1), "a.png"), ChartUpload(png(2), "b.png")]
        first = service.post_plan(
            "d", "Long NVDA", coach, source=Source.API, trade_date=DAY, charts=charts
        ).plan
        service.post_plan(
            "d", "Long NVDA v2", coach, source=Source.DISCORD_COMMAND, trade_date=DAY,
            charts=[ChartUpload(png(2), "b.png")], channel="#plans", channel_id=5,
            message_id=SNOWFLAKE + 1, ingest_key=f"discord:{SNOWFLAKE + 1}:0",
        )  # fmt: skip
        service.edit_plan(Slot("d", DAY), "Long NVDA v3", coach, source=Source.DISCORD_EDIT)
        service.delete_plan(Slot("d", DAY), coach, source=Source.API)
        service.restore_plan(first.id, Actor("admin"), source=Source.CLI)
        service.post_plan("i", "Gone soon", coach, source=Source.API, trade_date=DAY)
        service.delete_plan(Slot("i", DAY), coach, source=Source.API)
        service.post_plan(
            "s", "Same chart again", coach, source=Source.MOCK, trade_date=date(2024, 11, 13),
            charts=[ChartUpload(png(1), "again.png")],
        )  # fmt: skip
    if old_db is not None:
        from coachplans.settings import load_settings
        from coachplans.transfer.importer import ImportOptions, run_import

        settings = load_settings(run_bot=False, database={"url": url})
        run_import(settings, ImportOptions(old_db, backup=False), "source")


def export(capsys: pytest.CaptureFixture[str], url: str, path: Path) -> list[str]:
    status, out, err = run_cli(capsys, "export", "--database-url", url, "--output", str(path))
    assert status == 0, err
    assert out.startswith(f"export to {path}:")
    return path.read_text().splitlines()
