"""Every tool over both transports (a ``coachplans mcp`` subprocess over stdio, the API's
``/mcp`` over Streamable HTTP), driven by the SDK's own client against a real server."""

from __future__ import annotations

from typing import Any

import pytest
from mcp_support import (
    D_FIRST,
    D_LONG_AGO,
    D_TODAY,
    EARLIER,
    EMPTY_DAY,
    I_EARLIER,
    LONG_AGO,
    S_TODAY,
    TODAY,
    YESTERDAY,
    RunningServer,
    call,
    call_error,
    connect,
)

pytestmark = pytest.mark.slow
T = TODAY.isoformat()


async def test_tools_are_listed_with_typed_schemas(
    plans_server: RunningServer, transport: str
) -> None:
    async with connect(transport, plans_server.url) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    names = {"get_plans", "plans_for_ticker", "consensus", "plan_history", "list_coaches"}
    assert set(tools) == names
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
    ticker = tools["plans_for_ticker"].input_schema
    assert ticker["required"] == ["ticker"]
    days = ticker["properties"]["days"]
    assert {"type": "integer", "minimum": 1, "maximum": 366, "default": 30}.items() <= days.items()
    assert "YYYY-MM-DD" in tools["get_plans"].input_schema["properties"]["date"]["description"]
    assert tools["plan_history"].input_schema["required"] == ["coach"]


async def test_get_plans_of_a_date_says_who_has_no_plan(
    plans_server: RunningServer, transport: str
) -> None:
    async with connect(transport, plans_server.url) as client:
        text = await call(client, "get_plans", date=T)
        today = await call(client, "get_plans")  # no date: today in the market time zone
    assert text.startswith(f"Plans for {T}: 2 of 4 coaches posted.")
    assert D_TODAY in text and S_TODAY in text and D_FIRST not in text
    assert text.index("## coach_d") < text.index("## coach_s")
    signals = "NVDA bullish (entry 945, stop 930, target 980); SPY neutral (support 500)"
    assert f"Tickers: {signals}" in text
    assert "coachplans://charts/" in text
    assert text.endswith(f"No plan from coach_i, coach_n for {T}; do not invent one.")
    assert today == text


async def test_get_plans_of_one_coach_and_the_no_plan_answers(
    plans_server: RunningServer, transport: str
) -> None:
    async with connect(transport, plans_server.url) as client:
        one = await call(client, "get_plans", date=T, coach=" D ")
        wire = await call(client, "get_plans", date=T, coach="coach_s")
        missing = await call(client, "get_plans", date=T, coach="n")
        deleted = await call(client, "get_plans", date=YESTERDAY.isoformat(), coach="n")
        empty = await call(client, "get_plans", date=EMPTY_DAY.isoformat())
    assert one.startswith(f"## coach_d - {T} (plan {plans_server.plan_ids['d_today']}, version 2)")
    assert D_TODAY in one and S_TODAY not in one
    assert "Author: writer" in one and "edited " in one
    assert S_TODAY in wire and "Tickers: NVDA bearish (entry 940, resistance 950)" in wire
    assert missing == f"No plan from coach_n for {T}; do not invent one."
    assert deleted == f"No plan from coach_n for {YESTERDAY.isoformat()}; do not invent one."
    assert empty == "No coach has posted a plan for 2001-01-02; do not invent one."


async def test_plans_for_ticker_newest_first_with_that_tickers_levels(
    plans_server: RunningServer, transport: str
) -> None:
    async with connect(transport, plans_server.url) as client:
        month = await call(client, "plans_for_ticker", ticker="$nvda")
        longer = await call(client, "plans_for_ticker", ticker="NVDA", days=60)
        week = await call(client, "plans_for_ticker", ticker="NVDA", days=1)
        none = await call(client, "plans_for_ticker", ticker="AMD")
    start = TODAY.toordinal() - 29
    assert month.startswith("3 plan(s) from ")
    headers = [line for line in month.splitlines() if line.startswith("## ")]
    assert [h.split(" (")[0] for h in headers] == [
        f"## coach_d - {T}",
        f"## coach_s - {T}",
        f"## coach_i - {EARLIER.isoformat()}",
    ]
    assert "NVDA: bullish; levels: entry 945, stop 930, target 980" in month
    assert "NVDA: bearish; levels: entry 940, resistance 950" in month
    assert "NVDA: bullish; levels: support 900" in month and I_EARLIER in month
    assert D_LONG_AGO not in month and "TSLA" not in month
    assert longer.startswith("4 plan(s)") and D_LONG_AGO in longer
    assert longer.index(I_EARLIER) < longer.index(D_LONG_AGO)
    assert f"## coach_d - {LONG_AGO.isoformat()}" in longer
    assert week.startswith(f"2 plan(s) from {T} to {T}")
    day = type(TODAY).fromordinal(start).isoformat()
    assert none == f"No plan from {day} to {T} names AMD; do not invent one."


