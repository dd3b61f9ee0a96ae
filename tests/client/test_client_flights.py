"""Single-flight: callers that miss the same key at once make one request between them (two
threads sharing the sync client; two tasks sharing the async one)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
from client_support import PAST, FakeServer

from coachplans.client import AsyncEnhancedWebhookClient, EnhancedWebhookClient
from coachplans.client.flights import SingleFlight


def seeded() -> FakeServer:
    fake = FakeServer()
    for coach in ("d", "i", "s", "n"):
        fake.plans[(coach, PAST)] = f"Plan of {coach} for {PAST}"
    fake.delay = 0.2  # long enough for the second caller to arrive while the first waits
    return fake


def run_together(*calls: Any) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def work(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_two_threads_missing_one_plan_make_one_request() -> None:
    fake = seeded()
    with EnhancedWebhookClient(transport=fake.transport()) as client:
        first, second = run_together(
            lambda: client.fetch_coach_plan("d", PAST), lambda: client.fetch_coach_plan("D", PAST)
        )
        assert first == second == fake.plan_body("d", PAST)
        assert fake.count == 1
        requests = client.get_metrics()["requests"]
        assert (requests["cache_misses"], requests["cache_hits"]) == (1, 1)


def test_two_threads_missing_one_date_make_one_request() -> None:
    fake = seeded()
    with EnhancedWebhookClient(transport=fake.transport()) as client:
        first, second = run_together(
            lambda: client.fetch_all_coach_plans(PAST), lambda: client.fetch_all_coach_plans(PAST)
        )
        assert first == second and set(first) == {"coach_d", "coach_i", "coach_s", "coach_n"}
        assert fake.count == 1


def test_different_keys_do_not_wait_for_each_other() -> None:
    fake = seeded()
    with EnhancedWebhookClient(transport=fake.transport()) as client:
        started = time.monotonic()
        run_together(
            lambda: client.fetch_coach_plan("d", PAST), lambda: client.fetch_coach_plan("i", PAST)
        )
        assert fake.count == 2
        assert time.monotonic() - started < 0.39  # in parallel, not one after the other


def test_a_failed_leader_lets_the_follower_fetch_for_itself() -> None:
    fake = seeded()
    fake.script = [httpx.ConnectError("refused")]
    with EnhancedWebhookClient(transport=fake.transport(), max_retries=0) as client:
        answers = run_together(
            lambda: client.fetch_coach_plan("d", PAST), lambda: client.fetch_coach_plan("d", PAST)
        )
        assert sorted("error" in answer for answer in answers) == [False, True]
        assert fake.count == 2


def test_the_flight_is_cleared_after_an_exception() -> None:
    flights: SingleFlight[str] = SingleFlight()
    try:
        with flights.leading("k") as leader:
            assert leader
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with flights.leading("k") as leader:
        assert leader


async def test_two_tasks_missing_one_plan_make_one_request() -> None:
    fake = seeded()
    fake.delay = 0.0
    calls = 0

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        return fake.handle(request)

    async with AsyncEnhancedWebhookClient(transport=httpx.MockTransport(handle)) as client:
        first, second = await asyncio.gather(
            client.fetch_coach_plan("d", PAST), client.fetch_coach_plan("d", PAST)
        )
        assert first == second == fake.plan_body("d", PAST)
        assert calls == 1
