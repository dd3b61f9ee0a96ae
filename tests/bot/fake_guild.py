"""The fake Discord with one guild and one text channel: messages posted there are kept as the
channel's history (read by the bot's catch-up) and sent to every connected bot as
MESSAGE_CREATE; the bot's replies are recorded. For the multi-process tests (one active bot,
a standby taking over)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from fake_discord import BOT_USER, FakeDiscord

from coachplans.bot.gateway_objects import member_payload, sent_payload, snowflake, user_payload

GUILD_ID = 7_000_000_000_000_000_001
CHANNEL_ID = 7_000_000_000_000_000_002
COACH_ID = 7_000_000_000_000_000_003  # an admin of the bot (see bot_env in the tests)


class GuildFakeDiscord(FakeDiscord):
    def __init__(self) -> None:
        super().__init__()
        self.history: list[dict[str, Any]] = []  # oldest first
        self.replies: list[str] = []
        self._seq: dict[web.WebSocketResponse, int] = {}

    def post(self, content: str) -> int:
        """A coach's message in the channel, delivered to the connected bots; its id."""
        payload = sent_payload(CHANNEL_ID, user_payload(COACH_ID, "Coach Dee"), content)
        payload.update(guild_id=str(GUILD_ID), member=member_payload(()))
        self.history.append(payload)
        asyncio.run_coroutine_threadsafe(
            self._dispatch_all("MESSAGE_CREATE", payload), self._loop
        ).result(timeout=5)
        return int(payload["id"])

    def _app(self) -> web.Application:
        app = super()._app()
        api = "/api/v10"
        app.router.add_get(f"{api}/channels/{CHANNEL_ID}/messages", self._messages)
        app.router.add_post(f"{api}/channels/{CHANNEL_ID}/messages", self._reply)
        app.router.add_get(f"{api}/guilds/{GUILD_ID}/members/{{user}}", self._member)
        return app

    def _ready(self) -> dict[str, Any]:
        return {**super()._ready(), "guilds": [{"id": str(GUILD_ID), "unavailable": True}]}

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        await super()._identify(ws, data)
        if not ws.closed:
            self._seq[ws] = 1
            await self._dispatch(ws, "GUILD_CREATE", _guild())

    async def _dispatch_all(self, event: str, data: dict[str, Any]) -> None:
        for ws in list(self._seq):
            try:
                await self._dispatch(ws, event, data)
            except ConnectionError:  # a bot that died (kill -9): its socket is going away
                del self._seq[ws]

    async def _dispatch(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self._seq[ws] += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq[ws], "d": data}))

    async def _messages(self, request: web.Request) -> web.Response:
        """Discord's answer to ``?after=``: the next ``limit`` messages, newest first."""
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "50"))
        newer = [m for m in self.history if int(m["id"]) > after][:limit]
        return _json(list(reversed(newer)))

    async def _reply(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.replies.append(body.get("content") or "")
        return _json(sent_payload(CHANNEL_ID, BOT_USER, body.get("content") or ""))

    async def _member(self, request: web.Request) -> web.Response:
        user = int(request.match_info["user"])
        return _json({**member_payload(()), "user": user_payload(user, "Coach Dee")})


def _guild() -> dict[str, Any]:
    everyone = {
        "id": str(GUILD_ID),
        "name": "@everyone",
        "permissions": str(0x1FFFFFFFFFF),
        "position": 0,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
    }
    channel = {
        "id": str(CHANNEL_ID),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": "daily-plans",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }
    return {
        "id": str(GUILD_ID),
        "name": "Trading floor",
        "owner_id": str(COACH_ID),
        "unavailable": False,
        "large": False,
        "member_count": 2,
        "roles": [everyone],
        "channels": [channel],
        "threads": [],
        "members": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "joined_at": "2024-01-01T00:00:00+00:00",
    }


def _json(payload: Any) -> web.Response:
    body = json.dumps(payload).encode()
    return web.Response(body=body, headers={"Content-Type": "application/json"})


__all__ = ["CHANNEL_ID", "COACH_ID", "GUILD_ID", "GuildFakeDiscord", "snowflake"]
