"""The compatibility client's cache: LRU + TTL, exact counters under 32 threads, fetch_all
filling per-coach entries, ETag revalidation of today's plans and "no plan" answers, past
dates kept for the TTL, clear_cache. Over a scripted fake server (httpx.MockTransport)."""

from __future__ import annotations

import json
import sys
import threading
from datetime import date

import pytest
from client_support import (
    COACHES,
    PAST,
    TODAY,
    Factory,
    FakeClock,
    FakeServer,
    etag_of,
    frozen_now,
)

from coachplans.client import EnhancedWebhookClient, RetryPolicy


def seed_day(fake: FakeServer, day: str, coaches: tuple[str, ...] = COACHES) -> None:
    for coach in coaches:
        fake.plans[(coach, day)] = f"Plan of {coach} for {day}"


async def test_second_fetch_is_a_hit_without_a_request(compat: Factory, fake: FakeServer) -> None:
    seed_day(fake, PAST)
    client = compat()
    first = await client.fetch_coach_plan("d", PAST)
    second = await client.fetch_coach_plan("d", PAST)
    assert first == second == fake.plan_body("d", PAST)
    assert fake.count == 1
    metrics = await client.get_metrics()
    assert metrics["requests"] == {
        "total": 2,
        "cache_hits": 1,
        "cache_misses": 1,
        "cache_hit_rate_percent": 50.0,
    }
    assert metrics["api"] == {"success": 1, "errors": 0, "retries": 0}
    assert metrics["cache"]["size"] == 1


async def test_spellings_of_a_coach_and_date_objects_share_one_entry(
    compat: Factory, fake: FakeServer
) -> None:
    seed_day(fake, PAST)
    client = compat()
    spellings = [("d", PAST), ("D", PAST), (" coach_d ", date(2024, 11, 8)), ("d", f" {PAST}")]
    for name, day in spellings:
        assert (await client.fetch_coach_plan(name, day))["plan"] == f"Plan of d for {PAST}"
    assert fake.count == 1


async def test_answers_are_copies_the_caller_may_change(compat: Factory, fake: FakeServer) -> None:
    seed_day(fake, PAST)
    client = compat()
    mine = await client.fetch_coach_plan("d", PAST)
    mine["plan"] = "changed"
    mine["charts"].append("x")
    everyone = await client.fetch_all_coach_plans(PAST)
    everyone["coach_d"]["plan"] = "changed too"
    again = await client.fetch_coach_plan("d", PAST)
    assert again == fake.plan_body("d", PAST)
    assert (await client.fetch_all_coach_plans(PAST))["coach_d"]["plan"] != "changed too"


async def test_fetch_all_fills_the_per_coach_entries(compat: Factory, fake: FakeServer) -> None:
    seed_day(fake, PAST, ("d", "i", "s"))
    client = compat()
    everyone = await client.fetch_all_coach_plans(PAST)
    assert sorted(everyone) == ["coach_d", "coach_i", "coach_s"]
    for coach in ("d", "i", "s"):
        assert await client.fetch_coach_plan(coach, PAST) == everyone[f"coach_{coach}"]
    assert fake.count == 1
    requests = (await client.get_metrics())["requests"]
    assert (requests["cache_hits"], requests["cache_misses"]) == (3, 1)
    # coach n had no plan in /all: asking for it goes to the server
    assert (await client.fetch_coach_plan("n", PAST))["found"] is False
    assert fake.count == 2


async def test_past_dates_stay_cached_for_the_ttl(
    compat: Factory, fake: FakeServer, mono: FakeClock
) -> None:
    seed_day(fake, PAST)
    client = compat(cache_ttl_seconds=3600)
    await client.fetch_coach_plan("d", PAST)
    fake.plans[("d", PAST)] = "edited later"
    mono.advance(3599)
    assert (await client.fetch_coach_plan("d", PAST))["plan"] == f"Plan of d for {PAST}"
    assert fake.count == 1
    mono.advance(2)
    assert (await client.fetch_coach_plan("d", PAST))["plan"] == "edited later"
    assert fake.count == 2


