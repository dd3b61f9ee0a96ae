"""The command line, in-process through ``main()`` and as a real process."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from coachplans.cli import build_parser, main, mask_url, overrides_from, separate_mock_database
from coachplans.settings import load_settings
from coachplans.store.migrate import head
from live_server import isolate_settings_env, restored_logging

DISCORD_SECRET = "discord-SECRET-token-1"
API_SECRET = "api-SECRET-token-2"
DB_SECRET = "db-SECRET-pass-3"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_settings_env(monkeypatch, tmp_path)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    yield from restored_logging()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m coachplans`` with a clean environment (no settings inherited)."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [sys.executable, "-m", "coachplans", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'plans.db'}"


# --- missing token --------------------------------------------------------------------------


def test_missing_token_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("coachplans: ")
    assert "DISCORD_BOT_TOKEN" in err and "--mock" in err and "--no-bot" in err


def test_missing_token_in_a_real_process() -> None:
    done = run_cli("serve")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("coachplans: ") and "DISCORD_BOT_TOKEN" in lines[0]
    assert "Traceback" not in done.stderr


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "coachplans"
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    done = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("coachplans ")


# --- config show ----------------------------------------------------------------------------


def secret_env() -> dict[str, str]:
    return {"DISCORD_BOT_TOKEN": DISCORD_SECRET, "API_TOKENS": f"agents:{API_SECRET}"}


def test_config_show_masks_every_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in secret_env().items():
        monkeypatch.setenv(name, value)
    url = f"postgresql://plans:{DB_SECRET}@db.internal:5432/plans"
    assert main(["config", "show", "--database-url", url]) == 0
    out, err = capsys.readouterr()
    assert "SECRET" not in out + err
    shown = yaml.safe_load(out)
    assert shown["discord"]["token"] == "***"
    assert shown["api"]["tokens"] == {"agents": "***"}
    assert shown["database"]["url"] == "postgresql://plans:***@db.internal:5432/plans"


def test_config_show_in_a_real_process_masks_secrets(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        f"database:\n  url: postgresql://plans:{DB_SECRET}@db/plans?sslmode=require\n",
        encoding="utf-8",
    )
    done = run_cli("config", "show", "--config", str(config), env=secret_env())
    assert done.returncode == 0, done.stderr
    assert "SECRET" not in done.stdout + done.stderr
    shown = yaml.safe_load(done.stdout)
    assert shown["database"]["url"] == "postgresql://plans:***@db/plans?sslmode=require"
    assert shown["discord"]["token"] == "***"


def test_config_show_applies_flags_over_env(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("API_HOST", "0.0.0.0")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert main(["config", "show", "--port", "6000", "--log-json"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert (shown["api"]["host"], shown["api"]["port"]) == ("0.0.0.0", 6000)
    assert (shown["logging"]["level"], shown["logging"]["json_lines"]) == ("WARNING", True)
    assert "run_bot" not in shown and "config_file" not in shown


def test_flags_become_nested_overrides() -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "6000",
            "--database-url",
            "sqlite:///x.db",
            "--log-level",
            "debug",
            "--log-json",
            "--mock",
            "--config",
            "c.yaml",
        ]
    )
    assert overrides_from(args) == {
        "api": {"host": "0.0.0.0", "port": 6000},
        "database": {"url": "sqlite:///x.db"},
        "logging": {"level": "debug", "json_lines": True},
        "mock": {"enabled": True},
        "config_file": Path("c.yaml"),
    }
    assert overrides_from(build_parser().parse_args(["serve"])) == {}


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h/db", "postgresql://u:***@h/db"),
        ("postgresql+psycopg://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql://h/db?user=u&password=pw", "postgresql://h/db?password=***&user=u"),
        ("sqlite:///plans.db", "sqlite:///plans.db"),
        ("not a url://u:pw@h", "not a url://u:***@h"),
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:pw@h:notaport/db", "postgresql://u:***@h:notaport/db"),
        ("host=db user=u password=pw dbname=x", "host=db user=u password=*** dbname=x"),
        ("host=db password='p w' port=5", "host=db password=*** port=5"),
        ("postgresql:///db?sslpassword=pw&pwd=pw", "postgresql:///db?pwd=***&sslpassword=***"),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


# --- mock mode keeps its own database -------------------------------------------------------


def test_mock_mode_uses_its_own_database_unless_one_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mock = separate_mock_database(load_settings(mock={"enabled": True}))
    assert mock.database.effective_url == "sqlite:///coach_plans.mock.db"
    chosen = separate_mock_database(
        load_settings(mock={"enabled": True}, database={"url": "sqlite:///mine.db"})
    )
    assert chosen.database.effective_url == "sqlite:///mine.db"
    real = separate_mock_database(load_settings(run_bot=False))
    assert real.database.effective_url == "sqlite:///coach_plans.db"
    monkeypatch.setenv("DATABASE_PATH", "env.db")
    from_env = separate_mock_database(load_settings(mock={"enabled": True}))
    assert from_env.database.effective_url == "sqlite:///env.db"


# --- db upgrade / current -------------------------------------------------------------------


def test_db_upgrade_then_current_reports_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(tmp_path)
    assert main(["db", "current", "--database-url", url]) == 0
    assert "none (no database file yet" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert f"revision: {head()} (head)" in capsys.readouterr().out
    assert main(["db", "current", "--database-url", url]) == 0
    assert f"revision: {head()} (head)" in capsys.readouterr().out


def test_db_upgrade_and_current_in_real_processes(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "legacy-named.db")}
    upgraded = run_cli("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    current = run_cli("db", "current", env=env)
    assert current.returncode == 0, current.stderr
    assert f"revision: {head()} (head)" in current.stdout
    assert (tmp_path / "legacy-named.db").exists()


def test_db_commands_do_not_need_a_token(tmp_path: Path) -> None:
    assert main(["db", "upgrade", "--database-url", sqlite_url(tmp_path)]) == 0


def test_unreachable_database_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql://plans:{DB_SECRET}@127.0.0.1:1/plans?connect_timeout=2"
    assert main(["db", "current", "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("coachplans: database error")
    assert err.count("\n") == 1
    assert DB_SECRET not in err


# --- bad settings ---------------------------------------------------------------------------


def test_bad_config_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["config", "show", "--config", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err == f"coachplans: cannot read config file {missing}: No such file or directory\n"


def test_bad_config_path_in_a_real_process(tmp_path: Path) -> None:
    done = run_cli("serve", "--mock", "--config", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2
    assert done.stderr.startswith("coachplans: cannot read config file")
    assert len(done.stderr.splitlines()) == 1


def test_invalid_yaml_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("api: [unclosed\n", encoding="utf-8")
    assert main(["config", "show", "--config", str(config)]) == 2
    assert "is not valid YAML" in capsys.readouterr().err


def test_bad_log_level_flag_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--log-level", "LOUD"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coachplans: --log-level: ") and err.count("\n") == 1


def test_usage_errors_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["serve", "--port", "abc"]) == 2
    assert main(["--help"]) == 0
    assert "serve" in capsys.readouterr().out


# --- the bot alone --------------------------------------------------------------------------


def test_serve_and_bot_help_describe_the_bot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    serve_help = " ".join(capsys.readouterr().out.split())
    assert "Discord bot" in serve_help and "DISCORD_BOT_TOKEN" in serve_help
    assert "--no-bot" in serve_help
    assert main(["bot", "--help"]) == 0
    assert "run the Discord bot only (no API)" in " ".join(capsys.readouterr().out.split())


def test_bot_without_a_token_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bot"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coachplans: ") and "DISCORD_BOT_TOKEN" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("flag", "hint"), [("--mock", "use `coachplans serve --mock`"), ("--no-bot", "nothing to run")]
)
def test_bot_refuses_flags_that_leave_no_bot(
    flag: str, hint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", DISCORD_SECRET)
    assert main(["bot", flag]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coachplans: ") and err.count("\n") == 1
    assert hint in err


def test_bot_that_cannot_reach_discord_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        monkeypatch.setenv("DISCORD_BOT_TOKEN", DISCORD_SECRET)
        monkeypatch.setenv(
            "COACHPLANS_DISCORD__API_BASE", f"http://127.0.0.1:{closed.getsockname()[1]}/api/v10"
        )
        monkeypatch.setenv("RECONNECT_ATTEMPTS", "1")
        monkeypatch.setenv("RECONNECT_DELAY_SECONDS", "0.01")
        assert main(["bot", "--database-url", sqlite_url(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "coachplans: the Discord bot could not run (see the log above)"
    assert "gave up after 2 failed starts" in err
    assert DISCORD_SECRET not in err


# --- bad database URLs ----------------------------------------------------------------------


@pytest.mark.parametrize("command", [["db", "current"], ["config", "show"], ["export"]])
@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://u:{DB_SECRET}@h:notaport/x",
        f"mysql://u:{DB_SECRET}@h/x",
        f"host=db user=u password={DB_SECRET} dbname=x",
    ],
)
def test_bad_database_url_is_one_line_and_exit_2(
    command: list[str],
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert err.startswith("coachplans: DATABASE_URL: ") and err.count("\n") == 1, err
    assert "SECRET" not in out + err


def test_bad_database_url_in_a_real_process() -> None:
    done = run_cli("db", "current", env={"DATABASE_URL": f"mysql://u:{DB_SECRET}@h/x"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "SECRET" not in done.stderr
    assert done.stderr.startswith("coachplans: DATABASE_URL: ")


# --- each command its own flags ---------------------------------------------------------------

BASE_FLAGS = {"-h", "--config", "--database-url", "--log-level", "--log-json"}
SERVER_FLAGS = BASE_FLAGS | {"--host", "--port", "--mock"}
OWN_FLAGS = {
    ("serve",): SERVER_FLAGS | {"--no-bot"},
    ("api",): SERVER_FLAGS | {"--workers"},
    ("bot",): BASE_FLAGS,
    ("config", "show"): SERVER_FLAGS,
    ("db", "upgrade"): BASE_FLAGS,
    ("db", "current"): BASE_FLAGS,
    ("db", "copy"): {"-h", "--config", "--log-level", "--log-json", "--from", "--to", "--json"},
    ("signals", "backfill"): BASE_FLAGS,
    ("import",): BASE_FLAGS
    | {"--format", "--dry-run", "--fetch-charts", "--source-timezone", "--no-backup"}
    | {"--backup-dir", "--json"},
    ("export",): BASE_FLAGS | {"--output", "--json"},
    ("mcp",): {"-h", "--base-url", "--token", "--timeout", "--market-timezone", "--log-level"},
}


def leaf_parsers() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found[path] = parser
        for sub in subs:
            for name, child in sub.choices.items():
                walk(child, (*path, name))

    walk(build_parser(), ())
    return found


def long(action: argparse.Action) -> str:
    return next(s for s in action.option_strings if s.startswith("--"))


def test_each_command_shows_only_its_own_flags_each_with_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    leaves = leaf_parsers()
    assert set(leaves) == set(OWN_FLAGS)
    for path, parser in leaves.items():
        shown = [a for a in parser._actions if a.option_strings and a.help != argparse.SUPPRESS]
        flags = {a.option_strings[0] if a.option_strings[0] == "-h" else long(a) for a in shown}
        assert flags == OWN_FLAGS[path], path
        assert all(a.help for a in shown), [a.option_strings for a in shown if not a.help]
        assert main([*path, "--help"]) == 0
        text = capsys.readouterr().out
        for flag in {"--mock", "--no-bot", "--host", "--port"} - OWN_FLAGS[path]:
            assert flag not in text, (path, flag)


# --- read-only commands -----------------------------------------------------------------------


@pytest.mark.parametrize("command", [["db", "current"], ["export"], ["config", "show"]])
def test_read_only_commands_never_create_a_database(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(command)  # in an empty folder: the default database, coach_plans.db
    nested = tmp_path / "not" / "there" / "plans.db"
    nested_status = main([*command, "--database-url", f"sqlite:///{nested}"])
    assert list(tmp_path.iterdir()) == []
    out, err = capsys.readouterr()
    if command == ["db", "current"]:
        assert (status, nested_status) == (0, 0)
        assert out.count("revision: none (no database file yet") == 2
    else:
        assert (status, nested_status) == ((0, 0) if command == ["config", "show"] else (1, 1))
    if command == ["export"]:
        assert err.splitlines() == [
            f"coachplans: no database at {tmp_path / 'coach_plans.db'}: nothing was created "
            "(`coachplans db upgrade` creates it)",
            f"coachplans: no database at {nested}: nothing was created "
            "(`coachplans db upgrade` creates it)",
        ]


def test_db_copy_names_the_flag_of_a_bad_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = f"mysql://u:{DB_SECRET}@h/x"
    assert main(["db", "copy", "--from", bad, "--to", sqlite_url(tmp_path)]) == 2
    assert main(["db", "copy", "--from", sqlite_url(tmp_path), "--to", bad]) == 2
    out, err = capsys.readouterr()
    assert [line.split(":")[:2] for line in err.splitlines()] == [
        ["coachplans", " --from"],
        ["coachplans", " --to"],
    ]
    assert "SECRET" not in out + err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
