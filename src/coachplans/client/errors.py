"""Typed errors of the client for new code (the compatibility facade never raises).

One type per distinct reaction of a caller: fix the request, fix the credentials, treat as
absent, re-read and retry the edit, or try again later. ``ClientError`` is the base; it is
named apart from ``coachplans.errors.CoachPlansError``, the server's domain errors.
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base of every error the typed client raises. ``status`` is the HTTP status when the
    server answered (None when it could not be reached); ``body`` is its JSON answer."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class BadRequestError(ClientError):
    """400/422: the coach, date, text or a parameter is invalid; fix the request."""


class AuthError(ClientError):
    """401/403: a write without a (valid) bearer token, or reads that need one."""


class NotFoundError(ClientError):
    """404: no such plan, revision or route (a missing plan of a coach and date is not an
    error: ``get_plan`` returns None)."""


class ConflictError(ClientError):
    """409/412: the plan changed since you read it (If-Match), or it is not in a state that
    allows the change; re-read it and try again."""


class ServerUnavailableError(ClientError):
    """Connection refused, timeouts, 429 or 5xx after every retry: try again later."""


_BY_STATUS: dict[int, type[ClientError]] = {
    400: BadRequestError,
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    412: ConflictError,
    422: BadRequestError,
    429: ServerUnavailableError,
}


def error_for_status(status: int, body: Any) -> ClientError:
    """The typed error for an HTTP error answer, with the server's message."""
    kind = _BY_STATUS.get(status)
    if kind is None:
        kind = ServerUnavailableError if status >= 500 else ClientError
    return kind(f"HTTP {status}: {message_of(body)}", status=status, body=body)


def message_of(body: Any) -> str:
    """The human part of the server's error JSON (``message``, else ``error``)."""
    if isinstance(body, dict):
        for field in ("message", "error"):
            value = body.get(field)
            if isinstance(value, str) and value:
                return value
    return "no details"
