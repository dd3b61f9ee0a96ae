"""Concurrent writers to one coach/date slot serialise: no lost update, no gap, no error."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import Engine, func, select

from coachplans.domain.plans import Action, Actor, Source, WriteResult
from coachplans.domain.queries import PlanQuery
from coachplans.service import PlanService
from coachplans.store.tables import EventRow, IngestKeyRow, PlanRow, RevisionRow

WRITERS = 20
DAY = date(2024, 11, 12)


def _race(service: PlanService, texts: list[str], ingest_key: str | None) -> list[WriteResult]:
    barrier = threading.Barrier(len(texts), timeout=30)

    def post(text: str) -> WriteResult:
        barrier.wait()
        return service.post_plan(
            "d",
            text,
            Actor(f"writer {text}"),
            source=Source.API,
            trade_date=DAY,
            ingest_key=ingest_key,
        )

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        futures = [pool.submit(post, text) for text in texts]
        return [future.result(timeout=120) for future in futures]


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table)) or 0


def test_concurrent_posts_to_one_slot(service: PlanService, engine: Engine) -> None:
    texts = [f"plan number {i}" for i in range(WRITERS)]
    results = _race(service, texts, None)

    assert sorted(r.plan.version for r in results) == list(range(1, WRITERS + 1))
    assert [r.action for r in results].count(Action.CREATE) == 1
    assert sum(r.replaced for r in results) == WRITERS - 1

    listed = service.list_plans(PlanQuery(include_deleted=True))
    assert len(listed) == 1
    assert _count(engine, PlanRow) == 1
    live = service.get_plan("d", DAY)
    assert live is not None
    assert live.version == WRITERS

    revisions = service.revisions(live.id)
    assert [r.number for r in revisions] == list(range(1, WRITERS + 1))
    assert [r.action for r in revisions] == [Action.CREATE] + [Action.REPLACE] * (WRITERS - 1)
    assert sorted(r.text for r in revisions) == sorted(texts)
    assert live.text == revisions[-1].text
    # Each writer's result is the state its own revision recorded.
    by_number = {r.number: r for r in revisions}
    for result in results:
        assert by_number[result.plan.version].text == result.plan.text

    events = service.outbox.after(0, 1000)
    assert len(events) == WRITERS
    assert _count(engine, EventRow) == WRITERS
    assert sorted(e.revision for e in events) == list(range(1, WRITERS + 1))
    assert [e.revision for e in events] == sorted(e.revision for e in events)


def test_concurrent_posts_with_one_ingest_key(service: PlanService, engine: Engine) -> None:
    texts = [f"retry {i}" for i in range(WRITERS)]
    results = _race(service, texts, "discord:message:42")

    applied = [r for r in results if not r.duplicate]
    assert len(applied) == 1
    assert all(r.plan.id == applied[0].plan.id for r in results)
    assert all(r.plan.text == applied[0].plan.text for r in results)
    live = service.get_plan("d", DAY)
    assert live is not None
    assert live.version == 1
    assert live.text == applied[0].plan.text
    assert len(service.revisions(live.id)) == 1
    assert _count(engine, RevisionRow) == 1
    assert _count(engine, EventRow) == 1
    assert _count(engine, IngestKeyRow) == 1


def test_concurrent_posts_to_different_slots(service: PlanService, engine: Engine) -> None:
    barrier = threading.Barrier(8, timeout=30)

    def post(index: int) -> WriteResult:
        barrier.wait()
        coach = "disn"[index % 4]
        day = date(2024, 11, 11 + index // 4)
        return service.post_plan(coach, f"p{index}", Actor("w"), source=Source.API, trade_date=day)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, range(8)))
    assert all(r.action is Action.CREATE and r.plan.version == 1 for r in results)
    assert len({r.plan.id for r in results}) == 8
    assert _count(engine, PlanRow) == 8
    assert _count(engine, RevisionRow) == 8
