"""Finding plans by the Discord message that carried them and by their Discord author, on
SQLite and PostgreSQL (through the ``service`` fixture)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from coachplans.domain.charts import ChartUpload
from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.plans import Actor, Plan, Slot, Source
from coachplans.service import PlanService

if TYPE_CHECKING:
    from conftest import FrozenClock

DAY, NEXT_DAY = date(2024, 11, 12), date(2024, 11, 13)
ALICE_ID, BOB_ID = 1_111_111_111_111_111_111, 2_222_222_222_222_222_222
ALICE, BOB = Actor("alice", discord_id=ALICE_ID), Actor("bob", discord_id=BOB_ID)
CHANNEL_ID = 5_005_005_005_005_005_005
MSG = 1_300_000_000_000_000_001  # Discord snowflakes need 64 bits
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def bot(service: PlanService, clock: FrozenClock) -> PlanService:
    """Alice may post for d and i, Bob for i and s; roster order d, i, s."""
    roster = Roster(
        [
            Coach("d", "Coach D", user_ids=frozenset({ALICE_ID})),
            Coach("i", "Coach I", user_ids=frozenset({ALICE_ID, BOB_ID})),
            Coach("s", "Coach S", user_ids=frozenset({BOB_ID})),
        ]
    )
    return PlanService(service.repo, roster, service.tz, clock=clock)


def _post(
    service: PlanService,
    coach: str,
    text: str,
    actor: Actor,
    message_id: int | None,
    trade_date: date = DAY,
    charts: list[ChartUpload] | None = None,
) -> Plan:
    return service.post_plan(
        coach,
        text,
        actor,
        source=Source.DISCORD_COMMAND,
        trade_date=trade_date,
        charts=charts or [],
        channel="plans",
        channel_id=CHANNEL_ID,
        message_id=message_id,
    ).plan


# -- plan_for_message ---------------------------------------------------------------------


def test_plan_for_message_finds_the_plan_with_charts_and_signals(bot: PlanService) -> None:
    charts = [ChartUpload(PNG, "chart.png", "https://cdn/chart.png")]
    plan = _post(bot, "d", "$NVDA long above 945", ALICE, MSG, charts=charts)
    assert plan.charts and plan.signals  # so the comparison below covers both

    found = bot.discord.plan_for_message(MSG)
    assert found == plan
    assert found == bot.get_plan("d", DAY)


def test_an_unknown_message_finds_nothing(bot: PlanService) -> None:
    _post(bot, "d", "plan", ALICE, MSG)
    assert bot.discord.plan_for_message(MSG + 1) is None
    assert bot.discord.plan_for_message(0) is None


def test_a_repost_by_another_message_takes_the_plan_over(bot: PlanService) -> None:
    first = _post(bot, "i", "first", ALICE, MSG)
    second = _post(bot, "i", "second", BOB, MSG + 7)
    assert second.id == first.id
    assert bot.discord.plan_for_message(MSG) is None
    assert bot.discord.plan_for_message(MSG + 7) == second


def test_a_repost_without_a_message_clears_the_old_one(bot: PlanService) -> None:
    _post(bot, "d", "from discord", ALICE, MSG)
    bot.post_plan("d", "from the api", Actor("api"), source=Source.API, trade_date=DAY)
    assert bot.discord.plan_for_message(MSG) is None


def test_an_edit_keeps_the_message(bot: PlanService, clock: FrozenClock) -> None:
    plan = _post(bot, "d", "first", ALICE, MSG)
    clock.tick()
    bot.edit_plan(Slot("d", DAY), "edited", ALICE, source=Source.DISCORD_EDIT)
    found = bot.discord.plan_for_message(MSG)
    assert found is not None
    assert (found.id, found.text, found.edited_at) == (plan.id, "edited", clock.now)


def test_a_deleted_plan_is_still_found(bot: PlanService, clock: FrozenClock) -> None:
    plan = _post(bot, "d", "doomed", ALICE, MSG)
    clock.tick()
    bot.delete_plan(Slot("d", DAY), ALICE, source=Source.DISCORD_DELETE)
    assert bot.get_plan("d", DAY) is None

    found = bot.discord.plan_for_message(MSG)
    assert found is not None
    assert found.id == plan.id
    assert found.text == "doomed"
    assert found.deleted_at == clock.now


def test_a_message_in_two_slots_prefers_the_live_plan(bot: PlanService) -> None:
    old = _post(bot, "d", "today", ALICE, MSG)
    bot.delete_plan(Slot("d", DAY), ALICE, source=Source.DISCORD_DELETE)
    moved = _post(bot, "d", "tomorrow", ALICE, MSG, trade_date=NEXT_DAY)
    assert moved.id != old.id
    found = bot.discord.plan_for_message(MSG)
    assert found is not None and found.id == moved.id and found.deleted_at is None


# -- plans_by_author ----------------------------------------------------------------------


def test_plans_by_author_lists_live_plans_of_the_date_in_roster_order(bot: PlanService) -> None:
    alice_i = _post(bot, "i", "alice intraday", ALICE, MSG)
    alice_d = _post(bot, "d", "alice day", ALICE, MSG + 1)
    bob_s = _post(bot, "s", "bob swing", BOB, MSG + 2)
    _post(bot, "d", "alice tomorrow", ALICE, MSG + 3, trade_date=NEXT_DAY)

    assert bot.discord.plans_by_author(ALICE_ID, DAY) == [alice_d, alice_i]
    assert bot.discord.plans_by_author(BOB_ID, DAY) == [bob_s]
    assert [p.text for p in bot.discord.plans_by_author(ALICE_ID, NEXT_DAY)] == ["alice tomorrow"]
    assert bot.discord.plans_by_author(ALICE_ID, date(2024, 11, 14)) == []
    assert bot.discord.plans_by_author(3_333, DAY) == []


def test_plans_by_author_skips_deleted_and_taken_over_plans(bot: PlanService) -> None:
    _post(bot, "d", "alice day", ALICE, MSG)
    _post(bot, "i", "alice intraday", ALICE, MSG + 1)
    bot.delete_plan(Slot("d", DAY), ALICE, source=Source.DISCORD_DELETE)
    bob_i = _post(bot, "i", "bob took it", BOB, MSG + 2)

    assert bot.discord.plans_by_author(ALICE_ID, DAY) == []
    assert bot.discord.plans_by_author(BOB_ID, DAY) == [bob_i]
