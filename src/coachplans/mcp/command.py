"""The ``mcp`` subcommand's flags and handler, shared by ``coachplans mcp`` and
``python -m coachplans.mcp`` (which needs only the client and the ``mcp`` extra)."""

from __future__ import annotations

import argparse
import os
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coachplans.errors import ConfigError

DEFAULT_URL = "http://127.0.0.1:5000"
TOKEN_ENV = "COACHPLANS_TOKEN"  # noqa: S105 - the name of a variable, not a secret
HELP = (
    "serve the Model Context Protocol over stdio for an MCP client (Claude Desktop, IDE "
    "agents), reading a coachplans server through the client; logs go to stderr"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url", metavar="URL", default=DEFAULT_URL,
        help=f"the coachplans server to read (default {DEFAULT_URL})",
    )  # fmt: skip
    parser.add_argument(
        "--token", metavar="TOKEN", default=None,
        help=f"bearer token, for a server that requires one for reads (or env {TOKEN_ENV})",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=float, default=10.0,
        help="per-request timeout (default 10)",
    )  # fmt: skip
    parser.add_argument(
        "--market-timezone", metavar="TZ", default="America/New_York",
        help="where \"today\" is when a date is left out (default America/New_York)",
    )  # fmt: skip
    parser.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level on stderr (default WARNING)",
    )  # fmt: skip
    parser.set_defaults(handler=run)


def register(commands: Any) -> None:
    """Add ``mcp`` to the ``coachplans`` subcommands."""
    add_arguments(commands.add_parser("mcp", help=HELP, description=HELP))


def run(args: argparse.Namespace) -> int:
    base_url: str = args.base_url.strip()
    if not base_url.startswith(("http://", "https://")) or len(base_url) < len("http://x"):
        raise ConfigError(f"--base-url must be an http:// or https:// URL, not '{base_url}'")
    if args.timeout <= 0:
        raise ConfigError("--timeout must be positive (seconds)")
    try:
        ZoneInfo(args.market_timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"--market-timezone: unknown time zone '{args.market_timezone}'") from exc
    token = args.token or os.environ.get(TOKEN_ENV) or None
    from coachplans.mcp.stdio import serve_stdio

    return serve_stdio(
        base_url, token=token, timeout=args.timeout, market_timezone=args.market_timezone,
        log_level=args.log_level,
    )  # fmt: skip
