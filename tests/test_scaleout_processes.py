"""Several coachplans processes on one PostgreSQL database (SPEC §12), as real processes:
one active bot and standbys with takeover after ``kill -9``, events and reads crossing
processes through LISTEN/NOTIFY, resumption on another process, and the database's sessions
ended under running processes."""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from db_support import fresh_pg_database
from process_support import COMMAND, ServerProcess, clean_env
from scaleout_support import (
    TOKEN,
    SSEFollower,
    connections_refused,
    terminate_backends,
    write_plan,
)

sys.path.insert(0, str(Path(__file__).parent / "bot"))
from fake_discord import GOOD_TOKEN, FakeDiscord
from fake_guild import CHANNEL_ID, COACH_ID, GuildFakeDiscord

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TAKEOVER_LIMIT = 15.0
DAY = "2024-11-12"


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A database of this test's own (``pg_database`` skips, or fails in CI, without a
    server)."""
    with fresh_pg_database() as url:
        yield url


def start(
    processes: list[ServerProcess],
    tmp_path: Path,
    name: str,
    *args: str,
    url: str,
    **env: str,
) -> ServerProcess:
    process = ServerProcess(
        tmp_path,
        *args,
        database_url=url,
        name=name,
        env=clean_env(API_TOKENS=f"writer:{TOKEN}", **env),
    )
    processes.append(process)
    return process


def bot_status(process: ServerProcess) -> str:
    status: str = process.get_json("/health")["components"]["discord_bot"]["status"]
    return status


def counts(process: ServerProcess) -> tuple[int, int]:
    plans = process.get_json("/api/v1/plans?limit=1000")
    events = process.get_json("/api/v1/events?limit=1000")
    return len(plans["plans"]), len(events["events"])


def takeover(standby: ServerProcess, status: str) -> float:
    started = time.monotonic()
    standby.bot_health(status)
    return time.monotonic() - started


def test_mock_mode_one_simulated_bot_and_takeover_after_kill_9(
    tmp_path: Path, processes: list[ServerProcess], pg_url: str
) -> None:
    first = start(processes, tmp_path, "a", "serve", "--mock", url=pg_url)
    first.bot_health("mock")
    seeded = counts(first)
    assert seeded[0] > 0

    second = start(processes, tmp_path, "b", "serve", "--mock", url=pg_url)
    health = second.bot_health("standby")
    assert health["status"] == "healthy"
    assert bot_status(first) == "mock"
    assert counts(second) == seeded  # seeding twice changed nothing: no plan, no event

    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    assert takeover(second, "mock") < TAKEOVER_LIMIT
    assert "this process now runs the bot" in second.output()


def test_one_discord_bot_across_processes_and_takeover_after_kill_9(
    tmp_path: Path, processes: list[ServerProcess], pg_url: str
) -> None:
    with FakeDiscord() as fake:
        env = {"DISCORD_BOT_TOKEN": GOOD_TOKEN, "COACHPLANS_DISCORD__API_BASE": fake.api_base}
        first = start(processes, tmp_path, "a", "serve", url=pg_url, **env)
        first.bot_health("connected")
        second = start(processes, tmp_path, "b", "serve", url=pg_url, **env)
        second.bot_health("standby")
        time.sleep(2)  # a standby never logs in while the other one runs
        assert len(fake.seen.identifies) == 1
        assert bot_status(first) == "connected"

        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
        assert takeover(second, "connected") < TAKEOVER_LIMIT
        assert len(fake.seen.identifies) == 2

        assert second.stop() == 0
        assert "Traceback" not in second.output()


def test_no_message_ingested_twice_across_a_takeover(
    tmp_path: Path, processes: list[ServerProcess], pg_url: str
) -> None:
    with GuildFakeDiscord() as fake:
        env = {
            "DISCORD_BOT_TOKEN": GOOD_TOKEN,
            "COACHPLANS_DISCORD__API_BASE": fake.api_base,
            "COACHPLANS_DISCORD__ADMIN_USER_IDS": f"[{COACH_ID}]",
            "COACHPLANS_DISCORD__CHANNEL_IDS": f"[{CHANNEL_ID}]",
        }
        first = start(processes, tmp_path, "a", "serve", url=pg_url, **env)
        first.bot_health("connected")
        second = start(processes, tmp_path, "b", "serve", url=pg_url, **env)
        second.bot_health("standby")

        fake.post(f"!plan d {DAY} Day plan: SPY above 580, stop 575")
        first.wait_for("the live plan", lambda: _has_plan(first, "d"))
        # The channel's cursor is written after the plan, in its own transaction: a bot killed
        # between the two leaves no cursor, and the catch-up then reads nothing (see report).
        first.wait_for("the channel cursor", lambda: _cursor(pg_url) is not None)
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
        # Posted while no bot runs: only the channel's history has them.
        fake.post(f"!plan i {DAY} Intraday: QQQ bearish below 500")
        fake.post(f"!plan s {DAY} Swing: NVDA long above 140")

        assert takeover(second, "connected") < TAKEOVER_LIMIT
        second.wait_for("the caught-up plans", lambda: _has_plan(second, "i", "s"))
        time.sleep(1)  # time for anything that would be ingested a second time
        events = second.get_json("/api/v1/events?limit=100")["events"]
        plans = second.get_json("/api/v1/plans?limit=100")["plans"]
    assert sorted(e["coach"] for e in events) == ["coach_d", "coach_i", "coach_s"]
    assert all(plan["version"] == 1 and plan["revision_count"] == 1 for plan in plans)
    assert len(fake.replies) == 3, fake.replies


def _cursor(url: str) -> int | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT last_message_id FROM bot_cursors WHERE channel_id = :c"),
                {"c": CHANNEL_ID},
            ).scalar_one_or_none()
    finally:
        engine.dispose()
    return None if found is None else int(found)


def _has_plan(process: ServerProcess, *coaches: str) -> bool:
    return all(
        process.get(f"/api/v1/plans?coach={coach}&date={DAY}").json().get("plans")
        for coach in coaches
    )


def test_bot_alone_waits_as_standby_and_stops_cleanly(
    tmp_path: Path, processes: list[ServerProcess], pg_url: str
) -> None:
    with FakeDiscord() as fake:
        env = {"DISCORD_BOT_TOKEN": GOOD_TOKEN, "COACHPLANS_DISCORD__API_BASE": fake.api_base}
        active = start(processes, tmp_path, "a", "serve", url=pg_url, **env)
        active.bot_health("connected")
        alone = start(processes, tmp_path, "bot", "bot", url=pg_url, **env)
        alone.wait_for("standby", lambda: "standby:" in alone.output())
        assert alone.stop() == 0
        assert len(fake.seen.identifies) == 1


def test_events_and_reads_cross_processes_and_resume_on_another(
    tmp_path: Path, processes: list[ServerProcess], pg_url: str
) -> None:
    a = start(processes, tmp_path, "a", "api", url=pg_url)
    b = start(processes, tmp_path, "b", "api", url=pg_url)
    for process in (a, b):
        process.wait_healthy()
    on_b = SSEFollower(b.base, last_event_id=0)
    latencies = []
    try:
        assert b.get_json("/api/coach-plans/all") == {}  # now in b's read cache
        for n in range(20):
            sent = time.monotonic()
            plan = write_plan(a.base, "d", DAY, f"plan number {n}: SPY above 580")
            arrived = on_b.arrival_of(plan["id"], plan["version"])
            assert arrived is not None, f"write {n} through a never reached b's stream"
            latencies.append(arrived - sent)
            # b's cached read is dropped by the notice, not by its TTL
            assert b.get_json(f"/api/coach-plans/d?date={DAY}")["plan"].endswith(
                str(n) + ": SPY above 580"
            )
    finally:
        on_b.close()
    assert statistics.median(latencies) <= 0.3, latencies
    assert max(latencies) <= 1.0, latencies
    metrics = _prometheus(b)
    assert metrics["coachplans_event_listener_up"] == 1.0
    assert 0 < metrics["coachplans_event_lag_seconds"] < 1.0  # heard of a's writes

    # A subscriber of b that went away resumes on a with Last-Event-ID: nothing lost.
    seen = on_b.events[-1].id
    for n in range(5):
        write_plan(b.base, "s", DAY, f"swing plan {n}")
    resumed = SSEFollower(a.base, last_event_id=seen)
    try:
        got = resumed.wait_for(5)
    finally:
        resumed.close()
    assert [event.id for event in got] == list(range(seen + 1, seen + 6))
    assert all(event.data["coach"] == "coach_s" for event in got)


def test_every_process_survives_its_database_sessions_ending(
    tmp_path: Path, processes: list[ServerProcess], pg_url: str
) -> None:
    a = start(processes, tmp_path, "a", "serve", "--mock", url=pg_url)
    a.bot_health("mock")
    b = start(processes, tmp_path, "b", "serve", "--mock", url=pg_url)
    b.bot_health("standby")

    with connections_refused(pg_url):
        assert terminate_backends(pg_url) > 0  # pool, listener and lock connections alike
        time.sleep(3)  # down for longer than a restart: every reconnection attempt fails
        assert a.get("/health").status_code == 503
        assert b.get("/health").status_code == 503
    # Exactly one bot again, and events still cross processes once the listeners are back.
    deadline = time.monotonic() + TAKEOVER_LIMIT
    statuses: list[str] = []
    while time.monotonic() < deadline:
        try:
            statuses = sorted([bot_status(a), bot_status(b)])
        except (httpx.HTTPError, AssertionError):
            statuses = []
        if statuses == ["mock", "standby"] and _listening(a) and _listening(b):
            break
        time.sleep(0.2)
    assert statuses == ["mock", "standby"]
    on_b = SSEFollower(b.base)
    try:
        plan = write_plan(a.base, "n", DAY, "news plan after the database came back")
        assert on_b.arrival_of(plan["id"], plan["version"], timeout=1.0) is not None
    finally:
        on_b.close()
    assert "Traceback" not in a.output() + b.output()


def _listening(process: ServerProcess) -> bool:
    metrics = _prometheus(process)
    return metrics.get("coachplans_event_listener_up") == 1.0


def _prometheus(process: ServerProcess) -> dict[str, Any]:
    response = httpx.get(f"{process.base}/metrics", headers={"Accept": "text/plain"}, timeout=5)
    values: dict[str, Any] = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def test_api_workers_share_one_port_and_stop_on_sigterm(
    tmp_path: Path, processes: list[ServerProcess], pg_url: str
) -> None:
    api = start(processes, tmp_path, "workers", "api", "--workers", "2", url=pg_url)
    api.wait_healthy()
    workers = _children(api.proc.pid)
    assert len(workers) == 2
    plan = write_plan(api.base, "d", DAY, "one port, two workers")
    for _ in range(10):  # whichever worker answers, it reads the same database
        assert api.get_json(f"/api/v1/plans/{plan['id']}")["text"] == "one port, two workers"

    assert api.stop() == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert "Traceback" not in api.output()


def test_api_workers_refuse_sqlite(tmp_path: Path) -> None:
    done = subprocess.run(
        [*COMMAND, "api", "--workers", "2", "--database-url", f"sqlite:///{tmp_path}/p.db"],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers needs PostgreSQL" in done.stderr


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]
