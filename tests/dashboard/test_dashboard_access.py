"""Read tokens on the dashboard (SQLite and PostgreSQL): when the API requires them, pages
show a token form, a valid token is kept in an HttpOnly, SameSite=Strict cookie, and that
cookie opens the pages and the reads they use (charts, thumbnails, events) but never writes."""

from __future__ import annotations

import httpx
import pytest
from dashboard_support import AUTH, DAY, TOKEN, AppFactory, chart, post

from coachplans.api.auth import READ_COOKIE
from coachplans.dashboard.access import safe_next

pytestmark = pytest.mark.postgres


async def sign_in(client: httpx.AsyncClient, token: str, next_path: str) -> httpx.Response:
    form = {"token": token, "next": next_path}
    return await client.post("/dashboard/login", data=form)


async def test_pages_ask_for_a_token_when_reads_need_one(make_app: AppFactory) -> None:
    _, client, service = await make_app(require_read_token=True)
    post(service, "d", "Secret plan $NVDA")
    for path in [f"/dashboard?date={DAY}", "/dashboard/coaches/d", "/dashboard/plans/1"]:
        response = await client.get(path)
        assert response.status_code == 401, path
        assert '<form class="login" method="post" action="/dashboard/login">' in response.text
        assert f'name="next" value="{path.replace("&", "&amp;")}"' in response.text
        assert "Secret plan" not in response.text
    browser = await client.get("/", headers={"Accept": "text/html"})
    assert browser.status_code == 401 and 'action="/dashboard/login"' in browser.text
    assert (await client.get("/")).status_code == 401  # the JSON index needs a token too


async def test_a_wrong_token_is_refused_with_a_message(make_app: AppFactory) -> None:
    _, client, _ = await make_app(require_read_token=True)
    wrong = await sign_in(client, "not-the-token", "/dashboard")
    assert wrong.status_code == 401 and "That token is not valid." in wrong.text
    assert READ_COOKIE not in wrong.headers.get("set-cookie", "")
    empty = await sign_in(client, "  ", "/dashboard")
    assert empty.status_code == 401 and "Enter a read token." in empty.text


async def test_a_valid_token_becomes_a_strict_http_only_cookie(make_app: AppFactory) -> None:
    _, client, service = await make_app(require_read_token=True)
    plan = post(service, "d", "Secret plan $NVDA", charts=[chart(3)])
    sha = plan.charts[0].sha256
    assert (await client.get(f"/dashboard/thumbs/v1/{sha}.webp")).status_code == 401

    response = await sign_in(client, TOKEN, f"/dashboard?date={DAY}")

    assert response.status_code == 303 and response.headers["location"] == f"/dashboard?date={DAY}"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{READ_COOKIE}={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    page = await client.get(f"/dashboard?date={DAY}")  # httpx keeps the cookie
    assert page.status_code == 200 and "Secret plan $NVDA" in page.text
    assert 'action="/dashboard/logout"' in page.text
    assert (await client.get(f"/dashboard/thumbs/v1/{sha}.webp")).status_code == 200
    assert (await client.get(f"/api/v1/charts/{sha}.png")).status_code == 200
    assert (await client.get("/api/v1/events")).status_code == 200
    write = {"coach": "s", "date": DAY.isoformat(), "text": "Cookie write"}
    assert (await client.post("/api/v1/plans", json=write)).status_code == 401
    assert (await client.post("/api/v1/plans", json=write, headers=AUTH)).status_code == 201

    out = await client.post("/dashboard/logout")
    assert out.status_code == 303 and f'{READ_COOKIE}=""' in out.headers["set-cookie"]
    assert (await client.get(f"/dashboard?date={DAY}")).status_code == 401


async def test_a_bearer_header_also_opens_the_pages(make_app: AppFactory) -> None:
    _, client, _ = await make_app(require_read_token=True)
    assert (await client.get("/dashboard", headers=AUTH)).status_code == 200


async def test_a_cookie_with_a_wrong_token_opens_nothing(make_app: AppFactory) -> None:
    _, client, _ = await make_app(require_read_token=True)
    client.cookies.set(READ_COOKIE, "forged")
    assert (await client.get("/dashboard")).status_code == 401
    assert (await client.get("/api/v1/events")).status_code == 401


def test_sign_in_only_returns_to_pages_of_this_site() -> None:
    assert safe_next("/dashboard/coaches/d?older=x") == "/dashboard/coaches/d?older=x"
    for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "", None]:
        assert safe_next(hostile) == "/dashboard", hostile