async def test_todays_plan_is_revalidated_with_its_etag_and_a_304_is_a_hit(
    compat: Factory, fake: FakeServer, mono: FakeClock
) -> None:
    seed_day(fake, TODAY)
    client = compat(revalidate_after_seconds=30)
    await client.fetch_coach_plan("d")  # today by default
    mono.advance(29)
    await client.fetch_coach_plan("d")
    assert fake.count == 1  # within the interval: served from the cache
    mono.advance(2)
    await client.fetch_coach_plan("d")
    assert fake.count == 2
    assert "if-none-match" not in fake.seen[0].headers
    sent_etag = etag_of(json.dumps(fake.plan_body("d", TODAY)).encode())
    assert fake.seen[-1].headers["if-none-match"] == sent_etag
    metrics = await client.get_metrics()
    assert metrics["requests"]["cache_hits"] == 2 and metrics["requests"]["cache_misses"] == 1
    assert metrics["api"]["success"] == 2  # the 304 was an HTTP call that got its answer
    mono.advance(10)
    await client.fetch_coach_plan("d")  # the 304 restarted the interval
    assert fake.count == 2


async def test_a_plan_changed_today_is_seen_after_the_interval(
    compat: Factory, fake: FakeServer, mono: FakeClock
) -> None:
    seed_day(fake, TODAY)
    client = compat(revalidate_after_seconds=5)
    await client.fetch_coach_plan("d", TODAY)
    fake.plans[("d", TODAY)] = "edited"
    assert (await client.fetch_coach_plan("d", TODAY))["plan"] != "edited"
    mono.advance(5)
    assert (await client.fetch_coach_plan("d", TODAY))["plan"] == "edited"
    assert "if-none-match" in fake.seen[-1].headers
    assert (await client.get_metrics())["requests"]["cache_misses"] == 2


async def test_no_plan_yet_on_a_past_date_is_revalidated(
    compat: Factory, fake: FakeServer, mono: FakeClock
) -> None:
    client = compat(revalidate_after_seconds=30)
    assert (await client.fetch_coach_plan("i", PAST))["found"] is False
    fake.plans[("i", PAST)] = "posted after the first lookup"
    assert (await client.fetch_coach_plan("i", PAST))["found"] is False
    mono.advance(30)
    assert (await client.fetch_coach_plan("i", PAST))["plan"] == "posted after the first lookup"
    mono.advance(3000)  # now a past plan: kept for the TTL
    await client.fetch_coach_plan("i", PAST)
    assert fake.count == 2


async def test_fetch_all_of_today_is_revalidated_and_refills_coaches(
    compat: Factory, fake: FakeServer, mono: FakeClock
) -> None:
    seed_day(fake, TODAY, ("d",))
    client = compat(revalidate_after_seconds=30)
    assert list(await client.fetch_all_coach_plans()) == ["coach_d"]
    mono.advance(31)
    assert list(await client.fetch_all_coach_plans()) == ["coach_d"]  # 304
    assert "if-none-match" in fake.seen[-1].headers
    await client.fetch_coach_plan("d")  # refreshed by the 304: a hit
    assert fake.count == 2
    fake.plans[("s", TODAY)] = "new"
    mono.advance(31)
    assert sorted(await client.fetch_all_coach_plans()) == ["coach_d", "coach_s"]


async def test_a_stale_entry_is_served_when_the_server_fails(
    compat: Factory, fake: FakeServer, mono: FakeClock
) -> None:
    seed_day(fake, TODAY)
    client = compat(max_retries=1)
    good = await client.fetch_coach_plan("d")
    mono.advance(60)
    fake.script = [503, 503]
    assert await client.fetch_coach_plan("d") == good
    metrics = await client.get_metrics()
    assert metrics["requests"]["cache_hits"] == 1
    assert metrics["api"] == {"success": 1, "errors": 1, "retries": 1}


