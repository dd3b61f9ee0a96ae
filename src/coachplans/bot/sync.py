"""Keeping plans in step with their Discord messages: raw edit/delete events, the per-channel
cursor, and catch-up on start.

The raw events fire for every message, cached or not; they carry the new message (edits) or
only ids (deletes), so the plan is found by the id of the message that carried it. Events
missed while the bot was down are recovered by reading each channel's history after the last
message the bot processed there (its cursor) and feeding it through the live path; ingest
keys make every repeat a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from typing import Any, TypeVar

import discord
from discord.ext import commands

from coachplans.bot import replies, syntax
from coachplans.bot.actions import Origin, PlanActions
from coachplans.bot.cog import message_key
from coachplans.bot.syntax import SlotArgs, Target
from coachplans.domain.coaches import Coach
from coachplans.domain.plans import Actor, Plan, Source
from coachplans.errors import ValidationFailed

log = logging.getLogger(__name__)
T = TypeVar("T")
NO_MENTIONS = discord.AllowedMentions.none()
ANSWERED_EDITS = 1024


class BoundedSet:
    """The most recent ``size`` keys: enough to recognise a repeat, never growing for ever."""

    def __init__(self, size: int):
        self.size = size
        self._keys: dict[str, None] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        self._keys[key] = None
        if len(self._keys) > self.size:
            del self._keys[next(iter(self._keys))]


def edit_key(message: discord.Message) -> str:
    """One key per edit of a message: the same edit seen twice (event, catch-up) is a no-op."""
    assert message.edited_at is not None
    return f"{message_key(message.id)}:edit:{message.edited_at.isoformat()}"


def delete_key(message_id: int) -> str:
    return f"{message_key(message_id)}:delete"


class MessageSync:
    def __init__(self, bot: commands.Bot, actions: PlanActions, channel_ids: Sequence[int]):
        self.bot = bot
        self.actions = actions
        self.channel_ids = frozenset(channel_ids)
        self._caught_up = False
        # Ids handled while a catch-up runs, so it skips what the live path already did.
        self._handled: set[int] | None = None
        # Edits already answered (an edit event and the catch-up may both see one).
        self._answered: BoundedSet = BoundedSet(ANSWERED_EDITS)

    def watches(self, channel_id: int) -> bool:
        return not self.channel_ids or channel_id in self.channel_ids

    # -- the cursor -----------------------------------------------------------------------

    async def processed(self, message: discord.Message) -> None:
        """Move the channel's cursor past a handled message; never raises."""
        channel_id = message.channel.id
        if not self.watches(channel_id):
            return
        if self._handled is not None:
            self._handled.add(message.id)
        # Without configured channels every chat line of a busy server would cost a write.
        if not self.channel_ids and not await self._is_command(message):
            return
        await self._advance(channel_id, message.id)

    async def _is_command(self, message: discord.Message) -> bool:
        prefix = await self.bot.get_prefix(message)
        prefixes = (prefix,) if isinstance(prefix, str) else tuple(prefix)
        return message.content.startswith(prefixes)

    async def _advance(self, channel_id: int, message_id: int) -> None:
        service = self.actions.service
        moved = await self._call(
            "advance the cursor", service.discord.advance_cursor, channel_id, message_id
        )
        if moved:
            log.debug("cursor of channel %s at message %s", channel_id, message_id)

    # -- raw edit / delete events ---------------------------------------------------------

    async def message_edited(self, payload: discord.RawMessageUpdateEvent) -> None:
        """A message was edited: the plan it carries follows, silently (no reply)."""
        if self._is_edit(payload.message):
            await self._follow_edit(payload.message)

    async def messages_deleted(self, channel_id: int, message_ids: Sequence[int]) -> None:
        """Messages were deleted: the live plans they carried are soft-deleted."""
        if not self.watches(channel_id):
            return
        for message_id in message_ids:
            await self._follow_delete(channel_id, message_id)

    def _is_edit(self, message: discord.Message) -> bool:
        """A coach's edit in a watched channel. Link unfurls update the embeds only: no
        content change, no edit time."""
        if not self.watches(message.channel.id) or message.author.bot:
            return False
        return message.edited_at is not None and bool(message.content)

    async def _follow_edit(self, message: discord.Message) -> None:
        plan = await self._plan_of(message.id)
        if plan is None or not plan.is_live:
            return
        args = await self._plan_args(message, plan)
        if args is None or args.text == plan.text:
            return
        origin = self._origin(self.actions.actor(message.author), message, edit_key(message))
        target = Target(plan_id=plan.id)
        reply = await self.actions.edit(origin, target, args.text, source=Source.DISCORD_EDIT)
        if not reply.ok:
            log.warning(
                "edit of message %s not applied to plan #%s: %s", message.id, plan.id, reply.text
            )
        elif reply.result is not None and not reply.result.duplicate:
            log.info("plan #%s follows the edit of message %s", plan.id, message.id)

    async def _plan_args(self, message: discord.Message, plan: Plan) -> SlotArgs | None:
        """The edited text as a ``!plan`` for the same slot, or None (logged) when it is not."""
        ctx = await self.bot.get_context(message)
        if ctx.command is None or ctx.command.qualified_name != "plan":
            reason = "it is no longer a plan command"
        else:
            try:
                args = syntax.parse_plan(ctx.view.read_rest(), self.actions.service.roster)
            except ValidationFailed as exc:
                reason = f"it no longer parses ({exc})"
            else:
                # A plan without a date keeps the one it was posted for.
                day = args.trade_date or plan.trade_date
                if args.coach.key == plan.coach and day == plan.trade_date:
                    return args
                reason = "it now names another coach or date"
                await self._say_cannot_move(message, plan, args.coach, day)
        log.warning(
            "edit of message %s ignored, plan #%s left as it was: %s", message.id, plan.id, reason
        )
        return None

    async def _follow_delete(self, channel_id: int, message_id: int) -> None:
        plan = await self._plan_of(message_id)
        if plan is None or not plan.is_live:
            return
        # The raw event names no user; the change is recorded as the plan author's.
        origin = Origin(
            actor=Actor(plan.author, plan.author_id),
            channel_id=channel_id,
            message_id=message_id,
            ingest_key=delete_key(message_id),
        )
        target = Target(plan_id=plan.id)
        reply = await self.actions.delete(origin, target, source=Source.DISCORD_DELETE)
        if reply.ok:
            log.info("message %s was deleted: plan #%s deleted too", message_id, plan.id)
            if reply.result is not None and not reply.result.duplicate:
                await self._say_deleted(channel_id, reply.result.plan)
        else:
            log.warning(
                "message %s was deleted but plan #%s was kept: %s", message_id, plan.id, reply.text
            )

    # -- telling the coach what happened unasked --------------------------------------------

    async def _say_cannot_move(
        self, message: discord.Message, plan: Plan, to: Coach, day: date
    ) -> None:
        """Answer an edit that names another slot, once per edit (events may repeat)."""
        key = edit_key(message)
        coach = self.actions.service.roster.find(plan.coach)
        if key in self._answered or coach is None:
            return
        self._answered.add(key)
        text = replies.edit_cannot_move(plan, coach, to, day, self._prefix())
        if not self._connected(text):
            return
        try:
            await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not answer the edit of message %s: %s", message.id, exc)

    async def _say_deleted(self, channel_id: int, plan: Plan) -> None:
        """In the channel (the message is gone, so no reply), or by DM when the bot cannot
        write there."""
        coach = self.actions.service.roster.find(plan.coach)
        if coach is None:
            return
        text = replies.deleted_with_message(plan, coach, self._prefix())
        if not self._connected(text):
            return
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, discord.abc.Messageable):
            try:
                await channel.send(text, allowed_mentions=NO_MENTIONS)
                return
            except discord.HTTPException as exc:
                log.info(
                    "cannot say in channel %s that plan #%s went: %s", channel_id, plan.id, exc
                )
        await self._direct_message(plan.author_id, text, f"plan #{plan.id} was deleted")

    async def _direct_message(self, user_id: int | None, text: str, what: str) -> None:
        try:
            if user_id is None:
                raise LookupError("the plan has no Discord author")
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(text, allowed_mentions=NO_MENTIONS)
        except (discord.HTTPException, LookupError) as exc:
            log.warning("nobody could be told that %s: %s", what, exc)

    def _connected(self, text: str) -> bool:
        """Only a bot logged in to Discord can speak there (mock mode's never does)."""
        if self.bot.is_ready():
            return True
        log.info("not connected to Discord, so not said: %s", text)
        return False

    def _prefix(self) -> str:
        prefix = self.bot.command_prefix
        return prefix if isinstance(prefix, str) else "!"

    async def _plan_of(self, message_id: int) -> Plan | None:
        found = await self._call(
            "find the plan of a message", self.actions.service.discord.plan_for_message, message_id
        )
        return found if isinstance(found, Plan) else None

    # -- catch-up -------------------------------------------------------------------------

    async def catch_up_once(self) -> None:
        """Catch up on the first ``on_ready`` only: after a reconnect discord.py resumes the
        session and replays the missed events itself."""
        if self._caught_up:
            return
        self._caught_up = True
        await self.catch_up()

    async def catch_up(self) -> dict[int, int]:
        """Feed every message posted since each channel's cursor through the live path.
        Returns channel id -> messages processed, for the channels that could be read."""
        cursors = await self._call("read the cursors", self.actions.service.discord.cursors)
        if not isinstance(cursors, dict):
            log.error("catch-up skipped: the channel cursors could not be read")
            return {}
        done: dict[int, int] = {}
        self._handled = set()
        try:
            for channel_id in sorted(self._channels_to_read(cursors)):
                count = await self._catch_up_channel(channel_id, cursors.get(channel_id))
                if count is not None:
                    done[channel_id] = count
        finally:
            self._handled = None
        log.info("catch-up done: %d message(s) in %d channel(s)", sum(done.values()), len(done))
        return done

    def _channels_to_read(self, cursors: dict[int, int]) -> set[int]:
        roster = self.actions.service.roster
        coach_channels = {
            channel_id for key in roster.keys for channel_id in roster.resolve(key).channel_ids
        }
        return set(self.channel_ids) | coach_channels | set(cursors)

    async def _catch_up_channel(self, channel_id: int, cursor: int | None) -> int | None:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.info("catch-up: channel %s is not visible to the bot; skipped", channel_id)
            return None
        name = f"#{getattr(channel, 'name', channel_id)} ({channel_id})"
        try:
            if cursor is None:
                await self._start_cursor(channel, channel_id, name)
                return None
            count = await self._replay(channel, channel_id, cursor)
        except discord.Forbidden:
            log.warning(
                "catch-up: cannot read the history of %s: the bot lacks the "
                "'Read Message History' permission there",
                name,
            )
            return None
        except Exception:
            log.exception("catch-up of %s failed; other channels go on", name)
            return None
        log.info("catch-up: %d missed message(s) processed in %s", count, name)
        return count

    async def _start_cursor(
        self, channel: discord.abc.Messageable, channel_id: int, name: str
    ) -> None:
        """A channel read for the first time: nothing before now is caught up, but its cursor
        starts at its newest message now, so that a bot stopped before it handles the next one
        still has a place to catch up from (ingest being idempotent, a replay is harmless)."""
        log.info("catch-up: no message processed in %s yet; nothing to catch up", name)
        if not self.watches(channel_id):
            return
        async for newest in channel.history(limit=1):
            await self._advance(channel_id, newest.id)

    async def _replay(self, channel: discord.abc.Messageable, channel_id: int, cursor: int) -> int:
        count, newest = 0, cursor
        members: dict[int, discord.Member | None] = {}
        history: AsyncIterator[discord.Message] = channel.history(
            after=discord.Object(cursor), oldest_first=True, limit=None
        )
        async for message in history:
            newest = max(newest, message.id)
            if self._handled is not None and message.id in self._handled:
                continue  # the live path got it first
            await self._with_member(message, members)
            await self.bot.on_message(message)
            count += 1
            if self._is_edit(message):
                await self._follow_edit(message)
        # Skipped messages (bots, chat) need not be read again next time.
        if newest > cursor and self.watches(channel_id):
            await self._advance(channel_id, newest)
        return count

    async def _with_member(
        self, message: discord.Message, members: dict[int, discord.Member | None]
    ) -> None:
        """Messages read from history carry their author without the member's roles: look
        the member up before a command is judged, so coaches authorised by a role are known.
        When the lookup fails the author stays a plain user, whose refusals are logged and
        never answered (see :class:`Origin`)."""
        author, guild = message.author, message.guild
        if guild is None or isinstance(author, discord.Member) or author.bot:
            return
        if not await self._is_command(message):
            return
        if author.id not in members:
            members[author.id] = await self._fetch_member(guild, author.id)
        member = members[author.id]
        if member is not None:
            message.author = member

    async def _fetch_member(self, guild: discord.Guild, user_id: int) -> discord.Member | None:
        try:
            return await guild.fetch_member(user_id)
        except discord.NotFound:
            log.warning("catch-up: user %s is no longer a member of %s", user_id, guild.name)
        except discord.HTTPException as exc:
            log.warning(
                "catch-up: member %s of %s could not be fetched: %s", user_id, guild.name, exc
            )
        return None

    # -- internals ------------------------------------------------------------------------

    def _origin(self, actor: Actor, message: discord.Message, key: str) -> Origin:
        return Origin(
            actor=actor,
            channel_id=message.channel.id,
            channel_name=getattr(message.channel, "name", None),
            message_id=message.id,
            ingest_key=key,
        )

    async def _call(self, what: str, call: Callable[..., T], *args: Any) -> T | None:
        """A service call off the loop; a failure is logged and gives None."""
        try:
            return await asyncio.to_thread(call, *args)
        except Exception:
            log.exception("message sync could not %s", what)
            return None
