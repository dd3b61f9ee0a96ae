"""The simulated bot of mock mode: its coaches talk to a real PlanBot through Discord's command
path (messages, ``!plan``/``!edit``/``!delete``, raw edit and delete events), charts arrive
through the downloader from an in-memory CDN, and nothing touches the network."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import httpx
import pytest
from sqlalchemy import Engine

from coachplans.bot.gateway_objects import snowflake
from coachplans.domain.coaches import default_roster
from coachplans.domain.plans import Action, Plan, Revision, Source
from coachplans.errors import ValidationFailed
from coachplans.mock import MockDataProvider, MockDiscordBot
from coachplans.mock.calendar import session_day
from coachplans.service import PlanService
from coachplans.store.repository import Repository

REAL_TRANSPORT_CALLS: list[str] = []


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real HTTP transport fails loudly (the downloader would turn it into a skipped chart)."""
    REAL_TRANSPORT_CALLS.clear()

    async def refuse(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        REAL_TRANSPORT_CALLS.append(str(request.url))
        raise AssertionError(f"network access to {request.url}")

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", refuse)


@pytest.fixture
async def mock_bot(service: PlanService) -> AsyncIterator[MockDiscordBot]:
    bot = MockDiscordBot(service)
    yield bot
    await bot.aclose()
    assert REAL_TRANSPORT_CALLS == []


@pytest.fixture
async def sqlite_bot(sqlite_service: PlanService) -> AsyncIterator[MockDiscordBot]:
    bot = MockDiscordBot(sqlite_service, rng_seed=7)
    yield bot
    await bot.aclose()
    assert REAL_TRANSPORT_CALLS == []


def today_plan(service: PlanService, coach: str) -> Plan:
    plan = service.get_plan(coach, session_day(service.today()))
    assert plan is not None
    return plan


def last_revision(service: PlanService, plan_id: int) -> Revision:
    return service.revisions(plan_id)[-1]


async def test_post_goes_through_the_command_path_with_downloaded_charts(
    mock_bot: MockDiscordBot, service: PlanService
) -> None:
    assert mock_bot.status == "mock"
    reply = await mock_bot.post("d")

    expected = MockDataProvider().plan_for("d", session_day(service.today()))
    plan = today_plan(service, "d")
    assert plan.text == expected.text
    want = [hashlib.sha256(chart.data).hexdigest() for chart in expected.charts]
    assert [chart.sha256 for chart in plan.charts] == want
    assert len(mock_bot.cdn.requests) == len(want)  # fetched from the mock CDN, once each
    revision = last_revision(service, plan.id)
    assert revision.source is Source.DISCORD_COMMAND
    # The default roster authorises nobody: the simulated coach posts as an admin of the
    # simulated bot, under its own Discord id.
    assert (revision.actor, revision.actor_id) == ("MockCoachD", mock_bot.coach_ids["d"])
    assert plan.channel == "daily-plans"
    assert reply.startswith(f"Plan #{plan.id} saved for **Coach D (Day Trading)**")
    assert f"with {len(want)} charts" in reply
    assert list(mock_bot.replies) == [reply]


async def test_post_with_text_has_no_charts(
    sqlite_bot: MockDiscordBot, sqlite_service: PlanService
) -> None:
    reply = await sqlite_bot.post("coach_i", "2024-05-01 is not a date here: $SPY over 590")
    plan = today_plan(sqlite_service, "i")
    assert plan.text == "2024-05-01 is not a date here: $SPY over 590"
    assert plan.charts == ()
    assert "with no charts" in reply or "0 charts" in reply


async def test_edit_command_changes_the_text_and_keeps_the_charts(
    mock_bot: MockDiscordBot, service: PlanService
) -> None:
    await mock_bot.post("d")
    before = today_plan(service, "d")
    reply = await mock_bot.edit("D", "new text for today\n$NVDA long above 950")

    plan = today_plan(service, "d")
    assert (plan.id, plan.version) == (before.id, 2)
    assert plan.text == "new text for today\n$NVDA long above 950"
    assert plan.charts == before.charts
    revision = last_revision(service, plan.id)
    assert (revision.action, revision.source) == (Action.EDIT, Source.DISCORD_COMMAND)
    assert revision.actor_id == mock_bot.coach_ids["d"]
    assert "updated (version 2; charts kept)" in reply


async def test_delete_command_soft_deletes_and_a_post_revives(
    mock_bot: MockDiscordBot, service: PlanService
) -> None:
    await mock_bot.post("s")
    plan_id = today_plan(service, "s").id
    reply = await mock_bot.delete("coach_s")

    assert service.get_plan("s", session_day(service.today())) is None
    deleted = service.get_plan_by_id(plan_id)
    assert deleted.deleted_at is not None
    revision = last_revision(service, plan_id)
    assert (revision.action, revision.source) == (Action.DELETE, Source.DISCORD_COMMAND)
    assert "deleted" in reply

    await mock_bot.post("s")
    assert today_plan(service, "s").id == plan_id
    assert len(mock_bot.replies) == 3


async def test_editing_the_plan_message_is_followed_by_the_plan(
    sqlite_bot: MockDiscordBot, sqlite_service: PlanService
) -> None:
    await sqlite_bot.post("n")
    before = today_plan(sqlite_service, "n")
    done = await sqlite_bot.edit_message("n", "Events moved: CPI tomorrow")

    plan = today_plan(sqlite_service, "n")
    assert plan.text == "Events moved: CPI tomorrow"
    assert plan.charts == before.charts
    revision = last_revision(sqlite_service, plan.id)
    assert (revision.action, revision.source) == (Action.EDIT, Source.DISCORD_EDIT)
    assert revision.actor_id == sqlite_bot.coach_ids["n"]
    assert done == f"MockCoachN edited their plan message; plan #{plan.id} follows (version 2)"
    assert len(sqlite_bot.replies) == 1  # the bot answers commands, not message edits


async def test_deleting_the_plan_message_deletes_the_plan(
    sqlite_bot: MockDiscordBot, sqlite_service: PlanService
) -> None:
    await sqlite_bot.post("i")
    plan_id = today_plan(sqlite_service, "i").id
    done = await sqlite_bot.delete_message("i")

    assert sqlite_service.get_plan("i", session_day(sqlite_service.today())) is None
    revision = last_revision(sqlite_service, plan_id)
    assert (revision.action, revision.source) == (Action.DELETE, Source.DISCORD_DELETE)
    assert done == f"MockCoachI deleted their plan message; plan #{plan_id} deleted"
    assert await sqlite_bot.delete_message("i") == ""


async def test_message_edits_without_a_plan_message_do_nothing(
    sqlite_bot: MockDiscordBot, sqlite_service: PlanService
) -> None:
    assert await sqlite_bot.edit_message("d", "anything") == ""
    await sqlite_bot.post("d")
    await sqlite_bot.delete("d")
    # The message now carries a deleted plan: editing it does not bring the plan back.
    assert await sqlite_bot.edit_message("d", "anything") == ""
    assert sqlite_service.get_plan("d", session_day(sqlite_service.today())) is None


async def test_an_unknown_coach_is_refused_before_anything_is_sent(
    sqlite_bot: MockDiscordBot,
) -> None:
    with pytest.raises(ValidationFailed, match="Invalid coach name 'x'"):
        await sqlite_bot.post("x")
    assert list(sqlite_bot.replies) == []


async def test_many_steps_never_fail_and_each_command_gets_a_reply(
    sqlite_bot: MockDiscordBot, sqlite_service: PlanService
) -> None:
    results = [await sqlite_bot.step() for _ in range(60)]

    assert sqlite_bot.actions == 60
    assert all(results)
    replies = list(sqlite_bot.replies)
    commands = [r for r in results if not r.startswith("MockCoach")]
    assert commands == replies
    problems = ("Something went wrong", "not authorised", "unavailable", "Usage")
    assert not [r for r in results if any(p in r for p in problems)]
    sources = {
        rev.source
        for plan in sqlite_service.plans_for_date(session_day(sqlite_service.today()))
        for rev in sqlite_service.revisions(plan.id)
    }
    assert Source.DISCORD_COMMAND in sources
    assert sources <= {Source.DISCORD_COMMAND, Source.DISCORD_EDIT, Source.DISCORD_DELETE}


async def test_step_is_reproducible_with_a_seed(sqlite_service: PlanService) -> None:
    first = MockDiscordBot(sqlite_service, rng_seed=5)
    second = MockDiscordBot(sqlite_service, rng_seed=5)
    try:
        a = [sqlite_service.roster.keys.index(await _coach_of(first)) for _ in range(5)]
        b = [sqlite_service.roster.keys.index(await _coach_of(second)) for _ in range(5)]
    finally:
        await first.aclose()
        await second.aclose()
    assert a == b


async def _coach_of(bot: MockDiscordBot) -> str:
    """The coach the next step acts for, read from the bot's reply or note."""
    result = await bot.step()
    for key in bot.coach_ids:
        name = bot.service.roster.resolve(key).name
        if f"**{name}**" in result or result.startswith(bot.coach_name(key) + " "):
            return key
    raise AssertionError(result)


async def test_updates_do_not_grow_past_the_text_limit(
    sqlite_bot: MockDiscordBot, sqlite_service: PlanService
) -> None:
    await sqlite_bot.post("d", "x" * 3990)
    reply = await sqlite_bot.edit("d", sqlite_bot._updated(today_plan(sqlite_service, "d")))
    assert "updated" in reply
    plan = today_plan(sqlite_service, "d")
    assert plan.text.startswith("Day trading plan")
    assert plan.text.endswith("levels holding, no change to the plan.")


async def test_run_acts_on_schedule_and_stops_promptly(
    sqlite_bot: MockDiscordBot, sqlite_service: PlanService
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(sqlite_bot.run(0.01, stop))
    for _ in range(300):
        if sqlite_bot.actions >= 3:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert sqlite_bot.actions >= 3
    assert sqlite_service.plans_for_date(session_day(sqlite_service.today()))
    assert sqlite_bot.bot.is_closed()


async def test_run_with_a_long_interval_stops_at_once(sqlite_bot: MockDiscordBot) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(sqlite_bot.run(3600, stop))
    await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 1)
    assert sqlite_bot.actions == 0


async def test_run_logs_a_failed_action_and_goes_on(
    sqlite_bot: MockDiscordBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    async def broken() -> str:
        calls.append(1)
        raise RuntimeError("boom")

    monkeypatch.setattr(sqlite_bot, "step", broken)
    stop = asyncio.Event()
    task = asyncio.create_task(sqlite_bot.run(0.01, stop))
    for _ in range(300):
        if len(calls) >= 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(calls) >= 2
    assert "mock bot action failed" in caplog.text


async def test_replies_are_logged(
    sqlite_bot: MockDiscordBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="coachplans.mock.bot"):
        await sqlite_bot.post("d")
    assert "mock bot: Plan #1 saved for **Coach D (Day Trading)**" in caplog.text


def test_message_ids_are_fresh_snowflakes() -> None:
    # From the clock: a restart over the same database never reuses a message id (its
    # ingest key), which a counter starting afresh in each process would.
    first, second = snowflake(), snowflake()
    assert second > first
    assert abs(discord.utils.snowflake_time(first) - datetime.now(UTC)) < timedelta(minutes=1)


async def test_the_simulated_coaches_post_for_the_next_session_when_the_exchange_is_closed(
    sqlite_engine: Engine,
) -> None:
    thanksgiving = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    service = PlanService(
        Repository(sqlite_engine),
        default_roster(),
        ZoneInfo("America/New_York"),
        clock=lambda: thanksgiving,
    )
    bot = MockDiscordBot(service)
    try:
        await bot.post("d")
        await bot.edit("d", "updated on the holiday")
    finally:
        await bot.aclose()
    assert service.plans_for_date(date(2026, 11, 26)) == []
    friday = service.get_plan("d", date(2026, 11, 27))
    assert friday is not None and friday.text == "updated on the holiday"
