"""Interactions for a bot that never logs in: real ``discord.Interaction`` objects built from
gateway-shaped payloads, run through the real command tree and view store, with every HTTP
call discord.py would make to Discord recorded instead of sent.

The recording sits at ``AsyncWebhookAdapter.request``, the one place all interaction responses
and follow-ups pass through, so discord.py's own response bookkeeping (``is_done``, the modal
registration of ``send_modal``, "already responded" errors) runs unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import discord
from bot_support import COACH_D_USER, Harness
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter

from coachplans.bot import gateway_objects
from coachplans.bot.gateway_objects import snowflake

APPLICATION_ID = 4242
EPHEMERAL = 64  # message flag
MESSAGE, DEFERRED, AUTOCOMPLETE, MODAL = 4, 5, 8, 9  # interaction callback types
TEXT_INPUT, LABEL, FILE_UPLOAD = 4, 18, 19  # component types


@dataclass(frozen=True)
class Sent:
    """One request discord.py made: an interaction callback or a follow-up message."""

    kind: str  # "callback" or "followup"
    token: str
    payload: dict[str, Any]

    @property
    def type(self) -> int | None:
        """The callback type (MESSAGE, DEFERRED, MODAL, ...); None for a follow-up."""
        return self.payload["type"] if self.kind == "callback" else None

    @property
    def message(self) -> dict[str, Any]:
        """The message fields: a callback's ``data``, or the follow-up body itself."""
        if self.kind == "followup":
            return self.payload
        data: dict[str, Any] = self.payload.get("data") or {}
        return data

    @property
    def content(self) -> str:
        return str(self.message.get("content", ""))

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.message.get("flags", 0)) & EPHEMERAL)

    @property
    def is_text(self) -> bool:
        return self.kind == "followup" or self.type == MESSAGE


