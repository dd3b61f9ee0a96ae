"""``coachplans export``: the whole database as JSON Lines (format in :mod:`.jsonl`), read in
one snapshot, written to a file (atomically: a temporary file renamed at the end) or stdout."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from sqlalchemy import Engine

from coachplans.errors import CoachPlansError
from coachplans.store.dump import count_rows, snapshot
from coachplans.store.engine import make_engine
from coachplans.store.migrate import current
from coachplans.transfer.jsonl import write_export
from coachplans.transfer.progress import progress
from coachplans.transfer.report import ExportReport

STDOUT = "-"


def export_database(url: str, output: str) -> ExportReport:
    """Export everything the database at ``url`` holds to ``output`` (a path, or ``-``)."""
    engine = make_engine(url)
    try:
        return run_export(engine, output)
    finally:
        engine.dispose()


def run_export(engine: Engine, output: str) -> ExportReport:
    """Export everything ``engine`` holds to ``output`` (a path, or ``-`` for stdout)."""
    schema = current(engine)
    if schema is None:
        raise CoachPlansError("the database has no coachplans schema: nothing to export")
    started = time.perf_counter()
    if output == STDOUT:
        counts = _write(engine, sys.stdout.buffer, schema)
        sys.stdout.buffer.flush()
    else:
        counts = export_to_file(engine, Path(output), schema)
    shown = "stdout" if output == STDOUT else output
    return ExportReport(shown, counts, time.perf_counter() - started)


def export_to_file(engine: Engine, path: Path, schema: str | None) -> dict[str, int]:
    """Write the export next to ``path`` and rename it into place once complete."""
    folder = path.parent if str(path.parent) else Path.cwd()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            counts = _write(engine, out, schema)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return counts


def _write(engine: Engine, out: IO[bytes], schema: str | None) -> dict[str, int]:
    with snapshot(engine) as conn:
        total = count_rows(conn)["plans"]
        with progress(total, "export") as tick:
            return write_export(conn, out, schema, tick)
