"""Shared by the bot tests: a PlanBot that never logs in, with a guild, channels and members
built from payloads, and a way to send it messages through its real command path."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import discord
import httpx
from PIL import Image
from sqlalchemy import Engine

from coachplans.bot.downloads import ChartDownloader
from coachplans.bot.gateway_objects import (
    OfflineContext,
    SentReply,
    act_as,
    make_channel,
    make_guild,
    make_message,
    outbox,
)
from coachplans.bot.plan_bot import PlanBot
from coachplans.bot_status import BotState
from coachplans.domain.coaches import Coach, Roster
from coachplans.service import PlanService
from coachplans.settings import DiscordSettings
from coachplans.store.repository import Repository

NY = ZoneInfo("America/New_York")
BOT_USER = 1
GUILD = 1000
PLANS_CHANNEL = 2001
OTHER_CHANNEL = 2002
COACH_D_USER = 501  # may post for d (by user id) and c (in OTHER_CHANNEL only)
COACH_I_ROLE = 701  # members with this role may post for i
ANYONE = 502  # a member with no rights
ADMIN_USER = 900
ADMIN_ROLE = 901


def bot_roster() -> Roster:
    """d by user id, i by role id, s open to anyone, n unconfigured (secure default),
    c by user id but only in OTHER_CHANNEL."""
    return Roster(
        [
            Coach("d", "Coach D (Day Trading)", user_ids=frozenset({COACH_D_USER})),
            Coach("i", "Coach I (Intraday)", role_ids=frozenset({COACH_I_ROLE})),
            Coach("s", "Coach S (Swing)", allow_anyone=True),
            Coach("n", "Coach N (News/Events)"),
            Coach(
                "c",
                "Coach C (Crypto)",
                user_ids=frozenset({COACH_D_USER}),
                channel_ids=frozenset({OTHER_CHANNEL}),
            ),
        ]
    )


def bot_service(engine: Engine) -> PlanService:
    return PlanService(Repository(engine), bot_roster(), NY)


def discord_config(**overrides: Any) -> DiscordSettings:
    values: dict[str, Any] = {
        "admin_user_ids": [ADMIN_USER],
        "admin_role_ids": [ADMIN_ROLE],
        "sync_commands": False,
    }
    values.update(overrides)
    return DiscordSettings(**values)


@dataclass
class Harness:
    """A bot in one guild with two channels; ``say`` delivers a message like the gateway."""

    bot: PlanBot
    guild: discord.Guild
    channel: discord.TextChannel
    other: discord.TextChannel
    state: BotState

    def message(
        self,
        content: str,
        *,
        author_id: int = COACH_D_USER,
        name: str = "Coach Dee",
        role_ids: Sequence[int] = (),
        attachments: Sequence[dict[str, Any]] = (),
        channel: discord.TextChannel | None = None,
        message_id: int | None = None,
    ) -> discord.Message:
        return make_message(
            channel or self.channel,
            author_id=author_id,
            author_name=name,
            content=content,
            role_ids=role_ids,
            attachments=attachments,
            message_id=message_id,
        )

    async def say(self, content: str, **fields: Any) -> list[str]:
        """Send a message through ``on_message``; returns the replies it produced."""
        return await self.deliver(self.message(content, **fields))

    async def invoke(self, content: str, **fields: Any) -> OfflineContext:
        """discord.py's command path without ``on_message``: get_context + invoke."""
        ctx = await self.bot.get_context(self.message(content, **fields), cls=OfflineContext)
        await self.bot.invoke(ctx)
        return ctx

    async def deliver(self, message: discord.Message) -> list[str]:
        before = len(self.sent)
        await self.bot.on_message(message)
        return [reply.content for reply in self.sent[before:]]

    @property
    def sent(self) -> list[SentReply]:
        return outbox(self.bot)


async def make_harness(
    service: PlanService,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    **config: Any,
) -> Harness:
    settings = discord_config(**config)
    downloader = ChartDownloader(
        max_bytes=settings.max_chart_bytes,
        max_charts=settings.max_chart_attachments,
        timeout=5,
        transport=transport,
    )
    state = BotState()
    bot = PlanBot(settings, service, state, downloader=downloader, context_class=OfflineContext)
    act_as(bot, BOT_USER, "coachplans")
    guild = make_guild(bot, GUILD, "Trading Room", [COACH_I_ROLE, ADMIN_ROLE])
    channel = make_channel(guild, PLANS_CHANNEL, "daily-plans")
    other = make_channel(guild, OTHER_CHANNEL, "crypto-plans")
    await bot.install()
    return Harness(bot, guild, channel, other, state)


def png_bytes(width: int = 32, height: int = 16, color: str = "navy") -> bytes:
    """A real PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()
