"""The prefix commands through discord.py's real command parsing: a bot that never logs in,
real Message/Member objects from payloads, get_context + invoke (and on_message)."""

from __future__ import annotations

import logging
from datetime import date

import httpx
import pytest
from bot_support import (
    ADMIN_ROLE,
    ADMIN_USER,
    ANYONE,
    BOT_USER,
    COACH_D_USER,
    COACH_I_ROLE,
    OTHER_CHANNEL,
    Harness,
    make_harness,
    png_bytes,
)

from coachplans.bot.actions import STORAGE_DOWN, UNEXPECTED
from coachplans.bot.gateway_objects import OfflineContext, attachment_payload
from coachplans.bot.replies import DISCORD_LIMIT
from coachplans.domain.plans import Source
from coachplans.errors import StorageUnavailable
from coachplans.service import PlanService
from db_support import database_gone

DAY = date(2024, 5, 1)


def _revisions(harness: Harness, coach: str, day: date = DAY) -> list[tuple[str, str, int | None]]:
    service = harness.bot.service
    plan = service.get_plan(coach, day) or service.repo.get_slot(coach, day)
    assert plan is not None
    return [(r.action.value, r.source.value, r.actor_id) for r in service.revisions(plan.id)]


async def test_get_context_parses_a_real_message(harness: Harness) -> None:
    ctx = await harness.invoke("!plan d: Long $NVDA above 950\nstop 940")
    assert isinstance(ctx, OfflineContext)
    assert ctx.command is not None and ctx.command.name == "plan"
    plan = harness.bot.service.get_plan("d", harness.bot.service.today())
    assert plan is not None
    assert plan.text == "Long $NVDA above 950\nstop 940"
    assert (plan.author, plan.author_id, plan.channel) == ("Coach Dee", COACH_D_USER, "daily-plans")


@pytest.mark.parametrize(
    "content",
    ["!plan d some text", "!plan d: some text", "!PLAN D some text", "!plan coach_d some text"],
)
async def test_both_plan_forms(harness: Harness, content: str) -> None:
    replies = await harness.say(content)
    assert len(replies) == 1
    assert "saved for **Coach D (Day Trading)**" in replies[0]
    assert harness.bot.service.today().isoformat() in replies[0]
    assert "no charts" in replies[0] and "> some text" in replies[0]


async def test_plan_for_a_named_date_and_repost_replaces(harness: Harness) -> None:
    first = await harness.say("!plan d 2024-05-01 first plan")
    assert "on 2024-05-01" in first[0]
    again = await harness.say("!plan d 2024-05-01 second plan")
    assert "replaced the earlier plan" in again[0]
    plan = harness.bot.service.get_plan("d", DAY)
    assert plan is not None and plan.text == "second plan"
    assert _revisions(harness, "d") == [
        ("create", "discord_command", COACH_D_USER),
        ("replace", "discord_command", COACH_D_USER),
    ]


async def test_the_same_message_twice_is_stored_once(harness: Harness) -> None:
    message = harness.message("!plan d 2024-05-01 text", message_id=4242)
    await harness.deliver(message)
    replies = await harness.deliver(message)
    assert "Already saved" in replies[0]
    assert len(_revisions(harness, "d")) == 1


# -- authorization: every allowed and denied path -------------------------------------------


@pytest.mark.parametrize(
    ("content", "author", "roles", "channel"),
    [
        ("!plan d text", COACH_D_USER, (), None),  # by user id
        ("!plan i text", ANYONE, (COACH_I_ROLE,), None),  # by role id
        ("!plan s text", ANYONE, (), None),  # allow_anyone
        ("!plan c text", COACH_D_USER, (), "other"),  # in the coach's channel
        ("!plan n text", ADMIN_USER, (), None),  # admin user overrides
        ("!plan d text", ANYONE, (ADMIN_ROLE,), None),  # admin role overrides
    ],
)
async def test_allowed(
    harness: Harness, content: str, author: int, roles: tuple[int, ...], channel: str | None
) -> None:
    where = harness.other if channel else None
    replies = await harness.say(content, author_id=author, role_ids=roles, channel=where)
    assert "saved for" in replies[0]


