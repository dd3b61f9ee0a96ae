"""Range pages read with each plan's signals kept as JSON bytes until first used: the plans are
the same objects as plans read one by one (against the real app, in-process and over uvicorn),
a page laid out otherwise is read whole, and a malformed answer still gives a clear error."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import date, timedelta

import httpx
import pytest
from client_support import Target, make_png
from pydantic_core import PydanticSerializationError

from coachplans.client import ClientError, CoachPlansClient, Plan
from coachplans.client.plan_pages import read_page
from coachplans.domain.charts import ChartUpload
from coachplans.domain.plans import Actor, Source
from coachplans.service import PlanService

DAY = date(2024, 11, 12)
TEXTS = {
    "d": "$NVDA long above 945, PT 960, SL 938. SPY support 573.5-574",
    "i": "No trades today, waiting for the data.",  # no signals
    "s": 'Swing $BTC: entry 65,000-65,500, stop 63,800 ("signals":[ and ]},{"id": quoted)',
    "n": "QQQ: bearish below 480; support 470, resistance 485, targets 465 / 460.",
}


def seed(service: PlanService, days: int = 3) -> None:
    for offset in range(days):
        for coach, text in TEXTS.items():
            service.post_plan(
                coach, text, Actor("Coach"), source=Source.MOCK,
                trade_date=DAY + timedelta(days=offset),
                charts=[ChartUpload(make_png(offset), "c.png")] if coach == "d" else [],
            )  # fmt: skip


def deferred(plan: Plan) -> bool:
    return "signals_json" not in plan.__dict__


def page_of(*plans: dict[str, object], cursor: str | None = None) -> bytes:
    """A page written as the server writes it (compact JSON, keys in the server's order)."""
    body = {"plans": list(plans), "next_cursor": cursor}
    return json.dumps(body, separators=(",", ":")).encode()


def wire_plan(plan_id: int, signals: object = None, **changes: object) -> dict[str, object]:
    level = {"kind": "entry", "low": 945.0, "high": None}
    plan: dict[str, object] = {
        "id": plan_id, "coach": "coach_d", "coach_key": "d", "date": "2024-11-12",
        "text": "Long $NVDA", "author": "Coach D", "author_id": None, "channel": None,
        "created_at": "2024-11-12T13:00:00+00:00", "edited_at": None, "deleted_at": None,
        "deleted": False, "version": 1, "revision_count": 1, "charts": [],
        "signals": [{"ticker": "NVDA", "bias": "bullish", "levels": [level]}]
        if signals is None else signals,
    }  # fmt: skip
    plan.update(changes)
    return plan


def client_answering(body: bytes) -> CoachPlansClient:
    answer = httpx.Response(200, content=body, headers={"content-type": "application/json"})
    transport = httpx.MockTransport(lambda request: answer)
    return CoachPlansClient("http://plans.test", transport=transport, max_retries=0)


async def test_range_plans_are_the_plans_read_one_by_one(
    target: Target, server_service: PlanService
) -> None:
    seed(server_service)
    client = target.client(typed=True, page_size=5)
    plans = await client.plan_range(DAY, DAY + timedelta(days=2))
    assert len(plans) == 12
    assert [deferred(p) for p in plans] == [bool(p.text != TEXTS["i"]) for p in plans]
    for plan in plans:
        alone = await client.get_plan_by_id(plan.id)
        assert not deferred(alone)
        assert repr(plan) == repr(alone)  # before decoding: signals are not in the repr
        assert plan == alone and alone == plan
        assert plan.model_dump() == alone.model_dump()
        assert plan.model_dump_json(by_alias=True) == alone.model_dump_json(by_alias=True)
        assert dict(plan) == dict(alone)
        assert plan.signals == alone.signals and plan.signals_json == alone.signals_json
    nvda = next(p for p in plans if p.coach_key == "d").signal_for("$nvda")
    assert nvda is not None and [lv.kind for lv in nvda.levels] == ["entry", "target", "stop"]


async def test_each_way_of_reading_a_plan_decodes_its_signals(
    target: Target, server_service: PlanService
) -> None:
    seed(server_service, days=1)
    client = target.client(typed=True)
    alone = await client.get_plan("d", DAY)
    reads = [
        lambda plan: plan.signals_json, lambda plan: plan.signals, lambda plan: dict(plan),
        lambda plan: plan.model_dump(), lambda plan: plan.model_dump_json(),
        lambda plan: plan == alone, lambda plan: copy.deepcopy(plan) == alone,
        lambda plan: pickle.loads(pickle.dumps(plan)) == alone,
    ]  # fmt: skip
    for read in reads:
        (plan,) = (await client.list_plans(date=DAY, coaches=["d"])).plans
        assert deferred(plan)
        assert read(plan) not in (None, False, [], {})
        assert plan == alone and not deferred(plan)
    (plan,) = (await client.list_plans(date=DAY, coaches=["d"])).plans
    with pytest.raises(TypeError, match="unhashable"):  # as any plan: its lists are unhashable
        hash(plan)


async def test_the_server_writes_plans_as_the_fast_read_expects(
    target: Target, server_service: PlanService
) -> None:
    seed(server_service, days=1)
    async with httpx.AsyncClient(base_url=target.base, transport=target.transport) as http:
        answer = await http.get("/api/v1/plans", params={"date": DAY.isoformat()})
    keys = [list(plan) for plan in answer.json()["plans"]]
    assert all(plan_keys[0] == "id" and plan_keys[-1] == "signals" for plan_keys in keys)
    page = read_page(answer.content)
    assert page is not None and sum(deferred(p) for p in page.plans) == 3


def test_a_page_laid_out_otherwise_is_read_whole() -> None:
    plan = wire_plan(1)
    moved = {"signals": plan["signals"], **{k: v for k, v in plan.items() if k != "signals"}}
    layouts = [
        json.dumps({"plans": [plan], "next_cursor": None}).encode(),  # spaces
        page_of(moved),  # signals first
        page_of({**plan, "tags": ["x"]}),  # a newer server's list after signals
        page_of({**plan, "rank": 1}, wire_plan(2)),
    ]
    for body in layouts:
        assert read_page(body) is None
        with client_answering(body) as client:
            plans = client.plan_range(DAY, DAY)
        assert not deferred(plans[0])
        assert plans[0].signal_for("NVDA") is not None
    assert read_page(page_of(plan, wire_plan(2, signals=[]))) is not None


def test_a_malformed_page_still_raises_at_fetch() -> None:
    good = page_of(wire_plan(1), wire_plan(2))
    for body in (
        page_of(wire_plan(1), wire_plan(2, date="not a date")),
        page_of(wire_plan(1), wire_plan(2, version="two")),
        good[:-40],  # cut short
        good.replace(b'"deleted":false', b'"deleted":false,,'),
    ):
        with client_answering(body) as client, pytest.raises(ClientError, match="unexpected"):
            client.plan_range(DAY, DAY)


def test_broken_json_inside_signals_raises_a_client_error_when_read() -> None:
    body = page_of(wire_plan(1), wire_plan(2)).replace(b'"low":945.0', b'"low":945..0', 1)
    with client_answering(body) as client:
        first, second = client.plan_range(DAY, DAY)
    assert second.signal_for("NVDA") is not None
    for read in (lambda: first.signals, lambda: first == second, lambda: dict(first)):
        with pytest.raises(ClientError, match="unexpected answer: signals of plan 1"):
            read()
    # pydantic wraps what a serializer raises, keeping its message
    with pytest.raises(PydanticSerializationError, match="ClientError: unexpected answer"):
        first.model_dump()
