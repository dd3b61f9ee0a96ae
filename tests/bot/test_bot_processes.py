"""`coachplans serve` and `coachplans bot` as real processes, against a fake Discord on
loopback: real sockets, real signals, nothing on the real network."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from discord_rest import pings_nobody
from fake_discord import (
    BAD_TOKEN,
    GOOD_TOKEN,
    FakeDiscord,
    FakeGuild,
    history_message,
    next_id,
)

from coachplans.bot.runner import INTENTS_MISSING, LOGIN_FAILED
from coachplans.domain.coaches import Coach, Roster
from coachplans.service import PlanService
from coachplans.store.engine import make_engine
from coachplans.store.migrate import upgrade
from coachplans.store.repository import Repository
from process_support import COMMAND, ServerProcess, clean_env

pytestmark = pytest.mark.slow


def bot_env(fake: FakeDiscord, token: str) -> dict[str, str]:
    """No setting inherited from this environment; the bot talks to the fake only."""
    return clean_env(DISCORD_BOT_TOKEN=token, COACHPLANS_DISCORD__API_BASE=fake.api_base)


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as server:
        yield server


def start(
    processes: list[ServerProcess], tmp_path: Path, command: str, fake: FakeDiscord, token: str
) -> ServerProcess:
    process = ServerProcess(tmp_path, command, env=bot_env(fake, token))
    processes.append(process)
    return process


def test_serve_keeps_the_api_when_discord_rejects_the_token(
    tmp_path: Path, processes: list[ServerProcess], fake: FakeDiscord
) -> None:
    server = start(processes, tmp_path, "serve", fake, BAD_TOKEN)
    health = server.bot_health("disconnected", lambda detail: "login" in detail)
    assert health["components"]["discord_bot"]["detail"] == "login failed: invalid token"
    # The API is up, the bot is not: degraded, and still 200 so the API is not taken out.
    assert health["status"] == "degraded" and health["http_status"] == 200
    assert server.get_json("/api/coach-plans/all") == {}

    assert server.stop() == 0
    assert LOGIN_FAILED in server.output()
    assert fake.seen.requests.count("GET /api/v10/users/@me") == 1  # not retried
    assert BAD_TOKEN not in server.output()


def test_serve_runs_the_bot_and_closes_it_on_sigterm(
    tmp_path: Path, processes: list[ServerProcess], fake: FakeDiscord
) -> None:
    server = start(processes, tmp_path, "serve", fake, GOOD_TOKEN)
    health = server.bot_health("connected")
    assert health["status"] == "healthy"
    assert health["components"]["discord_bot"]["detail"].startswith("logged in as coachbot")
    assert server.get_json("/api/coach-plans/all") == {}

    assert server.stop(signal.SIGTERM) == 0
    assert fake.seen.closed.wait(5), "the bot did not close its gateway websocket"
    assert len(fake.seen.identifies) == 1
    output = server.output()
    assert "the Discord bot is closed" in output
    assert "Traceback" not in output and GOOD_TOKEN not in output


def test_bot_alone_connects_and_stops_on_sigterm(
    tmp_path: Path, processes: list[ServerProcess], fake: FakeDiscord
) -> None:
    bot = start(processes, tmp_path, "bot", fake, GOOD_TOKEN)
    bot.wait_for("READY", lambda: "Discord: logged in as coachbot" in bot.output())
    assert bot.stop(signal.SIGTERM) == 0
    assert fake.seen.closed.wait(5)
    assert "Traceback" not in bot.output()
    with pytest.raises(httpx.TransportError):  # no API in this process
        httpx.get(f"{bot.base}/health", timeout=2)


@pytest.mark.parametrize(
    ("token", "allow_intents", "message"),
    [(BAD_TOKEN, True, LOGIN_FAILED), (GOOD_TOKEN, False, INTENTS_MISSING)],
    ids=["bad-token", "intent-missing"],
)
def test_bot_alone_exits_1_with_a_clear_message(
    tmp_path: Path, token: str, allow_intents: bool, message: str
) -> None:
    with FakeDiscord(allow_intents=allow_intents) as fake:
        done = subprocess.run(
            [*COMMAND, "bot", "--database-url", f"sqlite:///{tmp_path / 'plans.db'}"],
            env=bot_env(fake, token),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"coachplans: {message}"
    assert "Traceback" not in done.stderr
    assert token not in done.stderr + done.stdout


# -- catch-up through the fake's REST API ---------------------------------------------------

GUILD, PLANS = 1000, 2001
COACH_I_ROLE = 701
ROLE_COACH, LEFT_SERVER, USER_COACH, CHATTER = 777, 778, 501, 999
ROSTER = """
discord:
  sync_commands: false