@pytest.mark.parametrize(
    ("content", "author", "roles", "channel", "reason"),
    [
        ("!plan d text", ANYONE, (), None, "You are not authorised to post for coach_d."),
        ("!plan d text", ANYONE, (COACH_I_ROLE,), None, "not authorised to post for coach_d"),
        ("!plan i text", COACH_D_USER, (), None, "not authorised to post for coach_i"),
        ("!plan n text", COACH_D_USER, (), None, "Nobody is authorised to post for coach_n"),
        ("!plan c text", COACH_D_USER, (), None, "not accepted in this channel"),
    ],
)
async def test_denied(
    harness: Harness,
    content: str,
    author: int,
    roles: tuple[int, ...],
    channel: str | None,
    reason: str,
) -> None:
    replies = await harness.say(content, author_id=author, role_ids=roles)
    assert reason in replies[0]
    assert harness.bot.service.stats().total_plans == 0


async def test_unconfigured_coach_says_how_to_configure(harness: Harness) -> None:
    replies = await harness.say("!plan n text")
    assert "coaches[n]" in replies[0] and "user ids or role ids" in replies[0]


async def test_user_names_grant_nothing(harness: Harness) -> None:
    # Same display name as the coach, different id: refused.
    replies = await harness.say("!plan d text", author_id=ANYONE, name="Coach Dee")
    assert "not authorised" in replies[0]


async def test_edit_paths(harness: Harness) -> None:
    await harness.say("!plan d 2024-05-01 original")
    plan = harness.bot.service.get_plan("d", DAY)
    assert plan is not None
    denied = await harness.say("!edit d 2024-05-01 hijack", author_id=ANYONE)
    assert "may not change plans of coach_d" in denied[0]
    own = await harness.say("!edit d 2024-05-01 200 SMA holds")
    assert "updated" in own[0] and "> 200 SMA holds" in own[0]
    by_id = await harness.say(f"!edit {plan.id} by id", author_id=ADMIN_USER)
    assert "updated" in by_id[0]
    admin_role = await harness.say(
        f"!edit #{plan.id} admin role", author_id=ANYONE, role_ids=(ADMIN_ROLE,)
    )
    assert "updated" in admin_role[0]
    stored = harness.bot.service.get_plan("d", DAY)
    assert stored is not None and stored.text == "admin role"
    assert [a for a, _, _ in _revisions(harness, "d")] == ["create", "edit", "edit", "edit"]


async def test_edit_keeps_charts_and_missing_plans_are_clear(harness: Harness) -> None:
    replies = await harness.say("!edit d 2024-05-01 nothing there")
    assert "No live plan for coach_d on 2024-05-01" in replies[0]
    replies = await harness.say("!edit 999 nothing there", author_id=ADMIN_USER)
    assert replies == ["There is no plan #999."]


async def test_delete_paths(harness: Harness) -> None:
    await harness.say("!plan d 2024-05-01 to delete")
    denied = await harness.say("!delete d 2024-05-01", author_id=ANYONE)
    assert "may not change" in denied[0]
    done = await harness.say("!delete d 2024-05-01")
    assert "deleted" in done[0] and "restore" in done[0]
    assert harness.bot.service.get_plan("d", DAY) is None
    again = await harness.say("!delete d 2024-05-01")
    assert "No live plan" in again[0]
    await harness.say("!plan d 2024-05-01 revived")
    plan = harness.bot.service.get_plan("d", DAY)
    assert plan is not None
    by_admin = await harness.say(f"!delete {plan.id}", author_id=ADMIN_USER)
    assert "deleted" in by_admin[0]
    assert [a for a, _, _ in _revisions(harness, "d")] == ["create", "delete", "create", "delete"]


async def test_plans_myplans_history(harness: Harness) -> None:
    await harness.say("!plan d 2024-05-01 dee's plan")
    await harness.say("!plan s 2024-05-01 swing plan", author_id=ANYONE, name="Sam")
    listing = await harness.say("!plans 2024-05-01")
    assert "Plans for 2024-05-01:" in listing[0]
    assert "Coach D (Day Trading)" in listing[0] and "Coach S (Swing)" in listing[0]
    mine = await harness.say("!myplans 2024-05-01", author_id=ANYONE, name="Sam")
    assert "Coach S (Swing)" in mine[0] and "Coach D" not in mine[0]
    empty = await harness.say("!plans 2024-05-02")
    assert empty == ["Plans for 2024-05-02: no plans."]
    await harness.say("!edit d 2024-05-01 changed")
    history = await harness.say("!history d 2024-05-01")
    assert "v2 edited by Coach Dee" in history[0] and "v1 posted by Coach Dee" in history[0]
    assert history[0].index("v2") < history[0].index("v1")


