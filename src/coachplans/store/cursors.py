"""The bot's per-channel cursors, in SQLAlchemy Core: the newest Discord message id processed
in each channel, so a restarted bot catches up from there.

A cursor only moves forward: the upsert's ``ON CONFLICT DO UPDATE ... WHERE`` compares with
the stored id inside the one statement, so concurrent advances (and a late, older message)
can never move it back, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from coachplans.store.tables import BotCursorRow

CURSORS = cast(Table, BotCursorRow.__table__)


def _advance_stmt(dialect: Any) -> Any:
    stmt = dialect.insert(CURSORS).values(
        channel_id=bindparam("channel_id"),
        last_message_id=bindparam("message_id"),
        updated_at=bindparam("now"),
    )
    return stmt.on_conflict_do_update(
        index_elements=[CURSORS.c.channel_id],
        set_={
            "last_message_id": stmt.excluded.last_message_id,
            "updated_at": stmt.excluded.updated_at,
        },
        where=stmt.excluded.last_message_id > CURSORS.c.last_message_id,
    ).returning(CURSORS.c.channel_id)


_ADVANCE = {"postgresql": _advance_stmt(postgresql), "sqlite": _advance_stmt(sqlite)}
_ALL = select(CURSORS.c.channel_id, CURSORS.c.last_message_id)


def all_cursors(executor: Connection) -> dict[int, int]:
    """channel id -> last processed message id, for every channel with a cursor."""
    return {int(channel): int(message) for channel, message in executor.execute(_ALL)}


def advance(conn: Connection, channel_id: int, message_id: int, now: datetime) -> bool:
    """Move the channel's cursor to ``message_id`` if that is newer (or create it); True when
    a row was written, False when the stored id was already at or past it."""
    params = {"channel_id": channel_id, "message_id": message_id, "now": now}
    # RETURNING, not rowcount: psycopg reports -1 for this statement, while a skipped
    # conflict update returns no row on both backends.
    return conn.execute(_ADVANCE[conn.dialect.name], params).first() is not None