async def test_errors_and_fallbacks_are_not_cached(compat: Factory, fake: FakeServer) -> None:
    seed_day(fake, PAST)
    client = compat(max_retries=0)
    assert "error" in await client.fetch_coach_plan("x", PAST)
    assert "error" in await client.fetch_coach_plan("x", PAST)
    fake.script = [500]
    assert "error" in await client.fetch_coach_plan("d", PAST)
    assert "error" not in await client.fetch_coach_plan("d", PAST)
    assert fake.count == 4
    assert (await client.get_metrics())["requests"]["cache_misses"] == 4


async def test_clear_cache_returns_the_number_of_entries_removed(
    compat: Factory, fake: FakeServer, mono: FakeClock
) -> None:
    seed_day(fake, PAST)
    client = compat(cache_ttl_seconds=100)
    await client.fetch_all_coach_plans(PAST)  # the /all entry and four coaches
    await client.fetch_coach_plan("d", "2024-11-07")
    assert (await client.get_metrics())["cache"]["size"] == 6
    assert await client.clear_cache() == 6
    assert await client.clear_cache() == 0
    await client.fetch_coach_plan("d", PAST)
    mono.advance(101)  # expired entries are not counted as removed
    assert await client.clear_cache() == 0
    assert (await client.get_metrics())["cache"]["size"] == 0


async def test_the_cache_is_lru_bounded(compat: Factory, fake: FakeServer) -> None:
    seed_day(fake, PAST)
    client = compat(max_cache_size=2)
    await client.fetch_coach_plan("d", PAST)
    await client.fetch_coach_plan("i", PAST)
    await client.fetch_coach_plan("d", PAST)  # d is now the most recently used
    await client.fetch_coach_plan("s", PAST)  # evicts i
    assert fake.count == 3
    await client.fetch_coach_plan("d", PAST)
    assert fake.count == 3
    await client.fetch_coach_plan("i", PAST)
    assert fake.count == 4
    assert (await client.get_metrics())["cache"] == {
        "size": 2,
        "max_size": 2,
        "ttl_seconds": 3600,
        "revalidate_after_seconds": 30.0,
    }


async def test_a_zero_size_cache_caches_nothing(compat: Factory, fake: FakeServer) -> None:
    seed_day(fake, PAST)
    client = compat(max_cache_size=0)
    await client.fetch_coach_plan("d", PAST)
    await client.fetch_coach_plan("d", PAST)
    assert fake.count == 2


@pytest.mark.parametrize(("max_size", "per_thread"), [(100, 300), (3, 50)])
def test_32_threads_hammering_count_exactly(
    max_size: int, per_thread: int, fake: FakeServer
) -> None:
    days = [PAST, "2024-11-07"]
    for day in days:
        seed_day(fake, day)
    client = EnhancedWebhookClient(
        transport=fake.transport(),
        max_cache_size=max_size,
        retry=RetryPolicy(max_retries=0),
        now=frozen_now,
    )
    keys = [(coach, day) for coach in COACHES for day in days]
    threads = 32
    start = threading.Barrier(threads)
    wrong: list[object] = []

    def hammer(offset: int) -> None:
        start.wait()
        for n in range(per_thread):
            coach, day = keys[(offset + n) % len(keys)]
            answer = client.fetch_coach_plan(coach, day)
            if answer.get("plan") != f"Plan of {coach} for {day}":
                wrong.append(answer)

    workers = [threading.Thread(target=hammer, args=(i,)) for i in range(threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)
    metrics = client.get_metrics()
    total = threads * per_thread
    assert not wrong
    assert metrics["requests"]["total"] == total
    assert metrics["requests"]["cache_hits"] + metrics["requests"]["cache_misses"] == total
    assert metrics["requests"]["cache_misses"] == fake.count  # each miss was one request
    assert metrics["api"] == {"success": fake.count, "errors": 0, "retries": 0}
    assert metrics["cache"]["size"] <= max_size
    if max_size >= len(keys):
        assert fake.count < len(keys) * threads  # the cache did its job
    client.close()
