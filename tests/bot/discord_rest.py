"""Discord's REST side for a bot that never logs in: every call discord.py makes through
``HTTPClient.request`` is recorded and answered the way Discord answers it, so ``send``,
``reply`` and DMs run discord.py's own code (payloads, allowed mentions, references).

A channel id in ``refused`` answers 403 Missing Access, as a channel the bot may not write in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import aiohttp
import discord
from discord.http import HTTPClient, Route

from coachplans.bot import gateway_objects
from coachplans.bot.gateway_objects import snowflake

BOT_ID = 1


def pings_nobody(allowed_mentions: dict[str, Any] | None) -> bool:
    """A message's ``allowed_mentions`` that lets no mention through (nor a reply's ping)."""
    if allowed_mentions is None:
        return False
    let_through = [allowed_mentions.get(key) for key in ("parse", "users", "roles")]
    return not any(let_through) and not allowed_mentions.get("replied_user")


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # with the parameters filled in
    json: dict[str, Any]

    @property
    def content(self) -> str:
        return str(self.json.get("content", ""))


@dataclass
class DiscordRest:
    calls: list[Call] = field(default_factory=list)
    refused: set[int] = field(default_factory=set)
    dm_channels: dict[int, int] = field(default_factory=dict)  # DM channel id -> user id

    def messages(self, channel_id: int) -> list[Call]:
        """The messages the bot sent to a channel (or DM channel)."""
        path = f"/channels/{channel_id}/messages"
        return [c for c in self.calls if c.method == "POST" and c.path == path]

    def dms_to(self, user_id: int) -> list[Call]:
        dms = [dm for dm, user in self.dm_channels.items() if user == user_id]
        return [message for dm in dms for message in self.messages(dm)]

    async def request(self, client: HTTPClient, route: Route, **kwargs: Any) -> Any:
        payload: dict[str, Any] = kwargs.get("json") or {}
        path = route.url.removeprefix(route.BASE)
        self.calls.append(Call(route.method, path, payload))
        if route.method == "POST" and route.path == "/channels/{channel_id}/messages":
            channel_id = int(str(route.channel_id))
            if channel_id in self.refused:
                raise _forbidden()
            return self._message(channel_id, payload)
        if route.method == "POST" and route.path == "/users/@me/channels":
            user_id = int(payload["recipient_id"])
            dm_id = snowflake()
            self.dm_channels[dm_id] = user_id
            recipient = gateway_objects.user_payload(user_id, f"user-{user_id}")
            return {"id": str(dm_id), "type": 1, "recipients": [recipient], "last_message_id": None}
        if route.method == "GET" and route.path == "/users/{user_id}":
            user_id = int(path.rsplit("/", 1)[-1])
            return gateway_objects.user_payload(user_id, f"user-{user_id}")
        raise AssertionError(f"unexpected request to Discord: {route.method} {path}")

    def _message(self, channel_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        author = gateway_objects.user_payload(BOT_ID, "coachplans", bot=True)
        return gateway_objects.sent_payload(channel_id, author, payload.get("content", ""))


def _forbidden() -> discord.Forbidden:
    response = mock.Mock(spec_set=aiohttp.ClientResponse, status=403, reason="Forbidden")
    return discord.Forbidden(response, {"code": 50001, "message": "Missing Access"})


@contextmanager
def recorded_rest() -> Iterator[DiscordRest]:
    """Patch discord.py's HTTP client (autospec: the real signature is enforced)."""
    rest = DiscordRest()
    with mock.patch.object(HTTPClient, "request", autospec=True) as request:
        request.side_effect = rest.request
        yield rest
