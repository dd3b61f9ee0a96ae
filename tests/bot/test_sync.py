"""Plans follow their Discord messages: raw edit/delete events and the channel cursor."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any

import discord
import httpx
import pytest
from bot_support import (
    ANYONE,
    COACH_D_USER,
    OTHER_CHANNEL,
    PLANS_CHANNEL,
    Harness,
    make_harness,
)
from discord_rest import DiscordRest, pings_nobody, recorded_rest
from PIL import Image

from coachplans.bot.gateway_objects import attachment_payload, message_payload, snowflake
from coachplans.domain.plans import Action, Plan, Source
from coachplans.service import PlanService

DAY = date(2024, 5, 1)
EDITED = datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
LATER = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()


@pytest.fixture(autouse=True)
def rest() -> Iterator[DiscordRest]:
    """Discord's REST side, recorded; every message the bot sends must disable mentions."""
    with recorded_rest() as recorded:
        yield recorded
    for call in recorded.calls:
        if call.path.endswith("/messages"):
            assert pings_nobody(call.json.get("allowed_mentions")), call


@pytest.fixture
async def both(plan_service: PlanService) -> AsyncIterator[Harness]:
    """A harness over SQLite and PostgreSQL whose chart downloads get a PNG."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=PNG))
    harness = await make_harness(plan_service, transport=transport)
    yield harness
    await harness.bot.close()


def edit_event(
    harness: Harness,
    message_id: int,
    content: str,
    *,
    edited_at: datetime | None = EDITED,
    author_id: int = COACH_D_USER,
    channel: discord.TextChannel | None = None,
    embeds: list[dict[str, Any]] | None = None,
) -> discord.RawMessageUpdateEvent:
    """A MESSAGE_UPDATE as discord.py ≥2.5 dispatches it: the payload and the new message."""
    where = channel or harness.channel
    data: Any = message_payload(
        where,
        author_id=author_id,
        author_name="Coach Dee",
        content=content,
        message_id=message_id,
        edited_at=edited_at,
    )
    data["embeds"] = embeds or []
    message = discord.Message(state=where._state, channel=where, data=data)
    return discord.RawMessageUpdateEvent(data=data, message=message)


def delete_event(harness: Harness, message_id: int) -> discord.RawMessageDeleteEvent:
    data: Any = {
        "id": str(message_id),
        "channel_id": str(harness.channel.id),
        "guild_id": str(harness.guild.id),
    }
    return discord.RawMessageDeleteEvent(data=data)


async def post(harness: Harness, content: str, **fields: Any) -> tuple[int, Plan]:
    """Say a ``!plan`` through the live path; the message id and the stored plan.

    The client-wide default of mentions is opened up, so only what each send sets itself
    can keep a message from pinging."""
    harness.bot._connection.allowed_mentions = discord.AllowedMentions.all()
    harness.bot._ready.set()  # as after READY: the bot may speak in Discord
    message_id = snowflake()
    await harness.say(content, message_id=message_id, **fields)
    plan = harness.bot.service.discord.plan_for_message(message_id)
    assert plan is not None, harness.sent
    return message_id, plan


def sources(harness: Harness, plan_id: int) -> list[Source]:
    return [rev.source for rev in harness.bot.service.revisions(plan_id)]


def current(harness: Harness, plan_id: int) -> Plan:
    return harness.bot.service.get_plan_by_id(plan_id)


# -- edits ---------------------------------------------------------------------------------


async def test_edit_of_the_message_edits_the_plan_and_keeps_its_charts(both: Harness) -> None:
    chart = attachment_payload("chart.png", "https://cdn.discordapp.com/a/1/chart.png", len(PNG))
    message_id, plan = await post(both, "!plan d 2024-05-01 first text", attachments=[chart])
    assert len(plan.charts) == 1
    replies_before = len(both.sent)

    await both.bot.on_raw_message_edit(edit_event(both, message_id, "!plan d 2024-05-01 NVDA 950"))

    after = current(both, plan.id)
    assert after.text == "NVDA 950"
    assert after.charts == plan.charts
    assert [s.ticker for s in after.signals] == ["NVDA"]
    revisions = both.bot.service.revisions(plan.id)
    assert [(r.action, r.source) for r in revisions][-1] == (Action.EDIT, Source.DISCORD_EDIT)
    assert revisions[-1].actor_id == COACH_D_USER
    assert revisions[-1].charts == plan.charts
    assert len(both.sent) == replies_before, "edits are silent"


async def test_the_same_edit_event_twice_makes_one_revision(both: Harness) -> None:
    message_id, plan = await post(both, "!plan d 2024-05-01 first text")
    event = edit_event(both, message_id, "!plan d 2024-05-01 second text")

    await both.bot.on_raw_message_edit(event)
    await both.bot.on_raw_message_edit(event)

    assert sources(both, plan.id) == [Source.DISCORD_COMMAND, Source.DISCORD_EDIT]


async def test_a_later_edit_of_the_same_message_is_applied_again(harness: Harness) -> None:
    message_id, plan = await post(harness, "!plan d first text")

    await harness.bot.on_raw_message_edit(edit_event(harness, message_id, "!plan d second"))
    later = edit_event(harness, message_id, "!plan d third", edited_at=LATER)
    await harness.bot.on_raw_message_edit(later)

    assert current(harness, plan.id).text == "third"
    assert sources(harness, plan.id).count(Source.DISCORD_EDIT) == 2


async def test_an_edit_without_a_date_keeps_the_plan_on_its_date(harness: Harness) -> None:
    message_id, plan = await post(harness, "!plan d 2024-05-01 first text")

    await harness.bot.on_raw_message_edit(edit_event(harness, message_id, "!PLAN d: new text"))

    after = current(harness, plan.id)
    assert (after.text, after.trade_date) == ("new text", DAY)


async def test_embed_only_updates_are_ignored(harness: Harness) -> None:
    message_id, plan = await post(harness, "!plan d see https://example.com/chart")
    unfurl = [{"type": "link", "url": "https://example.com/chart"}]

    # Link unfurls carry no edit time; a partial update may carry no content.
    no_edit_time = edit_event(harness, message_id, "!plan d other", edited_at=None, embeds=unfurl)
    no_content = edit_event(harness, message_id, "", embeds=unfurl)
    await harness.bot.on_raw_message_edit(no_edit_time)
    await harness.bot.on_raw_message_edit(no_content)

    assert current(harness, plan.id).text == "see https://example.com/chart"
    assert sources(harness, plan.id) == [Source.DISCORD_COMMAND]


async def test_an_edit_by_an_unauthorised_user_is_not_applied(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    message_id, plan = await post(harness, "!plan d first text")
    event = edit_event(harness, message_id, "!plan d hijacked", author_id=ANYONE)

    with caplog.at_level(logging.WARNING, logger="coachplans.bot.sync"):
        await harness.bot.on_raw_message_edit(event)

    assert current(harness, plan.id).text == "first text"
    assert sources(harness, plan.id) == [Source.DISCORD_COMMAND]
    assert "not applied" in caplog.text


@pytest.mark.parametrize(
    ("new_content", "moved_to", "again"),
    [
        ("!plan s 2024-05-01 moved to swing", "coach_s on 2024-05-01", "!plan s 2024-05-01"),
        ("!plan d 2024-05-02 moved a day", "coach_d on 2024-05-02", "!plan d 2024-05-02"),
        ("!plan i moved and no date", "coach_i on 2024-05-01", "!plan i 2024-05-01"),
    ],
)
async def test_an_edit_that_would_move_the_plan_is_answered_and_changes_nothing(
    harness: Harness, rest: DiscordRest, new_content: str, moved_to: str, again: str
) -> None:
    message_id, plan = await post(harness, "!plan d 2024-05-01 first text")
    event = edit_event(harness, message_id, new_content)

    await harness.bot.on_raw_message_edit(event)
    await harness.bot.on_raw_message_edit(event)  # the same edit seen twice: one answer

    [answer] = rest.messages(PLANS_CHANNEL)
    assert int(answer.json["message_reference"]["message_id"]) == message_id
    text = answer.content
    assert text.startswith(f"An edit cannot move plan #{plan.id} (coach_d, 2024-05-01)")
    assert f"to {moved_to}" in text and "the plan was left as it was" in text
    assert "delete this message" in text and f"`{again} …`" in text
    assert current(harness, plan.id).text == "first text"
    assert harness.bot.service.get_plan("s", DAY) is None
    assert sources(harness, plan.id) == [Source.DISCORD_COMMAND]


@pytest.mark.parametrize(
    ("new_content", "reason"),
    [
        ("!plan zz nonsense", "no longer parses"),
        ("!plan d", "no longer parses"),
        ("never mind", "no longer a plan command"),
        ("!edit d 2024-05-01 sneaky", "no longer a plan command"),
    ],
)
async def test_an_edit_that_no_longer_fits_the_plan_is_logged_and_ignored(
    harness: Harness, caplog: pytest.LogCaptureFixture, new_content: str, reason: str
) -> None:
    message_id, plan = await post(harness, "!plan d 2024-05-01 first text")

    with caplog.at_level(logging.WARNING, logger="coachplans.bot.sync"):
        await harness.bot.on_raw_message_edit(edit_event(harness, message_id, new_content))

    assert current(harness, plan.id).text == "first text"
    assert harness.bot.service.get_plan("s", DAY) is None
    assert sources(harness, plan.id) == [Source.DISCORD_COMMAND]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and reason in warnings[0].getMessage()


async def test_edits_of_messages_without_a_plan_or_of_deleted_plans_change_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    chat = snowflake()
    await harness.say("just chatting", message_id=chat)
    await harness.bot.on_raw_message_edit(edit_event(harness, chat, "!plan d sneaked in"))
    assert harness.bot.service.plans_for_date(harness.bot.service.today()) == []

    message_id, plan = await post(harness, "!plan d first text")
    await harness.say(f"!delete {plan.id}")
    with caplog.at_level(logging.WARNING, logger="coachplans.bot.sync"):
        await harness.bot.on_raw_message_edit(edit_event(harness, message_id, "!plan d revived?"))
    assert current(harness, plan.id).deleted_at is not None
    assert sources(harness, plan.id)[-1] is Source.DISCORD_COMMAND
    assert caplog.records == [], "nothing to say about plans that are gone"


async def test_edits_in_unwatched_channels_are_ignored(
    sqlite_plan_service: PlanService,
) -> None:
    everywhere = await make_harness(sqlite_plan_service)
    message_id, plan = await post(everywhere, "!plan c first", channel=everywhere.other)
    await everywhere.bot.close()
    watching = await make_harness(sqlite_plan_service, channel_ids=[PLANS_CHANNEL])
    try:
        event = edit_event(watching, message_id, "!plan c second", channel=watching.other)
        await watching.bot.on_raw_message_edit(event)
        assert current(watching, plan.id).text == "first"
    finally:
        await watching.bot.close()


# -- deletes -------------------------------------------------------------------------------


async def test_deleting_the_message_soft_deletes_the_plan_once(both: Harness) -> None:
    message_id, plan = await post(both, "!plan d 2024-05-01 first text")

    await both.bot.on_raw_message_delete(delete_event(both, message_id))
    await both.bot.on_raw_message_delete(delete_event(both, message_id))

    after = current(both, plan.id)
    assert after.deleted_at is not None
    assert both.bot.service.get_plan("d", DAY) is None
    revisions = both.bot.service.revisions(plan.id)
    assert [(r.action, r.source) for r in revisions] == [
        (Action.CREATE, Source.DISCORD_COMMAND),
        (Action.DELETE, Source.DISCORD_DELETE),
    ]
    assert (revisions[-1].actor, revisions[-1].actor_id) == (plan.author, COACH_D_USER)


async def test_deleting_the_message_tells_the_coach_how_to_restore_the_plan(
    harness: Harness, rest: DiscordRest
) -> None:
    message_id, plan = await post(harness, "!plan d 2024-05-01 first text")

    await harness.bot.on_raw_message_delete(delete_event(harness, message_id))
    await harness.bot.on_raw_message_delete(delete_event(harness, message_id))

    [notice] = rest.messages(PLANS_CHANNEL)
    assert "message_reference" not in notice.json  # the message is gone
    text = notice.content
    assert text.startswith(
        f"Plan #{plan.id} for **Coach D (Day Trading)** on 2024-05-01 (by Coach Dee) was "
        "deleted with its Discord message."
    )
    assert "`!plan d 2024-05-01 …`" in text and f"POST /api/v1/plans/{plan.id}/restore" in text
    assert rest.dm_channels == {}


async def test_a_coach_is_told_by_dm_when_the_channel_cannot_be_used(
    harness: Harness, rest: DiscordRest
) -> None:
    message_id, plan = await post(harness, "!plan d 2024-05-01 first text")
    rest.refused.add(PLANS_CHANNEL)

    await harness.bot.on_raw_message_delete(delete_event(harness, message_id))

    [dm] = rest.dms_to(COACH_D_USER)
    assert dm.content.startswith(f"Plan #{plan.id} for **Coach D (Day Trading)**")
    assert "deleted with its Discord message" in dm.content
    assert current(harness, plan.id).deleted_at is not None


async def test_a_bot_not_connected_to_discord_logs_what_it_would_have_said(
    harness: Harness, rest: DiscordRest, caplog: pytest.LogCaptureFixture
) -> None:
    message_id, plan = await post(harness, "!plan d 2024-05-01 first text")
    harness.bot._ready.clear()  # mock mode's bot never logs in

    with caplog.at_level(logging.INFO, logger="coachplans.bot.sync"):
        await harness.bot.on_raw_message_delete(delete_event(harness, message_id))

    assert rest.calls == []
    assert f"not connected to Discord, so not said: Plan #{plan.id} for" in caplog.text
    assert current(harness, plan.id).deleted_at is not None


async def test_deleting_a_replaced_carrier_keeps_the_newer_plan(both: Harness) -> None:
    old_id, plan = await post(both, "!plan d 2024-05-01 first text")
    new_id, reposted = await post(both, "!plan d 2024-05-01 second text")
    assert reposted.id == plan.id

    await both.bot.on_raw_message_delete(delete_event(both, old_id))

    assert current(both, plan.id).deleted_at is None
    assert current(both, plan.id).text == "second text"
    await both.bot.on_raw_message_delete(delete_event(both, new_id))
    assert current(both, plan.id).deleted_at is not None


async def test_a_bulk_delete_deletes_every_plan_it_carried(harness: Harness) -> None:
    first, plan_d = await post(harness, "!plan d one")
    second, plan_s = await post(harness, "!plan s two", author_id=ANYONE, name="Anyone")
    chat = snowflake()
    await harness.say("chat", message_id=chat)
    data: Any = {
        "ids": [str(first), str(second), str(chat), str(snowflake())],
        "channel_id": str(harness.channel.id),
        "guild_id": str(harness.guild.id),
    }

    await harness.bot.on_raw_bulk_message_delete(discord.RawBulkMessageDeleteEvent(data=data))

    assert current(harness, plan_d.id).deleted_at is not None
    assert current(harness, plan_s.id).deleted_at is not None
    assert sources(harness, plan_s.id)[-1] is Source.DISCORD_DELETE


# -- the cursor ----------------------------------------------------------------------------


async def test_processed_messages_advance_the_cursor_of_watched_channels(
    sqlite_plan_service: PlanService,
) -> None:
    harness = await make_harness(sqlite_plan_service, channel_ids=[PLANS_CHANNEL])
    try:
        chat, later = snowflake(), snowflake()
        await harness.say("just chatting", message_id=chat)
        assert sqlite_plan_service.discord.cursors() == {PLANS_CHANNEL: chat}
        await harness.say("!plans", message_id=later)
        await harness.say("elsewhere", channel=harness.other)
        await harness.bot.sync.processed(harness.message("unwatched", channel=harness.other))
        assert sqlite_plan_service.discord.cursors() == {PLANS_CHANNEL: later}
    finally:
        await harness.bot.close()


async def test_without_configured_channels_only_commands_advance_the_cursor(
    harness: Harness,
) -> None:
    command = snowflake()
    await harness.say("!plans", message_id=command)
    await harness.say("just chatting")
    await harness.say("hello", channel=harness.other)

    assert harness.bot.service.discord.cursors() == {PLANS_CHANNEL: command}
    assert OTHER_CHANNEL not in harness.bot.service.discord.cursors()


async def test_a_failing_cursor_write_is_logged_not_raised(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(channel_id: int, message_id: int) -> bool:
        raise RuntimeError("database is gone")

    monkeypatch.setattr(harness.bot.service.discord, "advance_cursor", broken)
    with caplog.at_level(logging.ERROR, logger="coachplans.bot.sync"):
        replies = await harness.say("!plan d still saved")

    assert "saved" in replies[0]
    assert "could not advance the cursor" in caplog.text