@dataclass
class DiscordHttp:
    """The requests discord.py made for interactions, oldest first."""

    sent: list[Sent] = field(default_factory=list)
    channels: dict[str, int] = field(default_factory=dict)  # interaction token -> channel id

    def to(self, interaction: discord.Interaction[Any], since: int = 0) -> list[Sent]:
        """What was sent for ``interaction`` (from the ``since``-th request on)."""
        return [s for s in self.sent[since:] if s.token == interaction.token]

    async def request(
        self, adapter: AsyncWebhookAdapter, route: Route, session: Any, **kwargs: Any
    ) -> Any:
        if kwargs.get("multipart") or kwargs.get("files"):
            raise AssertionError(f"unexpected file upload to {route.method} {route.path}")
        payload: dict[str, Any] = kwargs.get("payload") or {}
        token = str(route.webhook_token)
        if route.path.endswith("/callback"):
            self.sent.append(Sent("callback", token, payload))
            return {"interaction": {"id": str(route.webhook_id), "type": 2}}
        if route.method == "POST" and route.path == "/webhooks/{webhook_id}/{webhook_token}":
            self.sent.append(Sent("followup", token, payload))
            # Follow-ups always wait for the message Discord created.
            return self._message(token, payload)
        raise AssertionError(f"unexpected request to Discord: {route.method} {route.path}")

    def _message(self, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        author = gateway_objects.user_payload(APPLICATION_ID, "coachplans", bot=True)
        channel_id = self.channels.get(token, 0)
        message = gateway_objects.sent_payload(channel_id, author, payload.get("content", ""))
        message.update(webhook_id=str(APPLICATION_ID), flags=payload.get("flags", 0))
        return message


@contextmanager
def recorded_discord_http() -> Iterator[DiscordHttp]:
    """Patch discord.py's webhook adapter (autospec: the real signature is enforced)."""
    http = DiscordHttp()
    with mock.patch.object(AsyncWebhookAdapter, "request", autospec=True) as request:
        request.side_effect = http.request
        yield http


# -- payloads ---------------------------------------------------------------------------------


def member_payload(user_id: int, name: str, role_ids: Sequence[int]) -> dict[str, Any]:
    """A member as an interaction carries it: with its user and its permissions here."""
    return {
        **gateway_objects.member_payload(role_ids),
        "user": gateway_objects.user_payload(user_id, name),
        "permissions": "0",
    }


def interaction_payload(
    channel: discord.TextChannel,
    interaction_type: int,
    data: dict[str, Any],
    *,
    user_id: int = COACH_D_USER,
    name: str = "Coach Dee",
    role_ids: Sequence[int] = (),
    interaction_id: int | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload from a guild member in ``channel``."""
    interaction_id = interaction_id or snowflake()
    return {
        "id": str(interaction_id),
        "application_id": str(APPLICATION_ID),
        "type": interaction_type,
        "token": f"token-{interaction_id}",
        "version": 1,
        "channel_id": str(channel.id),
        "guild_id": str(channel.guild.id),
        "channel": {
            "id": str(channel.id),
            "type": 0,
            "name": channel.name,
            "guild_id": str(channel.guild.id),
        },
        "member": member_payload(user_id, name, role_ids),
        "data": data,
        "app_permissions": "0",
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }


def command_data(name: str, options: dict[str, str], focused: str | None = None) -> dict[str, Any]:
    """The ``data`` of a slash command (type 1) with string options."""
    return {
        "id": str(snowflake()),
        "name": name,
        "type": 1,
        "options": [
            {
                "name": key,
                "type": 3,
                "value": value,
                **({"focused": True} if key == focused else {}),
            }
            for key, value in options.items()
        ],
    }


def filled_form(
    modal: dict[str, Any], text: str, attachments: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The ``data`` of a MODAL_SUBMIT for the modal Discord was sent (its wire form), filled in
    the way a Discord client fills it: a value for the text input, attachment ids for the file
    upload, and the attachments themselves under ``resolved``."""
    components = []
    for label in modal["components"]:
        inner = label["component"]
        answer: dict[str, Any] = {"type": inner["type"], "custom_id": inner["custom_id"]}
        if inner["type"] == TEXT_INPUT:
            answer["value"] = text
        elif inner["type"] == FILE_UPLOAD:
            answer["values"] = [a["id"] for a in attachments]
        components.append({"type": LABEL, "component": answer})
    return {
        "custom_id": modal["custom_id"],
        "components": components,
        "resolved": {"attachments": {a["id"]: a for a in attachments}},
    }


# -- running ----------------------------------------------------------------------------------


@dataclass
class Users:
    """Runs interactions against a harness bot as one guild member or another."""

    harness: Harness
    http: DiscordHttp

    def interaction(
        self, interaction_type: int, data: dict[str, Any], **who: Any
    ) -> discord.Interaction[Any]:
        channel = who.pop("channel", None) or self.harness.channel
        payload: Any = interaction_payload(channel, interaction_type, data, **who)
        self.http.channels[payload["token"]] = channel.id
        return discord.Interaction(data=payload, state=self.harness.bot._connection)

    async def command(self, name: str, options: dict[str, str], **who: Any) -> list[Sent]:
        """Run ``/name`` through the bot's real command tree; returns what it sent."""
        interaction = self.interaction(2, command_data(name, options), **who)
        await self.harness.bot.tree._call(interaction)
        return self.http.to(interaction)

    async def autocomplete(
        self, name: str, options: dict[str, str], focused: str, **who: Any
    ) -> list[Sent]:
        interaction = self.interaction(4, command_data(name, options, focused), **who)
        await self.harness.bot.tree._call(interaction)
        return self.http.to(interaction)

    async def submit(
        self, data: dict[str, Any], *, interaction_id: int | None = None, **who: Any
    ) -> list[Sent]:
        """Submit a form through the view store, as the gateway handler does; returns what
        the bot sent. The view store ignores a form it no longer knows."""
        interaction = self.interaction(5, data, interaction_id=interaction_id, **who)
        since = len(self.http.sent)
        store = self.harness.bot._connection._view_store
        store.dispatch_modal(data["custom_id"], interaction, data["components"], data["resolved"])
        await _modal_tasks()
        return self.http.to(interaction, since)

    async def submit_to(
        self, form: discord.ui.Modal, data: dict[str, Any], **who: Any
    ) -> list[Sent]:
        """Submit straight to ``form``, past the view store (as a redelivery would reach a
        form still open in another process)."""
        interaction = self.interaction(5, data, **who)
        since = len(self.http.sent)
        await form._dispatch_submit(interaction, data["components"], data["resolved"])
        return self.http.to(interaction, since)

    def open_forms(self) -> dict[str, discord.ui.Modal]:
        """The forms the bot has sent and is waiting for, by custom id."""
        forms: dict[str, discord.ui.Modal] = self.harness.bot._connection._view_store._modals
        return forms


async def _modal_tasks() -> None:
    """Wait for the submit handlers the view store started (discord.py names them)."""
    running = [
        task
        for task in asyncio.all_tasks()
        if task.get_name().startswith("discord-ui-modal-dispatch-")
    ]
    await asyncio.gather(*running)
