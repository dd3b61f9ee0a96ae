"""Wiring: the one way to build the plan service from settings (serve, the CLI, imports and
the old system's facade all go through here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from coachplans.domain.coaches import Coach, Roster, default_roster
from coachplans.domain.dates import DEFAULT_TIMEZONE
from coachplans.service import PlanService
from coachplans.settings import Settings
from coachplans.store.engine import make_engine, pool_options
from coachplans.store.leader import AdvisoryLeadership, SoleLeadership
from coachplans.store.leader import Leadership as Leadership
from coachplans.store.migrate import current, head, upgrade
from coachplans.store.notify import ChangeListener
from coachplans.store.pg_connect import is_postgres as is_postgres
from coachplans.store.repository import Repository


def roster_from(settings: Settings) -> Roster:
    return Roster(
        Coach(
            key=c.key,
            name=c.name,
            user_ids=frozenset(c.user_ids),
            role_ids=frozenset(c.role_ids),
            channel_ids=frozenset(c.channel_ids),
            allow_anyone=c.allow_anyone,
        )
        for c in settings.coaches
    )


def service_over(repo: Repository, settings: Settings | None = None) -> PlanService:
    """The service over an open repository; without settings, the defaults (default roster,
    market timezone, chart limits) as the old system's facade had them."""
    if settings is None:
        return PlanService(repo, default_roster(), ZoneInfo(DEFAULT_TIMEZONE))
    return PlanService(
        repo,
        roster_from(settings),
        settings.tz,
        max_charts=settings.discord.max_chart_attachments,
        max_chart_bytes=settings.discord.max_chart_bytes,
    )


def build_service(
    settings: Settings, *, url: str | None = None, migrate: bool = True
) -> PlanService:
    """Engine (the settings' database unless ``url`` is given), schema migration (on start,
    as the spec asks) and the service over them."""
    engine = make_engine(url or settings.database.effective_url, **_pool(settings, url))
    if migrate:
        upgrade(engine)
    return service_over(Repository(engine), settings)


def _pool(settings: Settings, url: str | None) -> dict[str, Any]:
    db = settings.database
    return pool_options(
        url or db.effective_url,
        size=db.pool_size,
        overflow=db.max_overflow,
        timeout=db.pool_timeout_seconds,
        connect_timeout=db.connect_timeout_seconds,
    )


@contextmanager
def opened_service(settings: Settings, *, migrate: bool = True) -> Iterator[PlanService]:
    """The service for a one-off command; its database connections are closed afterwards."""
    engine = make_engine(settings.database.effective_url, **_pool(settings, None))
    try:
        if migrate:
            upgrade(engine)
        yield service_over(Repository(engine), settings)
    finally:
        engine.dispose()


def upgrade_schema(url: str) -> str | None:
    """Migrate the database at ``url`` to the newest schema; its revision afterwards."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        return current(engine)
    finally:
        engine.dispose()


def schema_revisions(url: str) -> tuple[str | None, str | None]:
    """(the database's schema revision, the newest one the code knows)."""
    engine = make_engine(url)
    try:
        return current(engine), head()
    finally:
        engine.dispose()


def bot_leadership(settings: Settings) -> Leadership:
    """Who runs the bot: on PostgreSQL, the process holding the advisory lock (the others
    wait as standbys); on SQLite, this one process."""
    url = settings.database.effective_url
    if is_postgres(url):
        return AdvisoryLeadership(url, retry_seconds=settings.database.standby_retry_seconds)
    return SoleLeadership()


def change_feed(settings: Settings) -> ChangeListener | None:
    """The process's listener for changes committed by other processes (PostgreSQL only)."""
    url = settings.database.effective_url
    return ChangeListener(url) if is_postgres(url) else None
