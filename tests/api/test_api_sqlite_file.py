"""The SQLite file moved away, put back, or replaced under a running server (a real uvicorn on
127.0.0.1 over a real file): reported in /health, never silently recreated empty, and
recovered from once a file is back."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import AUTH, DAY_TEXT, api_settings, seed

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.service import PlanService
from coachplans.wiring import build_service
from live_server import LiveServer

Served = tuple[httpx.Client, Path, PlanService]


@pytest.fixture(params=[1.0], ids=["read cache on"])
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    path = tmp_path / "plans.db"
    settings = api_settings(f"sqlite:///{path}", api={"read_cache_seconds": request.param})
    service = build_service(settings)
    server = LiveServer(create_app(settings, service, BotState("mock"))).start()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http, path, service
    server.stop()
    service.repo.engine.dispose()


def warm(http: httpx.Client) -> None:
    """Several requests at once, so the pool holds open connections to the file."""
    for _ in range(8):
        assert http.get("/health").status_code == 200
        assert http.get("/api/v1/plans").status_code == 200


def plan_text(http: httpx.Client, coach: str) -> str:
    response = http.get(f"/api/coach-plans/?coach={coach}&date={DAY_TEXT}")
    assert response.status_code == 200, response.text
    text: str = response.json()["plan"]
    return text


def backed_up(service: PlanService, path: Path, tmp_path: Path) -> Path:
    """A backup holding d's plan "in the backup"; i's plan is written after it."""
    seed(service, "d", "in the backup")
    backup = tmp_path / "backup.db"
    with sqlite3.connect(path) as source, sqlite3.connect(backup) as copy:
        source.backup(copy)
    seed(service, "i", "written after the backup")
    return backup


def move_aside(path: Path, tmp_path: Path) -> None:
    """The database file and its WAL files moved to another folder."""
    aside = tmp_path / "aside"
    aside.mkdir()
    for file in path.parent.glob(path.name + "*"):
        file.rename(aside / file.name)


def test_file_moved_away_is_reported_never_recreated_and_recovered(
    served: Served, tmp_path: Path
) -> None:
    http, path, service = served
    seed(service, "d", "kept safe")
    warm(http)
    aside = tmp_path / "aside.db"
    path.rename(aside)

    health = http.get("/health")
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "unhealthy"
    database = body["components"]["database"]
    assert database["status"] == "down"
    assert "plans.db is missing" in database["detail"]
    assert str(tmp_path) not in database["detail"]  # no server paths in a public answer
    assert http.get(f"/api/coach-plans/?coach=d&date={DAY_TEXT}").status_code == 503
    write = http.post(
        "/api/v1/plans", json={"coach": "s", "date": DAY_TEXT, "text": "lost?"}, headers=AUTH
    )
    assert write.status_code == 503
    assert not path.exists(), "a fresh empty database was created while the server runs"

    aside.rename(path)
    recovered = http.get("/health")
    assert recovered.status_code == 200
    assert recovered.json()["components"]["database"] == {"status": "up", "plan_count": 1}
    assert plan_text(http, "d") == "kept safe"


def test_file_replaced_by_another_is_read_from_then_on(served: Served, tmp_path: Path) -> None:
    """A restore from a backup: a different file (another inode) at the same path. Pooled
    connections to the old file are dropped; every answer comes from the file now there."""
    http, path, service = served
    backup = backed_up(service, path, tmp_path)
    warm(http)
    assert http.get("/health").json()["components"]["database"]["plan_count"] == 2

    move_aside(path, tmp_path)
    shutil.move(backup, path)

    for _ in range(8):  # every pooled connection, not only the first one checked out
        health = http.get("/health")
        assert health.status_code == 200
        assert health.json()["components"]["database"] == {"status": "up", "plan_count": 1}
    assert plan_text(http, "d") == "in the backup"
    assert plan_text(http, "i").startswith("No plan available")
    write = http.post(
        "/api/v1/plans",
        json={"coach": "s", "date": DAY_TEXT, "text": "after restore"},
        headers=AUTH,
    )
    assert write.status_code == 201
    with sqlite3.connect(path) as restored:
        texts = {row[0] for row in restored.execute("SELECT text FROM plans")}
    assert texts == {"in the backup", "after restore"}


@pytest.mark.parametrize("served", [0.0], ids=["read cache off"], indirect=True)
@pytest.mark.parametrize("change", ["moved", "replaced"])
def test_the_event_loop_scan_follows_the_file(served: Served, tmp_path: Path, change: str) -> None:
    """The fast reads scan on the event loop with a connection kept out of the pool: once the
    file at the path is another (or none), that connection is not read from again, even when
    every plan's JSON is already built (nothing else would touch the database)."""
    http, path, service = served
    backup = backed_up(service, path, tmp_path)
    for _ in range(3):  # the kept connection opened, both plans' JSON built
        assert set(http.get(f"/api/coach-plans/all?date={DAY_TEXT}").json()) == {
            "coach_d", "coach_i",
        }  # fmt: skip
    move_aside(path, tmp_path)
    if change == "moved":
        assert http.get(f"/api/coach-plans/all?date={DAY_TEXT}").status_code == 503
        return
    shutil.move(backup, path)
    listed = http.get(f"/api/coach-plans/all?date={DAY_TEXT}").json()
    assert list(listed) == ["coach_d"] and listed["coach_d"]["plan"] == "in the backup"
