"""The pieces of the MCP answers that the end-to-end tests cannot reach: signals of a newer
server (unknown bias or level kind), charts the server never archived, and input checks."""

from __future__ import annotations

from datetime import date

import pytest

from coachplans.client import Chart, Coach, Plan
from coachplans.domain.signals import Bias, Level, LevelKind
from coachplans.mcp import answers
from coachplans.mcp.inputs import BadInput, chart_file, find_coach, ticker_symbol, trading_date
from coachplans.mcp.source import chart_name, window

SHA = "ab" * 32
ROSTER = [
    Coach(key="d", wire_key="coach_d", name="Coach D"),
    Coach(key="x1", wire_key="coach_x1", name="X"),
]


def plan(**fields: object) -> Plan:
    base = {
        "id": 7, "coach": "coach_d", "coach_key": "d", "date": "2024-05-10", "text": "t",
        "author": "a", "created_at": "2024-05-10T12:00:00+00:00", "version": 1,
    }  # fmt: skip
    return Plan.model_validate({**base, **fields})


def test_signals_of_a_newer_server_keep_what_this_version_knows() -> None:
    levels = [{"kind": "stop", "low": 930}, {"kind": "trailing", "low": 1}]
    found = plan(signals=[{"ticker": "NVDA", "bias": "euphoric", "levels": levels}])
    (signal,) = answers.signals_of(found)
    assert signal.bias is Bias.NEUTRAL
    assert signal.levels == (Level(LevelKind.STOP, 930.0),)
    assert answers.names_ticker(found, "NVDA") and not answers.names_ticker(found, "AMD")


def test_charts_are_resources_unless_never_archived() -> None:
    archived = Chart(url=f"http://h:5000/api/v1/charts/{SHA}.png")
    external = Chart(url="https://cdn.discordapp.com/attachments/1/2/x.png", archived=False)
    assert chart_name(archived) == f"{SHA}.png" and chart_name(external) is None
    text = answers.plan_text(plan(charts=[archived.model_dump(), external.model_dump()]))
    assert f"- coachplans://charts/{SHA}.png" in text
    assert "- https://cdn.discordapp.com/attachments/1/2/x.png (an old link" in text


def test_input_checks() -> None:
    today = date(2024, 5, 10)
    assert trading_date(None, today) == today and trading_date(" ", today) == today
    assert trading_date("2024-05-09", today) == date(2024, 5, 9)
    assert find_coach(" COACH_X1 ", ROSTER).key == "x1"
    assert ticker_symbol("$btcusd") == "BTC-USD" and ticker_symbol("^GSPC") == "SPX"
    assert chart_file(SHA, "jpg") == f"{SHA}.jpg"
    assert window(today, 1) == (today, today) and window(today, 30)[0] == date(2024, 4, 11)
    with pytest.raises(BadInput, match=r"Valid coaches: d, x1 \(or coach_d\)\."):
        find_coach("s", ROSTER)
    with pytest.raises(BadInput, match="Invalid chart id"):
        chart_file(SHA.upper(), "png")
