"""Wiring: build the service from settings, and the bot's state shared with /health."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from coachplans.domain.coaches import Coach, Roster
from coachplans.service import PlanService
from coachplans.settings import Settings
from coachplans.store.engine import make_engine
from coachplans.store.migrate import upgrade
from coachplans.store.repository import Repository

BOT_STATUSES = ("connected", "disconnected", "mock", "disabled")


@dataclass
class BotState:
    """What /health reports about the Discord bot; written by the bot task, read by the API."""

    status: str = "disabled"
    detail: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, status: str, detail: str | None = None) -> None:
        if status not in BOT_STATUSES:
            raise ValueError(f"unknown bot status {status!r}")
        with self._lock:
            self.status, self.detail = status, detail

    def snapshot(self) -> tuple[str, str | None]:
        with self._lock:
            return self.status, self.detail


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


def build_service(settings: Settings, *, migrate: bool = True) -> PlanService:
    """Engine, schema migration (on start, as the spec asks) and the service over them."""
    engine = make_engine(settings.database.effective_url)
    if migrate:
        upgrade(engine)
    return PlanService(
        Repository(engine),
        roster_from(settings),
        settings.tz,
        max_charts=settings.discord.max_chart_attachments,
        max_chart_bytes=settings.discord.max_chart_bytes,
    )
