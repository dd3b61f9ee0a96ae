"""The old system's Python names (SPEC §9.1): scripts keep working with imports changed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import coachplans
from coachplans import ConfigManager, PlanService, StorageManager, populate_mock_data
from coachplans.contract import chart_path
from coachplans.settings import LEGACY_ENV, TOP_LEVEL_ENV

DAY = "2024-11-09"
COACHES = ["coach_d", "coach_i", "coach_s", "coach_n"]
COMPAT_KEYS = {"plan", "charts", "author", "created_at", "edited_at", "channel"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*LEGACY_ENV, *TOP_LEVEL_ENV]:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("COACHPLANS_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[StorageManager]:
    manager = StorageManager(str(tmp_path / "coach_plans.db"))
    yield manager
    manager.close()


@pytest.fixture
def legacy(storage: StorageManager) -> PlanService:
    return PlanService(storage)


# --- the script scenario --------------------------------------------------------------------


def test_old_script_scenario(storage: StorageManager) -> None:
    config = ConfigManager()
    assert config.database_path == "coach_plans.db"
    assert (config.api_host, config.api_port, config.log_level) == ("127.0.0.1", 5000, "INFO")
    assert config.discord_token is None and config.mock_mode is False

    service = PlanService(storage)
    result = populate_mock_data(service, DAY)
    assert (result["total"], result["successful"], result["failed"]) == (4, 4, 0)
    assert result["date"] == DAY

    plans = service.get_all_plans_for_api(DAY)
    assert list(plans) == COACHES
    for wire, plan in plans.items():
        assert set(plan) >= COMPAT_KEYS
        assert plan["coach"] == wire and plan["date"] == DAY and plan["found"] is True
        assert plan["plan"].strip()
        assert all(url.startswith("/api/v1/charts/") for url in plan["charts"])


def test_config_manager_reads_old_env_names_and_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_PATH", "/data/plans.db")
    monkeypatch.setenv("API_PORT", "5055")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "token-from-env")
    config_file = tmp_path / "c.yaml"
    config_file.write_text("logging:\n  level: debug\nmock:\n  enabled: true\n", encoding="utf-8")
    config = ConfigManager(str(config_file))
    assert config.database_path == "/data/plans.db"
    assert config.api_port == 5055
    assert config.discord_token == "token-from-env"
    assert config.log_level == "DEBUG"
    assert config.mock_mode is True


def test_plan_service_with_config_uses_its_roster(tmp_path: Path, storage: StorageManager) -> None:
    config_file = tmp_path / "c.yaml"
    config_file.write_text("coaches:\n  - {key: x, name: Coach X}\n", encoding="utf-8")
    service = PlanService(storage, ConfigManager(str(config_file)))
    ok, message, _ = service.process_plan_message("d", "text", "someone", DAY)
    assert not ok and message == "Invalid coach name 'd'. Valid coaches: x"
    assert service.process_plan_message("coach_x", "text", "someone", DAY)[0]


# --- writes ---------------------------------------------------------------------------------


def test_process_plan_message_ok_and_replace(legacy: PlanService) -> None:
    ok, message, plan_id = legacy.process_plan_message(
        "D", "Long $NVDA above 950", "coach_d_user", DAY, channel="plans"
    )
    assert ok and isinstance(plan_id, int)
    assert message == f"Plan saved for coach_d on {DAY} with 0 charts"
    ok, message, again = legacy.process_plan_message(" d ", "Flat today", "coach_d_user", DAY)
    assert ok and again == plan_id
    assert message.startswith(f"Plan replaced for coach_d on {DAY}")
    plan = legacy.get_plan_for_api("coach_d", DAY)
    assert plan["plan"] == "Flat today"
    assert plan["author"] == "coach_d_user"


@pytest.mark.parametrize(
    ("coach", "day", "text", "expected"),
    [
        ("x", DAY, "text", "Invalid coach name 'x'. Valid coaches: d, i, s, n"),
        ("d", "2024-1-5", "text", "Invalid date format '2024-1-5'. Use YYYY-MM-DD"),
        ("d", DAY, "   ", "Plan text is empty"),
        ("d", DAY, "x" * 4001, "Plan text is 4001 characters; the limit is 4000"),
    ],
)
def test_process_plan_message_bad_input(
    legacy: PlanService, coach: str, day: str, text: str, expected: str
) -> None:
    assert legacy.process_plan_message(coach, text, "someone", day) == (False, expected, None)
    assert legacy.get_all_plans_for_api(DAY) == {}


def test_attachments_bytes_are_archived_urls_are_reported(legacy: PlanService) -> None:
    ok, message, _ = legacy.process_plan_message(
        "i",
        "Charts attached",
        "someone",
        DAY,
        attachments=[PNG, ("levels.png", PNG + b"\x01"), "https://cdn.example/x.png", b"%PDF-1"],
    )
    assert ok
    assert "with 2 charts" in message
    assert "chart URL not archived" in message and "https://cdn.example/x.png" in message
    assert "not a PNG, JPEG, GIF or WEBP image" in message
    charts = legacy.get_plan_for_api("i", DAY)["charts"]
    assert len(charts) == 2
    assert all(url.startswith("/api/v1/charts/") and url.endswith(".png") for url in charts)


def test_edit_plan(legacy: PlanService) -> None:
    legacy.process_plan_message("s", "Swing long AAPL", "coach_s_user", DAY)
    assert legacy.edit_plan("s", DAY, "Swing long AAPL above 230", "coach_s_user") == (
        True,
        f"Plan edited for coach_s on {DAY}",
    )
    plan = legacy.get_plan_for_api("s", DAY)
    assert plan["plan"] == "Swing long AAPL above 230"
    assert plan["edited_at"] is not None
    ok, message = legacy.edit_plan("s", "2024-11-10", "no plan there", "coach_s_user")
    assert not ok and message
    assert legacy.edit_plan("q", DAY, "text", "editor") == (
        False,
        "Invalid coach name 'q'. Valid coaches: d, i, s, n",
    )
    assert legacy.edit_plan("s", "11/09/2024", "text", "editor") == (
        False,
        "Invalid date format '11/09/2024'. Use YYYY-MM-DD",
    )


def test_only_the_author_may_edit_or_delete_through_the_old_names(legacy: PlanService) -> None:
    legacy.process_plan_message("s", "Swing long AAPL", "coach_s_user", DAY)
    assert legacy.edit_plan("s", DAY, "hijacked", "someone_else") == (
        False,
        "Permission denied. Only coach_s_user can edit this plan",
    )
    assert legacy.delete_plan("s", DAY, "someone_else") == (
        False,
        "Permission denied. Only coach_s_user can delete this plan",
    )
    plan = legacy.get_plan_for_api("s", DAY)
    assert plan["plan"] == "Swing long AAPL" and plan["edited_at"] is None
    # the real service underneath keeps its own rules: the facade's rule is the facade's
    real = legacy.service.get_plan("s", date(2024, 11, 9))
    assert real is not None and real.version == 1
    assert legacy.edit_plan("s", DAY, "Swing long AAPL, stop 225", "coach_s_user")[0]
    assert legacy.delete_plan("s", DAY, "coach_s_user")[0]


def test_delete_plan_and_repost(legacy: PlanService) -> None:
    legacy.process_plan_message("n", "CPI at 8:30", "coach_n_user", DAY)
    assert legacy.delete_plan("n", DAY, "coach_n_user") == (
        True,
        f"Plan deleted for coach_n on {DAY}",
    )
    assert legacy.get_plan_for_api("n", DAY) == {
        "plan": f"No plan available for coach_n on {DAY}",
        "charts": [],
        "found": False,
    }
    ok, _ = legacy.delete_plan("n", DAY, "coach_n_user")
    assert not ok
    assert legacy.process_plan_message("n", "Back again", "coach_n_user", DAY)[0]
    assert legacy.get_plan_for_api("n", DAY)["plan"] == "Back again"


# --- reads ----------------------------------------------------------------------------------


def test_history_is_the_old_ok_and_list_tuple(legacy: PlanService) -> None:
    legacy.process_plan_message("d", "first", "alice", DAY)
    legacy.edit_plan("d", DAY, "second", "alice")
    legacy.edit_plan("d", DAY, "third", "alice")
    ok, history = legacy.get_plan_history("d", DAY)
    assert ok is True
    assert [(h["plan_text"], h["edited_by"]) for h in history] == [
        ("second", "alice"),
        ("first", "alice"),
    ]
    for entry in history:
        assert set(entry) == {"id", "plan_id", "plan_text", "edited_by", "edited_at"}
        assert entry["edited_at"].endswith("+00:00")
    assert legacy.get_plan_history("i", DAY) == (True, [])
    assert legacy.get_plan_history("zz", DAY) == (False, [])
    assert legacy.get_plan_history("d", "2024-13-01") == (False, [])


def test_reads_with_bad_input_answer_errors(legacy: PlanService) -> None:
    assert legacy.get_plan_for_api("zz", DAY) == {
        "error": "Invalid coach name 'zz'. Valid coaches: d, i, s, n"
    }
    assert legacy.get_plan_for_api("d", "2024-13-01") == {
        "error": "Invalid date format '2024-13-01'. Use YYYY-MM-DD"
    }
    assert legacy.get_all_plans_for_api("bad") == {
        "error": "Invalid date format 'bad'. Use YYYY-MM-DD"
    }


def test_dates_default_to_today_and_accept_date_objects(legacy: PlanService) -> None:
    ok, _, _ = legacy.process_plan_message("d", "today's plan", "someone")
    assert ok
    today = legacy.service.today()
    assert legacy.get_plan_for_api("d")["date"] == today.isoformat()
    assert legacy.get_plan_for_api("d", today)["plan"] == "today's plan"
    assert list(legacy.get_all_plans_for_api()) == ["coach_d"]


def test_compat_plan_fields(legacy: PlanService) -> None:
    legacy.process_plan_message(
        "d", "text", "alice", DAY, channel="trading-plans", attachments=[PNG]
    )
    plan = legacy.get_plan_for_api("d", DAY)
    real = legacy.service.get_plan("d", date(2024, 11, 9))
    assert real is not None
    assert plan == {
        "plan": "text",
        "charts": [chart_path(real.charts[0])],
        "author": "alice",
        "created_at": real.created_at.isoformat(),
        "edited_at": None,
        "channel": "trading-plans",
        "id": real.id,
        "coach": "coach_d",
        "date": DAY,
        "found": True,
        "version": 1,
    }


# --- importing ------------------------------------------------------------------------------


def test_lazy_names_are_exported() -> None:
    assert set(coachplans.__all__) >= {
        "ConfigManager",
        "StorageManager",
        "PlanService",
        "populate_mock_data",
        "MockDataProvider",
        "MockDiscordBot",
    }
    assert coachplans.MockDataProvider is not None and coachplans.MockDiscordBot is not None
    assert isinstance(coachplans.__version__, str)
    with pytest.raises(AttributeError):
        _ = coachplans.NoSuchName  # type: ignore[attr-defined]


SCRIPT = """
    from coachplans import ConfigManager, StorageManager, PlanService, populate_mock_data

    config = ConfigManager()
    storage = StorageManager(config.database_path)
    service = PlanService(storage)
    result = populate_mock_data(service, "2024-11-09")
    print(result["total"], result["successful"])
    plans = service.get_all_plans_for_api("2024-11-09")
    print(",".join(sorted(plans)))
    print(service.get_plan_for_api("d", "2024-11-10")["plan"])
    ok, message, plan_id = service.process_plan_message("d", "Script plan", "script", "2024-11-10")
    print(ok, plan_id is not None)
"""


def test_old_script_runs_in_a_fresh_process(tmp_path: Path) -> None:
    script = tmp_path / "old_script.py"
    script.write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_PATH": str(tmp_path / "old.db")}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "4 4",
        "coach_d,coach_i,coach_n,coach_s",
        "No plan available for coach_d on 2024-11-10",
        "True True",
    ]


def test_import_pulls_in_no_server_dependency() -> None:
    code = (
        "import sys, coachplans\n"
        "heavy = {'fastapi', 'sqlalchemy', 'uvicorn', 'discord', 'pydantic_settings', 'alembic'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
        "print(coachplans.__version__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded, version = done.stdout.splitlines()
    assert loaded == "[]"
    assert version and version != "0.0.0"