coaches:
  - {key: d, name: "Coach D (Day Trading)", user_ids: [501]}
  - {key: i, name: "Coach I (Intraday)", role_ids: [701]}
"""


def test_catch_up_recognises_coaches_authorised_by_a_role(
    tmp_path: Path, processes: list[ServerProcess]
) -> None:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    roster = tmp_path / "coachplans.yaml"
    roster.write_text(ROSTER, encoding="utf-8")
    cursor = next_id()
    with _service(url) as service:
        service.discord.advance_cursor(PLANS, cursor)  # the bot ran before and saw up to here
    # Posted while the bot was down; history carries authors, not members and their roles.
    said = [
        (ROLE_COACH, "!plan i 2024-05-01 Long $NVDA above 950"),
        (CHATTER, "lunch anyone?"),
        (LEFT_SERVER, "!plan i 2024-05-02 posted, then left the server"),
        (USER_COACH, "!plan d 2024-05-01 Short $TSLA below 240"),
    ]
    history = [history_message(PLANS, author, text, next_id()) for author, text in said]
    guild = FakeGuild(
        GUILD,
        "Trading Room",
        {PLANS: "daily-plans"},
        role_ids=[COACH_I_ROLE],
        members={ROLE_COACH: [COACH_I_ROLE], USER_COACH: [], CHATTER: []},
        history={PLANS: history},
    )
    with FakeDiscord(guild=guild) as fake:
        env = bot_env(fake, GOOD_TOKEN) | {"COACHPLANS_CONFIG": str(roster)}
        bot = ServerProcess(tmp_path, "bot", env=env)
        processes.append(bot)
        bot.wait_for("the catch-up", lambda: "catch-up done" in bot.output())
        assert bot.stop(signal.SIGTERM) == 0

    replies = [post["content"] for post in fake.seen.posted]
    assert len(replies) == 2, replies
    assert all("saved for" in reply for reply in replies), replies
    assert not any("not authorised" in reply for reply in replies)
    assert all(pings_nobody(post.get("allowed_mentions")) for post in fake.seen.posted)
    requests = fake.seen.requests
    assert f"GET /api/v10/guilds/{GUILD}/members/{ROLE_COACH}" in requests
    assert f"GET /api/v10/guilds/{GUILD}/members/{LEFT_SERVER}" in requests
    assert f"GET /api/v10/guilds/{GUILD}/members/{CHATTER}" not in requests  # not a command
    output = bot.output()
    assert f"user {LEFT_SERVER} is no longer a member of Trading Room" in output
    assert "not answered: the author's roles could not be read" in output

    with _service(url) as service:
        by_role = service.get_plan("i", date(2024, 5, 1))
        assert by_role is not None and by_role.author_id == ROLE_COACH
        assert service.get_plan("d", date(2024, 5, 1)) is not None
        assert service.get_plan("i", date(2024, 5, 2)) is None  # not judged, not stored
        assert service.discord.cursors() == {PLANS: int(history[-1]["id"])}


@contextmanager
def _service(url: str) -> Iterator[PlanService]:
    engine = make_engine(url)
    upgrade(engine)
    roster = Roster([Coach("d", "Coach D"), Coach("i", "Coach I")])
    try:
        yield PlanService(Repository(engine), roster, ZoneInfo("America/New_York"))
    finally:
        engine.dispose()
