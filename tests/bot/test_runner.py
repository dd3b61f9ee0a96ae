"""The bot run for real against a fake Discord on loopback: login, READY, stop, retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from fake_discord import APP_ID, BAD_TOKEN, GOOD_TOKEN, FakeDiscord, closed_port

from coachplans.bot.plan_bot import PlanBot
from coachplans.bot.runner import BotOutcome, _Backoff, describe, run_bot
from coachplans.bot.sync import MessageSync
from coachplans.bot_status import BotState
from coachplans.service import PlanService
from coachplans.settings import DiscordSettings, Settings, load_settings

DEADLINE = 20.0


def bot_settings(api_base: str, token: str = GOOD_TOKEN, **discord: Any) -> Settings:
    values: dict[str, Any] = {"token": token, "api_base": api_base, "sync_commands": False}
    return load_settings(discord={**values, **discord})


class Bots:
    """A bot factory that keeps every bot it made; READY turns into on_ready at once."""

    def __init__(self) -> None:
        self.made: list[PlanBot] = []

    def __call__(self, config: DiscordSettings, service: PlanService, state: BotState) -> PlanBot:
        bot = PlanBot(config, service, state)
        # discord.py waits this long for GUILD_CREATEs after READY before on_ready.
        bot._connection.guild_ready_timeout = 0.05
        self.made.append(bot)
        return bot


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


@pytest.fixture
def catch_ups(monkeypatch: pytest.MonkeyPatch) -> list[MessageSync]:
    """Catch-up on start is MessageSync's job (tested with it): here, only that it ran."""
    calls: list[MessageSync] = []

    async def catch_up_once(self: MessageSync) -> None:
        calls.append(self)

    monkeypatch.setattr(MessageSync, "catch_up_once", catch_up_once)
    return calls


