"""Repository reads on both backends: list filters, keyset pages, stats, charts, events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from coachplans.domain.charts import ChartUpload
from coachplans.domain.coaches import Coach, Roster
from coachplans.domain.plans import Actor, Plan, Slot, Source
from coachplans.domain.queries import PlanQuery
from coachplans.service import PlanService
from coachplans.store.repository import Repository
from coachplans.store.tables import ChartBlobRow, PlanChartRow

if TYPE_CHECKING:
    from conftest import FrozenClock

NY = ZoneInfo("America/New_York")
ACTOR = Actor("tester")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
PNG2 = b"\x89PNG\r\n\x1a\n" + b"\x01" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
D1, D2, D3 = date(2024, 11, 11), date(2024, 11, 12), date(2024, 11, 13)


@pytest.fixture
def repo(engine: Engine) -> Repository:
    return Repository(engine)


@pytest.fixture
def svc(repo: Repository, clock: FrozenClock) -> PlanService:
    roster = Roster(Coach(key, f"Coach {key.upper()}") for key in ("d", "i", "s", "n"))
    return PlanService(repo, roster, NY, clock=clock)


Post = Callable[..., Plan]


@pytest.fixture
def post(svc: PlanService, clock: FrozenClock) -> Post:
    def _post(coach: str, day: date, text: str, charts: tuple[bytes, ...] = ()) -> Plan:
        clock.tick()
        uploads = [ChartUpload(data, f"c{i}.png") for i, data in enumerate(charts)]
        return svc.post_plan(
            coach, text, ACTOR, source=Source.API, trade_date=day, charts=uploads
        ).plan

    return _post


def _ids(plans: list[Plan]) -> list[int]:
    return [plan.id for plan in plans]


def test_list_filters_by_date_range_and_coaches(repo: Repository, post: Post) -> None:
    d1 = post("d", D1, "d one")
    i1 = post("i", D1, "i one")
    d2 = post("d", D2, "d two")
    s2 = post("s", D2, "s two")
    n3 = post("n", D3, "n three")

    assert set(_ids(repo.list_plans(PlanQuery(trade_date=D2)))) == {d2.id, s2.id}
    assert set(_ids(repo.list_plans(PlanQuery(date_from=D2)))) == {d2.id, s2.id, n3.id}
    assert set(_ids(repo.list_plans(PlanQuery(date_to=D2)))) == {d1.id, i1.id, d2.id, s2.id}
    assert set(_ids(repo.list_plans(PlanQuery(date_from=D2, date_to=D2)))) == {d2.id, s2.id}
    assert repo.list_plans(PlanQuery(date_from=D3, date_to=D1)) == []
    assert set(_ids(repo.list_plans(PlanQuery(coaches=("d",))))) == {d1.id, d2.id}
    assert set(_ids(repo.list_plans(PlanQuery(coaches=("i", "n"))))) == {i1.id, n3.id}
    assert _ids(repo.list_plans(PlanQuery(coaches=("d",), trade_date=D1))) == [d1.id]
    assert repo.list_plans(PlanQuery(coaches=("x",))) == []
    assert len(repo.list_plans(PlanQuery())) == 5


def test_list_default_order_is_newest_date_first(repo: Repository, post: Post) -> None:
    a = post("d", D1, "a")
    b = post("d", D3, "b")
    c = post("i", D2, "c")
    d = post("s", D3, "d")
    assert _ids(repo.list_plans(PlanQuery())) == [d.id, b.id, c.id, a.id]
    assert _ids(repo.list_plans(PlanQuery(ascending=True))) == [a.id, c.id, b.id, d.id]
    assert _ids(repo.list_plans(PlanQuery(limit=2))) == [d.id, b.id]


def test_text_query_is_case_insensitive(repo: Repository, post: Post) -> None:
    hit = post("d", D1, "Long $NVDA above 945")
    post("i", D1, "Short TSLA")
    assert _ids(repo.list_plans(PlanQuery(text="nvda"))) == [hit.id]
    assert _ids(repo.list_plans(PlanQuery(text="LONG $nvda"))) == [hit.id]
    assert repo.list_plans(PlanQuery(text="amzn")) == []


def test_text_query_treats_like_wildcards_literally(repo: Repository, post: Post) -> None:
    percent = post("d", D1, "Target 50% retrace")
    post("i", D1, "Target 50 retrace, 5000 shares")
    underscore = post("s", D1, "watch a_b spread")
    post("n", D1, "watch axb spread")
    backslash = post("d", D2, "path C:\\charts")
    post("i", D2, "path C:charts")

    assert _ids(repo.list_plans(PlanQuery(text="50%"))) == [percent.id]
    assert _ids(repo.list_plans(PlanQuery(text="%"))) == [percent.id]
    assert _ids(repo.list_plans(PlanQuery(text="a_b"))) == [underscore.id]
    assert _ids(repo.list_plans(PlanQuery(text="_"))) == [underscore.id]
    assert _ids(repo.list_plans(PlanQuery(text="\\"))) == [backslash.id]
    assert _ids(repo.list_plans(PlanQuery(text="c:\\c"))) == [backslash.id]


def test_deleted_plans_only_with_include_deleted(
    repo: Repository, svc: PlanService, post: Post
) -> None:
    live = post("d", D1, "live")
    gone = post("i", D1, "gone")
    svc.delete_plan(Slot("i", D1), ACTOR, source=Source.API)
    # An empty slot row (version 0) is never listed, not even with include_deleted.
    with repo.write() as tx:
        tx.lock_or_create_slot("s", D1, datetime(2024, 11, 12, tzinfo=UTC))

    assert _ids(repo.list_plans(PlanQuery())) == [live.id]
    listed = repo.list_plans(PlanQuery(include_deleted=True))
    assert set(_ids(listed)) == {live.id, gone.id}
    deleted = next(plan for plan in listed if plan.id == gone.id)
    assert deleted.deleted_at is not None
    assert not deleted.is_live
    assert repo.get_slot("s", D1) is None
    assert repo.get_live("i", D1) is None
    assert repo.get_slot("i", D1) is not None
    assert [plan.id for plan in repo.plans_for_date(D1)] == [live.id]


@pytest.mark.parametrize("ascending", [True, False], ids=["asc", "desc"])
@pytest.mark.parametrize("page_size", [1, 3, 4, 100])
def test_keyset_pagination_covers_every_row_once(
    repo: Repository, post: Post, ascending: bool, page_size: int
) -> None:
    days = [D1, D2, D3, date(2024, 11, 14)]
    created: list[Plan] = []
    # Interleave dates so ids and dates are not in the same order.
    for coach in ("d", "i", "s"):
        for day in reversed(days):
            created.append(post(coach, day, f"{coach} {day}"))
    created.append(post("n", D2, "same date as others"))
    seen: list[Plan] = []
    after: tuple[date, int] | None = None
    for _ in range(100):
        page = repo.list_plans(PlanQuery(ascending=ascending, after=after, limit=page_size))
        assert len(page) <= page_size
        if not page:
            break
        seen.extend(page)
        after = (page[-1].trade_date, page[-1].id)
    else:
        pytest.fail("pagination did not end")

    keys = [(plan.trade_date, plan.id) for plan in seen]
    assert keys == sorted(keys, reverse=not ascending)
    assert len(set(keys)) == len(keys)
    assert sorted(plan.id for plan in seen) == sorted(plan.id for plan in created)


def test_keyset_pagination_with_filters(repo: Repository, post: Post) -> None:
    wanted = [post("d", day, "x") for day in (D1, D2, D3)]
    for day in (D1, D2, D3):
        post("i", day, "y")
    first = repo.list_plans(PlanQuery(coaches=("d",), limit=2))
    assert _ids(first) == [wanted[2].id, wanted[1].id]
    rest = repo.list_plans(
        PlanQuery(coaches=("d",), limit=2, after=(first[-1].trade_date, first[-1].id))
    )
    assert _ids(rest) == [wanted[0].id]


def test_stats_counts(repo: Repository, svc: PlanService, post: Post, clock: FrozenClock) -> None:
    empty = repo.stats()
    assert (empty.total_plans, empty.total_charts, empty.total_edits) == (0, 0, 0)
    assert empty.latest_plan is None

    post("d", D1, "one", (PNG, JPEG))
    post("i", D1, "two", (PNG,))
    newest = post("s", D2, "three")
    post("d", D1, "one again", (PNG2,))  # replace: revision 2, charts now 1
    svc.edit_plan(Slot("s", D2), "three edited", ACTOR, source=Source.API)  # revision 2
    svc.delete_plan(Slot("i", D1), ACTOR, source=Source.API)  # revision 2, plan and charts gone

    stats = repo.stats()
    assert stats.total_plans == 2
    assert stats.total_charts == 1
    assert stats.total_edits == 3
    assert stats.latest_plan == newest.created_at
    assert stats.latest_plan is not None and stats.latest_plan.tzinfo is not None
    assert stats.latest_plan.utcoffset() == timedelta(0)


def test_same_chart_bytes_are_stored_once(repo: Repository, engine: Engine, post: Post) -> None:
    a = post("d", D1, "a", (PNG, PNG, JPEG))
    b = post("i", D1, "b", (PNG,))
    assert a.charts[0].sha256 == a.charts[1].sha256 != a.charts[2].sha256
    assert a.charts[0].sha256 == b.charts[0].sha256
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ChartBlobRow)) == 2
        assert conn.scalar(select(func.count()).select_from(PlanChartRow)) == 4
    found = repo.chart(a.charts[0].sha256)
    assert found == ("image/png", PNG)
    assert repo.chart(a.charts[2].sha256) == ("image/jpeg", JPEG)
    assert repo.chart("0" * 64) is None


def test_charts_keep_their_order(repo: Repository, post: Post) -> None:
    plan = post("d", D1, "ordered", (JPEG, PNG2, PNG))
    stored = repo.get_by_id(plan.id)
    assert stored is not None
    assert [c.content_type for c in stored.charts] == ["image/jpeg", "image/png", "image/png"]
    assert [c.filename for c in stored.charts] == ["c0.png", "c1.png", "c2.png"]
    assert [c.size for c in stored.charts] == [len(JPEG), len(PNG2), len(PNG)]


def test_events_after_in_order(repo: Repository, svc: PlanService, post: Post) -> None:
    assert repo.last_event_id() == 0
    assert repo.events_after(0, 10) == []
    a = post("d", D1, "a")
    b = post("i", D1, "b")
    post("d", D1, "a2")
    svc.delete_plan(Slot("i", D1), ACTOR, source=Source.API)

    events = repo.events_after(0, 100)
    assert [e.type for e in events] == [
        "plan.created",
        "plan.created",
        "plan.replaced",
        "plan.deleted",
    ]
    assert [e.plan_id for e in events] == [a.id, b.id, a.id, b.id]
    assert [e.revision for e in events] == [1, 1, 2, 2]
    ids = [e.id for e in events]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert repo.last_event_id() == ids[-1]
    assert repo.events_after(ids[1], 100) == events[2:]
    assert repo.events_after(ids[0], 2) == events[1:3]
    assert repo.events_after(ids[-1], 100) == []
    assert all(e.created_at.tzinfo is not None for e in events)
    assert events[0].coach == "d" and events[0].trade_date == D1


def test_revisions_in_number_order(repo: Repository, svc: PlanService, post: Post) -> None:
    plan = post("d", D1, "v1")
    post("d", D1, "v2")
    svc.edit_plan(Slot("d", D1), "v3", ACTOR, source=Source.API)
    revisions = repo.revisions(plan.id)
    assert [r.number for r in revisions] == [1, 2, 3]
    assert [r.text for r in revisions] == ["v1", "v2", "v3"]
    assert repo.revisions(plan.id + 1000) == []


def test_timestamps_round_trip_as_aware_utc(
    repo: Repository, post: Post, clock: FrozenClock
) -> None:
    plan = post("d", D1, "t")
    stored = repo.get_by_id(plan.id)
    assert stored is not None
    assert stored.created_at == clock.now
    assert stored.created_at.utcoffset() == timedelta(0)
    assert repo.get_by_id(plan.id + 1000) is None


def test_ping(repo: Repository) -> None:
    repo.ping()
