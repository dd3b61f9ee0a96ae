"""A small fake of Discord on 127.0.0.1: the HTTP API calls discord.py makes to log in and sync
commands, and a gateway websocket that says HELLO, answers heartbeats and either sends READY or
closes with 4014 (privileged intents not enabled). With a :class:`FakeGuild` the bot is in one
server: READY carries it, and the REST API serves its channels' history and members and takes
the bot's messages.

It runs an aiohttp server in a background thread with its own event loop, so both in-process
async tests and subprocess tests can use it. Frames are sent as uncompressed text: discord.py
asks for a compressed stream but decodes text frames as plain JSON.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

GOOD_TOKEN = "fake-good-token.abc"
BAD_TOKEN = "fake-bad-token.xyz"
BOT_ID = "4242"
APP_ID = "4343"
SESSION_ID = "fake-session-1"
HEARTBEAT_MS = 41_250
INTENTS_NOT_ALLOWED = 4014
AUTHENTICATION_FAILED = 4004

BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "username": "coachbot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
    "verified": True,
    "mfa_enabled": False,
    "flags": 0,
}
APPLICATION: dict[str, Any] = {
    "id": APP_ID,
    "name": "coachbot",
    "description": "",
    "icon": None,
    "bot_public": False,
    "bot_require_code_grant": False,
    "owner": {**BOT_USER, "id": "4444", "username": "owner", "bot": False},
    "verify_key": "0" * 64,
    "flags": 0,
}


@dataclass
class Seen:
    """What the fake saw, for assertions (appended from the server thread)."""

    requests: list[str] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    close_codes: list[int | None] = field(default_factory=list)
    heartbeats: int = 0
    closed: threading.Event = field(default_factory=threading.Event)
    posted: list[dict[str, Any]] = field(default_factory=list)  # messages the bot sent


@dataclass
class FakeGuild:
    """One server the bot is in: text channels, members (user id -> role ids), and each
    channel's history, oldest first, as Discord's REST API returns messages (no member)."""

    id: int
    name: str
    channels: dict[int, str]
    role_ids: list[int] = field(default_factory=list)
    members: dict[int, list[int]] = field(default_factory=dict)
    history: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The guild as READY carries it when it is available."""
        roles = [_role(self.id, "@everyone", 0)]
        roles += [
            _role(role_id, f"role-{role_id}", n) for n, role_id in enumerate(self.role_ids, 1)
        ]
        channels = [
            {"id": str(cid), "type": 0, "name": name, "position": n, "permission_overwrites": []}
            for n, (cid, name) in enumerate(self.channels.items())
        ]
        return {
            "id": str(self.id),
            "name": self.name,
            "unavailable": False,
            "roles": roles,
            "channels": channels,
            "member_count": len(self.members) + 1,
            "members": [],
            "owner_id": "1",
        }

    def member(self, user_id: int) -> dict[str, Any] | None:
        if user_id not in self.members:
            return None
        return {
            "user": user_payload(user_id),
            "roles": [str(role) for role in self.members[user_id]],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }


class FakeDiscord:
    """``with FakeDiscord() as fake:`` then point discord.py at ``fake.api_base``.

    ``allow_intents=False`` closes the gateway with 4014 on IDENTIFY, as Discord does when the
    bot asks for the Message Content intent without it being enabled in the developer portal.
    """

    def __init__(
        self, *, token: str = GOOD_TOKEN, allow_intents: bool = True, guild: FakeGuild | None = None
    ):
        self.token = token
        self.allow_intents = allow_intents
        self.guild = guild
        self.seen = Seen()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def __enter__(self) -> FakeDiscord:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._app(), handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()

    async def _stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        api = "/api/v10"
        app.router.add_get(f"{api}/users/@me", self._authed(BOT_USER))
        app.router.add_get(f"{api}/oauth2/applications/@me", self._authed(APPLICATION))
        app.router.add_get(f"{api}/gateway", self._gateway_info)
        app.router.add_get(f"{api}/gateway/bot", self._gateway_info)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._authed([]))
        app.router.add_put(
            f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._authed([])
        )
        app.router.add_get(f"{api}/channels/{{channel}}/messages", self._history)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self._post_message)
        app.router.add_get(f"{api}/guilds/{{guild}}/members/{{user}}", self._member)
        app.router.add_get("/gateway", self._gateway)
        return app

    async def _history(self, request: web.Request) -> web.Response:
        """GET messages ``after`` an id: Discord answers newest first, at most ``limit``."""
        channel = int(request.match_info["channel"])
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "50"))
        known = self.guild.history.get(channel, []) if self.guild else []
        newer = [m for m in known if int(m["id"]) > after][:limit]
        return _json(list(reversed(newer)))

    async def _post_message(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        channel = request.match_info["channel"]
        self.seen.posted.append({"channel_id": channel, **body})
        message = history_message(int(channel), int(BOT_ID), body.get("content", ""), next_id())
        message["author"] = BOT_USER
        return _json(message)

    async def _member(self, request: web.Request) -> web.Response:
        found = self.guild.member(int(request.match_info["user"])) if self.guild else None
        if found is None:
            return _json({"message": "Unknown Member", "code": 10007}, status=404)
        return _json(found)

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.seen.requests.append(f"{request.method} {request.path}")
        response: web.StreamResponse = await handler(request)
        return response

    def _authed(self, payload: Any) -> Any:
        async def handle(request: web.Request) -> web.Response:
            if request.headers.get("Authorization") != f"Bot {self.token}":
                return _json({"message": "401: Unauthorized", "code": 0}, status=401)
            return _json(payload)

        return handle

    async def _gateway_info(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}}))
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(ws, json.loads(message.data))
        finally:
            self._sockets.discard(ws)
            self.seen.close_codes.append(ws.close_code)
            self.seen.closed.set()
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        if op == 1:
            self.seen.heartbeats += 1
            await ws.send_str(json.dumps({"op": 11}))
        elif op == 2:
            await self._identify(ws, frame["d"])
        elif op == 6:
            await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": 2, "d": {}}))

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.seen.identifies.append(data)
        if data.get("token") != self.token:
            await ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
        elif not self.allow_intents:
            await ws.close(code=INTENTS_NOT_ALLOWED, message=b"Disallowed intent(s).")
        else:
            await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": 1, "d": self._ready()}))

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": BOT_USER,
            "guilds": [self.guild.payload()] if self.guild else [],
            "session_id": SESSION_ID,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": APP_ID, "flags": 0},
            "shard": [0, 1],
        }


def next_id() -> int:
    """A snowflake of now, increasing within the process."""
    global _last_id
    now = int(time.time() * 1000 - DISCORD_EPOCH_MS) << 22
    _last_id = max(_last_id + 1, now)
    return _last_id


_last_id = 0
DISCORD_EPOCH_MS = 1_420_070_400_000


def user_payload(user_id: int, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": f"user{user_id}",
        "discriminator": "0",
        "global_name": f"User {user_id}",
        "avatar": None,
        "bot": bot,
    }


def history_message(
    channel_id: int, author_id: int, content: str, message_id: int
) -> dict[str, Any]:
    """A message as Discord's REST API returns it: the author's user, not the member."""
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": user_payload(author_id),
        "content": content,
        "timestamp": "2024-05-01T13:00:00+00:00",
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


def _json(payload: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only when the content type is exactly this.
    headers = {"Content-Type": "application/json"}
    return web.Response(body=json.dumps(payload).encode(), status=status, headers=headers)


@contextmanager
def closed_port() -> Iterator[str]:
    """An API base on a loopback port where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        yield f"http://127.0.0.1:{port}/api/v10"
