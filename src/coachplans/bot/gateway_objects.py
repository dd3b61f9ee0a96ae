"""Real discord.py objects built from gateway-shaped payloads, for a bot that never logs in.

Mock mode's simulated coaches and the tests send messages through the same command path as
Discord does (``get_context`` + ``invoke``); these builders give them genuine ``Message``,
``Member`` and ``TextChannel`` objects, so discord.py's own parsing runs unchanged.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
from discord.ext import commands

_last_id = 0
_outboxes: weakref.WeakKeyDictionary[commands.Bot, list[SentReply]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class SentReply:
    """A message the bot would have sent to Discord."""

    channel_id: int
    content: str
    options: dict[str, Any] = field(default_factory=dict)


class OfflineContext(commands.Context[Any]):
    """A command context whose replies are recorded instead of sent."""

    async def send(self, content: str | None = None, **options: Any) -> Any:
        outbox(self.bot).append(SentReply(self.channel.id, content or "", options))
        return None


def outbox(bot: commands.Bot) -> list[SentReply]:
    """Replies an offline bot has sent, oldest first."""
    return _outboxes.setdefault(bot, [])


def snowflake() -> int:
    """A fresh id shaped like Discord's: from the clock, so ids keep increasing across
    restarts over the same database (ingest keys are built from message ids)."""
    global _last_id
    _last_id = max(_last_id + 1, discord.utils.time_snowflake(datetime.now(UTC)))
    return _last_id


def act_as(bot: commands.Bot, user_id: int, name: str) -> None:
    """Give a bot that never logged in its own user, which ``get_context`` needs."""
    state = bot._connection
    data: Any = user_payload(user_id, name, bot=True)
    state.user = discord.ClientUser(state=state, data=data)


def make_guild(
    bot: commands.Bot, guild_id: int, name: str, role_ids: Iterable[int] = ()
) -> discord.Guild:
    roles = [_role(guild_id, "@everyone", 0)]
    roles += [_role(role_id, f"role-{role_id}", n) for n, role_id in enumerate(role_ids, 1)]
    data: Any = {"id": str(guild_id), "name": name, "roles": roles, "member_count": 1}
    guild = discord.Guild(data=data, state=bot._connection)
    bot._connection._add_guild(guild)
    return guild


def make_channel(guild: discord.Guild, channel_id: int, name: str) -> discord.TextChannel:
    data: Any = {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": 0,
        "guild_id": str(guild.id),
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }
    channel = discord.TextChannel(state=guild._state, guild=guild, data=data)
    guild._add_channel(channel)
    return channel


def attachment_payload(
    filename: str, url: str, size: int, attachment_id: int | None = None
) -> dict[str, Any]:
    return {
        "id": str(attachment_id or snowflake()),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
    }


def message_payload(
    channel: discord.TextChannel,
    *,
    author_id: int,
    author_name: str,
    content: str,
    role_ids: Sequence[int] = (),
    attachments: Sequence[dict[str, Any]] = (),
    message_id: int | None = None,
    edited_at: datetime | None = None,
) -> dict[str, Any]:
    """A MESSAGE_CREATE-shaped payload from a guild member."""
    payload = sent_payload(channel.id, user_payload(author_id, author_name), content)
    payload.update(
        id=str(message_id or payload["id"]),
        guild_id=str(channel.guild.id),
        member=member_payload(role_ids),
        edited_timestamp=edited_at.isoformat() if edited_at else None,
        attachments=list(attachments),
    )
    return payload


def sent_payload(channel_id: int, author: dict[str, Any], content: str) -> dict[str, Any]:
    """A plain message as Discord returns it for one just sent: no member, no attachments."""
    return {
        "id": str(snowflake()),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": datetime.now(UTC).isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }


def make_message(channel: discord.TextChannel, **fields: Any) -> discord.Message:
    """A real ``discord.Message`` in ``channel``; ``fields`` as for :func:`message_payload`."""
    data: Any = message_payload(channel, **fields)
    return discord.Message(state=channel._state, channel=channel, data=data)


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    """A Discord user object."""
    return {
        "id": str(user_id),
        "username": name.lower().replace(" ", "_"),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


def member_payload(role_ids: Sequence[int]) -> dict[str, Any]:
    """A guild member as a message carries it (without its user)."""
    return {
        "roles": [str(role_id) for role_id in role_ids],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "pending": False,
        "communication_disabled_until": None,
    }


def _role(role_id: int, name: str, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": "0",
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
    }
