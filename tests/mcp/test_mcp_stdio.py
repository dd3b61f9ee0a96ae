"""``coachplans mcp`` over stdio specifically: read tokens (flag and environment), a server
that cannot be reached, the light ``python -m coachplans.mcp`` entry, and flag checks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from mcp import Client, StdioServerParameters
from mcp_support import TODAY, TOKEN, RunningServer, call, call_error, connect

from coachplans.cli import main
from process_support import clean_env, free_port

pytestmark = pytest.mark.slow
T = TODAY.isoformat()


async def test_token_flag_reads_a_locked_server(locked_server: RunningServer) -> None:
    async with connect("stdio", locked_server.url) as client:
        refused = await call_error(client, "get_plans", date=T)
        roster = await call_error(client, "list_coaches")
    expected = "coachplans server refused the request: HTTP 401: Missing bearer token"
    assert refused == f"Error executing tool get_plans: {expected}"
    assert roster == f"Error executing tool list_coaches: {expected}"
    async with connect("stdio", locked_server.url, TOKEN) as client:
        text = await call(client, "get_plans", date=T, coach="d")
    assert text.startswith(f"## coach_d - {T}")


async def test_token_from_the_environment(locked_server: RunningServer) -> None:
    args = ["-m", "coachplans", "mcp", "--base-url", locked_server.url]
    env = clean_env(COACHPLANS_TOKEN=TOKEN)
    async with Client(StdioServerParameters(command=sys.executable, args=args, env=env)) as client:
        assert "coach_s" in await call(client, "get_plans", date=T)


async def test_an_unreachable_server_is_an_error_not_a_missing_plan() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with connect("stdio", url) as client:
        text = await call_error(client, "get_plans", date=T, coach="d")
    assert text.startswith("Error executing tool get_plans: coachplans server unavailable: ")
    assert "No plan" not in text


async def test_python_m_coachplans_mcp_serves_too(plans_server: RunningServer) -> None:
    args = ["-m", "coachplans.mcp", "--base-url", plans_server.url]
    params = StdioServerParameters(command=sys.executable, args=args, env=clean_env())
    async with Client(params) as client:
        assert "coach_d (d): Coach D (Day Trading)" in await call(client, "list_coaches")


def test_stdio_entry_loads_no_server_dependency() -> None:
    code = (
        "import sys, coachplans.mcp.stdio, coachplans.mcp.command, coachplans.mcp.__main__; "
        "print(sorted(m for m in ('fastapi', 'sqlalchemy', 'discord', 'alembic') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--base-url", "localhost:5000"], "--base-url must be an http:// or https:// URL"),
        (["--base-url", "http://127.0.0.1:5000", "--timeout", "0"], "--timeout must be positive"),
        (["--market-timezone", "Mars/Olympus"], "--market-timezone: unknown time zone"),
    ],
)
def test_bad_flags_exit_2_with_a_message(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["mcp", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coachplans: ") and message in err
