"""Revision 0002 (external chart links) over data written at 0001, its constraint and its
guarded downgrade; and the readers' loose date and time parsing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from coachplans.store.engine import make_engine
from coachplans.store.migrate import alembic_config, current, upgrade
from coachplans.transfer.normalise import BadValue, normalise_date, parse_time, url_filename

SHA = "a" * 64


@pytest.fixture
def engine_0001(db_url: str) -> Iterator[Engine]:
    """The test database taken back to 0001 (it comes migrated to head)."""
    engine = make_engine(db_url)
    _downgrade(engine, "0001")
    yield engine
    upgrade(engine)
    engine.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def _seed_0001(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO chart_blobs (sha256, content_type, size, data, created_at) "
                "VALUES (:s, 'image/png', 1, :d, CURRENT_TIMESTAMP)"
            ),
            {"s": SHA, "d": b"x"},
        )
        conn.execute(
            text(
                "INSERT INTO plans (id, coach, trade_date, text, author, created_at, version) "
                "VALUES (1, 'd', '2024-11-12', 't', 'a', CURRENT_TIMESTAMP, 1)"
            )
        )
        conn.execute(
            text("INSERT INTO plan_charts (plan_id, position, sha256) VALUES (1, 0, :s)"),
            {"s": SHA},
        )


def _link(engine: Engine, position: int, sha: str | None, url: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO plan_charts (plan_id, position, sha256, source_url) "
                "VALUES (1, :p, :s, :u)"
            ),
            {"p": position, "s": sha, "u": url},
        )


def test_upgrade_from_0001_keeps_data_and_allows_links(engine_0001: Engine) -> None:
    _seed_0001(engine_0001)
    upgrade(engine_0001)
    assert current(engine_0001) == "0004"
    with engine_0001.connect() as conn:
        assert conn.execute(text("SELECT sha256 FROM plan_charts")).scalars().all() == [SHA]
    _link(engine_0001, 1, None, "https://cdn.example/old.png")
    with pytest.raises(IntegrityError):
        _link(engine_0001, 2, None, None)  # neither bytes nor a URL


def test_downgrade_refuses_to_drop_external_links(engine_0001: Engine) -> None:
    _seed_0001(engine_0001)
    upgrade(engine_0001)
    _link(engine_0001, 1, None, "https://cdn.example/old.png")
    with pytest.raises(RuntimeError, match="1 chart links are external"):
        _downgrade(engine_0001, "0001")
    assert current(engine_0001) == "0004"
    with engine_0001.begin() as conn:
        conn.execute(text("DELETE FROM plan_charts WHERE sha256 IS NULL"))
    _downgrade(engine_0001, "0001")
    assert current(engine_0001) == "0001"


@pytest.mark.parametrize(
    ("raw", "day", "note"),
    [
        ("2024-01-05", date(2024, 1, 5), None),
        ("2024-1-5", date(2024, 1, 5), "date '2024-1-5' read as 2024-01-05"),
        (" 2024-12-9 ", date(2024, 12, 9), "date ' 2024-12-9 ' read as 2024-12-09"),
    ],
)
def test_loose_dates(raw: str, day: date, note: str | None) -> None:
    assert normalise_date(raw) == (day, note)


@pytest.mark.parametrize("raw", ["2024-13-45", "2024-02-30", "05/01/2024", "", None, "1800-01-01"])
def test_bad_dates(raw: str | None) -> None:
    with pytest.raises(BadValue):
        normalise_date(raw)


NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-05 08:30:00", datetime(2024, 1, 5, 13, 30, tzinfo=UTC)),
        ("2024-01-05T08:30:00.123456", datetime(2024, 1, 5, 13, 30, 0, 123456, tzinfo=UTC)),
        ("2024-1-5 8:30", datetime(2024, 1, 5, 13, 30, tzinfo=UTC)),
        ("2024-07-01 08:00:00", datetime(2024, 7, 1, 12, 0, tzinfo=UTC)),
        ("2024-01-05T08:30:00+00:00", datetime(2024, 1, 5, 8, 30, tzinfo=UTC)),
        ("2024-01-05T08:30:00Z", datetime(2024, 1, 5, 8, 30, tzinfo=UTC)),
        (1704461400, datetime(2024, 1, 5, 13, 30, tzinfo=UTC)),
        # the autumn clock change: 01:30 happens twice; the first (EDT) is taken
        ("2024-11-03 01:30:00", datetime(2024, 11, 3, 5, 30, tzinfo=UTC)),
    ],
)
def test_naive_local_times(raw: object, expected: datetime) -> None:
    assert parse_time(raw, NY) == expected


@pytest.mark.parametrize("raw", ["", None, "yesterday", "2024-01-05 25:00"])
def test_bad_times(raw: object) -> None:
    with pytest.raises(BadValue):
        parse_time(raw, NY)


def test_url_filename() -> None:
    url = "https://cdn.discordapp.com/attachments/1/2/chart%201.png?ex=65&is=66&hm=ab"
    assert url_filename(url) == "chart%201.png"
    assert url_filename("https://example.com/") is None
