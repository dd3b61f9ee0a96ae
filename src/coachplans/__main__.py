"""``python -m coachplans``: the same as the ``coachplans`` console script."""

from __future__ import annotations

import sys

from coachplans.cli import main

if __name__ == "__main__":
    sys.exit(main())
