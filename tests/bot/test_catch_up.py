"""Catch-up on start: what was posted while the bot was down goes through the live path."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

import aiohttp
import discord
import pytest
from bot_support import (
    ANYONE,
    COACH_D_USER,
    COACH_I_ROLE,
    OTHER_CHANNEL,
    PLANS_CHANNEL,
    Harness,
    make_harness,
)

from coachplans.bot.gateway_objects import (
    make_message,
    member_payload,
    message_payload,
    snowflake,
    user_payload,
)
from coachplans.domain.plans import Source
from coachplans.service import PlanService

EDITED = datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
ROLE_COACH = 777  # a member of the server with COACH_I_ROLE


def fake_channel(
    real: discord.TextChannel,
    messages: Sequence[discord.Message],
    *,
    honour_after: bool = True,
    before_each: Callable[[discord.Message], Any] | None = None,
) -> Any:
    """A strict fake of ``real`` whose history holds ``messages`` (oldest first), read the
    way discord.py reads it: only those after ``after`` unless ``honour_after`` is off."""
    channel = mock.create_autospec(discord.TextChannel, spec_set=True, instance=True)
    channel.id, channel.name = real.id, real.name

    def history(**kwargs: Any) -> AsyncIterator[discord.Message]:
        if "after" not in kwargs:  # newest first, as discord.py reads without ``after``
            return newest(kwargs.get("limit"))
        after = kwargs["after"].id if honour_after else 0

        async def pages() -> AsyncIterator[discord.Message]:
            for message in messages:
                if message.id > after:
                    if before_each is not None:
                        await before_each(message)
                    yield message

        return pages()

    async def newest(limit: int | None) -> AsyncIterator[discord.Message]:
        for message in list(reversed(messages))[:limit]:
            yield message

    channel.history.side_effect = history
    return channel


def forbidden(real: discord.TextChannel) -> Any:
    channel = mock.create_autospec(discord.TextChannel, spec_set=True, instance=True)
    channel.id, channel.name = real.id, real.name
    response = mock.Mock(spec_set=aiohttp.ClientResponse, status=403, reason="Forbidden")
    error = discord.Forbidden(response, {"code": 50001, "message": "Missing Access"})
    channel.history.side_effect = error
    return channel


def show(harness: Harness, monkeypatch: pytest.MonkeyPatch, *channels: Any) -> list[int]:
    """Let the bot see these channels; returns the ids it asks for."""
    by_id = {channel.id: channel for channel in channels}
    asked: list[int] = []

    def get_channel(channel_id: int) -> Any:
        asked.append(channel_id)
        return by_id.get(channel_id)

    monkeypatch.setattr(harness.bot, "get_channel", get_channel)
    return asked


def said(harness: Harness, content: str, **fields: Any) -> discord.Message:
    return harness.message(content, message_id=snowflake(), **fields)


def revision_count(service: PlanService) -> int:
    plans = service.plans_for_date(service.today())
    return sum(len(service.revisions(plan.id)) for plan in plans)


async def test_missed_plans_are_stored_answered_and_the_cursor_moves_on(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = harness.bot.service
    cursor = snowflake()
    service.discord.advance_cursor(PLANS_CHANNEL, cursor)
    missed = [
        said(harness, "!plan d NVDA long above 950"),
        said(harness, "lunch?", author_id=ANYONE),
        said(harness, "!plan s swing idea", author_id=ANYONE),
        make_message(harness.channel, author_id=1, author_name="bot", content="reply"),
    ]
    channel = fake_channel(harness.channel, missed)
    show(harness, monkeypatch, channel)

    done = await harness.bot.sync.catch_up()

    assert done == {PLANS_CHANNEL: 4}
    texts = {plan.coach: plan.text for plan in service.plans_for_date(service.today())}
    assert texts == {"d": "NVDA long above 950", "s": "swing idea"}
    assert service.discord.cursors() == {PLANS_CHANNEL: missed[-1].id}
    replies = [reply.content for reply in harness.sent]
    assert len(replies) == 2 and all("saved" in reply for reply in replies)
    kwargs = channel.history.call_args.kwargs
    assert (kwargs["after"].id, kwargs["oldest_first"], kwargs["limit"]) == (cursor, True, None)


async def test_catching_up_again_or_after_a_restart_changes_nothing(
    plan_service: PlanService, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await make_harness(plan_service)
    plan_service.discord.advance_cursor(PLANS_CHANNEL, snowflake())
    missed = [said(first, "!plan d one"), said(first, "!plan i two", role_ids=[701])]
    show(first, monkeypatch, fake_channel(first.channel, missed))
    await first.bot.sync.catch_up()
    revisions = revision_count(plan_service)
    assert revisions == 2

    assert await first.bot.sync.catch_up() == {PLANS_CHANNEL: 0}
    await first.bot.close()

    # A restart whose history overlaps what was processed (as if the cursor lagged behind):
    # the ingest keys make it a no-op; the bot answers the repeats with "already saved".
    restarted = await make_harness(plan_service)
    try:
        overlap = fake_channel(restarted.channel, missed, honour_after=False)
        show(restarted, monkeypatch, overlap)
        assert await restarted.bot.sync.catch_up() == {PLANS_CHANNEL: 2}
        assert revision_count(plan_service) == revisions
        assert all("Already saved" in reply.content for reply in restarted.sent)
        assert plan_service.discord.cursors() == {PLANS_CHANNEL: missed[-1].id}
    finally:
        await restarted.bot.close()


async def test_without_a_cursor_nothing_is_replayed_and_the_cursor_starts_now(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A channel read for the first time: its old messages are not replayed, but its cursor
    starts at the newest one, so a bot killed before it handles the next message still has a
    place to catch up from."""
    # Coach c posts in OTHER_CHANNEL, so it is a channel to catch up on.
    message = said(harness, "!plan c never seen", channel=harness.other)
    channel = fake_channel(harness.other, [message])
    show(harness, monkeypatch, channel)

    with caplog.at_level(logging.INFO, logger="coachplans.bot.sync"):
        assert await harness.bot.sync.catch_up() == {}

    assert harness.bot.service.discord.cursors() == {harness.other.id: message.id}
    assert harness.bot.service.plans_for_date(harness.bot.service.today()) == []
    assert "#crypto-plans (2002) yet; nothing to catch up" in caplog.text


