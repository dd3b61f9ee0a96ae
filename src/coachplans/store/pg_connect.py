"""Dedicated PostgreSQL connections outside the pool (the bot's lock, the event listener):
libpq connection strings from SQLAlchemy URLs, with TCP keepalives so a silent network loss
is noticed in seconds rather than hours."""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy.engine import make_url

CONNECT_TIMEOUT_SECONDS = 5
# Probe an idle connection after 5 s, every 2 s, give up after 3 unanswered probes.
KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def conninfo(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def connect(url: str, application_name: str) -> psycopg.AsyncConnection[Any]:
    """An autocommit connection of its own (never from the pool)."""
    return await psycopg.AsyncConnection.connect(
        conninfo(url),
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        application_name=application_name,
        **KEEPALIVES,
    )
