"""A simulated Discord bot for mock mode: coaches post, edit and delete today's plans.

The simulated coaches send ``!plan`` / ``!edit`` / ``!delete`` messages to a real
:class:`~coachplans.bot.plan_bot.PlanBot` that never logs in, so a mock plan takes exactly the
path of a Discord message: discord.py's command parsing, authorization, the chart download
(served from memory, never the network), the service, and the bot's reply.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import discord
import httpx

from coachplans.bot.downloads import ChartDownloader
from coachplans.bot.gateway_objects import (
    OfflineContext,
    act_as,
    attachment_payload,
    make_channel,
    make_guild,
    make_message,
    message_payload,
    outbox,
    snowflake,
)
from coachplans.bot.plan_bot import PlanBot
from coachplans.bot_status import BotState
from coachplans.domain.charts import ChartUpload
from coachplans.domain.dates import utcnow
from coachplans.domain.plans import Plan
from coachplans.mock.calendar import session_day
from coachplans.mock.data import MockDataProvider
from coachplans.service import PlanService
from coachplans.settings import DiscordSettings

log = logging.getLogger(__name__)

PREFIX = "!"
GUILD_ID = 1_100_000_000_000_000_000
CHANNEL_ID = 1_100_000_000_000_000_001
CHANNEL_NAME = "daily-plans"
BOT_USER_ID = 1_100_000_000_000_000_002
FIRST_COACH_ID = 1_100_000_000_000_001_000  # simulated coach n has id FIRST_COACH_ID + n
CDN = "https://cdn.mock.invalid"
MAX_TEXT = 4000
KEPT_REPLIES = 200
KEPT_REQUESTS = 200
# Shares of step()'s actions besides edits (a coach with no live plan always posts).
POST_SHARE = 0.2
DELETE_SHARE = 0.05
# Share of edits and deletes made to the ``!plan`` message itself rather than by command.
BY_MESSAGE_SHARE = 0.3


class MockCdn:
    """Discord's CDN in memory: the bot's downloader fetches mock charts over an
    ``httpx.MockTransport``. A chart is served only while its message is being captured,
    as real attachment links expire, so nothing accumulates in a long mock run."""

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}
        self.requests: deque[str] = deque(maxlen=KEPT_REQUESTS)  # URLs asked for, newest last
        self.transport = httpx.MockTransport(self._handle)

    def publish(self, charts: Sequence[ChartUpload]) -> list[dict[str, Any]]:
        """Attachment payloads for ``charts``, with their bytes served until withdrawn."""
        payloads = []
        for n, chart in enumerate(charts, 1):
            attachment_id = snowflake()
            filename = chart.filename or f"chart{n}.png"
            url = f"{CDN}/attachments/{CHANNEL_ID}/{attachment_id}/{filename}"
            self._files[url] = chart.data
            payloads.append(attachment_payload(filename, url, len(chart.data), attachment_id))
        return payloads

    def withdraw(self, payloads: Sequence[dict[str, Any]]) -> None:
        for payload in payloads:
            self._files.pop(payload["url"], None)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        data = self._files.get(url)
        if data is None:
            return httpx.Response(404)
        return httpx.Response(200, content=data, headers={"Content-Type": "image/png"})


def _offline_bot(
    service: PlanService, admin_ids: Collection[int], transport: httpx.AsyncBaseTransport
) -> PlanBot:
    # The roster's own Discord ids are usually unconfigured (secure by default), so the
    # simulated coaches are admins of this private bot. Its settings are its own: the real
    # bot's authorization is unaffected.
    config = DiscordSettings(
        command_prefix=PREFIX,
        channel_ids=[CHANNEL_ID],
        admin_user_ids=list(admin_ids),
        sync_commands=False,
    )
    downloader = ChartDownloader(
        max_bytes=config.max_chart_bytes,
        max_charts=config.max_chart_attachments,
        timeout=config.download_timeout_seconds,
        transport=transport,
    )
    # Its own BotState: mock mode's /health status is set by whoever runs this bot.
    bot = PlanBot(config, service, BotState(), downloader=downloader, context_class=OfflineContext)
    act_as(bot, BOT_USER_ID, "coachplans (mock)")
    return bot


@dataclass(frozen=True, slots=True)
class _PlanMessage:
    """A simulated coach's latest ``!plan`` message, which they may edit or delete later."""

    message_id: int
    trade_date: date
    attachments: tuple[dict[str, Any], ...]