async def test_the_channels_read_are_configured_coach_and_cursor_channels(
    sqlite_plan_service: PlanService, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = await make_harness(sqlite_plan_service, channel_ids=[PLANS_CHANNEL])
    try:
        sqlite_plan_service.discord.advance_cursor(4242, snowflake())
        asked = show(harness, monkeypatch)  # none visible: skipped, not an error
        assert await harness.bot.sync.catch_up() == {}
        # PLANS_CHANNEL configured, OTHER_CHANNEL is coach c's, 4242 has a cursor.
        assert sorted(asked) == [PLANS_CHANNEL, OTHER_CHANNEL, 4242]
    finally:
        await harness.bot.close()


async def test_a_forbidden_channel_does_not_stop_the_others(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    service = harness.bot.service
    service.discord.advance_cursor(PLANS_CHANNEL, snowflake())
    service.discord.advance_cursor(OTHER_CHANNEL, snowflake())
    missed = said(harness, "!plan c crypto", channel=harness.other)
    show(harness, monkeypatch, forbidden(harness.channel), fake_channel(harness.other, [missed]))

    with caplog.at_level(logging.WARNING, logger="coachplans.bot.sync"):
        done = await harness.bot.sync.catch_up()

    assert done == {OTHER_CHANNEL: 1}
    assert service.get_plan("c", service.today()) is not None
    assert "#daily-plans" in caplog.text and "Read Message History" in caplog.text


async def test_an_unexpected_error_in_one_channel_is_logged(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    harness.bot.service.discord.advance_cursor(PLANS_CHANNEL, snowflake())
    channel = fake_channel(harness.channel, [])
    channel.history.side_effect = RuntimeError("boom")
    show(harness, monkeypatch, channel)

    with caplog.at_level(logging.ERROR, logger="coachplans.bot.sync"):
        assert await harness.bot.sync.catch_up() == {}

    assert "catch-up of #daily-plans" in caplog.text


async def test_an_edit_made_while_down_is_applied_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = harness.bot.service
    cursor = snowflake()
    service.discord.advance_cursor(PLANS_CHANNEL, cursor)
    # The bot stored the plan but went down before its cursor moved past the message;
    # then the coach edited the message.
    monkeypatch.setattr(service.discord, "advance_cursor", lambda channel_id, message_id: False)
    message_id = snowflake()
    await harness.say("!plan d first text", message_id=message_id)
    plan = service.discord.plan_for_message(message_id)
    assert plan is not None
    edited = make_message(
        harness.channel,
        author_id=501,
        author_name="Coach Dee",
        content="!plan d second text",
        message_id=message_id,
        edited_at=EDITED,
    )
    show(harness, monkeypatch, fake_channel(harness.channel, [edited]))

    await harness.bot.sync.catch_up()
    await harness.bot.sync.catch_up()

    assert service.get_plan_by_id(plan.id).text == "second text"
    sources = [rev.source for rev in service.revisions(plan.id)]
    assert sources == [Source.DISCORD_COMMAND, Source.DISCORD_EDIT]


async def test_messages_the_live_path_handled_during_catch_up_are_skipped(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.bot.service.discord.advance_cursor(PLANS_CHANNEL, snowflake())
    missed, live = said(harness, "!plan d missed"), said(harness, "!plan s live", author_id=ANYONE)

    async def live_arrives(message: discord.Message) -> None:
        if message is live:
            await harness.deliver(live)  # the gateway delivers it while history is read

    show(
        harness,
        monkeypatch,
        fake_channel(harness.channel, [missed, live], before_each=live_arrives),
    )

    assert await harness.bot.sync.catch_up() == {PLANS_CHANNEL: 1}
    assert len(harness.sent) == 2  # one reply each, no "already saved"


async def test_catch_up_runs_on_the_first_ready_only(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.bot.service.discord.advance_cursor(PLANS_CHANNEL, snowflake())
    channel = fake_channel(harness.channel, [])
    show(harness, monkeypatch, channel)

    await harness.bot.on_ready()
    await harness.bot.on_ready()

    assert channel.history.call_count == 1
    assert harness.state.status == "connected"


def from_history(harness: Harness, content: str, author_id: int) -> discord.Message:
    """A message as channel history gives it: the author's user, without member or roles."""
    data: Any = message_payload(
        harness.channel, author_id=author_id, author_name=f"user {author_id}", content=content
    )
    del data["member"]
    message = discord.Message(state=harness.channel._state, channel=harness.channel, data=data)
    assert not isinstance(message.author, discord.Member)
    return message


async def test_when_members_cannot_be_fetched_refusals_are_logged_not_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    service = harness.bot.service
    service.discord.advance_cursor(PLANS_CHANNEL, snowflake())
    missed = [
        from_history(harness, "!plan i 2024-05-01 by a role coach", ROLE_COACH),
        from_history(harness, "!plan i 2024-05-01 again, same author", ROLE_COACH),
        from_history(harness, "!plan d 2024-05-01 by the user-id coach", COACH_D_USER),
    ]
    show(harness, monkeypatch, fake_channel(harness.channel, missed))
    response = mock.Mock(spec_set=aiohttp.ClientResponse, status=503, reason="Unavailable")
    outage = discord.DiscordServerError(response, {"code": 0, "message": "upstream"})

    with (
        mock.patch.object(
            discord.Guild, "fetch_member", autospec=True, side_effect=outage
        ) as fetch_member,
        caplog.at_level(logging.INFO, logger="coachplans.bot"),
    ):
        done = await harness.bot.sync.catch_up()

    assert done == {PLANS_CHANNEL: 3}
    # One look-up per author and catch-up.
    assert sorted(c.args[1] for c in fetch_member.call_args_list) == [COACH_D_USER, ROLE_COACH]
    # Allowed by user id without roles: stored and answered. The role coach: neither
    # stored nor told "not authorised" (the roles that may allow it are unknown).
    replies = [reply.content for reply in harness.sent]
    assert len(replies) == 1 and "saved for **Coach D" in replies[0]
    assert service.get_plan("i", date(2024, 5, 1)) is None
    assert f"member {ROLE_COACH} of Trading Room could not be fetched" in caplog.text
    assert caplog.text.count("not answered: the author's roles could not be read") == 2
    assert service.discord.cursors() == {PLANS_CHANNEL: missed[-1].id}


async def test_a_fetched_member_is_judged_with_its_roles(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = harness.bot.service
    service.discord.advance_cursor(PLANS_CHANNEL, snowflake())
    missed = [from_history(harness, "!plan i 2024-05-01 by a role coach", ROLE_COACH)]
    show(harness, monkeypatch, fake_channel(harness.channel, missed))
    data: Any = {**member_payload([COACH_I_ROLE]), "user": user_payload(ROLE_COACH, "Ivy")}
    member = discord.Member(data=data, guild=harness.guild, state=harness.guild._state)

    with mock.patch.object(discord.Guild, "fetch_member", autospec=True, return_value=member):
        await harness.bot.sync.catch_up()

    plan = service.get_plan("i", date(2024, 5, 1))
    assert plan is not None and (plan.author_id, plan.author) == (ROLE_COACH, "Ivy")
    assert "saved for **Coach I" in harness.sent[-1].content
