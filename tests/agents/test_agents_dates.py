"""Trade dates as agent frameworks hand them over (a datetime, its str(), a date...): the
node reads the plans of that day; what is not a date is a clear error, never a plan that
"could not be fetched"."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from agents_support import NO_PLAN_DAY, TRADING_DAY, offline_client, scripted_client

from coachplans.agents import TradeDateError, create_coach_node, trade_date_text
from coachplans.errors import ValidationFailed


@pytest.mark.parametrize(
    "value",
    [
        date(2024, 5, 10),
        datetime(2024, 5, 10, 15, 30),
        "2024-05-10",
        " 2024-05-10 ",
        "2024-05-10 00:00:00",
        "2024-05-10 09:30",
        "2024-05-10T09:30:00-04:00",
        "2024-05-10 09:30:00.123456",
        "2024-5-10",  # unpadded: accepted, read as 2024-05-10
    ],
)
def test_accepted_forms(value: object) -> None:
    assert trade_date_text(value) == "2024-05-10"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("05/10/2024", "trade_date '05/10/2024' is not a trading date: use a date, a datetime"),
        ("yesterday", "trade_date 'yesterday' is not a trading date"),
        ("", "trade_date '' is not a trading date"),
        ("2024-02-30", "trade_date '2024-02-30' is not a calendar date (day is out of range"),
        ("2024-13-01", "trade_date '2024-13-01' is not a calendar date (month must be in 1..12"),
    ],
)
def test_what_is_not_a_date_is_a_clear_error(value: str, message: str) -> None:
    with pytest.raises(TradeDateError) as raised:
        trade_date_text(value)
    assert str(raised.value).startswith(message)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, ValidationFailed)


def test_a_node_given_str_of_a_datetime_reads_that_days_plan() -> None:
    client = offline_client()
    node = create_coach_node("d", client)
    text = client.fetch_coach_plan("d", TRADING_DAY)["plan"]
    report = node({"company_of_interest": "ZZZZ", "trade_date": f"{TRADING_DAY} 00:00:00"})
    assert report["coach_d_report"].startswith(f"Plan from coach_d for {TRADING_DAY} does not")
    assert text.strip() in report["coach_d_report"]


def test_a_node_given_an_unpadded_date_says_there_is_no_plan() -> None:
    node = create_coach_node("d", offline_client())
    unpadded = NO_PLAN_DAY.replace("-0", "-")  # 2024-11-9
    assert unpadded != NO_PLAN_DAY
    report = node({"company_of_interest": "NVDA", "trade_date": unpadded})["coach_d_report"]
    assert report == f"No plan from coach_d for {NO_PLAN_DAY}; do not invent one."


def test_a_node_given_a_bad_date_raises_before_asking_the_server() -> None:
    node = create_coach_node("d", scripted_client())
    with pytest.raises(TradeDateError, match="'11/12/2024' is not a trading date"):
        node({"company_of_interest": "NVDA", "trade_date": "11/12/2024"})
