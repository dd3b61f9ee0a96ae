"""Absolute links in responses (chart URLs): PUBLIC_URL when set, otherwise the request's Host
only when it is allowed (loopback, the bound address, api.allowed_hosts), otherwise the
server's own address. The read cache is never keyed by an arbitrary Host."""

from __future__ import annotations

import httpx
from api_support import DAY_TEXT, AppFactory, make_png, seed

LIST = f"/api/coach-plans/?coach=d&date={DAY_TEXT}"


async def first_chart_url(client: httpx.AsyncClient, host: str) -> str:
    response = await client.get("/api/v1/plans", params={"date": DAY_TEXT}, headers={"Host": host})
    assert response.status_code == 200, response.text
    url: str = response.json()["plans"][0]["charts"][0]["url"]
    return url


async def test_a_foreign_host_never_reaches_the_links_or_the_cache(
    make_client: AppFactory,
) -> None:
    app, client, service = await make_client()
    seed(service, charts=[make_png(1)])
    seen = {
        await first_chart_url(client, host)
        for host in ("evil.example", "evil.example:80", "attacker.test:5000", "testserver")
    }
    assert len(seen) == 1
    assert seen.pop().startswith("http://testserver/api/v1/charts/")
    assert len(app.state.read_cache._entries) == 1
    assert {key[-1] for key in app.state.plan_json._fragments} == {"http://testserver"}


async def test_loopback_and_allowed_hosts_are_followed(make_client: AppFactory) -> None:
    _app, client, service = await make_client(api={"allowed_hosts": "plans.lan, Other.Lan"})
    seed(service, charts=[make_png(1)])
    for host, base in [
        ("localhost", "http://localhost/"),
        ("127.0.0.1", "http://127.0.0.1/"),
        ("[::1]", "http://[::1]/"),
        ("plans.lan", "http://plans.lan/"),
        ("other.lan", "http://other.lan/"),
        ("localhost:9999", "http://testserver/"),  # not the port the server is on
    ]:
        assert (await first_chart_url(client, host)).startswith(base), host


async def test_public_url_wins_over_any_host(make_client: AppFactory) -> None:
    _app, client, service = await make_client(api={"public_url": "https://plans.example.com/x/"})
    seed(service, charts=[make_png(1)])
    for host in ("localhost", "evil.example"):
        url = await first_chart_url(client, host)
        assert url.startswith("https://plans.example.com/x/api/v1/charts/"), url
    compat = await client.get(LIST, headers={"Host": "evil.example"})
    assert compat.json()["charts"][0].startswith("https://plans.example.com/x/")


async def test_a_bad_public_url_is_refused() -> None:
    import pytest

    from coachplans.errors import ConfigError
    from coachplans.settings import load_settings

    for bad in ("plans.example.com", "ftp://plans.example.com", "https://"):
        with pytest.raises(ConfigError, match=r"api\.public_url"):
            load_settings(run_bot=False, api={"public_url": bad})
