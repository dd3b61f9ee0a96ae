"""The bot's per-channel cursors on SQLite and PostgreSQL: created on first use, only ever
moved forward, independent per channel, persisted, and safe under concurrent advances."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, select

from coachplans.service import PlanService
from coachplans.store.engine import make_engine
from coachplans.store.repository import Repository
from coachplans.store.tables import BotCursorRow

if TYPE_CHECKING:
    from conftest import FrozenClock

# Real Discord snowflakes are ~2^60: past 32 bits (and past a float's exact integers).
CHANNEL = 1_187_654_321_098_765_432
OTHER_CHANNEL = 1_187_654_321_098_765_999
MESSAGE = 1_300_000_000_000_000_001
T0 = datetime(2024, 11, 12, 15, 30, tzinfo=UTC)


@pytest.fixture
def repo(engine: Engine) -> Repository:
    return Repository(engine)


def _updated_at(engine: Engine, channel_id: int) -> datetime | None:
    stmt = select(BotCursorRow.updated_at).where(BotCursorRow.channel_id == channel_id)
    with engine.connect() as conn:
        value: datetime | None = conn.execute(stmt).scalar_one_or_none()
        return value


def test_no_cursors_at_first(repo: Repository) -> None:
    assert repo.bot_cursors() == {}


def test_first_advance_inserts_the_cursor(repo: Repository, engine: Engine) -> None:
    assert repo.advance_bot_cursor(CHANNEL, MESSAGE, T0) is True
    assert repo.bot_cursors() == {CHANNEL: MESSAGE}
    assert _updated_at(engine, CHANNEL) == T0


def test_a_newer_id_moves_the_cursor(repo: Repository, engine: Engine) -> None:
    repo.advance_bot_cursor(CHANNEL, MESSAGE, T0)
    later = T0 + timedelta(minutes=5)
    assert repo.advance_bot_cursor(CHANNEL, MESSAGE + 10, later) is True
    assert repo.bot_cursors() == {CHANNEL: MESSAGE + 10}
    assert _updated_at(engine, CHANNEL) == later


@pytest.mark.parametrize("offset", [-1, 0, -(10**15)])
def test_an_older_or_equal_id_is_ignored(repo: Repository, engine: Engine, offset: int) -> None:
    repo.advance_bot_cursor(CHANNEL, MESSAGE, T0)
    assert repo.advance_bot_cursor(CHANNEL, MESSAGE + offset, T0 + timedelta(hours=1)) is False
    assert repo.bot_cursors() == {CHANNEL: MESSAGE}
    assert _updated_at(engine, CHANNEL) == T0  # untouched, not just the id


def test_channels_are_independent(repo: Repository) -> None:
    assert repo.advance_bot_cursor(CHANNEL, MESSAGE + 100, T0)
    assert repo.advance_bot_cursor(OTHER_CHANNEL, MESSAGE, T0)
    # An id older than CHANNEL's cursor still moves OTHER_CHANNEL's, and vice versa.
    assert repo.advance_bot_cursor(OTHER_CHANNEL, MESSAGE + 50, T0)
    assert not repo.advance_bot_cursor(CHANNEL, MESSAGE + 50, T0)
    assert repo.bot_cursors() == {CHANNEL: MESSAGE + 100, OTHER_CHANNEL: MESSAGE + 50}


def test_cursors_survive_a_new_engine(db_url: str) -> None:
    first = make_engine(db_url)
    Repository(first).advance_bot_cursor(CHANNEL, MESSAGE, T0)
    Repository(first).advance_bot_cursor(OTHER_CHANNEL, MESSAGE + 1, T0)
    first.dispose()

    second = make_engine(db_url)
    try:
        repo = Repository(second)
        assert repo.bot_cursors() == {CHANNEL: MESSAGE, OTHER_CHANNEL: MESSAGE + 1}
        assert repo.advance_bot_cursor(CHANNEL, MESSAGE - 1, T0) is False
        assert repo.bot_cursors()[CHANNEL] == MESSAGE
    finally:
        second.dispose()


def test_concurrent_advances_end_at_the_maximum(repo: Repository) -> None:
    """Writers race on one channel with random ids while a reader watches: the cursor ends at
    the largest id and is never seen to move back (a read-then-write upsert fails this)."""
    writers, per_writer = 10, 40
    rng = random.Random(20241112)
    ids = [[MESSAGE + rng.randrange(10**6) for _ in range(per_writer)] for _ in range(writers)]
    barrier = threading.Barrier(writers + 1, timeout=30)
    done = threading.Event()

    def advance(mine: list[int]) -> int:
        barrier.wait()
        return sum(repo.advance_bot_cursor(CHANNEL, message_id, T0) for message_id in mine)

    def watch() -> list[int]:
        barrier.wait()
        seen: list[int] = []
        while not done.is_set():
            seen.extend(repo.bot_cursors().values())
        return seen

    with ThreadPoolExecutor(max_workers=writers + 1) as pool:
        watcher = pool.submit(watch)
        moves = [pool.submit(advance, mine) for mine in ids]
        moved = sum(future.result(timeout=120) for future in moves)
        done.set()
        seen = watcher.result(timeout=30)

    everything = [message_id for mine in ids for message_id in mine]
    assert repo.bot_cursors() == {CHANNEL: max(everything)}
    assert seen == sorted(seen)
    # Every move was to a new maximum: at least one, at most one per distinct id.
    assert 1 <= moved <= len(set(everything))


def test_service_advances_with_its_clock(
    service: PlanService, engine: Engine, clock: FrozenClock
) -> None:
    clocked = PlanService(service.repo, service.roster, service.tz, clock=clock)
    assert clocked.discord.cursors() == {}
    assert clocked.discord.advance_cursor(CHANNEL, MESSAGE) is True
    assert _updated_at(engine, CHANNEL) == T0
    clock.tick()
    assert clocked.discord.advance_cursor(CHANNEL, MESSAGE - 5) is False
    assert clocked.discord.advance_cursor(CHANNEL, MESSAGE + 5) is True
    assert _updated_at(engine, CHANNEL) == clock.now
    assert clocked.discord.cursors() == {CHANNEL: MESSAGE + 5}
