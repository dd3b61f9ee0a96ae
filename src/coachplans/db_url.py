"""Database URLs: checked once when the settings are read, normalised for the engine, and
masked wherever they are shown. Masking never relies on the URL being valid."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
PORT_RANGE = "the port must be a number from 1 to 65535"
# ``password=...`` in a query or a libpq ``key=value`` string, quoted or not.
_KEY_VALUE_SECRET = re.compile(
    r"""(?i)((?:^|[\s?&;])[a-z_]*(?:pass|pwd|secret|token)[a-z_]*\s*=\s*)"""
    r"""('(?:[^'\\]|\\.)*'|"[^"]*"|[^\s&;]*)"""
)


class DatabaseUrlError(ValueError):
    """The URL cannot be used; the message never contains the URL itself."""


def mask_url(url: str) -> str:
    """``url`` with its password and every ``password=``-like value replaced by ``***``."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a bad port raises here, not in make_url
    except (ArgumentError, ValueError):
        return _mask_text(url)
    if parsed.host and "@" in parsed.host:  # an unescaped '@' in the password
        return _mask_text(url)
    if parsed.password is not None:
        parsed = parsed.set(password=MASK)
    query = {
        key: MASK if _KEY_VALUE_SECRET.match(f"{key}=") else value
        for key, value in parsed.query.items()
    }
    return parsed.set(query=query).render_as_string(hide_password=False).replace("%2A", "*")


def _mask_text(url: str) -> str:
    """Masking by text for URLs SQLAlchemy cannot parse: the user info up to the last '@'
    (a password may hold '@', ':' or '/'), then ``key=value`` secrets."""
    start = url.find("://") + 3
    at = url.rfind("@")
    if start >= 3 and at > start:
        user, colon, _password = url[start:at].partition(":")
        url = f"{url[:start]}{user}{colon and ':' + MASK}{url[at:]}"
    return _KEY_VALUE_SECRET.sub(rf"\g<1>{MASK}", url)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another backend or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def normalise_url(url: str) -> str:
    """Plain ``postgresql://`` URLs use psycopg 3, the driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def check_url(url: str) -> str:
    """``url`` when SQLAlchemy can open it with an installed driver; otherwise
    :class:`DatabaseUrlError` saying what is wrong (without the URL)."""
    parsed = _parse(url)
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise DatabaseUrlError(PORT_RANGE)
    try:
        dialect = make_url(normalise_url(url)).get_dialect()
    except ArgumentError:
        raise DatabaseUrlError(
            f"unknown database {parsed.drivername!r} (use sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:PORT/DB)"
        ) from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise DatabaseUrlError(
            f"the driver for {parsed.drivername!r} is not installed (module {exc.name}); "
            "coachplans ships the drivers for sqlite:// and postgresql://"
        ) from None
    return url


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ValueError:  # SQLAlchemy parses the port with int()
        raise DatabaseUrlError(PORT_RANGE) from None
    except ArgumentError:
        if "=" in url and "://" not in url:
            hint = "a libpq 'key=value' string is not a database URL; write it as "
        else:
            hint = "it is not a database URL; write it as "
        raise DatabaseUrlError(hint + "postgresql://USER:PASSWORD@HOST:PORT/DB") from None
