"""The event hub: one poller per process whatever the number of subscribers, in-order
delivery without duplicates, and a subscriber that falls behind catches up from the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest

from coachplans.api.events import EventHub
from coachplans.domain.plans import Actor, Event, Source
from coachplans.service import PlanService

DAY = date(2024, 11, 12)


@pytest.fixture
async def hub(sqlite_service: PlanService) -> AsyncIterator[EventHub]:
    made = EventHub(sqlite_service, poll_seconds=5, queue_size=3)
    made.attach(asyncio.get_running_loop())
    yield made
    await made.detach()


async def collect(hub: EventHub, count: int, after: int = 0) -> list[Event]:
    got: list[Event] = []
    async for event in hub.follow(after):
        if event is not None:
            got.append(event)
        if len(got) == count:
            return got
    return got


async def write(service: PlanService, n: int) -> None:
    coach = "dins"[n % 4]
    await asyncio.to_thread(
        service.post_plan, coach, f"plan {n}", Actor("Coach"), source=Source.API, trade_date=DAY
    )


async def test_outbox_reads_do_not_grow_with_subscribers(
    hub: EventHub, sqlite_service: PlanService
) -> None:
    async def round_with(subscribers: int, first: int) -> int:
        start = await asyncio.to_thread(sqlite_service.outbox.last_id)
        readers = [asyncio.create_task(collect(hub, 2, start)) for _ in range(subscribers)]
        await asyncio.sleep(0.1)  # all subscribed
        before = hub.outbox_reads
        for n in range(first, first + 2):
            await write(sqlite_service, n)
            await asyncio.sleep(0.05)
        results = await asyncio.wait_for(asyncio.gather(*readers), 5)
        assert all(len(got) == 2 for got in results)
        return hub.outbox_reads - before

    one = await round_with(1, 0)
    many = await round_with(200, 2)
    assert 1 <= many <= one + 1  # the poller's reads, not one per subscriber
    assert hub.catch_up_reads == 0


async def test_a_subscriber_that_falls_behind_catches_up_in_order(
    hub: EventHub, sqlite_service: PlanService
) -> None:
    stream = hub.follow(0)
    reader = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.05)
    for n in range(12):  # far more than the subscriber's queue of 3
        await write(sqlite_service, n)
    first = await asyncio.wait_for(reader, 5)
    rest: list[Event] = []
    while len(rest) < 11:
        event = await asyncio.wait_for(anext(stream), 5)
        if event is not None:
            rest.append(event)
    await stream.aclose()
    assert first is not None
    assert [e.id for e in [first, *rest]] == list(range(1, 13))
    assert hub.subscribers == 0
    assert hub.catch_up_reads >= 1  # its queue overflowed: it read the outbox itself
