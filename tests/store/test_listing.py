"""The listing's statements (store/listing.py): every query shape returns the page SQLAlchemy
returns for the same statement, on SQLite (compiled SQL on the DBAPI connection) and
PostgreSQL; a database error is StorageUnavailable."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, event

from coachplans.domain.plans import Actor, Slot, Source
from coachplans.domain.queries import PlanQuery, PlanVersion
from coachplans.errors import StorageUnavailable
from coachplans.service import PlanService
from coachplans.store.listing import VERSION_COLUMNS, list_params, list_stmt, shape_of

DAY = date(2024, 11, 12)
COACHES = ("d", "i", "s", "n")
QUERIES = [
    PlanQuery(),
    PlanQuery(limit=3),
    PlanQuery(trade_date=DAY),
    PlanQuery(date_from=DAY - timedelta(days=4), date_to=DAY - timedelta(days=1)),
    PlanQuery(coaches=("d",), limit=2),
    PlanQuery(coaches=("d", "n"), ascending=True),
    PlanQuery(text="NV_DA%"),
    PlanQuery(text="nvda"),
    PlanQuery(ticker="$nvda"),
    PlanQuery(include_deleted=True),
    PlanQuery(after=(DAY - timedelta(days=2), 10**6)),
    PlanQuery(after=(DAY - timedelta(days=2), 0), ascending=True, limit=5),
]


@pytest.fixture
def seeded(service: PlanService) -> PlanService:
    for back in range(6):
        for coach in COACHES:
            text = f"Long $NVDA above {back}" if coach != "i" else "NV_DA% is not a ticker"
            day = DAY - timedelta(days=back)
            service.post_plan(coach, text, Actor("Coach"), source=Source.MOCK, trade_date=day)
    service.delete_plan(Slot("s", DAY), Actor("Coach"), source=Source.MOCK)
    return service


def through_sqlalchemy(engine: Engine, query: PlanQuery) -> list[PlanVersion]:
    stmt = list_stmt(shape_of(query), VERSION_COLUMNS)
    with engine.connect() as conn:
        return [PlanVersion(*row) for row in conn.execute(stmt, list_params(query))]


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_every_shape_lists_what_its_statement_selects(
    seeded: PlanService, engine: Engine, query: PlanQuery
) -> None:
    listed = seeded.list_versions(query)
    assert listed == through_sqlalchemy(engine, query)
    assert [v.id for v in listed] == [p.id for p in seeded.list_plans(query)]
    assert all(isinstance(v.trade_date, date) for v in listed)


def test_the_filters_apply(seeded: PlanService) -> None:
    assert len(seeded.list_versions(PlanQuery(trade_date=DAY))) == 3  # s deleted
    assert len(seeded.list_versions(PlanQuery(trade_date=DAY, include_deleted=True))) == 4
    assert {v.coach for v in seeded.list_versions(PlanQuery(text="NV_DA%"))} == {"i"}
    ascending = seeded.list_versions(PlanQuery(ascending=True, limit=4))
    assert [v.trade_date for v in ascending] == sorted(v.trade_date for v in ascending)


def test_an_sqlite_error_on_the_dbapi_connection_is_storage_unavailable(
    sqlite_service: PlanService, sqlite_engine: Engine
) -> None:
    assert sqlite_service.local_reads
    with sqlite_engine.begin() as conn:  # sqlite3 itself refuses the compiled statement
        conn.exec_driver_sql("ALTER TABLE plans RENAME TO plans_gone")
    with pytest.raises(StorageUnavailable):
        sqlite_service.list_versions(PlanQuery(trade_date=DAY))


def test_an_event_loop_keeps_its_own_connection(
    sqlite_service: PlanService, sqlite_engine: Engine
) -> None:
    """On an event loop's thread the scans skip the pool (one checkout, then a kept
    connection); elsewhere every scan is a checkout. Both give the same rows."""
    post = sqlite_service.post_plan
    post("d", "Long $NVDA above 945", Actor("Coach"), source=Source.MOCK, trade_date=DAY)
    checkouts: list[object] = []
    event.listen(sqlite_engine, "checkout", lambda *args: checkouts.append(args))
    query = PlanQuery(trade_date=DAY)

    async def on_loop() -> list[list[PlanVersion]]:
        return [sqlite_service.list_versions(query) for _ in range(5)]

    looped = asyncio.run(on_loop())
    assert len(checkouts) == 1
    pooled = [sqlite_service.list_versions(query) for _ in range(5)]
    assert len(checkouts) == 6
    assert looped == pooled and len(pooled[0]) == 1
    post("i", "SPY support 573", Actor("Coach"), source=Source.MOCK, trade_date=DAY)
    assert len(asyncio.run(on_loop())[0]) == 2  # a new read each time: the write is seen
