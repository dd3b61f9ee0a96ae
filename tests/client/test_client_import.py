"""The client with no extras: importing it loads no server dependency (checked in a fresh
interpreter), and it works — mock mode included — when the server packages are absent."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import coachplans
import coachplans.client

SERVER_PACKAGES = [
    "discord", "fastapi", "uvicorn", "sqlalchemy", "starlette", "alembic", "psycopg", "PIL",
    "pydantic_settings", "orjson", "prometheus_client", "yaml", "jinja2",
]  # fmt: skip


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_client_loads_no_server_dependency() -> None:
    out = run_python(
        f"""
        import json, sys
        from coachplans import EnhancedWebhookClient, create_client
        from coachplans.client import CoachPlansClient, AsyncEnhancedWebhookClient
        create_client("http://127.0.0.1:9")
        CoachPlansClient("http://127.0.0.1:9")
        loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({SERVER_PACKAGES!r}))
        print(json.dumps(loaded))
        """
    )
    assert json.loads(out) == []


def test_the_client_works_without_the_server_packages_installed() -> None:
    """A bare install simulated: every server package fails to import."""
    out = run_python(
        f"""
        import importlib.abc, json, logging, sys

        class Absent(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {SERVER_PACKAGES!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None

        sys.meta_path.insert(0, Absent())
        logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="LOG %(message)s")
        from coachplans import CoachPlansClient, create_client

        plan = create_client(mock=True).fetch_coach_plan("d", "2024-11-08")
        plans = CoachPlansClient.mock().plan_range("2024-11-04", "2024-11-08")
        refused = create_client("http://127.0.0.1:9", max_retries=0).fetch_coach_plan("d")
        print(json.dumps([plan["plan"], len(plans), sorted(refused)]))
        """
    )
    *logs, last = out.strip().splitlines()
    text, count, keys = json.loads(last)
    # The same realistic sample plans as `serve --mock`, with no server package at all.
    assert text.startswith("Day trading plan 2024-11-08")
    assert [count, keys] == [20, ["charts", "error", "plan"]]
    assert not [line for line in logs if "server extra" in line]


SEALED_AGAINST = [
    "sqlalchemy", "discord", "fastapi", "uvicorn", "starlette", "alembic",
    "coachplans.service", "coachplans.store", "coachplans.mock", "coachplans.api",
    "coachplans.bot", "coachplans.settings",
]  # fmt: skip


def test_offline_client_calls_leave_no_server_module_loaded() -> None:
    """Not just importing: every offline call (compat, typed, async) runs, then sys.modules is
    checked for the server's packages and coachplans' own server modules."""
    out = run_python(
        f"""
        import asyncio, json, sys
        from coachplans import create_client, create_async_client
        from coachplans.client import CoachPlansClient, AsyncCoachPlansClient

        compat = create_client(mock=True)
        compat.fetch_coach_plan("d", "2024-11-08")
        compat.fetch_all_coach_plans("2024-11-08")
        compat.check_health()
        typed = CoachPlansClient.mock()
        typed.plans_for_date("2024-11-08")
        typed.list_plans(start="2024-11-01", end="2024-11-08", ticker="SPY")
        typed.plan_range("2024-11-04", "2024-11-08")
        typed.revisions(typed.plans_for_date("2024-11-08")["coach_d"].id)

        async def run_async():
            async with AsyncCoachPlansClient.mock() as client:
                await client.plans_for_date("2024-11-08")
            await create_async_client(mock=True).fetch_coach_plan("s", "2024-11-08")

        asyncio.run(run_async())
        loaded = sorted(
            name for name in sys.modules
            for banned in {SEALED_AGAINST!r}
            if name == banned or name.startswith(banned + ".")
        )
        print(json.dumps(loaded))
        """
    )
    assert json.loads(out) == []


def test_offline_texts_are_mock_modes_texts() -> None:
    """One source of sample plans: the offline client answers with what `serve --mock` seeds."""
    from datetime import date

    from coachplans.mock.data import MockDataProvider

    day = date(2024, 11, 8)
    offline = offline_plan_texts(day)
    seeded = {f"coach_{key}": plan.text for key, plan in MockDataProvider().plans_for(day).items()}
    assert offline == seeded


def offline_plan_texts(day: object) -> dict[str, str]:
    from coachplans.client import CoachPlansClient

    with CoachPlansClient.mock() as client:
        return {coach: plan.text for coach, plan in client.plans_for_date(day).items()}


def test_the_public_api_is_explicit_and_lazy_at_the_top() -> None:
    for name in coachplans.client.__all__:
        assert getattr(coachplans.client, name) is not None
    top_level = [
        "EnhancedWebhookClient", "AsyncEnhancedWebhookClient", "create_client",
        "create_async_client", "CoachPlansClient", "AsyncCoachPlansClient",
    ]  # fmt: skip
    for name in top_level:
        assert name in coachplans.__all__ and name in dir(coachplans)
        assert getattr(coachplans, name) is getattr(coachplans.client, name)
