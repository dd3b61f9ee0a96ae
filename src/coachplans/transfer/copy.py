"""``coachplans db copy --from URL --to URL``: everything (plans, revisions, chart links and
images, ingest keys, events) from one database to another, ids kept, e.g. SQLite to
PostgreSQL when a deployment outgrows SQLite, or back.

The source must be at the current schema and is only read, in one snapshot. The target is
migrated and must hold no plans or other rows of ours (a copy never merges). Rows go over
table by table in batches inside one target transaction; PostgreSQL's id sequences are moved
past the copied ids; the row count of every table is compared with the source before the
commit (a difference rolls the copy back) and again after it.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine

from coachplans.errors import CoachPlansError
from coachplans.store.dump import (
    TABLES,
    count_rows,
    has_rows,
    insert_rows,
    reset_sequences,
    rows_in_batches,
    snapshot,
)
from coachplans.store.engine import make_engine, normalise_url
from coachplans.store.migrate import current, head, upgrade
from coachplans.transfer.backup import sqlite_file
from coachplans.transfer.progress import progress
from coachplans.transfer.report import CopyReport

BATCH = 2000
BLOB_BATCH = 50  # chart images are up to 10 MiB each


class CopyRefused(CoachPlansError):
    """The copy cannot start (same database, source not migrated, target not empty)."""


class CopyCheckFailed(CoachPlansError):
    """The target's row counts differ from the source's after copying."""


def run_copy(source_url: str, target_url: str, source_label: str, target_label: str) -> CopyReport:
    if normalise_url(source_url) == normalise_url(target_url):
        raise CopyRefused("--from and --to name the same database")
    database = sqlite_file(source_url)
    if database is not None and not database.is_file():
        raise CopyRefused(f"--from: no SQLite database at {database}")
    started = time.perf_counter()
    source = make_engine(source_url)
    target = make_engine(target_url)
    try:
        _check_source(source)
        upgrade(target)
        source_counts = _copy(source, target)
        with target.connect() as conn:
            target_counts = count_rows(conn)
    finally:
        source.dispose()
        target.dispose()
    report = CopyReport(
        source_label, target_label, source_counts, target_counts, time.perf_counter() - started
    )
    if not report.ok:
        raise CopyCheckFailed("row counts differ after the copy")
    return report


def _check_source(engine: Engine) -> None:
    revision = current(engine)
    if revision != head():
        raise CopyRefused(
            f"--from: the source database is at schema {revision or 'none'}, not {head()}; "
            "migrate it first (coachplans db upgrade --database-url ...)"
        )


def _copy(source: Engine, target: Engine) -> dict[str, int]:
    """Copy every table; the source's counts (checked against the target's before commit)."""
    writer = target.execution_options(sqlite_immediate=True)
    with snapshot(source) as reading, writer.begin() as writing:
        present = has_rows(writing)
        if present:
            found = ", ".join(f"{name}: {count}" for name, count in present.items())
            raise CopyRefused(
                f"--to: the target database is not empty ({found}); copy needs an empty one"
            )
        counts = count_rows(reading)
        with progress(sum(counts.values()), "copy", unit="row") as tick:
            for name in TABLES:
                size = BLOB_BATCH if name == "chart_blobs" else BATCH
                for rows in rows_in_batches(reading, name, size):
                    insert_rows(writing, name, rows)
                    tick(len(rows))
        reset_sequences(writing)
        copied = count_rows(writing)
        if copied != counts:
            raise CopyCheckFailed(
                f"row counts differ after the copy: source {counts}, target {copied}"
            )
    return counts
