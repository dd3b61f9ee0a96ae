"""The ``coachplans`` command line: serve, api, bot, config show, db upgrade/current/copy,
import, export, mcp.

Every command builds the settings once from its flags (highest priority), the environment and
an optional YAML file. Invalid settings print one line ``coachplans: <message>`` to stderr and
exit with status 2; secrets are never written out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any, Protocol, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import SecretStr
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from coachplans import __version__
from coachplans.db_url import DatabaseUrlError, check_url, mask_url, sqlite_path
from coachplans.errors import CoachPlansError, ConfigError
from coachplans.mcp import command as mcp_command
from coachplans.settings import DatabaseSettings, Settings, load_settings

log = logging.getLogger("coachplans.cli")

PROG = "coachplans"
MASK = "***"
MOCK_DATABASE = "coach_plans.mock.db"
# The flag of each setting a flag overrides, so that an error names what the user typed.
FLAGS: dict[tuple[str | int, ...], str] = {
    ("api", "host"): "--host",
    ("api", "port"): "--port",
    ("database", "url"): "--database-url",
    ("logging", "level"): "--log-level",
    ("logging", "json_lines"): "--log-json",
    ("mock", "enabled"): "--mock",
}

Handler = Callable[[argparse.Namespace], int]


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Coaches' daily trading plans from Discord, served over HTTP.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Each command lists only the flags it uses.
    base, server = [_settings_flags(database=True)], [_settings_flags(server=True)]
    serve = _leaf(
        commands,
        "serve",
        "run the API and the Discord bot in one process (the bot needs DISCORD_BOT_TOKEN; "
        "--no-bot serves the API alone; --mock simulates the bot); the API keeps serving "
        "whatever happens to the bot",
        _serve,
        server,
    )
    serve.add_argument("--no-bot", action="store_true", help="do not run the Discord bot")
    _leaf(commands, "api", "run the API only (no bot)", _api, server).add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="N API processes on one port (PostgreSQL only; default 1)",
    )
    _hidden_refusals(
        _leaf(
            commands,
            "bot",
            "run the Discord bot only (no API); exits 1 when Discord rejects the token or the "
            "Message Content intent",
            _bot,
            base,
        )
    )
    config = commands.add_parser("config", help="inspect the settings")
    config_commands = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    _leaf(config_commands, "show", "print the effective settings, secrets masked", _show, server)
    db = commands.add_parser("db", help="database schema migrations")
    db_commands = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    _leaf(db_commands, "upgrade", "migrate the database to the latest schema", _upgrade, base)
    _leaf(
        db_commands,
        "current",
        "print the schema revision and whether it is head (read-only)",
        _current,
        base,
    )
    _copy_flags(
        _leaf(
            db_commands,
            "copy",
            "copy everything to another (empty) database",
            _copy,
            [_settings_flags()],
        )
    )
    signals = commands.add_parser("signals", help="signals read from plan texts")
    signals_commands = signals.add_subparsers(dest="action", required=True, metavar="ACTION")
    _leaf(
        signals_commands,
        "backfill",
        "parse every plan's current text and store its signals (idempotent)",
        _backfill_signals,
        base,
    )
    _import_flags(
        _leaf(commands, "import", "import the old system's data or an export", _import, base)
    )
    _export_flags(
        _leaf(
            commands,
            "export",
            "export every plan and chart as JSON Lines (read-only)",
            _export,
            base,
        )
    )
    mcp_command.register(commands)
    return parser


def _import_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", metavar="PATH", help="old SQLite database, old JSON dump, or coachplans export"
    )
    parser.add_argument(
        "--format",
        default="auto",
        choices=["auto", "old-db", "old-json", "jsonl"],
        help="what PATH is (default: judged by its content)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="do everything, report, then roll back"
    )
    parser.add_argument(
        "--fetch-charts",
        action="store_true",
        help="try once to download old chart URLs (default: keep them as external links)",
    )
    parser.add_argument(
        "--source-timezone",
        metavar="TZ",
        help="zone of the old system's naive timestamps (default: the market timezone)",
    )
    parser.add_argument(
        "--no-backup", action="store_true", help="do not back up the target database first"
    )
    parser.add_argument(
        "--backup-dir",
        metavar="DIR",
        help="where the backup goes (default: beside a SQLite file; for PostgreSQL, a JSON "
        "Lines export in the current folder)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _export_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", "-o", metavar="PATH", default="-", help="file to write (default: stdout)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _copy_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        required=True,
        help="database to copy from (a SQLAlchemy URL; only read)",
    )
    parser.add_argument(
        "--to",
        dest="target",
        metavar="URL",
        required=True,
        help="empty database to copy into (a SQLAlchemy URL; migrated first)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _settings_flags(*, database: bool = False, server: bool = False) -> argparse.ArgumentParser:
    flags = argparse.ArgumentParser(add_help=False)
    group = flags.add_argument_group("settings (override environment and config file)")
    group.add_argument("--config", metavar="PATH", help="YAML config file (${VAR} expanded)")
    if server:
        group.add_argument(
            "--mock", action="store_true", default=None, help="mock mode: no Discord, seeded plans"
        )
        group.add_argument("--host", help="API host (default 127.0.0.1)")
        group.add_argument("--port", type=int, help="API port (default 5000)")
    if database or server:
        group.add_argument("--database-url", metavar="URL", help="SQLAlchemy database URL")
    group.add_argument("--log-level", metavar="LEVEL", help="DEBUG, INFO, WARNING or ERROR")
    group.add_argument("--log-json", action="store_true", default=None, help="JSON log lines")
    return flags


def _hidden_refusals(parser: argparse.ArgumentParser) -> None:
    """``bot --mock`` / ``bot --no-bot`` are not offered, but are answered with what to run."""
    parser.add_argument("--mock", action="store_true", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-bot", action="store_true", help=argparse.SUPPRESS)


def _leaf(
    commands: Any,
    name: str,
    help_text: str,
    handler: Handler,
    parents: list[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help_text, description=help_text, parents=parents
    )
    parser.set_defaults(handler=handler)
    return parser


# --- settings -------------------------------------------------------------------------------


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """CLI flags as nested ``load_settings`` overrides; flags not given are left out."""
    out: dict[str, Any] = {}

    def put(section: str, field: str, value: Any) -> None:
        if value is not None:
            out.setdefault(section, {})[field] = value

    put("api", "host", getattr(args, "host", None))
    put("api", "port", getattr(args, "port", None))
    put("database", "url", getattr(args, "database_url", None))
    put("logging", "level", args.log_level)
    put("logging", "json_lines", args.log_json)
    put("mock", "enabled", getattr(args, "mock", None))
    if args.config is not None:
        out["config_file"] = Path(args.config)
    return out


def settings_from(args: argparse.Namespace, *, run_bot: bool | None = None) -> Settings:
    overrides = overrides_from(args)
    if run_bot is not None:
        overrides["run_bot"] = run_bot
    return separate_mock_database(load_settings(flags=FLAGS, **overrides))


def separate_mock_database(settings: Settings) -> Settings:
    """Mock plans never land in the real default database: without an explicit database
    setting, mock mode uses its own SQLite file."""
    if settings.mock.enabled and not settings.database.model_fields_set:
        return settings.model_copy(update={"database": DatabaseSettings(path=MOCK_DATABASE)})
    return settings


def secrets_of(settings: Settings) -> list[str]:
    found = [token.get_secret_value() for token in settings.api.tokens.values()]
    if settings.discord.token is not None:
        found.append(settings.discord.token.get_secret_value())
    found.extend(_url_secrets(settings.database.effective_url))
    return [secret for secret in found if secret]


def _url_secrets(url: str) -> list[str]:
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return []
    values = [parsed.password] if parsed.password else []
    for key, value in parsed.query.items():
        if "pass" in key.lower():
            values.extend([value] if isinstance(value, str) else list(value))
    return [str(value) for value in values]


def masked_settings(settings: Settings) -> dict[str, Any]:
    """The settings as plain data with every secret masked (for ``config show``)."""
    data = _unsecret(settings.model_dump(mode="python", exclude={"run_bot"}))
    database = data["database"]
    if database.get("url"):
        database["url"] = mask_url(database["url"])
    return dict(data)


def _unsecret(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, dict):
        return {key: _unsecret(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_unsecret(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _start_logging(settings: Settings) -> None:
    from coachplans.logging import configure_logging, register_secret

    for secret in secrets_of(settings):
        register_secret(secret)
    try:
        configure_logging(settings.logging)
    except OSError as exc:
        raise ConfigError(f"cannot open log file {settings.logging.file}: {_reason(exc)}") from exc


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --- commands -------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    settings = settings_from(args, run_bot=False if args.no_bot else None)
    return _run_server(settings)


def _api(args: argparse.Namespace) -> int:
    settings = settings_from(args, run_bot=False)
    if args.workers == 1:
        return _run_server(settings)
    if args.workers < 1:
        raise ConfigError("--workers must be 1 or more")
    from coachplans.serve_workers import serve_workers

    _start_logging(settings)
    return serve_workers(settings, args.workers)


def _run_server(settings: Settings) -> int:
    from coachplans.bot_status import BotState
    from coachplans.serve import serve_api
    from coachplans.wiring import build_service

    _start_logging(settings)
    log.info(
        "coachplans %s starting: database %s, API on %s:%d",
        __version__,
        mask_url(settings.database.effective_url),
        settings.api.host,
        settings.api.port,
    )
    service = build_service(settings)  # migrates the schema on start
    bot_state = BotState()
    _announce_bot(settings, bot_state)
    asyncio.run(serve_api(settings, service, bot_state))
    return 0


def _announce_bot(settings: Settings, bot_state: Any) -> None:
    if not settings.run_bot:
        log.info("Discord bot disabled; serving the API only")
        bot_state.set("disabled")
    elif not settings.mock.enabled:
        bot_state.set("disconnected", "connecting to Discord")


class BotNotRunning(CoachPlansError):
    """The bot run alone could not run (rejected token, missing intent, gave up retrying)."""


def _bot(args: argparse.Namespace) -> int:
    if args.no_bot:
        raise ConfigError("`coachplans bot` runs only the bot: --no-bot leaves nothing to run")
    settings = settings_from(args, run_bot=True)
    if settings.mock.enabled:
        raise ConfigError(
            "mock mode has no Discord bot to run alone: use `coachplans serve --mock`"
        )
    return _run_bot_alone(settings)


def _run_bot_alone(settings: Settings) -> int:
    from coachplans.bot.runner import BotOutcome, describe
    from coachplans.bot_status import BotState
    from coachplans.serve import serve_bot
    from coachplans.wiring import build_service

    _start_logging(settings)
    log.info(
        "coachplans %s starting the Discord bot alone: database %s",
        __version__,
        mask_url(settings.database.effective_url),
    )
    service = build_service(settings)  # migrates the schema on start
    outcome = asyncio.run(serve_bot(settings, service, BotState()))
    if outcome is not BotOutcome.STOPPED:
        raise BotNotRunning(describe(outcome))
    return 0


def _show(args: argparse.Namespace) -> int:
    settings = settings_from(args, run_bot=False)
    text = yaml.safe_dump(masked_settings(settings), sort_keys=False, allow_unicode=True)
    sys.stdout.write(text)
    return 0


class MissingDatabase(CoachPlansError):
    """A read-only command named a SQLite file that does not exist."""


def _database_url(args: argparse.Namespace, *, read_only: bool = False) -> str:
    """The database URL from the flags, with logging started. ``read_only``: a missing
    SQLite file is an error, never created (SQLite would create it on connect)."""
    settings = settings_from(args, run_bot=False)
    _start_logging(settings)
    url = settings.database.effective_url
    path = sqlite_path(url)
    if read_only and path is not None and not path.exists():
        raise MissingDatabase(
            f"no database at {path.absolute()}: nothing was created "
            "(`coachplans db upgrade` creates it)"
        )
    return url


def _upgrade(args: argparse.Namespace) -> int:
    from coachplans.wiring import upgrade_schema

    url = _database_url(args)
    revision = upgrade_schema(url)
    sys.stdout.write(f"database: {mask_url(url)}\nrevision: {revision} (head)\n")
    return 0


def _current(args: argparse.Namespace) -> int:
    from coachplans.wiring import schema_revisions

    try:
        url = _database_url(args, read_only=True)
        described = _describe_revision(*schema_revisions(url))
    except MissingDatabase:
        url = settings_from(args, run_bot=False).database.effective_url
        described = "none (no database file yet; run `coachplans db upgrade`)"
    sys.stdout.write(f"database: {mask_url(url)}\nrevision: {described}\n")
    return 0


def _describe_revision(revision: str | None, head_revision: str | None) -> str:
    if revision is None:
        return "none (empty database; run `coachplans db upgrade`)"
    if revision == head_revision:
        return f"{revision} (head)"
    return f"{revision} (not head; head is {head_revision}; run `coachplans db upgrade`)"


def _backfill_signals(args: argparse.Namespace) -> int:
    from coachplans.wiring import opened_service

    settings = settings_from(args, run_bot=False)
    _start_logging(settings)
    from coachplans.transfer.progress import progress

    with (
        opened_service(settings) as service,
        progress(service.count_plan_texts(), "signals") as tick,
    ):
        plans = service.backfill_signals(tick=tick)
        signals = service.count_signals()
    sys.stdout.write(f"signals: parsed {plans} plans, {signals} signals stored\n")
    return 0


# --- data tools (the work is in coachplans.transfer) ----------------------------------------


def _import(args: argparse.Namespace) -> int:
    from coachplans.transfer.importer import ImportOptions, run_import

    settings = settings_from(args, run_bot=False)
    _start_logging(settings)
    options = ImportOptions(
        path=Path(args.path),
        format=args.format,
        dry_run=args.dry_run,
        fetch_charts=args.fetch_charts,
        source_tz=_zone(args.source_timezone),
        backup=not args.no_backup,
        backup_dir=Path(args.backup_dir) if args.backup_dir else None,
    )
    report = run_import(settings, options, mask_url(settings.database.effective_url))
    _report(report, args.json)
    return 0


def _export(args: argparse.Namespace) -> int:
    from coachplans.transfer.export import STDOUT, export_database

    report = export_database(_database_url(args, read_only=True), args.output)
    # With the export on stdout, the report goes to stderr so the data stays clean.
    _report(report, args.json, sys.stderr if args.output == STDOUT else sys.stdout)
    return 0


def _copy(args: argparse.Namespace) -> int:
    from coachplans.transfer.copy import run_copy

    settings = settings_from(args, run_bot=False)
    _start_logging(settings)
    for flag, url in (("--from", args.source), ("--to", args.target)):
        try:
            check_url(url)
        except DatabaseUrlError as exc:
            raise ConfigError(f"{flag}: {exc}") from None
    report = run_copy(args.source, args.target, mask_url(args.source), mask_url(args.target))
    _report(report, args.json)
    return 0


class _Report(Protocol):
    def render(self) -> str: ...
    def to_json(self) -> dict[str, Any]: ...


def _report(report: _Report, as_json: bool, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(json.dumps(report.to_json(), indent=2) + "\n" if as_json else report.render())
    out.flush()


def _zone(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"--source-timezone: unknown time zone '{name}'") from exc


# --- entry point ----------------------------------------------------------------------------


def _fail(message: str, status: int) -> int:
    from coachplans.logging import mask_secrets

    first_line = mask_secrets(message).strip().splitlines()[0] if message.strip() else "failed"
    sys.stderr.write(f"{PROG}: {first_line}\n")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (status 2)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        return _fail(str(exc), 2)
    except CoachPlansError as exc:
        return _fail(str(exc), 1)
    except SQLAlchemyError as exc:
        log.debug("database error", exc_info=True)
        return _fail(f"database error: {getattr(exc, 'orig', None) or exc}", 1)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        return _fail(f"{_reason(exc)}{where}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
