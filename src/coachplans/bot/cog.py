"""The prefix commands (``!plan``, ``!edit``, ...), parsed by discord.py's command framework.

Each command takes the raw rest of the message (keyword-only ``rest``), so line breaks in a
plan are kept and our own syntax rules apply (see :mod:`coachplans.bot.syntax`).
"""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

from coachplans.bot import replies, syntax
from coachplans.bot.actions import Origin, PlanActions, Reply
from coachplans.bot.downloads import attachment_info


def origin_of(actions: PlanActions, message: discord.Message) -> Origin:
    channel = message.channel
    return Origin(
        actor=actions.actor(message.author),
        channel_id=channel.id,
        channel_name=getattr(channel, "name", None),
        message_id=message.id,
        ingest_key=message_key(message.id),
        # In a server the author is a Member (with roles) unless it came without its member
        # and could not be looked up (old messages read on catch-up).
        roles_known=message.guild is None or isinstance(message.author, discord.Member),
    )


def message_key(message_id: int) -> str:
    """The ingest key of a command message: processing it twice changes nothing."""
    return f"discord:{message_id}"


async def respond(ctx: commands.Context[Any], text: str) -> None:
    """Reply in chunks under Discord's limit, never mentioning anyone."""
    none = discord.AllowedMentions.none()
    first, *more = replies.split_reply(text)
    # The first chunk answers the command message (without pinging its author).
    reference = ctx.message.to_reference(fail_if_not_exists=False)
    await ctx.send(first, allowed_mentions=none, reference=reference, mention_author=False)
    for chunk in more:
        await ctx.send(chunk, allowed_mentions=none)


class PlanCommands(commands.Cog, name="Plans"):
    def __init__(self, actions: PlanActions, prefix: str):
        self.actions = actions
        self.prefix = prefix

    @property
    def roster(self) -> Any:
        return self.actions.service.roster

    @commands.command(name="plan")
    async def plan(self, ctx: commands.Context[Any], *, rest: str = "") -> None:
        args = syntax.parse_plan(rest, self.roster, self.prefix)
        infos = [attachment_info(a) for a in ctx.message.attachments]
        await self._send(ctx, await self.actions.post(self._origin(ctx), args, infos))

    @commands.command(name="edit")
    async def edit(self, ctx: commands.Context[Any], *, rest: str = "") -> None:
        target, text = syntax.parse_edit(rest, self.roster, self.prefix)
        await self._send(ctx, await self.actions.edit(self._origin(ctx), target, text))

    @commands.command(name="delete")
    async def delete(self, ctx: commands.Context[Any], *, rest: str = "") -> None:
        target = syntax.parse_delete(rest, self.roster, self.prefix)
        await self._send(ctx, await self.actions.delete(self._origin(ctx), target))

    @commands.command(name="plans")
    async def plans(self, ctx: commands.Context[Any], *, rest: str = "") -> None:
        day = syntax.parse_day(rest, self.prefix, "plans")
        await self._send(ctx, await self.actions.plans(self._origin(ctx), day))

    @commands.command(name="myplans")
    async def myplans(self, ctx: commands.Context[Any], *, rest: str = "") -> None:
        day = syntax.parse_day(rest, self.prefix, "myplans")
        await self._send(ctx, await self.actions.mine(self._origin(ctx), day))

    @commands.command(name="history")
    async def history(self, ctx: commands.Context[Any], *, rest: str = "") -> None:
        coach, day = syntax.parse_history(rest, self.roster, self.prefix)
        await self._send(ctx, await self.actions.history(self._origin(ctx), coach, day))

    @commands.command(name="help")
    async def help(self, ctx: commands.Context[Any], *, rest: str = "") -> None:
        await respond(ctx, replies.help_text(self.prefix, self.roster))

    def _origin(self, ctx: commands.Context[Any]) -> Origin:
        return origin_of(self.actions, ctx.message)

    async def _send(self, ctx: commands.Context[Any], reply: Reply) -> None:
        if not reply.silent:
            await respond(ctx, reply.text)
