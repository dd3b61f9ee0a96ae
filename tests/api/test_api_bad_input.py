"""Bad input of every kind (SPEC §14, §6.3): a clear 4xx with a message, never a 500, and
nothing stored changes."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_support import AUTH, DAY, DAY_TEXT, AppFactory, each, make_png, raw_asgi_get, seed
from fastapi import FastAPI

from coachplans.service import PlanService

HUGE = 10_000
SEEDED_TEXT = "Seeded plan: long $NVDA above 945"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def state(service: PlanService) -> tuple[Any, ...]:
    stats = service.stats()
    plans = [(p.id, p.coach, p.text, p.version, len(p.charts)) for p in service.plans_for_date(DAY)]
    return service.outbox.last_id(), stats.total_plans, stats.total_charts, plans


@pytest.fixture
def unchanged(service: PlanService) -> Iterator[None]:
    """One plan seeded before the test; the test must leave the stored state exactly so."""
    seed(service, "d", SEEDED_TEXT, charts=[make_png(99)])
    before = state(service)
    yield
    assert state(service) == before


def message_of(response: httpx.Response) -> str:
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str)
    text = body.get("message", body["error"])
    assert isinstance(text, str) and text
    return text


def assert_4xx(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    return message_of(response)


async def post(client: httpx.AsyncClient, body: Any) -> httpx.Response:
    return await client.post("/api/v1/plans", json=body, headers=AUTH)


def plan_body(**overrides: Any) -> dict[str, Any]:
    return {"coach": "d", "date": DAY_TEXT, "text": "replacement text", **overrides}


# --- text ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
async def test_text_over_4000_characters(client: httpx.AsyncClient) -> None:
    response = await post(client, plan_body(text="x" * 4001))
    assert assert_4xx(response) == "Plan text is 4001 characters; the limit is 4000"
    padded = await post(client, plan_body(text="  " + "y" * 4001 + "\n\n"))
    assert "4001" in assert_4xx(padded)
    enormous = await post(client, plan_body(text="z" * 20_000))
    assert "text" in assert_4xx(enormous)
    edit = await client.patch("/api/v1/plans/1", json={"text": "x" * 4001}, headers=AUTH)
    assert "4000" in assert_4xx(edit)


async def test_text_of_4000_after_trimming_is_accepted(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    body = "w" * 4000
    response = await post(client, plan_body(text=f"   {body}  \n"))
    assert response.status_code == 201
    assert response.json()["text"] == body
    assert service.get_plan("d", DAY).text == body  # type: ignore[union-attr]


@pytest.mark.usefixtures("unchanged")
async def test_empty_or_blank_text(client: httpx.AsyncClient) -> None:
    async def check(text: str) -> None:
        assert "empty" in assert_4xx(await post(client, plan_body(text=text))).lower()
        edit = await client.patch("/api/v1/plans/1", json={"text": text}, headers=AUTH)
        assert "empty" in assert_4xx(edit).lower()

    await each(["", " ", "   \n\t  ", "\u3000"], check)


@pytest.mark.usefixtures("unchanged")
async def test_missing_text(client: httpx.AsyncClient) -> None:
    assert "text" in assert_4xx(await post(client, {"coach": "d", "date": DAY_TEXT}))
    assert "text" in assert_4xx(await client.patch("/api/v1/plans/1", json={}, headers=AUTH))


# --- charts ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
async def test_eleven_charts(client: httpx.AsyncClient) -> None:
    charts = [{"filename": f"c{i}.png", "data_base64": b64(make_png(i))} for i in range(11)]
    message = assert_4xx(await post(client, plan_body(charts=charts)))
    assert "10" in message


async def test_ten_charts_accepted(client: httpx.AsyncClient) -> None:
    charts = [{"filename": f"c{i}.png", "data_base64": b64(make_png(i))} for i in range(10)]
    response = await post(client, plan_body(charts=charts))
    assert response.status_code == 201
    assert len(response.json()["charts"]) == 10


NOT_IMAGES = [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj", "chart.png"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.png"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "setup.jpg"),
    (b"GIF8", "short.gif"),
    (b"", "empty.png"),
]


@pytest.mark.usefixtures("unchanged")
async def test_chart_that_is_not_an_image(client: httpx.AsyncClient) -> None:
    """Judged by magic bytes, not the name: a PDF named .png is refused, plan unchanged."""

    async def check(case: tuple[bytes, str]) -> None:
        data, name = case
        chart = {"filename": name, "data_base64": b64(data)}
        assert name in assert_4xx(await post(client, plan_body(charts=[chart])))

    await each(NOT_IMAGES, check)


@pytest.mark.usefixtures("unchanged")
async def test_chart_invalid_base64(client: httpx.AsyncClient) -> None:
    async def check(data: str) -> None:
        chart = {"filename": "a.png", "data_base64": data}
        assert "base64" in assert_4xx(await post(client, plan_body(charts=[chart])))

    await each(["!!!not base64!!!", "abc", "iVBORw0KGgo=extra", "é"], check)


async def test_chart_over_the_size_limit(make_client: AppFactory) -> None:
    _, http, service = await make_client(discord={"max_chart_bytes": 300})
    small, big = make_png(1), make_png(2, side=16)
    assert len(small) <= 300 < len(big)
    ok = await post(http, plan_body(charts=[{"data_base64": b64(small)}]))
    assert ok.status_code == 201
    before = state(service)
    response = await post(
        http, plan_body(text="new", charts=[{"filename": "big.png", "data_base64": b64(big)}])
    )
    message = assert_4xx(response)
    assert "big.png" in message and "300" in message
    assert state(service) == before
    assert service.get_plan("d", DAY).text == "replacement text"  # type: ignore[union-attr]


async def test_request_body_over_the_limit_413(make_client: AppFactory) -> None:
    _, http, service = await make_client(api={"max_body_bytes": 4096})
    response = await post(http, plan_body(charts=[{"data_base64": b64(make_png(3, side=40))}]))
    assert response.status_code == 413
    assert response.json()["error"] == "Payload Too Large"
    assert service.outbox.last_id() == 0


# --- the request body itself -----------------------------------------------------------------


MALFORMED_BODIES = [
    b"\xff\xfe{\x00\x00}",
    b'{"coach": "d", "text": "caf\xe9"}',
    b'{"coach": "d", "text": "\xc3\x28"}',
    b'{"coach": "d", "text": ',
    b"not json at all",
    b"[1, 2, 3]",
    b'"just a string"',
    b"null",
    b"",
]


@pytest.mark.usefixtures("unchanged")
async def test_malformed_body(client: httpx.AsyncClient) -> None:
    """Non-UTF-8, broken JSON, non-objects: 400, not 500, for create and edit alike."""
    headers = {**AUTH, "Content-Type": "application/json"}

    async def check(raw: bytes) -> None:
        assert_4xx(await client.post("/api/v1/plans", content=raw, headers=headers))
        assert_4xx(await client.patch("/api/v1/plans/1", content=raw, headers=headers))

    await each(MALFORMED_BODIES, check)


@pytest.mark.usefixtures("unchanged")
async def test_non_json_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/plans",
        content=b"coach=d&text=hello",
        headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_4xx(response)


@pytest.mark.usefixtures("unchanged")
async def test_unknown_json_fields(client: httpx.AsyncClient) -> None:
    cases = [
        (plan_body(author="someone else"), "author"),
        (plan_body(id=1), "id"),
        (plan_body(charts=[{"data_base64": b64(make_png(1)), "url": "http://x"}]), "url"),
    ]

    async def check(case: tuple[dict[str, Any], str]) -> None:
        body, field = case
        assert field in assert_4xx(await post(client, body))

    await each(cases, check)


@pytest.mark.usefixtures("unchanged")
async def test_unknown_json_field_on_edit(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "/api/v1/plans/1", json={"text": "ok", "version": 7}, headers=AUTH
    )
    assert "version" in assert_4xx(response)


@pytest.mark.usefixtures("unchanged")
async def test_wrong_json_types(client: httpx.AsyncClient) -> None:
    bodies = [
        plan_body(coach=5),
        plan_body(text=["a"]),
        plan_body(charts="x"),
        plan_body(charts=[{"filename": "a.png"}]),
        plan_body(date=20241112),
        plan_body(channel={"x": 1}),
    ]

    async def check(body: dict[str, Any]) -> None:
        assert_4xx(await post(client, body))

    await each(bodies, check)


# --- injection -------------------------------------------------------------------------------

SQL_TEXTS = [
    "'; DROP TABLE plans; --",
    "Robert'); DROP TABLE revisions;--",
    '" OR 1=1; DELETE FROM plans WHERE "a"="a',
    "%' UNION SELECT * FROM chart_blobs --",
]


async def test_sql_in_text_is_stored_verbatim(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    seed(service, "s", "a neighbour that must survive")

    async def check(text: str) -> None:
        response = await post(client, plan_body(text=text))
        assert response.status_code in (200, 201)
        assert response.json()["text"] == text
        compat = await client.get(f"/api/coach-plans/?coach=d&date={DAY_TEXT}")
        assert compat.json()["plan"] == text
        everything = (await client.get(f"/api/coach-plans/all?date={DAY_TEXT}")).json()
        assert set(everything) == {"coach_d", "coach_s"}
        found = (await client.get("/api/v1/plans", params={"q": text})).json()["plans"]
        assert [p["text"] for p in found] == [text]
        revisions = (await client.get(f"/api/v1/plans/{response.json()['id']}/revisions")).json()
        assert revisions["revisions"][-1]["text"] == text

    await each(SQL_TEXTS, check)
    stats = service.stats()
    assert (stats.total_plans, stats.total_edits) == (2, len(SQL_TEXTS) - 1)
    assert service.get_plan("s", DAY).text == "a neighbour that must survive"  # type: ignore[union-attr]


@pytest.mark.usefixtures("unchanged")
async def test_sql_in_query_values(client: httpx.AsyncClient) -> None:
    queries = [
        {"q": "' OR 1=1 --"},
        {"q": "%"},
        {"coach": "d' OR '1'='1"},
        {"date": "2024-11-12' OR '1'='1"},
        {"from": "2024-01-01; DROP TABLE plans"},
    ]

    async def check(query: dict[str, str]) -> None:
        response = await client.get("/api/v1/plans", params=query)
        if "q" in query:
            assert response.status_code == 200
            assert response.json()["plans"] == []
        else:
            assert_4xx(response)

    await each(queries, check)


async def test_html_and_script_returned_verbatim_as_json(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> & </textarea>'
    seed(service, "i", text)
    for url in (
        f"/api/coach-plans/?coach=i&date={DAY_TEXT}",
        f"/api/coach-plans/all?date={DAY_TEXT}",
        "/api/v1/plans",
    ):
        response = await client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert text in response.text.replace('\\"', '"')
    compat = await client.get(f"/api/coach-plans/?coach=i&date={DAY_TEXT}")
    assert compat.json()["plan"] == text
    posted = await post(client, plan_body(text=text))
    assert posted.json()["text"] == text


async def test_html_in_paths_and_values_echoed_only_as_json(client: httpx.AsyncClient) -> None:
    for url in (
        "/<script>alert(1)</script>",
        "/api/coach-plans/?coach=<b>x</b>",
        "/api/coach-plans/?coach=d&date=<img>",
    ):
        response = await client.get(url)
        assert response.status_code in (400, 404)
        assert response.headers["content-type"].startswith("application/json")
        message_of(response)


@pytest.mark.usefixtures("unchanged")
async def test_coach_with_extra_characters(client: httpx.AsyncClient) -> None:
    async def check(coach: str) -> None:
        message = assert_4xx(await post(client, plan_body(coach=coach)))
        assert message.startswith("Invalid coach name")
        query = await client.get("/api/coach-plans/", params={"coach": coach, "date": DAY_TEXT})
        assert query.status_code == 400
        assert query.json()["error"].startswith("Invalid coach name")

    await each(["coach_d; DROP", "d;", "coach_d OR 1=1", "coach__d"], check)
    # the compatibility routes keep their old text for any unknown coach, NUL included
    nul = await client.get("/api/coach-plans/", params={"coach": "d\x00", "date": DAY_TEXT})
    assert nul.status_code == 400 and nul.json()["error"].startswith("Invalid coach name")


# --- characters no database can store ------------------------------------------------------

NUL_MESSAGE = "contains a NUL character (U+0000), which cannot be stored; remove it"


@pytest.mark.usefixtures("unchanged")
async def test_nul_in_any_v1_query_or_path_value_is_a_400_on_both_backends(
    client: httpx.AsyncClient,
) -> None:
    async def check(url: str) -> None:
        response = await client.get(url)
        message = assert_4xx(response)
        assert response.json()["error"] == "Bad Request"
        assert NUL_MESSAGE in message, message

    await each(
        [
            "/api/v1/plans?q=%00",
            "/api/v1/plans?q=nv%00da&limit=5",
            "/api/v1/plans?coach=d%00",
            "/api/v1/plans?date=2024-11-12%00",
            "/api/v1/plans?cursor=%00",
            f"/api/v1/coaches/d%00/plans/{DAY_TEXT}",
            "/api/v1/charts/%00",
        ],
        check,
    )
    named = await client.get("/api/v1/plans?q=%00")
    assert message_of(named) == f"Query parameter 'q' {NUL_MESSAGE}"


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("bad", "named"),
    [("\x00", "a NUL character (U+0000)"), ("\ud800", "an unpaired surrogate (U+D800)")],
)
async def test_unstorable_characters_in_bodies_are_a_400_on_both_backends(
    client: httpx.AsyncClient, bad: str, named: str
) -> None:
    """Sent as JSON escapes (\\u0000, \\ud800), as a hostile client would."""

    async def send(method: str, url: str, body: dict[str, Any]) -> httpx.Response:
        headers = {**AUTH, "Content-Type": "application/json"}
        return await client.request(method, url, content=json.dumps(body), headers=headers)

    chart = {"filename": f"chart{bad}.png", "data_base64": b64(make_png(3))}
    cases = {
        "text": plan_body(text=f"Long {bad} NVDA"),
        "channel": plan_body(channel=f"plans{bad}"),
        "charts.0.filename": plan_body(charts=[chart]),
        "coach": plan_body(coach=f"d{bad}"),
    }

    async def check(field: str) -> None:
        message = assert_4xx(await send("POST", "/api/v1/plans", cases[field]))
        assert message == f"{field}: contains {named}, which cannot be stored; remove it"

    await each(list(cases), check)
    plan_id = (await client.get("/api/v1/plans")).json()["plans"][0]["id"]
    edit = await send("PATCH", f"/api/v1/plans/{plan_id}", {"text": f"edited {bad}"})
    assert assert_4xx(edit) == f"text: contains {named}, which cannot be stored; remove it"


# --- chart ids -------------------------------------------------------------------------------

SHA = "a" * 64


CHART_TRICKS = [
    "/api/v1/charts/../../etc/passwd",
    "/api/v1/charts/..",
    "/api/v1/charts/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/v1/charts/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/charts/%2e%2e",
    "/api/v1/charts/" + "a" * 63,
    "/api/v1/charts/" + "a" * 65,
    "/api/v1/charts/" + "A" * 64,
    "/api/v1/charts/" + "A" * 64 + ".png",
    f"/api/v1/charts/{SHA}.exe",
    f"/api/v1/charts/{SHA}.PNG",
    f"/api/v1/charts/{SHA}.png.php",
    f"/api/v1/charts/{SHA}%00.png",
    f"/api/v1/charts/{SHA}/",
    "/api/v1/charts/" + "g" * 64,
    "/api/v1/charts/" + "a" * 500,
    "/api/v1/charts/%ff%fe",
    "/api/v1/charts/",
]


async def test_chart_path_tricks(client: httpx.AsyncClient, app: FastAPI) -> None:
    async def check(path: str) -> None:
        status, headers, body = await raw_asgi_get(app, path)  # exactly as sent
        assert status in (400, 404), (status, body[:200])
        assert headers["content-type"].startswith("application/json")
        assert b"root:" not in body
        response = await client.get(path)  # as httpx sends it (dot segments normalised)
        assert response.status_code in (400, 404), response.status_code
        message_of(response)

    await each(CHART_TRICKS, check)


async def test_chart_ids_that_are_well_formed(
    client: httpx.AsyncClient, service: PlanService
) -> None:
    data = make_png(61)
    seed(service, charts=[data])
    sha = hashlib.sha256(data).hexdigest()
    for name in (sha, f"{sha}.png"):
        response = await client.get(f"/api/v1/charts/{name}")
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["x-content-type-options"] == "nosniff"
    wrong_ext = await client.get(f"/api/v1/charts/{sha}.jpg")
    assert wrong_ext.status_code == 404
    assert wrong_ext.json()["error"] == "Not Found"
    unknown = await client.get(f"/api/v1/charts/{SHA}.png")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "Not Found", "message": f"Chart {SHA} not found"}


# --- malformed dates and coaches in every route ------------------------------------------------

DATE_ROUTES = [
    ("GET", "/api/coach-plans/?coach=d&date={}"),
    ("GET", "/api/coach-plans?coach=d&date={}"),
    ("GET", "/api/coach-plans/d?date={}"),
    ("GET", "/api/coach-plans/all?date={}"),
    ("GET", "/api/coach-plans/history?coach=d&date={}"),
    ("GET", "/api/v1/plans?date={}"),
    ("GET", "/api/v1/plans?from={}"),
    ("GET", "/api/v1/plans?to={}"),
    ("GET", "/api/v1/coaches/d/plans/{}"),
    ("POST", "/api/v1/plans"),
]
COACH_ROUTES = [
    ("GET", "/api/coach-plans/?coach={}&date=2024-11-12"),
    ("GET", "/api/coach-plans?coach={}"),
    ("GET", "/api/coach-plans/{}?date=2024-11-12"),
    ("GET", "/api/coach-plans/history?coach={}"),
    ("GET", "/api/v1/plans?coach={}"),
    ("GET", "/api/v1/plans?coach=d&coach={}"),
    ("GET", "/api/v1/plans?coach=d,{}"),
    ("GET", "/api/v1/coaches/{}/plans/2024-11-12"),
    ("POST", "/api/v1/plans"),
]
BAD_DATES = ["2024-1-5", "2024-13-01", "2024-02-30", "abc", "11.12.2024", "2024-11-12T00:00"]
BAD_COACHES = ["x", "coach_", "coach_zz", "dd", "%3Bdrop", "%E2%98%83"]


async def send(client: httpx.AsyncClient, method: str, url: str, value: str, field: str) -> Any:
    if method == "POST":
        return await post(client, plan_body(**{field: value}))
    return await client.get(url.format(value))


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("bad", BAD_DATES)
async def test_malformed_date_everywhere(client: httpx.AsyncClient, bad: str) -> None:
    async def check(route: tuple[str, str]) -> None:
        response = await send(client, *route, bad, "date")
        assert assert_4xx(response) == f"Invalid date format '{bad}'. Use YYYY-MM-DD"

    await each(DATE_ROUTES, check)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("bad", ["1899-12-31", "2999-01-01"])
async def test_out_of_range_date_everywhere(client: httpx.AsyncClient, bad: str) -> None:
    async def check(route: tuple[str, str]) -> None:
        assert bad in assert_4xx(await send(client, *route, bad, "date"))

    await each(DATE_ROUTES, check)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("bad", BAD_COACHES)
async def test_malformed_coach_everywhere(client: httpx.AsyncClient, bad: str) -> None:
    async def check(route: tuple[str, str]) -> None:
        method, url = route
        value = httpx.URL("http://x/?v=" + bad).params["v"] if method == "POST" else bad
        message = assert_4xx(await send(client, method, url, value, "coach"))
        assert message.startswith("Invalid coach name '")
        assert message.endswith("'. Valid coaches: d, i, s, n")

    await each(COACH_ROUTES, check)


# --- huge values -----------------------------------------------------------------------------

HUGE_ROUTES = [
    "/api/coach-plans/?coach={v}&date=2024-11-12",
    "/api/coach-plans/?coach=d&date={v}",
    "/api/coach-plans?coach={v}",
    "/api/coach-plans/{v}",
    "/api/coach-plans/d?date={v}",
    "/api/coach-plans/all?date={v}",
    "/api/coach-plans/history?coach={v}",
    "/api/coach-plans/history?coach=d&date={v}",
    "/api/v1/plans?coach={v}",
    "/api/v1/plans?date={v}",
    "/api/v1/plans?from={v}",
    "/api/v1/plans?q={v}",
    "/api/v1/plans?cursor={v}",
    "/api/v1/plans?limit={v}",
    "/api/v1/plans?order={v}",
    "/api/v1/plans/{v}",
    "/api/v1/coaches/{v}/plans/2024-11-12",
    "/api/v1/coaches/d/plans/{v}",
    "/api/v1/events?after={v}",
    "/api/v1/charts/{v}",
]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("filler", ["7", "x"])
async def test_huge_query_values(client: httpx.AsyncClient, filler: str) -> None:
    async def check(url: str) -> None:
        response = await client.get(url.format(v=filler * HUGE))
        assert 400 <= response.status_code < 500, response.status_code
        message = message_of(response)
        assert len(response.content) < 1000, "the echo of a huge value is truncated"
        assert filler * 200 not in message

    await each(HUGE_ROUTES, check)


@pytest.mark.usefixtures("unchanged")
async def test_huge_values_in_the_body(client: httpx.AsyncClient) -> None:
    for field in ("coach", "date", "channel"):
        response = await post(client, plan_body(**{field: "q" * HUGE}))
        message = assert_4xx(response)
        assert len(response.content) < 1000 and "q" * 200 not in message
    chart = {"filename": "f" * HUGE, "data_base64": b64(make_png(1))}
    response = await post(client, plan_body(charts=[chart]))
    assert len(assert_4xx(response)) < 1000


async def test_huge_coach_echo_is_truncated_in_the_compat_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/coach-plans/", params={"coach": "z" * HUGE})
    error = response.json()["error"]
    assert error.startswith("Invalid coach name 'zzzz")
    assert "..." in error
    date_response = await client.get("/api/coach-plans/", params={"coach": "d", "date": "9" * HUGE})
    assert date_response.json()["error"].startswith("Invalid date format '9999")
    assert date_response.json()["error"].endswith("...'. Use YYYY-MM-DD")


OUT_OF_RANGE_IDS = [
    f"/api/v1/plans/{2**31}",
    f"/api/v1/plans/{2**64}/revisions",
    "/api/v1/plans/0",
    "/api/v1/plans/-5",
    "/api/v1/plans/1.5",
    "/api/v1/plans/1e3",
    f"/api/v1/events?after={2**63}",
]


@pytest.mark.usefixtures("unchanged")
async def test_out_of_range_ids(client: httpx.AsyncClient) -> None:
    async def check(url: str) -> None:
        response = await client.get(url)
        assert response.status_code in (400, 404), response.status_code
        message_of(response)
        if "/events" in url or "/revisions" in url:
            return
        for method in ("PATCH", "DELETE"):
            write = await client.request(method, url, json={"text": "x"}, headers=AUTH)
            assert write.status_code in (400, 404), (method, write.status_code)

    await each(OUT_OF_RANGE_IDS, check)


@pytest.mark.usefixtures("unchanged")
async def test_forged_cursor_with_huge_id(client: httpx.AsyncClient) -> None:
    cursor = base64.urlsafe_b64encode(f"d|2024-11-12|{2**70}".encode()).decode().rstrip("=")
    response = await client.get("/api/v1/plans", params={"cursor": cursor})
    assert "cursor" in assert_4xx(response)


# --- v1 404 / 405 bodies (SPEC §6.1 error shape on every route) ---------------------------------


V1_MISSES = [
    ("GET", "/api/v1/plans/999", 404),
    ("GET", "/api/v1/plans/999/revisions", 404),
    ("PATCH", "/api/v1/plans/999", 404),
    ("DELETE", "/api/v1/plans/999", 404),
    ("POST", "/api/v1/plans/999/restore", 404),
    ("GET", "/api/v1/nope", 404),
    ("GET", "/api/v1/plans/1/nope", 404),
    ("GET", "/api/v1/coaches/d/plans/2024-11-13", 404),
    ("GET", f"/api/v1/charts/{SHA}", 404),
    ("PUT", "/api/v1/plans/1", 405),
    ("DELETE", "/api/v1/plans", 405),
    ("POST", "/api/v1/coaches", 405),
    ("GET", "/api/v1/plans/1/restore", 405),
    ("POST", "/api/v1/events", 405),
    ("DELETE", f"/api/v1/charts/{SHA}", 405),
]


async def test_v1_404_and_405_bodies(client: httpx.AsyncClient) -> None:
    async def check(case: tuple[str, str, int]) -> None:
        method, url, status = case
        headers = AUTH if method != "GET" else {}
        kwargs: dict[str, Any] = {"json": {"text": "x"}} if method == "PATCH" else {}
        response = await client.request(method, url, headers=headers, **kwargs)
        assert response.status_code == status, response.status_code
        body = response.json()
        assert set(body) == {"error", "message"}
        assert body["error"] == ("Not Found" if status == 404 else "Method Not Allowed")
        assert isinstance(body["message"], str) and body["message"]

    await each(V1_MISSES, check)
