"""Per-process metrics for running several processes (SPEC §12): the bot's state, plans
ingested, SSE subscribers, the read cache, the change listener and the database pool; and every
metric that deploy/'s Grafana dashboard and Prometheus rules name is exported."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
import yaml
from api_support import AUTH, DAY

from coachplans.bot_status import BOT_REASONS, BotState, reason_of

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NAME = re.compile(r"\bcoachplans_[a-z_]+\b")
# Series a histogram or counter family exports beside its own name.
SUFFIXES = ("_bucket", "_count", "_sum", "_created")


async def scrape(client: httpx.AsyncClient) -> dict[str, float]:
    response = await client.get("/metrics", headers={"Accept": "text/plain"})
    assert response.status_code == 200
    samples: dict[str, float] = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    return samples


def names_in(samples: dict[str, float]) -> set[str]:
    return {series.partition("{")[0] for series in samples}


def referenced_names() -> set[str]:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    rules = yaml.safe_load((DEPLOY / "prometheus-rules.yaml").read_text())
    exprs += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    return {name for expr in exprs for name in NAME.findall(expr)}


@pytest.mark.postgres
async def test_every_metric_the_dashboard_and_rules_name_is_exported(
    client: httpx.AsyncClient,
) -> None:
    referenced = referenced_names()
    assert {"coachplans_bot_state", "coachplans_event_lag_seconds"} <= referenced
    await client.post(
        "/api/v1/plans", json={"coach": "d", "date": DAY.isoformat(), "text": "x"}, headers=AUTH
    )
    exported = names_in(await scrape(client))
    missing = {
        name
        for name in referenced
        if name not in exported
        and not any(name + s in exported for s in SUFFIXES)
        and name.removesuffix("_bucket") + "_bucket" not in exported
    }
    assert not missing, f"named in deploy/ but not exported: {sorted(missing)}"


@pytest.mark.postgres
async def test_process_metrics_follow_what_happens(
    client: httpx.AsyncClient, bot_state: BotState
) -> None:
    before = await scrape(client)
    assert before['coachplans_bot_state{reason="",state="mock"}'] == 1.0
    bot_state.set("standby", "another process runs the bot")
    posted = await client.post(
        "/api/v1/plans",
        json={"coach": "d", "date": DAY.isoformat(), "text": "SPY above 580"},
        headers=AUTH,
    )
    assert posted.status_code == 201
    refused = await client.post(
        "/api/v1/plans", json={"coach": "zz", "date": DAY.isoformat(), "text": "x"}, headers=AUTH
    )
    assert refused.status_code in (400, 404)
    for _ in range(3):
        assert (await client.get(f"/api/coach-plans/d?date={DAY.isoformat()}")).status_code == 200

    after = await scrape(client)
    assert after['coachplans_bot_state{reason="lock_held_elsewhere",state="standby"}'] == 1.0
    assert after['coachplans_bot_state{reason="",state="mock"}'] == 0.0
    assert after['coachplans_plans_ingested_total{outcome="create",source="api"}'] == 1.0
    assert (
        after["coachplans_read_cache_misses_total"]
        - before.get("coachplans_read_cache_misses_total", 0)
        == 1.0
    )
    assert (
        after["coachplans_read_cache_hits_total"]
        - before.get("coachplans_read_cache_hits_total", 0)
        == 2.0
    )
    assert after["coachplans_sse_subscribers"] == 0.0
    assert after["coachplans_event_listener_up"] == -1.0  # no listener in this app
    assert after["coachplans_db_pool_max"] >= after["coachplans_db_pool_size"] > 0
    assert after["coachplans_database_up"] == 1.0


@pytest.mark.parametrize(
    ("status", "detail", "reason"),
    [
        ("connected", "logged in as coachbot", ""),
        (
            "standby",
            "another process runs the bot; this one takes over if it stops",
            "lock_held_elsewhere",
        ),
        ("standby", "database unreachable; waiting for the lock", "database_unreachable"),
        ("disconnected", "login failed: invalid token", "login_failed"),
        (
            "disconnected",
            "Message Content intent not enabled in the developer portal",
            "intents_missing",
        ),
        ("disconnected", "gave up after 5 failed starts: OSError", "gave_up"),
        ("disconnected", "ConnectionResetError: peer went away", "failed"),
    ],
)
def test_the_bot_reason_label_is_one_of_a_few(status: str, detail: str, reason: str) -> None:
    assert reason_of(status, detail) == reason
    assert reason in BOT_REASONS
