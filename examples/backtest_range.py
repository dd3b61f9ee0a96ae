"""Backtest input: every plan of a date range in a handful of requests, with the typed client.

Needs: pip install coachplans (the client alone; the server is the [server] extra).

Start a server first, for example the mock one (it seeds the last few trading days):

    coachplans serve --mock

then:

    python examples/backtest_range.py [--base-url http://127.0.0.1:5000] [--days 14] [--coach d ...]

``--offline`` uses the client's offline mock mode (plans for every weekday) instead.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from datetime import date, timedelta

try:
    from coachplans.client import ClientError, CoachPlansClient, Plan, ServerUnavailableError
except ModuleNotFoundError as missing:
    sys.exit(
        f"backtest_range.py needs the coachplans client ({missing.name} is missing): "
        "pip install coachplans"
    )


def by_date(plans: list[Plan]) -> dict[date, list[Plan]]:
    grouped: dict[date, list[Plan]] = defaultdict(list)
    for plan in plans:
        grouped[plan.date].append(plan)
    return grouped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--days", type=int, default=14, help="calendar days back from today")
    parser.add_argument("--coach", action="append", help="only these coaches (repeatable)")
    parser.add_argument("--offline", action="store_true", help="mock plans without a server")
    args = parser.parse_args(argv)

    with CoachPlansClient(args.base_url, timeout=10, max_retries=1, mock=args.offline) as client:
        end = client.trading_day.today_date()
        start = end - timedelta(days=args.days)
        try:
            plans = client.plan_range(start, end, coaches=args.coach)
        except ServerUnavailableError as exc:
            print(
                f"coachplans is not reachable at {args.base_url}: {exc}\n"
                "Start it with `coachplans serve --mock`, or pass --base-url or --offline.",
                file=sys.stderr,
            )
            return 1
        except ClientError as exc:  # a bad coach, a token required for reads...
            print(f"the server refused the request: {exc}", file=sys.stderr)
            return 2
        for day, found in sorted(by_date(plans).items()):
            coaches = ", ".join(f"{p.coach_key} ({len(p.charts)} charts)" for p in found)
            print(f"{day}  {coaches}")
        requests = client.get_metrics()["api"]["success"]
        print(f"\n{len(plans)} plans from {start} to {end} in {requests} request(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
