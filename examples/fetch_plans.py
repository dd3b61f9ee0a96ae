"""Today's plans and one coach's plan, with the drop-in client (EnhancedWebhookClient).

Needs: pip install coachplans (the client alone; the server is the [server] extra).

Start a server first, for example the mock one (no Discord, seeded plans):

    coachplans serve --mock

then:

    python examples/fetch_plans.py [--base-url URL] [--coach d] [--date YYYY-MM-DD]

(the base URL defaults to http://127.0.0.1:5000).

``--offline`` uses the client's offline mock mode instead of a server.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

try:
    from coachplans import EnhancedWebhookClient
except ModuleNotFoundError as missing:
    sys.exit(
        f"fetch_plans.py needs the coachplans client ({missing.name} is missing): "
        "pip install coachplans"
    )


def first_line(text: str, width: int = 72) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 3] + "..."


def show_all(plans: dict[str, Any], day: str) -> None:
    print(f"Plans for {day}: {len(plans)} coach(es)")
    for coach, plan in plans.items():
        charts = f"{len(plan.get('charts', []))} chart(s)"
        print(f"  {coach:<8} {plan.get('author', '?'):<10} {charts}  {first_line(plan['plan'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--coach", default="d", help="d, i, s, n or coach_d ... (default d)")
    parser.add_argument("--date", help="YYYY-MM-DD (default: today in New York)")
    parser.add_argument("--offline", action="store_true", help="mock plans without a server")
    args = parser.parse_args(argv)

    client = EnhancedWebhookClient(args.base_url, timeout=5, max_retries=1, mock=args.offline)
    with client:
        health = client.check_health()
        if "error" in health:
            print(
                f"coachplans is not reachable at {args.base_url}: {health['error']}\n"
                "Start it with `coachplans serve --mock`, or pass --base-url or --offline.",
                file=sys.stderr,
            )
            return 1
        day = args.date or client.trading_day.today()
        print(f"Server: {health['status']}")
        plans = client.fetch_all_coach_plans(day)
        if "error" in plans:  # the server refused the date: {"error": "..."}
            print(plans["error"], file=sys.stderr)
            return 2
        show_all(plans, day)

        plan = client.fetch_coach_plan(args.coach, day)  # a cache hit after the call above
        if "error" in plan:
            print(plan["error"], file=sys.stderr)
            return 2
        print(f"\n{args.coach} on {day}:\n{plan['plan']}")
        for url in plan["charts"]:
            print(f"  chart: {url}")
        requests = client.get_metrics()["requests"]
        print(f"\n{requests['total']} fetches, {requests['cache_hits']} from the cache")
    return 0


if __name__ == "__main__":
    sys.exit(main())