async def wait_until(check: Callable[[], bool], task: asyncio.Task[Any]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if task.done():
            raise AssertionError(f"run_bot ended early with {task.result()!r}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


async def finish(task: asyncio.Task[BotOutcome]) -> BotOutcome:
    return await asyncio.wait_for(task, DEADLINE)


async def test_good_token_connects_then_stops_on_the_event(
    fake: FakeDiscord, sqlite_plan_service: PlanService, catch_ups: list[MessageSync]
) -> None:
    settings = bot_settings(fake.api_base, sync_commands=True)
    state, stop, bots = BotState(), asyncio.Event(), Bots()
    task = asyncio.create_task(
        run_bot(settings, sqlite_plan_service, state, stop, bot_factory=bots)
    )

    await wait_until(lambda: state.status == "connected", task)
    assert state.detail == "logged in as coachbot in 0 server(s)"
    assert len(fake.seen.identifies) == 1
    assert fake.seen.identifies[0]["token"] == GOOD_TOKEN
    assert f"PUT /api/v10/applications/{APP_ID}/commands" in fake.seen.requests
    await wait_until(lambda: len(catch_ups) == 1, task)

    stop.set()
    assert await finish(task) is BotOutcome.STOPPED
    (bot,) = bots.made
    assert bot.is_closed()
    assert await asyncio.to_thread(fake.seen.closed.wait, 5), "the websocket was not closed"
    assert state.snapshot() == ("disconnected", "bot stopped")


async def test_the_fake_gateway_is_used_only_while_running(
    fake: FakeDiscord, sqlite_plan_service: PlanService, catch_ups: list[MessageSync]
) -> None:
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    state, stop = BotState(), asyncio.Event()
    task = asyncio.create_task(
        run_bot(bot_settings(fake.api_base), sqlite_plan_service, state, stop, bot_factory=Bots())
    )
    await wait_until(lambda: state.status == "connected", task)
    assert fake.api_base == Route.BASE
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    assert "GET /gateway" in fake.seen.requests
    stop.set()
    await finish(task)
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


async def test_bad_token_is_reported_and_not_retried(
    fake: FakeDiscord, sqlite_plan_service: PlanService, caplog: pytest.LogCaptureFixture
) -> None:
    settings = bot_settings(fake.api_base, token=BAD_TOKEN, reconnect_delay_seconds=0.01)
    state, bots = BotState(), Bots()
    with caplog.at_level(logging.ERROR, logger="coachplans.bot.runner"):
        outcome = await asyncio.wait_for(
            run_bot(settings, sqlite_plan_service, state, asyncio.Event(), bot_factory=bots),
            DEADLINE,
        )
    assert outcome is BotOutcome.LOGIN_FAILED
    assert state.snapshot() == ("disconnected", "login failed: invalid token")
    assert fake.seen.requests == ["GET /api/v10/users/@me"]  # one login, no retry
    assert len(bots.made) == 1 and bots.made[0].is_closed()
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [describe(BotOutcome.LOGIN_FAILED)]
    assert "discord.token / DISCORD_BOT_TOKEN" in errors[0]
    assert BAD_TOKEN not in caplog.text


async def test_missing_message_content_intent_is_explained_and_not_retried(
    sqlite_plan_service: PlanService, caplog: pytest.LogCaptureFixture
) -> None:
    state = BotState()
    with FakeDiscord(allow_intents=False) as fake, caplog.at_level(logging.ERROR):
        settings = bot_settings(fake.api_base, reconnect_delay_seconds=0.01)
        outcome = await asyncio.wait_for(
            run_bot(settings, sqlite_plan_service, state, asyncio.Event(), bot_factory=Bots()),
            DEADLINE,
        )
        identifies = len(fake.seen.identifies)
    assert outcome is BotOutcome.INTENTS_MISSING
    assert state.snapshot() == (
        "disconnected",
        "Message Content intent not enabled in the developer portal",
    )
    assert identifies == 1
    assert "Message Content Intent" in caplog.text
    assert "Privileged Gateway Intents" in caplog.text


async def test_unreachable_discord_is_retried_with_backoff_then_given_up(
    sqlite_plan_service: PlanService, caplog: pytest.LogCaptureFixture
) -> None:
    state, bots = BotState(), Bots()
    with closed_port() as api_base, caplog.at_level(logging.INFO, logger="coachplans.bot.runner"):
        settings = bot_settings(api_base, reconnect_attempts=2, reconnect_delay_seconds=0.01)
        outcome = await asyncio.wait_for(
            run_bot(settings, sqlite_plan_service, state, asyncio.Event(), bot_factory=bots),
            DEADLINE,
        )
    assert outcome is BotOutcome.CRASHED
    assert len(bots.made) == 3  # the first start and two retries
    assert all(bot.is_closed() for bot in bots.made)
    status, detail = state.snapshot()
    assert status == "disconnected"
    assert detail is not None and detail.startswith("gave up after 3 failed starts: ")
    assert "ClientConnectorError" in detail
    retries = [r for r in caplog.records if r.getMessage().startswith("retrying the Discord")]
    assert len(retries) == 2
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert len(failures) == 3  # each failure is logged with its traceback


async def test_stop_interrupts_the_wait_between_retries(sqlite_plan_service: PlanService) -> None:
    state, stop, bots = BotState(), asyncio.Event(), Bots()
    with closed_port() as api_base:
        # 0 attempts: retry for ever; the first wait is a minute long.
        settings = bot_settings(api_base, reconnect_attempts=0, reconnect_delay_seconds=120)
        task = asyncio.create_task(
            run_bot(settings, sqlite_plan_service, state, stop, bot_factory=bots)
        )
        await wait_until(lambda: "ClientConnectorError" in (state.detail or ""), task)
        started = time.monotonic()
        stop.set()
        assert await finish(task) is BotOutcome.STOPPED
    assert time.monotonic() - started < 2
    assert len(bots.made) == 1
    assert state.snapshot() == ("disconnected", "bot stopped")


async def test_cancelling_the_runner_closes_the_bot(
    fake: FakeDiscord, sqlite_plan_service: PlanService, catch_ups: list[MessageSync]
) -> None:
    state, bots = BotState(), Bots()
    task = asyncio.create_task(
        run_bot(
            bot_settings(fake.api_base),
            sqlite_plan_service,
            state,
            asyncio.Event(),
            bot_factory=bots,
        )
    )
    await wait_until(lambda: state.status == "connected", task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (bot,) = bots.made
    assert bot.is_closed() and not bot.ws.open  # closed before run_bot returned
    assert await asyncio.to_thread(fake.seen.closed.wait, 5)


class CrashesAfterReady(PlanBot):
    """A bot whose session dies (not by a close code discord.py retries) once it is READY."""

    async def connect(self, *, reconnect: bool = True) -> None:
        gateway = asyncio.create_task(super().connect(reconnect=reconnect))
        ready = asyncio.create_task(self.wait_until_ready())
        await asyncio.wait({gateway, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if gateway.done():  # closed before READY
            return await gateway
        await asyncio.sleep(0.05)  # let on_ready run
        gateway.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gateway
        raise RuntimeError("the gateway session broke")


async def test_a_start_that_reached_ready_resets_the_retry_count(
    fake: FakeDiscord, sqlite_plan_service: PlanService, catch_ups: list[MessageSync]
) -> None:
    made: list[PlanBot] = []

    def factory(config: DiscordSettings, service: PlanService, state: BotState) -> PlanBot:
        bot = CrashesAfterReady(config, service, state)
        bot._connection.guild_ready_timeout = 0.05
        made.append(bot)
        return bot

    # One retry allowed: without the reset the third failure in a row would give up.
    settings = bot_settings(fake.api_base, reconnect_attempts=1, reconnect_delay_seconds=0.01)
    state, stop = BotState(), asyncio.Event()
    task = asyncio.create_task(
        run_bot(settings, sqlite_plan_service, state, stop, bot_factory=factory)
    )
    # Stop once the fourth bot is READY (closing a bot between READY and on_ready makes
    # discord.py dispatch on_ready into a closed client).
    await wait_until(lambda: len(made) >= 4 and state.status == "connected", task)
    stop.set()
    assert await finish(task) is BotOutcome.STOPPED
    assert len(fake.seen.identifies) >= 3


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    backoff = _Backoff(base=1.0, cap=5.0)
    bounds = []
    for failures in range(1, 6):
        backoff.failures = failures
        bounds.append(max(backoff.next_delay() for _ in range(200)))
        assert min(backoff.next_delay() for _ in range(200)) >= 0.5 * min(5.0, 2 ** (failures - 1))
    assert bounds[0] <= 1.0 and bounds[1] <= 2.0 and bounds[2] <= 4.0
    assert bounds[1] > 1.0 and bounds[2] > 2.0  # it grows
    assert all(bound <= 5.0 for bound in bounds)


@pytest.mark.parametrize(
    ("attempts", "failures", "retry"),
    [(2, 1, True), (2, 2, True), (2, 3, False), (0, 1, True), (0, 10_000, True)],
)
def test_reconnect_attempts_counts_retries_and_zero_is_for_ever(
    attempts: int, failures: int, retry: bool
) -> None:
    backoff = _Backoff(base=1.0, cap=5.0)
    backoff.failures = failures
    assert backoff.may_retry(attempts) is retry
