"""The dashboard's pages served in-process on SQLite and PostgreSQL: content, escaping, the
security headers, errors as HTML pages, the read cache and its invalidation, pagination,
revisions with differences marked, the ticker consensus, and GET / negotiation."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from dashboard_support import AUTH, DAY, SCRIPT_TEXT, AppFactory, chart, edit, inline_code, post

from coachplans.api.routes.compat import index_body
from coachplans.dashboard.pages import PAGE_SIZE
from coachplans.dashboard.render import CSP
from coachplans.domain.plans import Actor, PlanId, Source

pytestmark = pytest.mark.postgres
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def card(page: str, coach: str) -> str:
    """The markup of one coach's card on a date page."""
    match = re.search(rf'<article[^>]*id="coach-{coach}".*?</article>', page, re.DOTALL)
    assert match, f"no card for coach {coach}"
    return match.group(0)


async def test_date_page_has_a_card_per_coach_with_plan_details(make_app: AppFactory) -> None:
    _, client, service = await make_app()
    first = post(service, "d", "Long $NVDA above 945\nstop 930, target 960", charts=[chart(1)])
    edit(service, first.id, "Long $NVDA above 946\nstop 930, target 960")
    post(service, "s", "Short $TSLA below 240")

    response = await client.get(f"/dashboard?date={DAY}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="en">' in page and "<title>Plans for 2024-11-12 · coachplans</title>" in page
    for coach in "disn":
        card(page, coach)
    coach_d = card(page, "d")
    assert "Coach D (Day Trading)" in coach_d
    assert "Long $NVDA above 946\nstop 930, target 960" in coach_d  # line breaks kept
    assert "badge-edited" in coach_d and "badge-edited" not in card(page, "s")
    assert 'href="/dashboard/tickers/NVDA"' in coach_d and "bias-bullish" in coach_d
    assert "entry 946" in coach_d and "stop 930" in coach_d and "target 960" in coach_d
    sha = service.get_plan_by_id(first.id).charts[0].sha256
    assert f'href="/api/v1/charts/{sha}.png"' in coach_d
    assert f'src="/dashboard/thumbs/v1/{sha}.webp"' in coach_d
    assert re.search(r'<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T</time>', coach_d)
    assert "No plan for this date yet." in card(page, "i")
    assert 'href="/dashboard?date=2024-11-11"' in page  # previous trading day (Monday)
    assert 'href="/dashboard?date=2024-11-13"' in page
    assert '<input type="date" id="date" name="date" value="2024-11-12"' in page


async def test_weekends_are_skipped_by_the_day_links(make_app: AppFactory) -> None:
    _, client, _ = await make_app()
    page = (await client.get("/dashboard?date=2024-11-15")).text  # a Friday
    assert 'href="/dashboard?date=2024-11-14"' in page
    assert 'href="/dashboard?date=2024-11-18"' in page  # the Monday after


async def test_dashboard_without_a_date_shows_today(make_app: AppFactory) -> None:
    _, client, service = await make_app()
    today = service.today().isoformat()
    post(service, "n", "CPI at 8:30, $SPY neutral", day=service.today())
    page = (await client.get("/dashboard")).text
    assert f'<time datetime="{today}">' in page and "badge-today" in page
    assert "CPI at 8:30" in card(page, "n")


async def test_plan_text_is_escaped_and_pages_carry_no_inline_code(make_app: AppFactory) -> None:
    _, client, service = await make_app()
    plan = post(service, "s", SCRIPT_TEXT, charts=[chart(2)])
    pages = [
        f"/dashboard?date={DAY}",
        "/dashboard/coaches/s",
        f"/dashboard/plans/{plan.id}",
        "/dashboard/tickers/SPY",
    ]
    for path in pages:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert "<script>window.pwned" not in response.text, path
        assert html.escape(SCRIPT_TEXT, quote=False) in response.text, path
        assert inline_code(response.text) == [], path
        assert response.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_bad_input_gets_an_html_error_page(make_app: AppFactory) -> None:
    _, client, _ = await make_app()
    cases = {
        "/dashboard?date=2024-1-5": (400, "Invalid date format &#39;2024-1-5&#39;. Use YYYY-MM-DD"),
        "/dashboard/coaches/zz": (
            400,
            "Invalid coach name &#39;zz&#39;. Valid coaches: d, i, s, n",
        ),
        "/dashboard/plans/999": (404, "Plan 999 not found"),
        "/dashboard/plans/abc": (400, "Invalid plan id &#39;abc&#39;"),
        "/dashboard/tickers/%3Cb%3E": (400, "Invalid ticker &#39;&lt;b&gt;&#39;"),
        "/dashboard/coaches/d?older=nonsense": (400, "Invalid page position &#39;nonsense&#39;"),
        "/dashboard/tickers/NVDA?older=2024-13-01.5": (400, "Invalid page position"),
        "/dashboard/nowhere": (404, "There is no dashboard page at /dashboard/nowhere."),
        "/dashboard/plans/" + "9" * 40: (400, "expected a positive number"),
        "/dashboard?date=" + "x" * 300: (400, "Invalid date format"),
        "/dashboard/tickers/" + "A" * 40: (400, "up to 15 letters"),
        "/dashboard/coaches/" + "q" * 300: (400, "Invalid coach name"),
    }
    for path, (status, message) in cases.items():
        response = await client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert message in response.text, (path, response.text)


async def test_date_page_comes_from_the_read_cache_until_a_write(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, client, service = await make_app()
    post(service, "d", "First plan $NVDA")
    reads: list[object] = []
    real = service.plans_for_date
    monkeypatch.setattr(service, "plans_for_date", lambda day: reads.append(day) or real(day))

    first = await client.get(f"/dashboard?date={DAY}")
    again = await client.get(f"/dashboard?date={DAY}")
    assert len(reads) == 1, "the second request should be served from memory"
    assert again.text == first.text and again.headers["etag"] == first.headers["etag"]
    unchanged = await client.get(
        f"/dashboard?date={DAY}", headers={"If-None-Match": first.headers["etag"]}
    )
    assert unchanged.status_code == 304

    post(service, "i", "Second plan $QQQ")  # a write drops the cached page
    after = await client.get(f"/dashboard?date={DAY}")
    assert len(reads) == 2
    assert "Second plan $QQQ" in card(after.text, "i")


async def test_coach_page_lists_newest_first_in_pages(make_app: AppFactory) -> None:
    _, client, service = await make_app()
    days = [DAY - timedelta(days=n) for n in range(PAGE_SIZE + 3)]
    for day in days:
        post(service, "i", f"Plan of {day.isoformat()} $QQQ", day=day)
    post(service, "d", "Another coach's plan")

    first = (await client.get("/dashboard/coaches/i")).text
    shown = re.findall(r"Plan of (\d{4}-\d\d-\d\d)", first)
    assert shown == [day.isoformat() for day in days[:PAGE_SIZE]]
    assert "Another coach" not in first
    last_shown = service.get_plan("i", days[PAGE_SIZE - 1])
    assert last_shown is not None
    older = re.search(r'href="(/dashboard/coaches/i\?older=[^"]+)">Older plans', first)
    assert older, "a link to the older page"
    assert older.group(1).endswith(f"?older={days[PAGE_SIZE - 1]}.{last_shown.id}")
    second = (await client.get(html.unescape(older.group(1)))).text
    assert re.findall(r"Plan of (\d{4}-\d\d-\d\d)", second) == [
        day.isoformat() for day in days[PAGE_SIZE:]
    ]
    assert "Older plans" not in second and 'href="/dashboard/coaches/i">Newest plans' in second


async def test_plan_page_marks_the_differences_between_revisions(make_app: AppFactory) -> None:
    _, client, service = await make_app()
    plan = post(service, "d", "Long $NVDA above 945\nstop 930")
    edit(service, plan.id, "Long $NVDA above 950\nstop 930\ntarget <975>", author="Dee (edit)")

    page = (await client.get(f"/dashboard/plans/{plan.id}")).text

    assert "Revision 2: edited" in page and "Revision 1: posted" in page
    assert page.index("Revision 2") < page.index("Revision 1")  # newest first
    assert "<del>945</del><ins>950</ins>" in page
    assert "<ins>\ntarget &lt;975&gt;</ins>" in page
    assert 'by <span class="author">Dee (edit)</span>, via API' in page
    assert 'by <span class="author">Coach Dee</span>, via mock mode' in page


async def test_deleted_plan_page_says_so(make_app: AppFactory) -> None:
    _, client, service = await make_app()
    plan = post(service, "d", "Gone soon $AMD")
    service.delete_plan(PlanId(plan.id), Actor("admin"), source=Source.API)
    page = (await client.get(f"/dashboard/plans/{plan.id}")).text
    assert "Deleted plan" in page and "Revision 2: deleted" in page and "Text unchanged." in page
    assert "Gone soon" not in card((await client.get(f"/dashboard?date={DAY}")).text, "d")


async def test_ticker_page_lists_plans_and_the_consensus(make_app: AppFactory) -> None:
    _, client, service = await make_app()
    post(service, "d", "Long $BTC above 67000, target 69000")
    post(service, "s", "Bearish $BTC-USD under 66000")
    post(service, "i", "Only $QQQ today")
    post(service, "n", "$BTCUSD bullish over 65000", day=DAY.replace(day=11))

    response = await client.get("/dashboard/tickers/$btc")  # an alias of BTC-USD
    page = response.text

    assert response.status_code == 200
    assert "<h1>BTC-USD in the coaches' plans</h1>" in page
    consensus = page[page.index('class="consensus"') : page.index("</section>")]
    assert "2024-11-12" in consensus and "No majority" in consensus
    assert "1 bullish, 1 bearish, 0 neutral" in consensus
    assert "Coach D (Day Trading)" in consensus and "Coach S (Swing)" in consensus
    assert "Plans that do not name BTC-USD: Coach I (Intraday)." in consensus
    listed = re.findall(r'<article class="card" id="plan-(\d+)"', page)
    assert len(listed) == 3  # d, s on the 12th and n on the 11th, not i
    assert "Only $QQQ" not in page


async def test_root_answers_browsers_with_the_dashboard_and_others_with_json(
    make_app: AppFactory,
) -> None:
    app, client, service = await make_app()
    post(service, "d", "Today's plan $SPY", day=service.today())

    browser = await client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert browser.status_code == 200 and browser.headers["content-type"].startswith("text/html")
    assert "Today&#39;s plan $SPY" in browser.text and "Accept" in browser.headers["vary"]
    for accept in (None, "*/*", "application/json", "application/json, text/html;q=0.5"):
        headers = {"Accept": accept} if accept else {}
        response = await client.get("/", headers=headers)
        assert response.headers["content-type"] == "application/json", accept
        assert response.json() == index_body(app.openapi()["paths"]), accept


async def test_writes_still_need_a_bearer_token(make_app: AppFactory) -> None:
    """The dashboard adds pages only: the write API is unchanged."""
    _, client, _ = await make_app()
    body = {"coach": "d", "date": DAY.isoformat(), "text": "Via the API $NVDA"}
    assert (await client.post("/api/v1/plans", json=body)).status_code == 401
    assert (await client.post("/api/v1/plans", json=body, headers=AUTH)).status_code == 201
    page = (await client.get(f"/dashboard?date={DAY}")).text
    assert "Via the API $NVDA" in card(page, "d")
