"""``python -m coachplans.mcp --base-url URL``: the stdio server without the server extra."""

from __future__ import annotations

import argparse
import sys

from coachplans.errors import ConfigError
from coachplans.mcp.command import HELP, add_arguments, run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m coachplans.mcp", description=HELP)
    add_arguments(parser)
    try:
        return run(parser.parse_args())
    except ConfigError as exc:
        sys.stderr.write(f"coachplans mcp: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
