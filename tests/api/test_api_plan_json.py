"""Serialised plans memoised by version: the same bytes as building them afresh, built once per
version, never stale after a change (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete

from coachplans.api.json_body import dump
from coachplans.api.plan_json import PlanJson
from coachplans.compat_json import plan_to_compat, plans_to_compat
from coachplans.contract import chart_path, plan_public
from coachplans.domain.plans import Actor, PlanId, Source
from coachplans.domain.queries import PlanQuery
from coachplans.service import PlanService
from coachplans.store.tables import PlanRow

DAY = date(2024, 11, 12)
WHO = Actor("api")
BASE = "http://127.0.0.1:5000"


def cursor_of(version: Any) -> str:
    return f"{version.trade_date}|{version.id}"


class CountingService:
    """The real service, counting how many plans the fragment cache asks it to build."""

    def __init__(self, service: PlanService):
        self.service = service
        self.built: list[int] = []

    def plans_for_json(self, ids: list[int], *, signals: bool = True) -> Any:
        self.built.extend(ids)
        return self.service.plans_for_json(ids, signals=signals)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.service, name)


def post(service: PlanService, coach: str, text: str, day: date = DAY) -> int:
    return service.post_plan(coach, text, WHO, source=Source.API, trade_date=day).plan.id


def test_pages_are_byte_identical_to_building_them_afresh(service: PlanService) -> None:
    for coach, text in (("d", "$NVDA long above 945, PT 960"), ("i", "SPY support 573-574")):
        post(service, coach, text)
    post(service, "s", "$BTC entry 65,000", date(2024, 11, 11))
    query = PlanQuery(date_from=date(2024, 11, 1), date_to=DAY, limit=2)
    page = PlanJson().v1_page(service, query, chart_path, BASE, cursor_of)
    plans = service.list_plans(query)
    expected = {"plans": [plan_public(p) for p in plans], "next_cursor": cursor_of(plans[-1])}
    assert page == dump(expected)
    by_coach = PlanJson().compat_by_coach(service, service.versions_for_date(DAY), chart_path, BASE)
    assert by_coach == dump(plans_to_compat(service.plans_for_date(DAY)))
    assert PlanJson().compat_by_coach(service, [], chart_path, BASE) == b"{}"


DENSE = (
    "$NVDA long above 945, PT 960 / 975, stop 930. Support 920-925, resistance 1,002.5",
    "BTC 101.5k-102k is the lid, 98k floor; longs from 99,250 target 105k. ETH 3,850 / 4k",
    "PEPE: entry 0.00001234, stop 0.0000119, targets 0.0000131 then 0.0000142",
    "ES 5842-46 support, 5,900 resistance; /GC short below 2,645-2,650, T 2,610",
    "SPY lost the 573 shelf, now resistance; puts under 571.35 into 566 and 560",
    "no levels here, only words",
)


def test_plans_read_with_stored_signals_are_byte_identical(service: PlanService) -> None:
    """Fragments are built from the signals as stored (no Level objects): the bytes are those
    of plan_public over the plans as the domain reads them, prices of every shape included."""
    for index, text in enumerate(DENSE):
        post(service, "dis"[index % 3], text, date(2024, 11, 1 + index))
    query = PlanQuery(date_from=date(2024, 11, 1), date_to=DAY, limit=50)
    plans = service.list_plans(query)
    assert sum(len(level_list.levels) for p in plans for level_list in p.signals) > 20
    page = PlanJson().v1_page(service, query, chart_path, BASE, cursor_of)
    assert page == dump({"plans": [plan_public(p) for p in plans], "next_cursor": None})


def test_each_version_is_built_once_and_a_change_is_never_stale(service: PlanService) -> None:
    plan_id = post(service, "d", "$NVDA long above 945")
    post(service, "i", "SPY support 573")
    counting = CountingService(service)
    cache = PlanJson()

    def page() -> bytes:
        versions = counting.versions_for_date(DAY)
        return cache.compat_by_coach(counting, versions, chart_path, BASE)  # type: ignore[arg-type]

    first = page()
    assert sorted(counting.built) == sorted([plan_id, plan_id + 1])
    assert page() == first and len(counting.built) == 2  # nothing rebuilt
    service.edit_plan(PlanId(plan_id), "$NVDA short below 930", WHO, source=Source.API)
    after = page()
    assert b"short below 930" in after and b"long above 945" not in after
    assert counting.built[2:] == [plan_id]  # only the changed plan


@pytest.mark.parametrize("gone", [True, False])
def test_a_plan_changed_between_the_two_reads(service: PlanService, gone: bool) -> None:
    plan_id = post(service, "d", "v1")
    listed = service.versions_for_date(DAY)
    if gone:
        service.delete_plan(PlanId(plan_id), WHO, source=Source.API)
        with service.repo.write() as tx:  # the row vanishes entirely (as by a purge)
            tx.conn.execute(delete(PlanRow).where(PlanRow.id == plan_id))
        assert PlanJson().compat_by_coach(service, listed, chart_path, BASE) == b"{}"
        return
    service.edit_plan(PlanId(plan_id), "v2", WHO, source=Source.API)
    body = PlanJson().compat_one(service, listed[0], chart_path, BASE)
    assert body == dump(plan_to_compat(service.plans_by_ids([plan_id])[0]))
