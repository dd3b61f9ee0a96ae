"""Running the bot for real: log in, connect, stop on an event, and retry a failed start.

discord.py reconnects and resumes by itself once connected (``connect(reconnect=True)``); the
retry here is only for a start that raises: the network is down at login, or the gateway
connection ends in a way discord.py does not retry. A bad token or a missing privileged intent
is reported clearly and not retried: neither heals by waiting.

Retries: ``discord.reconnect_attempts`` failed starts in a row are retried (0 = retry for
ever), waiting ``discord.reconnect_delay_seconds`` doubled each time, capped at five minutes,
with jitter. Discord resets a bot's token after 1000 logins in 24 hours, so a crash loop must
back off. A start that reached READY resets the count and the delay.

``discord.api_base`` points discord.py at another Discord-compatible HTTP API (a proxy such as
nirn-proxy, or a test fake); the gateway URL is then asked of that API too (``GET /gateway/bot``).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
from collections.abc import Callable, Iterator
from typing import Any

import discord
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from coachplans.bot.plan_bot import PlanBot
from coachplans.bot_status import BotState
from coachplans.service import PlanService
from coachplans.settings import DiscordSettings, Settings

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = 300.0
CLOSE_TIMEOUT = 10.0
# Gateway close codes that no retry can fix (bad shard, sharding required, bad API version,
# invalid intents); 4004 is a rejected token.
FATAL_CLOSE_CODES = frozenset({4010, 4011, 4012, 4013})
AUTHENTICATION_FAILED = 4004

LOGIN_FAILED = (
    "Discord rejected the bot token (login failed): check discord.token / DISCORD_BOT_TOKEN"
)
INTENTS_MISSING = (
    "Discord refused the Message Content intent: enable 'Message Content Intent' under Bot -> "
    "Privileged Gateway Intents in the Discord developer portal, then restart"
)

BotFactory = Callable[[DiscordSettings, PlanService, BotState], commands.Bot]


class BotOutcome(enum.StrEnum):
    STOPPED = "stopped"
    LOGIN_FAILED = "login_failed"
    INTENTS_MISSING = "intents_missing"
    CRASHED = "crashed"


class _Fatal(Exception):
    """A start failure that retrying cannot fix."""

    def __init__(self, outcome: BotOutcome, detail: str, message: str):
        super().__init__(message)
        self.outcome, self.detail, self.message = outcome, detail, message


async def run_bot(
    settings: Settings,
    service: PlanService,
    bot_state: BotState,
    stop: asyncio.Event,
    *,
    bot_factory: BotFactory = PlanBot,
    max_delay: float = MAX_RETRY_DELAY,
) -> BotOutcome:
    """Run the bot until ``stop`` is set (-> ``stopped``) or it cannot run."""
    config = settings.discord
    if config.token is None:
        raise ValueError("run_bot needs discord.token")
    token = config.token.get_secret_value()
    backoff = _Backoff(config.reconnect_delay_seconds, max_delay)
    with _api_base(config.api_base):
        while True:
            bot = bot_factory(config, service, bot_state)
            try:
                outcome = await _run_once(bot, token, config.api_base, bot_state, stop, backoff)
            except _Fatal as fatal:
                bot_state.set("disconnected", fatal.detail)
                return fatal.outcome
            if outcome is not None:
                return outcome
            if not backoff.may_retry(config.reconnect_attempts):
                return _give_up(bot_state, backoff.failures)
            if await _sleep_or_stop(backoff.next_delay(), stop):
                bot_state.set("disconnected", "bot stopped")
                return BotOutcome.STOPPED


async def _run_once(
    bot: commands.Bot,
    token: str,
    api_base: str | None,
    bot_state: BotState,
    stop: asyncio.Event,
    backoff: _Backoff,
) -> BotOutcome | None:
    """One start, raced against ``stop``; None when it failed and may be retried."""
    reached_ready = asyncio.Event()

    async def on_ready() -> None:
        reached_ready.set()

    bot.add_listener(on_ready, "on_ready")
    bot_state.set("disconnected", "connecting to Discord")
    session = asyncio.create_task(_session(bot, token, api_base), name="discord-bot")
    stopper = asyncio.create_task(stop.wait(), name="discord-bot-stop")
    try:
        await asyncio.wait({session, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        session.cancel()  # ``async with bot`` closes it
        await asyncio.wait({session}, timeout=CLOSE_TIMEOUT)
        raise
    finally:
        stopper.cancel()
    if stop.is_set():
        await _close(bot, session)
        log.info("the Discord bot is closed")
        bot_state.set("disconnected", "bot stopped")
        return BotOutcome.STOPPED
    if reached_ready.is_set():
        backoff.reset()
    return _judge(session, bot_state, backoff)


async def _session(bot: commands.Bot, token: str, api_base: str | None) -> None:
    """``async with bot: await bot.start(token)``, with the gateway URL asked of ``api_base``."""
    async with bot:
        await bot.login(token)
        if api_base:
            await _use_gateway_of_api(bot)
        await bot.connect(reconnect=True)


async def _use_gateway_of_api(bot: commands.Bot) -> None:
    _, url, _ = await bot.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


def _judge(
    session: asyncio.Task[None], bot_state: BotState, backoff: _Backoff
) -> BotOutcome | None:
    exc = session.exception()
    if exc is None:  # the bot was closed from elsewhere
        log.warning("the Discord bot stopped by itself")
        bot_state.set("disconnected", "bot stopped")
        return BotOutcome.STOPPED
    fatal = _fatal(exc)
    if fatal is not None:
        log.error("%s", fatal.message)
        raise fatal
    backoff.failures += 1
    reason = _short(exc)
    log.error("the Discord bot failed (%s)", reason, exc_info=exc)
    bot_state.set("disconnected", reason)
    return None


def _fatal(exc: BaseException) -> _Fatal | None:
    if isinstance(exc, discord.LoginFailure) or (
        isinstance(exc, discord.ConnectionClosed) and exc.code == AUTHENTICATION_FAILED
    ):
        return _Fatal(BotOutcome.LOGIN_FAILED, "login failed: invalid token", LOGIN_FAILED)
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        detail = "Message Content intent not enabled in the developer portal"
        return _Fatal(BotOutcome.INTENTS_MISSING, detail, INTENTS_MISSING)
    if isinstance(exc, discord.ConnectionClosed) and exc.code in FATAL_CLOSE_CODES:
        detail = f"Discord closed the gateway: {_short(exc)}"
        return _Fatal(BotOutcome.CRASHED, detail, f"{detail}; not retrying")
    return None


def describe(outcome: BotOutcome) -> str:
    """The operator's message for an outcome that ends the bot."""
    messages = {
        BotOutcome.STOPPED: "the Discord bot stopped",
        BotOutcome.LOGIN_FAILED: LOGIN_FAILED,
        BotOutcome.INTENTS_MISSING: INTENTS_MISSING,
        BotOutcome.CRASHED: "the Discord bot could not run (see the log above)",
    }
    return messages[outcome]


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    reason = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return reason if len(reason) <= 160 else reason[:157] + "..."