class MockDiscordBot:
    """Simulated coaches in one ``#daily-plans`` channel, talking to an offline PlanBot."""

    status = "mock"

    def __init__(
        self, service: PlanService, provider: MockDataProvider | None = None, rng_seed: int = 0
    ):
        self.service = service
        self.provider = provider or MockDataProvider()
        self._rng = random.Random(rng_seed)
        self.actions = 0
        self.cdn = MockCdn()
        self.coach_ids: dict[str, int] = {
            key: FIRST_COACH_ID + n for n, key in enumerate(service.roster.keys)
        }
        self.bot = _offline_bot(service, self.coach_ids.values(), self.cdn.transport)
        guild = make_guild(self.bot, GUILD_ID, "Mock Trading Room")
        self.channel = make_channel(guild, CHANNEL_ID, CHANNEL_NAME)
        self.replies: deque[str] = deque(maxlen=KEPT_REPLIES)  # the bot's replies, newest last
        self._plan_messages: dict[str, _PlanMessage] = {}
        # One message at a time, so each one's replies are told apart in the outbox.
        self._lock = asyncio.Lock()

    def session_day(self) -> date:
        """The day the simulated coaches plan for: today, or the next NYSE session when the
        exchange is closed today (in the market time zone)."""
        return session_day(self.service.today())

    def coach_name(self, coach: str) -> str:
        return f"MockCoach{coach.upper()}"

    # -- commands -------------------------------------------------------------------------

    async def post(self, coach: str, text: str | None = None) -> str:
        """``!plan`` for today: the provider's plan with its charts, or ``text`` alone.
        Returns the bot's reply."""
        key = self.service.resolve_coach(coach).key
        day = self.session_day()
        charts: Sequence[ChartUpload] = ()
        if not text:
            plan = self.provider.plan_for(key, day)
            text, charts = plan.text, plan.charts
        attachments = self.cdn.publish(charts)
        content = f"{PREFIX}plan {key} {day.isoformat()} {text}"
        try:
            message_id, reply = await self._say(key, content, attachments)
        finally:
            self.cdn.withdraw(attachments)
        self._plan_messages[key] = _PlanMessage(message_id, day, tuple(attachments))
        return reply

    async def edit(self, coach: str, text: str) -> str:
        """``!edit`` today's plan (charts kept); returns the bot's reply."""
        key = self.service.resolve_coach(coach).key
        day = self.session_day().isoformat()
        return (await self._say(key, f"{PREFIX}edit {key} {day} {text}"))[1]

    async def delete(self, coach: str) -> str:
        """``!delete`` today's plan; returns the bot's reply."""
        key = self.service.resolve_coach(coach).key
        self._plan_messages.pop(key, None)
        day = self.session_day().isoformat()
        return (await self._say(key, f"{PREFIX}delete {key} {day}"))[1]

    # -- editing and deleting the ``!plan`` message itself --------------------------------

    async def edit_message(self, coach: str, text: str) -> str:
        """The coach edits their last ``!plan`` message (a raw edit event, as Discord sends).
        The bot does not reply; returns what happened, or "" when the plan did not follow
        (no such message in this run, or a later post replaced it)."""
        key = self.service.resolve_coach(coach).key
        sent = self._plan_messages.get(key)
        if sent is None:
            return ""
        fields: dict[str, Any] = {
            "author_id": self.coach_ids[key],
            "author_name": self.coach_name(key),
            "content": f"{PREFIX}plan {key} {sent.trade_date.isoformat()} {text}",
            "attachments": sent.attachments,
            "message_id": sent.message_id,
            "edited_at": datetime.now(UTC),
        }
        data: Any = message_payload(self.channel, **fields)
        event = discord.RawMessageUpdateEvent(data, make_message(self.channel, **fields))
        async with self._lock:
            await self.bot.install()
            await self.bot.on_raw_message_edit(event)
        plan = await asyncio.to_thread(self.service.discord.plan_for_message, sent.message_id)
        if plan is None or not plan.is_live or plan.text != text.strip():
            return ""
        return self._note(
            f"{self.coach_name(key)} edited their plan message; plan #{plan.id} "
            f"follows (version {plan.version})"
        )

    async def delete_message(self, coach: str) -> str:
        """The coach deletes their last ``!plan`` message (a raw delete event); returns what
        happened, or "" when no plan followed."""
        key = self.service.resolve_coach(coach).key
        sent = self._plan_messages.pop(key, None)
        if sent is None:
            return ""
        data: Any = {
            "id": str(sent.message_id),
            "channel_id": str(CHANNEL_ID),
            "guild_id": str(GUILD_ID),
        }
        async with self._lock:
            await self.bot.install()
            await self.bot.on_raw_message_delete(discord.RawMessageDeleteEvent(data))
        plan = await asyncio.to_thread(self.service.discord.plan_for_message, sent.message_id)
        if plan is None or plan.is_live:
            return ""
        return self._note(
            f"{self.coach_name(key)} deleted their plan message; plan #{plan.id} deleted"
        )

    # -- the schedule ---------------------------------------------------------------------

    async def step(self) -> str:
        """One simulated action: mostly an update line appended (by ``!edit`` or by editing
        the ``!plan`` message), sometimes a fresh post or a delete (the next post for that
        coach revives the slot). Returns the bot's reply or what happened."""
        coach = self._rng.choice(self.service.roster.keys)
        current = await asyncio.to_thread(self.service.get_plan, coach, self.session_day())
        self.actions += 1
        roll = self._rng.random()
        by_message = self._rng.random() < BY_MESSAGE_SHARE
        if current is None or roll < POST_SHARE:
            return await self.post(coach)
        if roll < POST_SHARE + DELETE_SHARE:
            done = await self.delete_message(coach) if by_message else ""
            return done or await self.delete(coach)
        text = self._updated(current)
        done = await self.edit_message(coach, text) if by_message else ""
        return done or await self.edit(coach, text)

    async def run(self, every_seconds: float, stop: asyncio.Event) -> None:
        """Act every ``every_seconds`` until ``stop`` is set; a failure is logged, not raised."""
        try:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), every_seconds)
                    return
                except TimeoutError:
                    pass
                try:
                    await self.step()
                except Exception:
                    log.exception("mock bot action failed")
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        await self.bot.close()

    # -- internals ------------------------------------------------------------------------

    def _updated(self, current: Plan) -> str:
        stamp = utcnow().astimezone(self.service.tz).strftime("%H:%M")
        line = f"Update {stamp}: levels holding, no change to the plan."
        base = current.text
        if len(base) + 1 + len(line) > MAX_TEXT:
            # Start again from the day's plan rather than letting updates pile up forever.
            base = self.provider.plan_for(current.coach, current.trade_date).text
        return f"{base}\n{line}"

    async def _say(
        self, coach: str, content: str, attachments: Sequence[dict[str, Any]] = ()
    ) -> tuple[int, str]:
        """Deliver a message from the coach as the gateway does; its id and the bot's replies,
        joined."""
        message_id = snowflake()
        message = make_message(
            self.channel,
            author_id=self.coach_ids[coach],
            author_name=self.coach_name(coach),
            content=content,
            attachments=attachments,
            message_id=message_id,
        )
        async with self._lock:
            await self.bot.install()
            sent = outbox(self.bot)
            before = len(sent)
            try:
                await self.bot.on_message(message)
                replies = [reply.content for reply in sent[before:]]
            finally:
                del sent[before:]  # kept in self.replies instead, bounded
        self.replies.extend(replies)
        text = "\n".join(replies)
        first = text.partition("\n")[0]
        log.info("mock bot: %s", first or f"no reply to {content[:40]!r}")
        return message_id, text

    def _note(self, text: str) -> str:
        log.info("mock bot: %s", text)
        return text
