"""``coachplans import``: read a source file, back up the target, and write every plan through
the service in one transaction (batches inside it) that rolls back on any error.

Order of a run: the source is opened and checked (a bad file stops here, nothing touched);
the target is backed up (SQLite: file copy; PostgreSQL: a JSON Lines export) and migrated;
then the import transaction: plans in batches, row counts checked, commit. ``--dry-run``
does the same work and rolls back instead of committing (on a copy of the target when its
schema is not current, since migrating it would be a write).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import tzinfo
from itertools import islice
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from coachplans.domain.charts import ChartBlob
from coachplans.domain.imports import ImportedPlan, Skipped, SourceItem
from coachplans.errors import CoachPlansError
from coachplans.plan_import import PlanImport
from coachplans.service import PlanService
from coachplans.settings import Settings
from coachplans.store.dump import count_rows, snapshot
from coachplans.store.engine import make_engine
from coachplans.store.migrate import current, head, upgrade
from coachplans.store.repository import Repository
from coachplans.transfer import backup
from coachplans.transfer.export import export_to_file
from coachplans.transfer.fetch import ChartFetcher, with_fetched_charts
from coachplans.transfer.formats import JSONL, OLD_DB, OLD_JSON, BadFile, detect
from coachplans.transfer.jsonl import JsonlSource
from coachplans.transfer.old_db import OldDbSource
from coachplans.transfer.old_json import OldJsonSource
from coachplans.transfer.progress import progress
from coachplans.transfer.report import ImportReport
from coachplans.wiring import service_over

BATCH = 500
AUTO = "auto"
IN_MEMORY = "sqlite://"


class Source(Protocol):
    format: str
    schema_version: str | None
    read: Counter[str]

    def total(self) -> int: ...
    def items(self) -> Iterator[SourceItem]: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ImportOptions:
    path: Path
    format: str = AUTO
    dry_run: bool = False
    fetch_charts: bool = False
    source_tz: tzinfo | None = None
    backup: bool = True
    backup_dir: Path | None = None
    batch: int = BATCH


class DryRunRefused(CoachPlansError):
    """A dry run cannot check against this target without writing to it."""


def open_source(options: ImportOptions, local: tzinfo) -> Source:
    """The reader for the file, checked far enough to fail before anything is written."""
    kind = detect(options.path) if options.format == AUTO else options.format
    if not options.path.is_file():
        raise BadFile(f"{options.path}: no such file")
    if kind == OLD_DB:
        return OldDbSource(options.path, local)
    if kind == OLD_JSON:
        return OldJsonSource(options.path, local)
    if kind == JSONL:
        return JsonlSource(options.path)
    raise BadFile(f"unknown format {kind!r}")


def run_import(settings: Settings, options: ImportOptions, target_label: str) -> ImportReport:
    local = options.source_tz or settings.tz
    source = open_source(options, local)
    started = time.perf_counter()
    try:
        report = ImportReport(
            source=str(options.path),
            format=source.format,
            target=target_label,
            dry_run=options.dry_run,
            source_schema=source.schema_version,
        )
        with _target(settings, options) as (service, backup_path, migrated):
            changed = _import(service, source, options, report) or migrated
        if backup_path is not None and not changed:
            backup_path.unlink()  # the target is as it was: a copy of it would only pile up
        elif backup_path is not None:
            report.backup = str(backup_path)
    finally:
        source.close()
    report.read.update(source.read)
    report.seconds = time.perf_counter() - started
    return report


def _import(
    service: PlanService, source: Source, options: ImportOptions, report: ImportReport
) -> bool:
    """Run the import transaction; whether it wrote any row."""
    fetcher = ChartFetcher(service.max_chart_bytes) if options.fetch_charts else None
    items = source.items()
    if fetcher is not None:
        items = with_fetched_charts(items, fetcher)
    try:
        with (
            progress(source.total(), "import") as tick,
            service.importing(dry_run=options.dry_run) as session,
        ):
            for batch in _batches(items, options.batch):
                tick(_add(session, batch, report))
            report.totals = session.verify()
    finally:
        if fetcher is not None:
            fetcher.close()
            report.fetch_failures.update(fetcher.failures)
    return any(session.added.values())


def _add(session: PlanImport, batch: list[SourceItem], report: ImportReport) -> int:
    """Write one batch; the number of source records it held (for the progress bar)."""
    session.add_blobs([item for item in batch if isinstance(item, ChartBlob)])
    plans = [item for item in batch if isinstance(item, ImportedPlan)]
    skipped = [item for item in batch if isinstance(item, Skipped)]
    report.record(session.add(plans), skipped)
    return len(plans) + len(skipped)


def _batches(items: Iterator[SourceItem], size: int) -> Iterator[list[SourceItem]]:
    while batch := list(islice(items, size)):
        yield batch


# --- the target -------------------------------------------------------------------------------


@contextmanager
def _target(
    settings: Settings, options: ImportOptions
) -> Iterator[tuple[PlanService, Path | None, bool]]:
    """The service over the target database (backed up and migrated for a real run), the
    backup's path, and whether the schema was migrated (a change in itself)."""
    url = settings.database.effective_url
    if options.dry_run:
        with _dry_run_url(url) as dry_url, _service(settings, dry_url) as service:
            if dry_url == IN_MEMORY:
                upgrade(service.repo.engine)
            yield service, None, False
        return
    saved = _backup(url, options) if options.backup else None
    with _service(settings, url) as service:
        migrated = current(service.repo.engine) != head()
        upgrade(service.repo.engine)
        yield service, saved, migrated


@contextmanager
def _service(settings: Settings, url: str) -> Iterator[PlanService]:
    engine = make_engine(url)
    try:
        yield service_over(Repository(engine), settings)
    finally:
        engine.dispose()


@contextmanager
def _dry_run_url(url: str) -> Iterator[str]:
    """Where a dry run may work: the target itself when its schema is current (the import
    transaction is rolled back), else a migrated copy of it, never the target."""
    database = backup.sqlite_file(url)
    if database is not None and not database.exists():
        yield IN_MEMORY  # nothing there yet: an empty in-memory database stands in
        return
    revision = _revision(url)
    if revision == head():
        yield url
        return
    if database is None:
        raise DryRunRefused(
            f"the target database is at schema {revision or 'none'}, not {head()}: a dry run "
            "does not migrate it; run `coachplans db upgrade` first"
        )
    folder = Path(tempfile.mkdtemp(prefix="coachplans-dry-run-"))
    try:
        copy = backup.backup_sqlite(database, folder)
        engine = make_engine(f"sqlite:///{copy}")
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        yield f"sqlite:///{copy}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return current(engine)
    finally:
        engine.dispose()


def _backup(url: str, options: ImportOptions) -> Path | None:
    """Back the target up before anything is written; None when there is nothing yet."""
    database = backup.sqlite_file(url)
    if database is not None:
        if not database.exists():
            return None
        return backup.backup_sqlite(database, options.backup_dir)
    engine = make_engine(url)
    try:
        return _backup_by_export(engine, options.backup_dir)
    finally:
        engine.dispose()


def _backup_by_export(engine: Engine, folder: Path | None) -> Path | None:
    schema = current(engine)
    if schema is None:
        return None
    with snapshot(engine) as conn:
        if not any(count_rows(conn).values()):
            return None
    path = backup.export_path(folder)
    export_to_file(engine, path, schema)
    return path