async def test_help_and_unknown_commands(harness: Harness) -> None:
    help_reply = await harness.say("!help")
    assert "!plan <coach>" in help_reply[0] and "!myplans" in help_reply[0]
    assert await harness.say("!nosuchcommand") == []
    assert await harness.say("just chatting") == []


async def test_bots_are_ignored(harness: Harness) -> None:
    message = harness.message("!plan d text", author_id=BOT_USER)
    assert await harness.deliver(message) == []


# -- replies ---------------------------------------------------------------------------------


async def test_replies_never_ping(harness: Harness) -> None:
    await harness.say("!plan s @everyone buy <@&901> now", author_id=ANYONE)
    await harness.say("!plans")
    assert harness.sent
    for sent in harness.sent:
        mentions = sent.options["allowed_mentions"]
        assert mentions.everyone is False and mentions.users is False
        assert mentions.roles is False and mentions.replied_user is False
    assert "@everyone" in harness.sent[0].content


async def test_long_replies_are_split_under_the_limit(harness: Harness) -> None:
    await harness.say("!plan d 2024-05-01 v0")
    for n in range(1, 40):
        await harness.say(f"!edit d 2024-05-01 version {n} " + "detail " * 30)
    before = len(harness.sent)
    await harness.say("!history d 2024-05-01")
    chunks = harness.sent[before:]
    assert len(chunks) > 1
    assert all(len(chunk.content) < DISCORD_LIMIT for chunk in chunks)
    text = "\n".join(chunk.content for chunk in chunks)
    assert all(f"• v{n} " in text for n in range(1, 41))
    # Only the first chunk answers the command message.
    assert "reference" in chunks[0].options and "reference" not in chunks[1].options


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reply"),
    [
        ("!plan", "Which coach?"),
        ("!plan d", "The plan text is missing"),
        ("!plan d 2024-1-5 text", "Write dates as YYYY-MM-DD"),
        ("!plan x text", "Invalid coach name 'x'"),
        ("!plan d " + "x" * 4001, "the limit is 4000"),
        ("!plans someday", "Write dates as YYYY-MM-DD"),
        ("!delete", "Which plan?"),
    ],
)
async def test_bad_input_gets_a_reply_and_changes_nothing(
    harness: Harness, content: str, reply: str
) -> None:
    replies = await harness.say(content)
    assert len(replies) == 1 and reply in replies[0]
    assert harness.bot.service.stats().total_plans == 0


