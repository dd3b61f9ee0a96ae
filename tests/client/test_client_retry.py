"""Retries (tenacity): exponential backoff with jitter through an injected sleep, only on
connection errors, timeouts, 429 and 5xx; Retry-After honoured and bounded; 4xx answered at
once; writes retried only when the server surely did not act; counters that mean their names."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from client_support import PAST, Factory, FakeServer, RecordingSleep

from coachplans.client import (
    AsyncCoachPlansClient,
    CoachPlansClient,
    RetryPolicy,
    ServerUnavailableError,
)
from coachplans.client.retry import retry_after_seconds


def seed(fake: FakeServer) -> None:
    fake.plans[("d", PAST)] = "Long NVDA"


async def test_max_retries_3_means_4_attempts_and_3_waits(
    compat: Factory, fake: FakeServer, sleeper: RecordingSleep
) -> None:
    fake.script = [httpx.ConnectError] * 10
    client = compat(max_retries=3)
    answer = await client.fetch_coach_plan("d", PAST)
    assert fake.count == 4
    assert len(sleeper.waits) == 3
    reason = "ConnectError: scripted failure"
    assert answer == {
        "plan": f"Error fetching plan for coach d: {reason}",
        "charts": [],
        "error": reason,
    }
    metrics = await client.get_metrics()
    assert metrics["api"] == {"success": 0, "errors": 1, "retries": 3}
    assert metrics["requests"]["cache_misses"] == 1


async def test_backoff_grows_exponentially_with_bounded_jitter(
    compat: Factory, fake: FakeServer, sleeper: RecordingSleep
) -> None:
    fake.script = [503] * 6
    client = compat(
        max_retries=5, retry_options={"initial_wait": 0.5, "max_wait": 6, "jitter": 0.25}
    )
    await client.fetch_coach_plan("d", PAST)
    assert len(sleeper.waits) == 5
    for n, wait in enumerate(sleeper.waits):
        floor = min(0.5 * 2**n, 6)
        assert floor <= wait <= min(floor + 0.25, 6), (n, wait)


async def test_without_jitter_the_waits_are_exact(
    compat: Factory, fake: FakeServer, sleeper: RecordingSleep
) -> None:
    fake.script = [httpx.ReadTimeout] * 3
    seed(fake)
    client = compat(retry_options={"initial_wait": 0.1, "jitter": 0})
    answer = await client.fetch_coach_plan("d", PAST)
    assert answer["plan"] == "Long NVDA"  # the 4th attempt succeeded
    assert sleeper.waits == pytest.approx([0.1, 0.2, 0.4])
    assert (await client.get_metrics())["api"] == {"success": 1, "errors": 0, "retries": 3}


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.RemoteProtocolError, 429,
     500, 502, 503, 504],
)  # fmt: skip
async def test_transient_failures_are_retried(
    compat: Factory, fake: FakeServer, failure: object
) -> None:
    seed(fake)
    fake.script = [failure, failure]  # type: ignore[list-item]
    client = compat()
    assert (await client.fetch_coach_plan("d", PAST))["plan"] == "Long NVDA"
    assert fake.count == 3
    assert (await client.get_metrics())["api"]["retries"] == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 422])
async def test_4xx_is_answered_at_once(
    compat: Factory, fake: FakeServer, sleeper: RecordingSleep, status: int
) -> None:
    fake.script = [status]
    client = compat()
    answer = await client.fetch_coach_plan("d", PAST)
    assert fake.count == 1 and sleeper.waits == []
    assert answer == {  # the server's JSON, with the keys old callers index
        "plan": f"Error fetching plan for coach d: status {status}",
        "charts": [],
        "error": "Scripted",
        "message": f"status {status}",
    }
    assert (await client.get_metrics())["api"] == {"success": 0, "errors": 1, "retries": 0}


async def test_5xx_after_every_retry_is_a_fallback_with_the_status(
    compat: Factory, fake: FakeServer
) -> None:
    fake.script = [500] * 4
    answer = await compat().fetch_coach_plan("d", PAST)
    assert answer["error"] == "HTTP 500: status 500"
    assert answer["plan"] == "Error fetching plan for coach d: HTTP 500: status 500"


async def test_429_after_every_retry_is_a_fallback_not_an_answer(
    compat: Factory, fake: FakeServer
) -> None:
    fake.script = [429] * 4
    answer = await compat().fetch_coach_plan("d", PAST)
    assert answer["error"] == "HTTP 429: status 429"
    assert fake.count == 4


async def test_retry_after_is_honoured_on_429_and_503(
    compat: Factory, fake: FakeServer, sleeper: RecordingSleep
) -> None:
    seed(fake)
    fake.script = [
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(503, headers={"Retry-After": "3"}),
    ]
    client = compat(retry_options={"jitter": 0})
    assert (await client.fetch_coach_plan("d", PAST))["plan"] == "Long NVDA"
    assert sleeper.waits == [2.0, 3.0]


async def test_retry_after_is_bounded(
    compat: Factory, fake: FakeServer, sleeper: RecordingSleep
) -> None:
    seed(fake)
    fake.script = [httpx.Response(429, headers={"Retry-After": "3600"})]
    client = compat(retry_options={"retry_after_cap": 7.5})
    await client.fetch_coach_plan("d", PAST)
    assert sleeper.waits == [7.5]


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2024, 11, 12, 15, 30, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=4), usegmt=True)
    response = httpx.Response(503, headers={"Retry-After": later})
    assert retry_after_seconds(response, now) == 4.0
    assert retry_after_seconds(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Response(500, headers={"Retry-After": "5"})) is None


async def test_max_retries_0_makes_one_attempt(
    compat: Factory, fake: FakeServer, sleeper: RecordingSleep
) -> None:
    fake.script = [503]
    client = compat(max_retries=0)
    assert "error" in await client.fetch_coach_plan("d", PAST)
    assert fake.count == 1 and sleeper.waits == []


def test_negative_max_retries_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)


async def test_health_503_is_an_answer_not_retried_but_502_is_retried(
    compat: Factory, fake: FakeServer
) -> None:
    down = {"status": "unhealthy", "components": {"database": {"status": "down"}}}
    fake.script = [httpx.Response(503, json=down)]
    client = compat()
    assert await client.check_health() == down
    assert fake.count == 1
    fake.script = [502]
    assert (await client.check_health())["status"] == "healthy"
    assert fake.count == 3
    metrics = await client.get_metrics()
    assert metrics["api"] == {"success": 2, "errors": 0, "retries": 1}
    assert metrics["requests"]["total"] == 0  # only the fetch methods count as requests


async def test_each_attempt_is_logged_at_info(
    compat: Factory, fake: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    seed(fake)
    fake.script = [503]
    with caplog.at_level(logging.DEBUG, logger="coachplans.client"):
        client = compat()
        await client.fetch_coach_plan("d", PAST)
        await client.fetch_coach_plan("d", PAST)
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    attempts = [text for level, text in lines if level == logging.INFO and "attempt" in text]
    assert len(attempts) == 2
    assert "-> 503 in" in attempts[0] and "(attempt 1 of 4)" in attempts[0]
    assert "-> 200 in" in attempts[1] and "(attempt 2 of 4)" in attempts[1]
    assert f"GET /api/coach-plans/?coach=d&date={PAST}" in attempts[0]
    assert (logging.DEBUG, f"cache miss d {PAST}") in lines
    assert (logging.DEBUG, f"cache hit d {PAST}") in lines


# --- writes (typed client) --------------------------------------------------------------------


def typed(kind: str, fake: FakeServer, sleeper: RecordingSleep) -> CoachPlansClient:
    policy = RetryPolicy(sleep=sleeper, async_sleep=sleeper.asleep)
    cls = CoachPlansClient if kind == "sync" else AsyncCoachPlansClient
    return cls(transport=fake.transport(), retry=policy, token="t")  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("failure", "attempts"),
    [
        (httpx.ConnectError, 4),  # never reached the server: safe to repeat
        (httpx.ConnectTimeout, 4),
        (503, 4),  # the server said it did not act
        (429, 4),
        (httpx.ReadTimeout, 1),  # the server may have acted: do not post twice
        (httpx.RemoteProtocolError, 1),
        (500, 1),
        (502, 1),
    ],
)
async def test_writes_are_retried_only_when_the_server_did_not_act(
    kind: str, fake: FakeServer, sleeper: RecordingSleep, failure: object, attempts: int
) -> None:
    fake.script = [failure] * 4  # type: ignore[list-item]
    client = typed(kind, fake, sleeper)
    with pytest.raises(ServerUnavailableError):
        result = client.post_plan("d", "text", date=PAST)
        if kind == "async":
            await result  # type: ignore[misc]
    assert fake.count == attempts
    assert client.get_metrics()["api"] == {"success": 0, "errors": 1, "retries": attempts - 1}
