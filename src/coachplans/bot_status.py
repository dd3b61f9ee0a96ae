"""The Discord bot's status as /health reports it: written by the bot task, read by the API."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

# ``standby``: another process holds the bot lock (PostgreSQL); this one takes over if it stops.
BOT_STATUSES = ("connected", "disconnected", "mock", "disabled", "standby")


# Why the bot is not active, as a metric label: a small fixed set read from the details the
# bot, the runner and the leadership write (free text is never a label value).
_REASONS: tuple[tuple[str, str], ...] = (
    ("another process", "lock_held_elsewhere"),
    ("waiting for the bot lock", "lock_held_elsewhere"),
    ("lost the database connection", "lock_lost"),
    ("database unreachable", "database_unreachable"),
    ("connecting", "connecting"),
    ("connection to discord lost", "reconnecting"),
    ("login failed", "login_failed"),
    ("message content intent", "intents_missing"),
    ("gave up", "gave_up"),
    ("bot stopped", "stopped"),
    ("crashed", "crashed"),
    ("discord closed", "crashed"),
)
BOT_REASONS = ("", "failed", *dict.fromkeys(reason for _, reason in _REASONS))


def reason_of(status: str, detail: str | None) -> str:
    """The bounded reason for a standby or disconnected bot; "" when it is active or off."""
    if status not in ("standby", "disconnected"):
        return ""
    text = (detail or "").lower()
    for start, reason in _REASONS:
        if text.startswith(start):
            return reason
    return "failed"


@dataclass
class BotState:
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


class OutcomeCounts:
    """Thread-safe counts by outcome, for /metrics (e.g. chart downloads by the bot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, outcome: str) -> None:
        with self._lock:
            self._counts[outcome] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


# Chart downloads by the bot in this process: ``ok`` or ``skipped``.
CHART_DOWNLOADS = OutcomeCounts()
