"""The Discord bot's status as /health reports it: written by the bot task, read by the API."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

BOT_STATUSES = ("connected", "disconnected", "mock", "disabled")


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