async def test_consensus_across_coaches(plans_server: RunningServer, transport: str) -> None:
    async with connect(transport, plans_server.url) as client:
        nvda = await call(client, "consensus", ticker="nvda", date=T)
        spy = await call(client, "consensus", ticker="$SPY")
        silent = await call(client, "consensus", ticker="AMD", date=T)
        empty = await call(client, "consensus", ticker="NVDA", date=EMPTY_DAY.isoformat())
    assert nvda.startswith(f"{T}: Consensus on NVDA from 2 coach plan(s):")
    assert "Bullish (1): coach_d" in nvda and "Bearish (1): coach_s" in nvda
    assert "Not mentioned (0): none" in nvda
    assert "- coach_d (bullish): entry 945, stop 930, target 980" in nvda
    assert "- coach_s (bearish): entry 940, resistance 950" in nvda
    assert nvda.endswith("Overall: 1 bullish vs 1 bearish, no majority.")
    assert "Neutral (1): coach_d" in spy and "Not mentioned (1): coach_s" in spy
    assert "No coach mentions AMD; there is no consensus, do not invent one." in silent
    assert empty == (
        "No coach has posted a plan for 2001-01-02, so there is no consensus on NVDA; "
        "do not invent one."
    )


async def test_plan_history_lists_every_revision(
    plans_server: RunningServer, transport: str
) -> None:
    async with connect(transport, plans_server.url) as client:
        edited = await call(client, "plan_history", coach="d")
        deleted = await call(client, "plan_history", coach="coach_n", date=YESTERDAY.isoformat())
        never = await call(client, "plan_history", coach="i", date=T)
    assert edited.startswith(f"History of the plan from coach_d for {T}")
    assert "live): 2 revision(s), oldest first" in edited
    first, second = edited.index("### Revision 1: create"), edited.index("### Revision 2: edit")
    assert first < second
    assert edited.index(D_FIRST) < second < edited.index(D_TODAY)
    assert "by writer via api" in edited and "; 1 chart(s)" in edited
    assert "deleted at " in deleted and "### Revision 2: delete by writer" in deleted
    assert never == f"No plan from coach_i for {T}, so it has no history; do not invent one."


async def test_list_coaches(plans_server: RunningServer, transport: str) -> None:
    async with connect(transport, plans_server.url) as client:
        text = await call(client, "list_coaches")
    assert text.splitlines() == [
        "4 coach(es); pass any of d, i, s, n as `coach`:",
        "- coach_d (d): Coach D (Day Trading)",
        "- coach_i (i): Coach I (Intraday)",
        "- coach_s (s): Coach S (Swing)",
        "- coach_n (n): Coach N (News/Events)",
    ]


BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    ("get_plans", {"date": "2024-1-5"}, "Invalid date format '2024-1-5'. Use YYYY-MM-DD"),
    ("get_plans", {"date": "yesterday"}, "Use YYYY-MM-DD (e.g. 2024-05-10"),
    ("get_plans", {"coach": "zz"}, "Unknown coach 'zz'. Valid coaches: d, i, s, n (or coach_d)."),
    ("plan_history", {"coach": "coach_x"}, "Unknown coach 'coach_x'. Valid coaches: d, i, s, n"),
    ("plan_history", {"coach": "d", "date": "2024-02-30"}, "Use YYYY-MM-DD"),
    ("plans_for_ticker", {"ticker": "NV DA!"}, "Invalid ticker 'NV DA!': expected a symbol like"),
    ("plans_for_ticker", {"ticker": "NVDA", "days": 0}, "greater than or equal to 1"),
    ("plans_for_ticker", {"ticker": "NVDA", "days": 400}, "less than or equal to 366"),
    ("consensus", {"ticker": "<script>"}, "Invalid ticker '<script>'"),
    ("consensus", {"ticker": "NVDA", "date": "2024-13-01"}, "Use YYYY-MM-DD"),
    ("plan_history", {}, "coach"),
]


async def test_bad_input_is_a_tool_error_naming_the_expected_form(
    plans_server: RunningServer, transport: str
) -> None:
    failures = []
    async with connect(transport, plans_server.url) as client:
        for tool, arguments, expected in BAD_INPUT:
            text = await call_error(client, tool, **arguments)
            if expected not in text:
                failures.append(f"{tool}({arguments}): {text!r} lacks {expected!r}")
    assert not failures, "\n".join(failures)
