"""What /openapi.json publishes is what the server does (the fuzz test checks the answers;
these check the promises no random request would exercise)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_support import DAY_TEXT, AppFactory, each

from coachplans.domain.plans import MAX_TEXT

V1_ERROR = {"error", "message"}


async def spec_of(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def ref_schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].rsplit("/", 1)[-1]
    found: dict[str, Any] = spec["components"]["schemas"][name]
    return found


def body_schema(spec: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    response = spec["paths"][path][method]["responses"][status]
    return ref_schema(spec, response["content"]["application/json"]["schema"])


async def test_lists_are_documented_as_the_objects_they_are(client: httpx.AsyncClient) -> None:
    spec = await spec_of(client)
    cases = {
        "/api/v1/coaches": ("coaches", set()),
        "/api/v1/events": ("events", {"last_id"}),
        "/api/v1/plans/{plan_id}/revisions": ("revisions", set()),
        "/api/v1/plans": ("plans", {"next_cursor"}),
    }
    for path, (key, others) in cases.items():
        schema = body_schema(spec, path, "get", "200")
        assert schema["type"] == "object"
        assert set(schema["properties"]) == {key, *others}
        assert schema["properties"][key]["type"] == "array"
    coaches = (await client.get("/api/v1/coaches")).json()
    assert set(coaches) == {"coaches"}


async def test_validation_errors_are_documented_as_400_never_422(
    client: httpx.AsyncClient,
) -> None:
    spec = await spec_of(client)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, method, op in operations(spec):
        responses = op["responses"]
        assert "422" not in responses, (method, path)
        if path.startswith("/api/v1/"):
            assert set(body_schema(spec, path, method, "400")["properties"]) == V1_ERROR
        elif path.startswith("/api/coach-plans"):
            assert set(body_schema(spec, path, method, "400")["properties"]) == {"error"}


async def test_statuses_each_operation_can_answer_are_documented(
    client: httpx.AsyncClient,
) -> None:
    spec = await spec_of(client)
    plan = "/api/v1/plans/{plan_id}"
    expected = {
        ("post", "/api/v1/plans"): {"200", "201", "400", "401", "413", "503"},
        ("get", plan): {"200", "304", "400", "404", "503"},
        ("patch", plan): {"200", "400", "401", "404", "412", "413", "503"},
        ("delete", plan): {"200", "400", "401", "404", "412", "503"},
        ("post", plan + "/restore"): {"200", "400", "401", "404", "409", "412", "503"},
        ("get", plan + "/revisions"): {"200", "304", "400", "404", "503"},
        ("get", "/api/v1/coaches/{coach}/plans/{day}"): {"200", "304", "400", "404", "503"},
        ("get", "/api/v1/charts/{name}"): {"200", "304", "400", "404", "503"},
        ("get", "/health"): {"200", "503"},
        ("get", "/api/coach-plans/"): {"200", "304", "400", "503"},
    }
    for (method, path), statuses in expected.items():
        assert set(spec["paths"][path][method]["responses"]) == statuses, (method, path)


async def test_bearer_scheme_is_declared_on_every_write(client: httpx.AsyncClient) -> None:
    spec = await spec_of(client)
    schemes = spec["components"]["securitySchemes"]
    assert schemes == {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": schemes["bearerAuth"]["description"],
        }
    }
    for path, method, op in operations(spec):
        if method == "get":
            assert "security" not in op, path  # reads are open on this server
            continue
        assert op["security"] == [{"bearerAuth": []}], (method, path)
        assert set(body_schema(spec, path, method, "401")["properties"]) == V1_ERROR
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


async def test_reads_that_need_a_token_say_so(make_client: AppFactory) -> None:
    _, client, _ = await make_client(api={"require_read_token": True})
    spec = await spec_of(client)
    for path, _method, op in operations(spec):
        if path in {"/health", "/metrics"}:
            assert "security" not in op
            continue
        assert op["security"] == [{"bearerAuth": []}], path
        assert "401" in op["responses"], path
    assert (await client.get("/api/v1/coaches")).status_code == 401


async def test_text_limits_are_the_servers(client: httpx.AsyncClient) -> None:
    spec = await spec_of(client)
    for model in ("PlanCreate", "PlanEdit"):
        text = spec["components"]["schemas"][model]["properties"]["text"]
        assert text["maxLength"] == MAX_TEXT == 4000, model
        assert "trimmed" in text["description"]


async def test_allow_lists_every_method_of_the_resource(client: httpx.AsyncClient) -> None:
    spec = await spec_of(client)

    async def check(path: str) -> None:
        documented = {m.upper() for m in spec["paths"][path] if m != "parameters"}
        url = path.replace("{plan_id}", "1").replace("{coach}", "d").replace("{day}", DAY_TEXT)
        url = url.replace("{name}", "a" * 64)
        response = await client.options(url)
        assert response.status_code == 405
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed - {"HEAD"} == documented
        assert response.json()["error"] == "Method Not Allowed"

    await each(list(spec["paths"]), check)
    patch = await client.put("/api/v1/plans/1")
    assert patch.headers["allow"] == "DELETE, GET, PATCH"


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/coaches/zz/plans/{DAY_TEXT}",
        "/api/v1/coaches/d/plans/2024-13-01",
        "/api/v1/plans?cursor=nonsense",
        "/api/v1/plans?coach=zz",
        "/api/v1/plans?limit=0",
        "/api/v1/charts/nope",
    ],
)
async def test_v1_errors_have_one_shape(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == V1_ERROR and body["error"] == "Bad Request" and body["message"]


async def test_compat_errors_keep_their_old_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/coach-plans/?coach=zz")
    assert response.json() == {"error": "Invalid coach name 'zz'. Valid coaches: d, i, s, n"}
