"""The compatibility client never raises: connection refused (a real port with nothing on it),
timeouts, 5xx, answers that are not JSON and bad URLs all become the documented fallbacks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from client_support import PAST, Facade, Factory, FakeServer, RecordingSleep, free_port

from coachplans.client import (
    AsyncEnhancedWebhookClient,
    EnhancedWebhookClient,
    PlansUnavailable,
    RetryPolicy,
)


def refused_client(kind: str, sleeper: RecordingSleep, **options: Any) -> Facade:
    """A client pointed at a loopback port with nothing listening."""
    cls = EnhancedWebhookClient if kind == "sync" else AsyncEnhancedWebhookClient
    policy = RetryPolicy(max_retries=2, sleep=sleeper, async_sleep=sleeper.asleep)
    return Facade(cls(f"http://127.0.0.1:{free_port()}", retry=policy, timeout=2, **options))


async def test_connection_refused_gives_every_fallback(kind: str, sleeper: RecordingSleep) -> None:
    client = refused_client(kind, sleeper)
    plan = await client.fetch_coach_plan("coach_d", PAST)
    assert set(plan) == {"plan", "charts", "error"}
    assert plan["error"].startswith("ConnectError: ")
    assert plan["plan"] == f"Error fetching plan for coach coach_d: {plan['error']}"
    assert plan["charts"] == []

    everyone = await client.fetch_all_coach_plans(PAST)
    assert isinstance(everyone, PlansUnavailable)
    assert everyone == {} and everyone.error.startswith("ConnectError: ")

    health = await client.check_health()
    assert set(health) == {"status", "error"} and health["status"] == "unhealthy"
    assert health["error"].startswith("ConnectError: ")

    server_metrics = await client.get_server_metrics()
    assert set(server_metrics) == {"error"}

    metrics = await client.get_metrics()
    assert metrics["api"] == {"success": 0, "errors": 4, "retries": 8}
    assert metrics["requests"]["cache_misses"] == 2
    assert len(sleeper.waits) == 8
    await client.aclose()


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_timeouts_give_the_fallback(compat: Factory, fake: FakeServer, error: type) -> None:
    fake.script = [error] * 4
    answer = await compat().fetch_coach_plan("d", PAST)
    assert answer["error"] == f"{error.__name__}: scripted failure"


async def test_a_5xx_on_fetch_all_is_plans_unavailable(compat: Factory, fake: FakeServer) -> None:
    fake.script = [503] * 4
    answer = await compat().fetch_all_coach_plans(PAST)
    assert answer == {} and isinstance(answer, PlansUnavailable)
    assert answer.error == "HTTP 503: status 503"
    assert [coach for coach in answer] == []  # callers' loops see no coaches


@pytest.mark.parametrize(
    ("status", "options"),
    [
        (200, {"text": "<html>proxy login</html>"}),
        (200, {"json": ["not", "an", "object"]}),
        (404, {"text": "not json"}),
        (304, {}),  # a 304 the client did not ask for
    ],
)
async def test_answers_that_are_not_the_json_expected_give_the_fallback(
    compat: Factory, fake: FakeServer, status: int, options: dict[str, Any]
) -> None:
    response = httpx.Response(status, **options)
    fake.script = [response]
    client = compat()
    answer = await client.fetch_coach_plan("d", PAST)
    assert set(answer) == {"plan", "charts", "error"}
    assert f"HTTP {response.status_code}" in answer["error"]
    assert (await client.get_metrics())["api"]["errors"] == 1


async def test_the_server_400_answers_keep_the_plan_and_charts_keys(
    compat: Factory, fake: FakeServer
) -> None:
    client = compat()
    answer = await client.fetch_coach_plan(" wrong ", PAST)
    reason = "Invalid coach name 'wrong'. Valid coaches: d, i, s, n"
    assert answer == {
        "plan": f"Error fetching plan for coach  wrong : {reason}",
        "charts": [],
        "error": reason,
    }
    # old callers index these keys directly
    assert answer["plan"].startswith("Error fetching plan") and answer["charts"] == []


async def test_health_503_keeps_the_servers_body(compat: Factory, fake: FakeServer) -> None:
    body = {"status": "unhealthy", "timestamp": "t", "components": {"database": {"status": "down"}}}
    fake.script = [httpx.Response(503, json=body)]
    assert await compat().check_health() == body


async def test_health_503_without_json_is_the_fallback(compat: Factory, fake: FakeServer) -> None:
    fake.script = [httpx.Response(503, text="Service Unavailable")]
    health = await compat().check_health()
    assert health == {"status": "unhealthy", "error": "HTTP 503: Service Unavailable"}


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1:1", "http://"])
async def test_bad_base_urls_do_not_raise(kind: str, sleeper: RecordingSleep, url: str) -> None:
    cls = EnhancedWebhookClient if kind == "sync" else AsyncEnhancedWebhookClient
    client = Facade(cls(url, retry=RetryPolicy(sleep=sleeper, async_sleep=sleeper.asleep)))
    assert "error" in await client.fetch_coach_plan("d", PAST)
    assert isinstance(await client.fetch_all_coach_plans(PAST), PlansUnavailable)
    assert (await client.check_health())["status"] == "unhealthy"


async def test_an_unexpected_bug_is_logged_and_becomes_a_fallback(
    compat: Factory, fake: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script = [RuntimeError("boom in the transport")]
    answer = await compat().fetch_coach_plan("d", PAST)
    assert answer["error"] == "RuntimeError: boom in the transport"
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)
