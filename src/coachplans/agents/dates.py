"""The trading date of an agent run, as the client and the reports need it (``YYYY-MM-DD``).

Agent frameworks hand dates over in many shapes: TradingAgents keeps ``str(trade_date)``, so a
``datetime`` arrives as ``"2024-05-10 00:00:00"``. Accepted: ``date``, ``datetime``,
``"YYYY-MM-DD"``, ``"YYYY-MM-DD HH:MM[:SS[.ffffff]]"`` (also with ``T`` and an offset), and the
unpadded ``"2024-5-10"`` (read as 2024-05-10: the order is unambiguous). Anything else is a
``TradeDateError`` naming the value, never a plan that "could not be fetched".
"""

from __future__ import annotations

import re
from datetime import date, datetime

from coachplans.errors import ValidationFailed

_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
ACCEPTED = "a date, a datetime, 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'"


class TradeDateError(ValidationFailed, ValueError):
    """A run's ``trade_date`` that is not a calendar date."""


def trade_date_text(value: object) -> str:
    """``YYYY-MM-DD`` of ``value``, or ``TradeDateError``."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = str(value).strip()
    match = _DATE.match(raw)
    if match is None:
        raise TradeDateError(f"trade_date {raw[:64]!r} is not a trading date: use {ACCEPTED}")
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError as exc:
        raise TradeDateError(f"trade_date {raw[:64]!r} is not a calendar date ({exc})") from None
    return day.isoformat()
