"""Opaque keyset cursors for the v1 list: the position and the order they belong to."""

from __future__ import annotations

import base64
import binascii
from datetime import date

from coachplans.errors import ValidationFailed

# Plan and event ids are 32-bit integer columns (PostgreSQL INTEGER); a larger id sent by a
# caller cannot exist, and binding it would fail in the driver (a 500), so it is a 400.
MAX_ID = 2**31 - 1


def encode_cursor(trade_date: date, plan_id: int, ascending: bool) -> str:
    raw = f"{'a' if ascending else 'd'}|{trade_date.isoformat()}|{plan_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, ascending: bool) -> tuple[date, int]:
    """The position a cursor names; a cursor from another order or a forged one is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        order, day, plan_id = base64.urlsafe_b64decode(padded).decode().split("|")
        position = (date.fromisoformat(day), int(plan_id))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed("Invalid cursor; pass next_cursor from a previous page") from exc
    if not 0 <= position[1] <= MAX_ID:
        raise ValidationFailed("Invalid cursor; pass next_cursor from a previous page")
    if order != ("a" if ascending else "d"):
        raise ValidationFailed("The cursor belongs to a listing in the other order")
    return position