def _give_up(bot_state: BotState, failures: int) -> BotOutcome:
    detail = f"gave up after {failures} failed starts"
    log.error("the Discord bot %s; the API keeps running without it", detail)
    _, last = bot_state.snapshot()
    bot_state.set("disconnected", f"{detail}: {last}" if last else detail)
    return BotOutcome.CRASHED


async def _close(bot: commands.Bot, session: asyncio.Task[None]) -> None:
    """Close the bot and let its session end; errors of a session being torn down are noise."""
    try:
        await asyncio.wait_for(bot.close(), CLOSE_TIMEOUT)
    except Exception:
        log.warning("closing the Discord bot failed", exc_info=True)
    done, _ = await asyncio.wait({session}, timeout=CLOSE_TIMEOUT)
    if not done:
        session.cancel()
    with contextlib.suppress(BaseException):
        await session


async def _sleep_or_stop(delay: float, stop: asyncio.Event) -> bool:
    """Wait ``delay`` seconds; True when ``stop`` was set meanwhile."""
    log.info("retrying the Discord connection in %.1f s", delay)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay)
    return stop.is_set()


class _Backoff:
    """Exponential delay with jitter over consecutive failed starts."""

    def __init__(self, base: float, cap: float):
        self.base, self.cap = base, cap
        self.failures = 0

    def reset(self) -> None:
        self.failures = 0

    def may_retry(self, attempts: int) -> bool:
        return attempts == 0 or self.failures <= attempts

    def next_delay(self) -> float:
        delay = min(self.cap, self.base * 2.0 ** max(0, self.failures - 1))
        return delay * random.uniform(0.5, 1.0)


@contextlib.contextmanager
def _api_base(api_base: str | None) -> Iterator[None]:
    """Point discord.py's HTTP routes (and so the gateway lookup) at ``api_base``; restore after."""
    saved: tuple[Any, Any] = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    if api_base:
        Route.BASE = api_base.rstrip("/")
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
