"""Domain exceptions: one type per distinct reaction of the adapters (HTTP status, bot reply)."""

from __future__ import annotations


class CoachPlansError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(CoachPlansError):
    """Settings are missing or invalid; the CLI prints the message and exits 2."""


class ValidationFailed(CoachPlansError):
    """Input is malformed (bad coach, date, text, chart): HTTP 400, a short bot reply."""


class NotFound(CoachPlansError):
    """The plan, revision or chart does not exist: HTTP 404."""


class Forbidden(CoachPlansError):
    """The actor may not do this: HTTP 403, a bot reply saying how to get access."""


class Conflict(CoachPlansError):
    """The stored state is not what the caller expected (If-Match, state): HTTP 409/412."""


class PreconditionFailed(Conflict):
    """If-Match did not match the current version: HTTP 412."""


class StorageUnavailable(CoachPlansError):
    """The database cannot be reached: HTTP 503, the coach is told to try again. ``reason``
    is safe to show anyone (/health); the message, with driver details, is for the log."""

    def __init__(self, message: str, reason: str = "the database cannot be reached"):
        super().__init__(message)
        self.reason = reason