async def test_storage_down_is_told_and_nothing_is_half_written(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise StorageUnavailable("database unreachable")

    monkeypatch.setattr(harness.bot.service, "post_plan", down)
    replies = await harness.say("!plan d text")
    assert replies == [STORAGE_DOWN]


async def test_an_unexpected_error_is_logged_and_the_bot_goes_on(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    service: PlanService = harness.bot.service
    real = service.post_plan

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "post_plan", boom)
    with caplog.at_level(logging.ERROR):
        replies = await harness.say("!plan d text")
    assert replies == [UNEXPECTED]
    assert "bot plan failed" in caplog.text and f"id={COACH_D_USER}" in caplog.text
    monkeypatch.setattr(service, "post_plan", real)
    assert "saved for" in (await harness.say("!plan d text"))[0]


# -- charts -----------------------------------------------------------------------------------


async def test_charts_are_downloaded_and_bad_ones_skipped(sqlite_plan_service: PlanService) -> None:
    png = png_bytes()
    files = {"/a.png": png, "/fake.png": b"%PDF-1.4 not an image"}

    def serve(request: httpx.Request) -> httpx.Response:
        body = files.get(request.url.path)
        return httpx.Response(200, content=body) if body else httpx.Response(404)

    harness = await make_harness(sqlite_plan_service, transport=httpx.MockTransport(serve))
    try:
        attachments = [
            attachment_payload("a.png", "https://cdn.test/a.png?ex=1&hm=sig", len(png)),
            attachment_payload("fake.png", "https://cdn.test/fake.png", 21),
            attachment_payload("gone.png", "https://cdn.test/gone.png", 10),
        ]
        replies = await harness.say("!plan d 2024-05-01 with charts", attachments=attachments)
    finally:
        await harness.bot.close()
    assert "with 1 chart." in replies[0]
    assert replies[0].count("⚠️ Skipped") == 2
    assert "'fake.png'" in replies[0] and "'gone.png'" in replies[0]
    plan = sqlite_plan_service.get_plan("d", DAY)
    assert plan is not None and [c.filename for c in plan.charts] == ["a.png"]
    assert sqlite_plan_service.chart(plan.charts[0].sha256 or "")[1] == png


async def test_unauthorised_posts_download_nothing(sqlite_plan_service: PlanService) -> None:
    fetched: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return httpx.Response(404)

    harness = await make_harness(sqlite_plan_service, transport=httpx.MockTransport(serve))
    try:
        attachment = attachment_payload("a.png", "https://cdn.test/a.png", 10)
        await harness.say("!plan d text", author_id=ANYONE, attachments=[attachment])
    finally:
        await harness.bot.close()
    assert fetched == []


async def test_channels_not_configured_are_ignored(sqlite_plan_service: PlanService) -> None:
    harness = await make_harness(sqlite_plan_service, channel_ids=[OTHER_CHANNEL])
    try:
        assert await harness.say("!plan s text", author_id=ANYONE) == []
        replies = await harness.say("!plan s text", author_id=ANYONE, channel=harness.other)
    finally:
        await harness.bot.close()
    assert "saved for" in replies[0]


async def test_revision_records_the_discord_source(harness: Harness) -> None:
    await harness.say("!plan d 2024-05-01 text")
    plan = harness.bot.service.get_plan("d", DAY)
    assert plan is not None
    (revision,) = harness.bot.service.revisions(plan.id)
    assert revision.source is Source.DISCORD_COMMAND
    assert isinstance(revision.actor, str) and revision.actor == "Coach Dee"


async def test_database_really_gone_is_told_and_nothing_is_half_written(
    plan_service: PlanService, db_url: str
) -> None:
    """SQLite file moved away / PostgreSQL refusing connections: the coach is told, and once
    the database is back nothing of the attempt is stored."""
    harness = await make_harness(plan_service)
    try:
        with database_gone(plan_service, db_url):
            replies = await harness.say("!plan d 2024-05-01 written while the database is gone")
        assert replies == [STORAGE_DOWN]
        assert plan_service.get_plan("d", DAY) is None
        assert plan_service.stats().total_plans == 0
        assert "saved for" in (await harness.say("!plan d 2024-05-01 back again"))[0]
    finally:
        await harness.bot.close()


async def test_a_repost_says_which_charts_went_and_edits_do_not_claim_charts_kept(
    sqlite_plan_service: PlanService,
) -> None:
    png = png_bytes()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=png))
    harness = await make_harness(sqlite_plan_service, transport=transport)
    try:
        charts = [
            attachment_payload(name, f"https://cdn.test/{name}", len(png))
            for name in ("levels.png", "spy-daily.png")
        ]
        first = await harness.say("!plan d 2024-05-01 with charts", attachments=charts)
        assert "with 2 charts" in first[0]
        edited = await harness.say("!edit d 2024-05-01 new text, same charts")
        assert "charts kept" in edited[0]

        reposted = await harness.say("!plan d 2024-05-01 text only now")
        edited_after = await harness.say("!edit d 2024-05-01 still no charts")
    finally:
        await harness.bot.close()
    assert "replaced the earlier plan" in reposted[0] and "with no charts" in reposted[0]
    assert (
        "The earlier plan's 2 charts were removed: 'levels.png', 'spy-daily.png'" in (reposted[0])
    )
    assert "charts kept" not in edited_after[0] and "no charts" in edited_after[0]
    plan = sqlite_plan_service.get_plan("d", DAY)
    assert plan is not None and plan.charts == ()
