"""Checking what an MCP client sends: dates, coaches, tickers. A bad value raises
:class:`BadInput` whose text says what is wrong and the form expected, for the model to fix."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from coachplans.client import Coach
from coachplans.domain.coaches import coach_key
from coachplans.domain.dates import parse_date
from coachplans.domain.tickers import canonical_ticker
from coachplans.errors import ValidationFailed

# $NVDA, BTC-USD, BTC/USD, ES=F, /ES, ^GSPC, BRK.B
_TICKER = re.compile(r"^[$^/]?[A-Za-z0-9][A-Za-z0-9./=-]{0,14}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_SHOWN = 40


class BadInput(ValueError):
    """A value the client sent cannot be used; the message says what to send instead."""


def _shown(raw: str) -> str:
    text = raw.strip()
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


def trading_date(raw: str | None, today: date) -> date:
    """``YYYY-MM-DD``; None or blank means ``today``."""
    if raw is None or not raw.strip():
        return today
    try:
        return parse_date(raw.strip())
    except ValidationFailed as exc:
        raise BadInput(f"{exc} (e.g. 2024-05-10; leave the date out for today).") from exc


def find_coach(raw: str, roster: Sequence[Coach]) -> Coach:
    """``d``, ``D``, ``coach_d`` all name coach ``d``."""
    key = coach_key(raw)
    for coach in roster:
        if coach.key == key:
            return coach
    valid = ", ".join(coach.key for coach in roster) or "none configured"
    example = f" (or coach_{roster[0].key})" if roster else ""
    raise BadInput(f"Unknown coach '{_shown(raw)}'. Valid coaches: {valid}{example}.")


def ticker_symbol(raw: str) -> str:
    """The canonical symbol of a ticker as any coach or data vendor spells it."""
    if not _TICKER.match(raw.strip()):
        raise BadInput(
            f"Invalid ticker '{_shown(raw)}': expected a symbol like NVDA, $NVDA, BTC-USD, "
            "ES=F or ^GSPC."
        )
    return canonical_ticker(raw)


def chart_file(sha256: str, extension: str) -> str:
    """``<sha256>.<ext>``, the name the server archives a chart under."""
    if not _SHA256.match(sha256):
        raise BadInput(
            f"Invalid chart id '{_shown(sha256)}': expected the 64 lowercase hex digits of its "
            "SHA-256, as the plans list them."
        )
    return f"{sha256}.{extension}"
