"""Operations and error contract (SPEC §6.1): /health, /metrics, 404/405/500 bodies, CORS."""

from __future__ import annotations

import logging
import re
from datetime import datetime

import httpx
import pytest
from api_support import AUTH, DAY, DAY_TEXT, AppFactory, each, make_png, seed
from fastapi import FastAPI

from coachplans.domain.plans import Actor, PlanId, Source
from coachplans.logging import RequestIdFilter
from coachplans.service import PlanService
from db_support import database_gone

INTERNAL_ERROR = {"error": "Internal Server Error", "message": "An unexpected error occurred"}


def is_iso(value: object) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value).utcoffset() is not None


# --- /health ---------------------------------------------------------------------------------


async def test_health_shape(client: httpx.AsyncClient, service: PlanService) -> None:
    seed(service, "d")
    seed(service, "i")
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "timestamp", "components"}
    assert body["status"] == "healthy"
    assert is_iso(body["timestamp"])
    assert body["components"]["database"] == {"status": "up", "plan_count": 2}
    assert body["components"]["discord_bot"]["status"] == "mock"
    assert "no-store" in response.headers.get("cache-control", "")


async def test_health_counts_live_plans_only(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    seed(service, "d")
    gone = seed(service, "s")
    service.delete_plan(PlanId(gone.id), Actor("x"), source=Source.MOCK)
    body = (await client.get("/health")).json()
    assert body["components"]["database"]["plan_count"] == 1


async def test_health_degraded_when_bot_disconnected(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.bot_state.set("disconnected", "login failed: improper token")
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["discord_bot"]["status"] == "disconnected"
    assert body["components"]["database"]["status"] == "up"


async def test_health_503_when_database_is_gone(
    client: httpx.AsyncClient, service: PlanService, db_url: str
) -> None:
    seed(service, "d", "kept safe")
    before = service.outbox.last_id()
    with database_gone(service, db_url):
        response = await client.get("/health")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unhealthy"
        assert body["components"]["database"]["status"] == "down"
        assert body["components"]["discord_bot"]["status"] == "mock"
        assert is_iso(body["timestamp"])
        # a write fails with a clear message, not a 500
        write = await client.post(
            "/api/v1/plans", json={"coach": "s", "date": DAY_TEXT, "text": "lost?"}, headers=AUTH
        )
        assert write.status_code == 503
        assert write.json()["error"] == "Service Unavailable"
        assert "database" in write.json()["message"].lower()
        read = await client.get(f"/api/coach-plans/?coach=i&date={DAY_TEXT}")
        assert read.status_code == 503
        metrics = await client.get("/metrics")
        assert metrics.status_code == 503
        assert metrics.json()["database"]["total_plans"] == 0
    recovered = await client.get("/health")
    assert recovered.status_code == 200
    assert recovered.json()["components"]["database"] == {"status": "up", "plan_count": 1}
    # nothing half-written
    assert service.outbox.last_id() == before
    assert service.get_plan("s", DAY) is None
    assert service.get_plan("d", DAY).text == "kept safe"  # type: ignore[union-attr]


# --- /metrics --------------------------------------------------------------------------------


async def test_metrics_json_shape(client: httpx.AsyncClient, service: PlanService) -> None:
    plan = seed(service, "d", charts=[make_png(7)])
    service.edit_plan(PlanId(plan.id), "edited", Actor("x"), source=Source.MOCK)
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"timestamp", "uptime_seconds", "requests", "database"}
    assert is_iso(body["timestamp"])
    assert isinstance(body["uptime_seconds"], float) and body["uptime_seconds"] >= 0
    requests = body["requests"]
    assert set(requests) == {"total", "success", "error", "error_rate_percent"}
    assert all(isinstance(requests[k], int) for k in ("total", "success", "error"))
    assert isinstance(requests["error_rate_percent"], float)
    database = body["database"]
    assert database["total_plans"] == 1
    assert database["total_charts"] == 1
    assert database["total_edits"] == 1
    assert is_iso(database["latest_plan"])


async def test_metrics_latest_plan_null_when_empty(client: httpx.AsyncClient) -> None:
    body = (await client.get("/metrics")).json()
    assert body["database"] == {
        "total_plans": 0,
        "total_charts": 0,
        "total_edits": 0,
        "latest_plan": None,
    }


async def test_metrics_counters_increase(client: httpx.AsyncClient) -> None:
    first = (await client.get("/metrics")).json()["requests"]
    assert (await client.get("/")).status_code == 200
    assert (await client.get(f"/api/coach-plans/?coach=d&date={DAY_TEXT}")).status_code == 200
    assert (await client.get("/nope")).status_code == 404
    assert (await client.get("/api/coach-plans/?coach=zz")).status_code == 400
    second = (await client.get("/metrics")).json()["requests"]
    # the first /metrics request itself is counted once it is answered
    assert second["total"] - first["total"] == 5
    assert second["success"] - first["success"] == 3
    assert second["error"] - first["error"] == 2
    expected = round(100.0 * second["error"] / second["total"], 2)
    assert second["error_rate_percent"] == pytest.approx(expected)


async def test_metrics_prometheus_text(client: httpx.AsyncClient, service: PlanService) -> None:
    seed(service)
    await client.get("/")
    response = await client.get("/metrics", headers={"Accept": "text/plain"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "coachplans_http_requests_total" in text
    assert re.search(r'coachplans_http_requests_total\{[^}]*route="/"[^}]*\} 1\.0', text)
    assert "coachplans_plans_live 1.0" in text
    assert "# EOF" not in text


async def test_metrics_openmetrics(client: httpx.AsyncClient) -> None:
    await client.get("/")
    response = await client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert "coachplans_http_requests" in response.text
    assert response.text.rstrip().endswith("# EOF")


# --- error bodies ----------------------------------------------------------------------------


async def test_unknown_path_404_exact_body(client: httpx.AsyncClient) -> None:
    async def check(path: str) -> None:
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        assert response.json() == {"error": "Not Found", "message": f"Endpoint {path} not found"}

    await each(["/nope", "/api/nope", "/api/coach-plans/d/extra", "/health/", "/metrics/x"], check)


async def test_wrong_method_405(client: httpx.AsyncClient) -> None:
    cases = [
        ("DELETE", "/health"),
        ("POST", "/metrics"),
        ("POST", "/api/coach-plans/"),
        ("PUT", "/api/coach-plans/all"),
        ("DELETE", "/api/coach-plans/history"),
        ("PATCH", "/"),
    ]

    async def check(case: tuple[str, str]) -> None:
        method, path = case
        response = await client.request(method, path)
        assert response.status_code == 405
        body = response.json()
        assert body["error"] == "Method Not Allowed"
        assert isinstance(body["message"], str) and body["message"]
        assert "GET" in response.headers.get("allow", "")

    await each(cases, check)


async def test_unexpected_error_500_without_traceback(
    client: httpx.AsyncClient,
    service: PlanService,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(service, "versions_for_date", explode)
    caplog.handler.addFilter(RequestIdFilter())  # stamps the request id as the record is logged
    with caplog.at_level(logging.ERROR):
        response = await client.get(
            f"/api/coach-plans/all?date={DAY_TEXT}", headers={"X-Request-ID": "trace-me-500"}
        )
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text
    assert "secret-internal-detail" not in response.text
    assert response.headers["x-request-id"] == "trace-me-500"
    failures = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(failures) == 1, "the traceback is logged exactly once"
    record = failures[0]
    assert record.__dict__["request_id"] == "trace-me-500"
    assert "secret-internal-detail" in caplog.text
    assert "Traceback" in caplog.text
    # the server keeps working and counts the failure
    assert (await client.get("/")).status_code == 200
    assert (await client.get("/metrics")).json()["requests"]["error"] >= 1


async def test_unexpected_error_in_v1_route(
    client: httpx.AsyncClient, service: PlanService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(service, "post_plan", explode)
    response = await client.post(
        "/api/v1/plans", json={"coach": "d", "date": DAY_TEXT, "text": "x"}, headers=AUTH
    )
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    assert "x-request-id" in response.headers


# --- CORS ------------------------------------------------------------------------------------


async def test_cors_simple_request(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"/api/coach-plans/all?date={DAY_TEXT}", headers={"Origin": "http://dashboard.example"}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "http://dashboard.example")
    exposed = response.headers.get("access-control-expose-headers", "").lower()
    assert "etag" in exposed


async def test_cors_preflight_answered(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/plans",
        headers={
            "Origin": "http://dashboard.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "http://dashboard.example")
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_cors_allow_list_is_configurable(make_client: AppFactory) -> None:
    _, http, _ = await make_client(api={"cors_origins": ["http://good.example"]})
    good = await http.get("/", headers={"Origin": "http://good.example"})
    assert good.headers["access-control-allow-origin"] == "http://good.example"
    bad = await http.get("/", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in bad.headers


# --- documentation ---------------------------------------------------------------------------


async def test_openapi_schema_documents_the_api(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/coach-plans/",
        "/api/coach-plans/all",
        "/api/coach-plans/history",
        "/api/v1/plans",
        "/api/v1/plans/{plan_id}",
        "/api/v1/plans/{plan_id}/revisions",
        "/api/v1/plans/{plan_id}/restore",
        "/api/v1/coaches",
        "/api/v1/events",
        "/api/v1/events/stream",
        "/api/v1/charts/{name}",
        "/health",
        "/metrics",
    ):
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/v1/plans"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/plans/{plan_id}"])
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")


async def test_docs_pages_load_nothing_from_other_hosts(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
        links += re.findall(r"""@import\s+url\(([^)]+)\)""", html)
        assert links, page
        assert all(link.startswith("/") and not link.startswith("//") for link in links), links
        assert "://" not in html.replace("http://testserver", ""), page
        for asset in [link for link in links if link.startswith("/static/")]:
            assert (await client.get(asset)).status_code == 200, asset


async def test_index_lists_the_v1_routes_and_the_docs(client: httpx.AsyncClient) -> None:
    body = (await client.get("/")).json()
    schema = (await client.get("/openapi.json")).json()["paths"]
    documented = {
        f"{method.upper()} {path}"
        for path, methods in schema.items()
        if path.startswith("/api/v1/")
        for method in methods
    }
    assert set(body["api_v1"]) == documented
    assert len(body["api_v1"]) == len(documented)
    assert body["docs"] == {"swagger": "/docs", "redoc": "/redoc", "openapi": "/openapi.json"}
    for path in body["docs"].values():
        assert (await client.get(path)).status_code == 200
