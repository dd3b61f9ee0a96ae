"""The slash commands through discord.py's real app-command tree and view store: interactions
built from payloads, Discord's HTTP side recorded (see interactions.py), charts served from a
real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock

import discord
import pytest
from bot_support import (
    ANYONE,
    COACH_D_USER,
    COACH_I_ROLE,
    NY,
    Harness,
    make_harness,
    png_bytes,
)
from interactions import (
    AUTOCOMPLETE,
    DEFERRED,
    FILE_UPLOAD,
    MODAL,
    TEXT_INPUT,
    DiscordHttp,
    Sent,
    Users,
    filled_form,
    recorded_discord_http,
)

from coachplans.bot.actions import STORAGE_DOWN, UNEXPECTED, PlanActions
from coachplans.bot.gateway_objects import attachment_payload, snowflake
from coachplans.bot.replies import DISCORD_LIMIT
from coachplans.bot.slash import SAVED_BELOW, STALE_COMMAND
from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.plans import Source
from coachplans.errors import StorageUnavailable
from coachplans.service import PlanService
from coachplans.store.engine import make_engine
from coachplans.store.migrate import upgrade
from coachplans.store.repository import Repository

DAY = date(2024, 5, 1)
NO_MENTIONS = discord.AllowedMentions.none().to_dict()


class ChartServer:
    """Serves PNG files on 127.0.0.1 like Discord's CDN serves attachments."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requested: list[str] = []  # paths asked for, in order
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        files, requested = self.files, self.requested

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requested.append(self.path)
                body = files.get(self.path.split("?", 1)[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def attachment(self, filename: str, data: bytes) -> dict[str, Any]:
        """A resolved-attachment payload whose (signed-looking) URL serves ``data``."""
        path = f"/attachments/{snowflake()}/{filename}"
        self.files[path] = data
        url = f"{self.url}{path}?ex=67a1b2c3&is=67a06143&hm=0123abcd"
        return {**attachment_payload(filename, url, len(data)), "content_type": "image/png"}


@pytest.fixture
def charts() -> Iterator[ChartServer]:
    server = ChartServer()
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    thread.join()


@pytest.fixture
def http(harness: Harness) -> Iterator[DiscordHttp]:
    """Discord's side, recorded; the client-wide default would let every mention through, so
    only the mentions each send sets explicitly can keep a reply from pinging."""
    harness.bot._connection.allowed_mentions = discord.AllowedMentions.all()
    with recorded_discord_http() as recorded:
        yield recorded
    for sent in recorded.sent:
        if sent.is_text:
            assert sent.message.get("allowed_mentions") == NO_MENTIONS, sent


@pytest.fixture
def users(harness: Harness, http: DiscordHttp) -> Users:
    return Users(harness, http)


def only_text(sent: list[Sent]) -> str:
    assert len(sent) == 1 and sent[0].is_text, sent
    return sent[0].content


async def open_form(users: Users, coach: str = "d", day: str = "2024-05-01") -> dict[str, Any]:
    """Run ``/plan`` and return the modal as Discord received it."""
    sent = await users.command("plan", {"coach": coach, "date": day})
    assert [s.type for s in sent] == [MODAL], sent
    modal: dict[str, Any] = sent[0].payload["data"]
    return modal


# -- registration ---------------------------------------------------------------------------------


async def test_commands_offer_the_roster_as_choices(harness: Harness) -> None:
    tree = harness.bot.tree
    assert sorted(c.name for c in tree.get_commands()) == ["history", "plan", "plans"]
    plan = tree.get_command("plan")
    assert isinstance(plan, discord.app_commands.Command)
    options = {o["name"]: o for o in plan.to_dict(tree)["options"]}
    assert [c["value"] for c in options["coach"]["choices"]] == ["d", "i", "s", "n", "c"]
    assert options["coach"]["choices"][0]["name"] == "Coach D (Day Trading)"
    assert options["coach"]["required"] and not options["date"]["required"]
    assert plan.guild_only  # plans are posted in the server, where the roles are


# -- /plan: the form --------------------------------------------------------------------------


async def test_plan_opens_a_form_with_a_text_field_and_a_file_upload(users: Users) -> None:
    modal = await open_form(users)
    assert modal["title"] == "Plan for Coach D (Day Trading) — 2024-05-01"
    inner = [label["component"] for label in modal["components"]]
    assert [c["type"] for c in inner] == [TEXT_INPUT, FILE_UPLOAD]
    text, upload = inner
    assert (text["style"], text["max_length"], text["required"]) == (2, 4000, True)
    assert (upload["max_values"], upload["min_values"], upload["required"]) == (10, 0, False)
    form = users.open_forms()[modal["custom_id"]]
    children = [c for c in form.walk_children() if not isinstance(c, discord.ui.Label)]
    assert len(children) == 2
    assert isinstance(children[0], discord.ui.TextInput)
    assert children[0].style is discord.TextStyle.paragraph and children[0].max_length == 4000
    assert isinstance(children[1], discord.ui.FileUpload) and children[1].max_values == 10
    # Time to write a plan, but a form never submitted does not stay registered forever.
    assert form.timeout is not None and form.timeout >= 15 * 60


async def test_plan_without_a_date_is_for_today(users: Users, harness: Harness) -> None:
    sent = await users.command("plan", {"coach": "coach_d"})
    today = harness.bot.service.today().isoformat()
    assert sent[0].type == MODAL and sent[0].payload["data"]["title"].endswith(today)


@pytest.mark.parametrize(
    ("coach", "who", "expected"),
    [
        ("d", {"user_id": ANYONE}, "You are not authorised to post for coach_d."),
        ("n", {}, "Nobody is authorised to post for coach_n yet."),
        ("c", {}, "Plans for coach_c are not accepted in this channel."),
    ],
)
async def test_a_user_who_may_not_post_gets_no_form(
    users: Users, coach: str, who: dict[str, Any], expected: str
) -> None:
    sent = await users.command("plan", {"coach": coach}, **who)
    assert len(sent) == 1 and sent[0].ephemeral
    assert sent[0].content.startswith(expected)
    assert users.open_forms() == {}


async def test_a_role_may_open_the_form(users: Users) -> None:
    sent = await users.command("plan", {"coach": "i"}, user_id=ANYONE, role_ids=[COACH_I_ROLE])
    assert [s.type for s in sent] == [MODAL]


# -- /plan: submitting ------------------------------------------------------------------------


async def test_submitting_stores_the_plan_with_its_charts_in_upload_order(
    users: Users, harness: Harness, charts: ChartServer
) -> None:
    modal = await open_form(users)
    images = [png_bytes(color="navy"), png_bytes(color="orange"), png_bytes(color="green")]
    files = [charts.attachment(f"chart-{n}.png", data) for n, data in enumerate(images)]
    # Discord's resolved map is a JSON object; its order is not the upload order.
    data = filled_form(modal, "Long $NVDA above 950\n@everyone stop 940", files)
    data["resolved"]["attachments"] = dict(reversed(data["resolved"]["attachments"].items()))

    sent = await users.submit(data)

    # The "thinking…" placeholder is private (a refusal could still come); the confirmation
    # is public.
    assert [s.kind for s in sent] == ["callback", "followup", "followup"]
    assert sent[0].type == DEFERRED and sent[0].ephemeral
    assert sent[1].ephemeral and sent[1].content == SAVED_BELOW
    assert not sent[2].ephemeral
    reply = sent[2].content
    assert "for **Coach D (Day Trading)** on 2024-05-01 with 3 charts" in reply
    plan = harness.bot.service.get_plan("d", DAY)
    assert plan is not None
    assert plan.text == "Long $NVDA above 950\n@everyone stop 940"
    assert [c.sha256 for c in plan.charts] == [hashlib.sha256(i).hexdigest() for i in images]
    assert [c.filename for c in plan.charts] == ["chart-0.png", "chart-1.png", "chart-2.png"]
    assert (plan.author, plan.author_id, plan.channel) == ("Coach Dee", COACH_D_USER, "daily-plans")
    [revision] = harness.bot.service.revisions(plan.id)
    assert revision.source is Source.DISCORD_COMMAND
    assert users.open_forms() == {}  # a submitted form is forgotten


async def test_a_form_without_files_saves_the_text(users: Users, harness: Harness) -> None:
    modal = await open_form(users)
    sent = await users.submit(filled_form(modal, "  Flat today, no trades  "))
    assert "with no charts" in sent[-1].content
    plan = harness.bot.service.get_plan("d", DAY)
    assert plan is not None and plan.text == "Flat today, no trades" and plan.charts == ()


async def test_a_file_that_is_not_an_image_is_skipped_with_a_warning(
    users: Users, harness: Harness, charts: ChartServer
) -> None:
    modal = await open_form(users)
    files = [charts.attachment("chart.png", png_bytes()), charts.attachment("x.png", b"%PDF-1.4")]
    sent = await users.submit(filled_form(modal, "text", files))
    assert "with 1 chart" in sent[-1].content
    assert "Skipped: 'x.png' is not a PNG, JPEG, GIF or WEBP image" in sent[-1].content


async def test_the_same_submission_twice_is_stored_once(
    users: Users, harness: Harness, charts: ChartServer
) -> None:
    modal = await open_form(users)
    form = users.open_forms()[modal["custom_id"]]
    data = filled_form(modal, "the plan", [charts.attachment("c.png", png_bytes())])
    interaction_id = snowflake()

    await users.submit(data, interaction_id=interaction_id)
    # The view store forgets a submitted form, so a replay reaches nothing through it...
    assert await users.submit(data, interaction_id=interaction_id) == []
    # ...and one that reaches the form anyway is recognised by its interaction id.
    again = await users.submit_to(form, data, interaction_id=interaction_id)

    assert "Already saved as plan" in again[-1].content
    plan = harness.bot.service.get_plan("d", DAY)
    assert plan is not None and len(plan.charts) == 1
    assert len(harness.bot.service.revisions(plan.id)) == 1


async def test_a_right_lost_while_the_form_was_open_is_refused_privately(
    users: Users, harness: Harness
) -> None:
    sent = await users.command(
        "plan", {"coach": "i", "date": "2024-05-01"}, role_ids=[COACH_I_ROLE]
    )
    modal: dict[str, Any] = sent[0].payload["data"]
    sent = await users.submit(filled_form(modal, "text"), role_ids=[])
    assert len(sent) == 1 and sent[0].type != DEFERRED and sent[0].ephemeral
    assert "not authorised to post for coach_i" in sent[0].content
    assert harness.bot.service.get_plan("i", DAY) is None


@pytest.mark.parametrize("text", ["   ", "\n\t \n"])
async def test_a_form_with_blank_text_is_refused_privately_before_any_download(
    users: Users, harness: Harness, charts: ChartServer, text: str
) -> None:
    modal = await open_form(users)
    files = [charts.attachment("chart.png", png_bytes())]

    sent = await users.submit(filled_form(modal, text, files))

    # Answered at once and privately: no public "thinking…", no chart fetched.
    assert len(sent) == 1 and sent[0].is_text and sent[0].ephemeral, sent
    assert sent[0].content == "Plan text is empty. Nothing was saved."
    assert charts.requested == []
    assert harness.bot.service.get_plan("d", DAY) is None


async def test_a_database_outage_during_the_form_is_answered_privately(
    users: Users, harness: Harness, charts: ChartServer
) -> None:
    modal = await open_form(users)
    files = [charts.attachment("chart.png", png_bytes())]
    with mock.patch.object(
        PlanService, "post_plan", autospec=True, side_effect=StorageUnavailable("down")
    ):
        sent = await users.submit(filled_form(modal, "Long $NVDA above 950", files))

    assert [s.kind for s in sent] == ["callback", "followup"]
    assert sent[0].type == DEFERRED and sent[0].ephemeral  # nobody else saw "thinking…"
    assert sent[1].ephemeral and sent[1].content == STORAGE_DOWN
    assert "nothing was saved" in STORAGE_DOWN


async def test_a_failure_in_the_form_is_logged_and_answered_privately(
    users: Users, harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    modal = await open_form(users)
    with (
        mock.patch.object(PlanActions, "post", autospec=True, side_effect=RuntimeError("boom")),
        caplog.at_level(logging.ERROR, logger="coachplans.bot.slash"),
    ):
        sent = await users.submit(filled_form(modal, "text"))
    assert [s.kind for s in sent] == ["callback", "followup"]
    assert sent[1].ephemeral and sent[1].content == UNEXPECTED
    [record] = [r for r in caplog.records if r.name == "coachplans.bot.slash"]
    message = record.getMessage()
    assert "/plan form failed" in message and f"id={COACH_D_USER}" in message
    assert record.exc_info is not None and str(record.exc_info[1]) == "boom"


# -- /plans and /history ------------------------------------------------------------------------


async def test_plans_lists_the_plans_of_the_day(users: Users, harness: Harness) -> None:
    await harness.say("!plan d 2024-05-01 Long $NVDA above 950")
    await harness.say("!plan s 2024-05-01 Swing $AAPL to 200", author_id=ANYONE)
    text = only_text(await users.command("plans", {"date": "2024-05-01"}))
    assert text.startswith("Plans for 2024-05-01:")
    assert "**Coach D (Day Trading)**" in text and "Long $NVDA above 950" in text
    assert "**Coach S (Swing)**" in text and "Swing $AAPL to 200" in text


async def test_plans_of_a_day_without_plans(users: Users) -> None:
    assert only_text(await users.command("plans", {"date": "2024-05-01"})).endswith("no plans.")


async def test_history_lists_the_revisions(users: Users, harness: Harness) -> None:
    await harness.say("!plan d 2024-05-01 first version")
    await harness.say("!plan d 2024-05-01 second version")
    await harness.say("!edit d 2024-05-01 third version")
    text = only_text(await users.command("history", {"coach": "d", "date": "2024-05-01"}))
    lines = text.splitlines()
    assert lines[0] == "History of **Coach D (Day Trading)** on 2024-05-01 (newest first):"
    assert ["v3 edited" in lines[1], "v2 re-posted" in lines[2], "v1 posted" in lines[3]] == [
        True
    ] * 3
    assert "third version" in lines[1] and "first version" in lines[3]


async def test_long_history_is_split_under_the_limit(users: Users, harness: Harness) -> None:
    for n in range(30):
        await harness.say(f"!plan d 2024-05-01 version {n} " + "levels and notes " * 8)
    sent = await users.command("history", {"coach": "d", "date": "2024-05-01"})
    assert len(sent) >= 2
    assert sent[0].kind == "callback" and all(s.kind == "followup" for s in sent[1:])
    assert all(0 < len(s.content) < DISCORD_LIMIT and not s.ephemeral for s in sent)
    joined = "\n".join(s.content for s in sent)
    assert all(f"v{n} " in joined for n in range(1, 31))


@pytest.mark.parametrize(
    ("name", "options", "shown"),
    [
        ("plans", {"date": "2024-1-5"}, "Invalid date format '2024-1-5'. Use YYYY-MM-DD"),
        ("history", {"coach": "d", "date": "2024-02-30"}, "Invalid date format '2024-02-30'"),
        ("plan", {"coach": "d", "date": "tomorrow"}, "Invalid date format 'tomorrow'"),
        ("history", {"coach": "x"}, "Invalid coach name 'x'. Valid coaches: d, i, s, n, c"),
    ],
)
async def test_bad_input_gets_a_private_reason(
    users: Users, name: str, options: dict[str, str], shown: str
) -> None:
    sent = await users.command(name, options)
    assert len(sent) == 1 and sent[0].ephemeral and sent[0].is_text
    assert sent[0].content.startswith(shown)
    assert users.open_forms() == {}


async def test_a_failed_command_is_answered_privately(users: Users, harness: Harness) -> None:
    with mock.patch.object(
        PlanService, "plans_for_date", autospec=True, side_effect=StorageUnavailable("down")
    ):
        sent = await users.command("plans", {"date": "2024-05-01"})
    assert len(sent) == 1 and sent[0].ephemeral and sent[0].content == STORAGE_DOWN


async def test_an_unexpected_failure_is_logged_and_answered_privately(
    users: Users, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        mock.patch.object(
            PlanActions, "plans", autospec=True, side_effect=RuntimeError("db on fire")
        ),
        caplog.at_level(logging.ERROR, logger="coachplans.bot.slash"),
    ):
        sent = await users.command("plans", {})
    assert len(sent) == 1 and sent[0].ephemeral and sent[0].content == UNEXPECTED
    [record] = [r for r in caplog.records if r.name == "coachplans.bot.slash"]
    assert "command='plans'" in record.getMessage() and "channel=2001" in record.getMessage()
    assert record.exc_info is not None and str(record.exc_info[1]) == "db on fire"


async def test_a_command_unknown_to_the_bot_is_answered(
    users: Users, harness: Harness, http: DiscordHttp
) -> None:
    interaction = users.interaction(2, {"id": "1", "name": "gone", "type": 1, "options": []})
    # CommandTree._from_interaction hands errors raised before the command runs to on_error.
    with pytest.raises(discord.app_commands.CommandNotFound) as raised:
        await harness.bot.tree._call(interaction)
    await harness.bot.tree.on_error(interaction, raised.value)
    [sent] = http.to(interaction)
    assert sent.ephemeral and sent.content == STALE_COMMAND


# -- a roster too large for fixed choices --------------------------------------------------------


@pytest.fixture
async def crowded(tmp_path: Path) -> AsyncIterator[Harness]:
    """30 coaches open to anyone: more than Discord's 25 choices."""
    engine = make_engine(f"sqlite:///{tmp_path}/crowded.db")
    upgrade(engine)
    coaches = [Coach(f"k{n}", f"Coach K{n} (Desk {n})", allow_anyone=True) for n in range(30)]
    service = PlanService(Repository(engine), Roster(coaches), NY)
    harness = await make_harness(service)
    yield harness
    await harness.bot.close()
    engine.dispose()


async def test_a_large_roster_is_offered_by_autocomplete(crowded: Harness) -> None:
    with recorded_discord_http() as http:
        users = Users(crowded, http)
        sent = await users.autocomplete("history", {"coach": "k1"}, focused="coach")
    [answer] = sent
    assert answer.type == AUTOCOMPLETE
    values = [c["value"] for c in answer.payload["data"]["choices"]]
    assert values == ["k1"] + [f"k{n}" for n in range(10, 20)]


async def test_many_plans_are_split_into_messages_under_the_limit(crowded: Harness) -> None:
    service = crowded.bot.service
    for n in range(30):
        await crowded.say(f"!plan k{n} 2024-05-01 " + f"$SPY plan number {n} " * 12)
    assert len(service.plans_for_date(DAY)) == 30
    with recorded_discord_http() as http:
        sent = await Users(crowded, http).command("plans", {"date": "2024-05-01"})
    assert len(sent) >= 3
    assert all(len(s.content) < DISCORD_LIMIT for s in sent)
    assert all(s.message["allowed_mentions"] == NO_MENTIONS for s in sent)
    joined = "\n".join(s.content for s in sent)
    assert all(f"**Coach K{n} (Desk {n})**" in joined for n in range(30))
