"""The dashboard in real headless Chromium (Debian's, driven by Playwright) against a real
uvicorn on 127.0.0.1, on SQLite and PostgreSQL: every page read with and without JavaScript,
live updates from the SSE stream, escaping, thumbnails, axe-core in light and dark, a phone
width, the read-token form; no console error and no request to another host anywhere.
Screenshots of every page land in tests/artifacts/dashboard/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from browser_support import Pages, axe_violations, launch
from dashboard_support import AUTH, CHART_SIZE, DAY, SCRIPT_TEXT, TOKEN, chart, dashboard_settings
from dashboard_support import edit as edit_plan
from dashboard_support import post as post_plan
from playwright.sync_api import Browser, Page, expect

from coachplans.api.app import create_app
from coachplans.bot_status import BotState
from coachplans.domain.plans import Plan
from coachplans.service import PlanService
from coachplans.store.engine import make_engine
from coachplans.wiring import build_service
from db_support import truncate_tables
from live_server import LiveServer

pytestmark = pytest.mark.slow
LIVE_WAIT_MS = 5000


@dataclass
class Site:
    url: str
    backend: str
    db_url: str
    service: PlanService
    plans: dict[str, Plan]
    today: date


def seed(service: PlanService) -> dict[str, Plan]:
    nvda = post_plan(
        service,
        "d",
        "Long $NVDA above 945\nstop 930, target 960\n\n$SPY 580 support",
        charts=[chart(1), chart(2, "SPY")],
    )
    return {
        "d": edit_plan(
            service, nvda.id, "Long $NVDA above 946\nstop 930, target 965\n\n$SPY 580 support"
        ),
        "s": post_plan(service, "s", SCRIPT_TEXT, charts=[chart(3, "SPY")]),
        "i": post_plan(service, "i", "Bearish $BTC below 66000, target 64000"),
        "today": post_plan(service, "d", "Today: $QQQ above 505", day=service.today()),
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """One server per backend for the whole module, seeded once."""
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp_path_factory.mktemp('dashboard')}/plans.db"
    else:
        db_url = request.getfixturevalue("pg_database")
        engine = make_engine(db_url)
        truncate_tables(engine)
        engine.dispose()
    settings = dashboard_settings(db_url)
    service = build_service(settings)
    plans = seed(service)
    server = LiveServer(create_app(settings, service, BotState("mock"))).start()
    yield Site(server.url, request.param, db_url, service, plans, service.today())
    server.stop()
    service.repo.engine.dispose()


@pytest.fixture
def pages(browser: Browser, site: Site) -> Iterator[Pages]:
    opened = Pages(browser, site.url, site.backend)
    yield opened
    opened.close()
    assert opened.watch.problems() == {}


def page_paths(site: Site) -> dict[str, str]:
    return {
        "date": f"/dashboard?date={DAY}",
        "root": "/",
        "coach": "/dashboard/coaches/d",
        "plan": f"/dashboard/plans/{site.plans['d'].id}",
        "ticker": "/dashboard/tickers/BTC-USD",
        "not-found": "/dashboard/plans/999999",
    }


def load_images(page: Page) -> list[dict[str, int]]:
    """Scroll every chart thumbnail into view (they load lazily) and wait for them."""
    images = page.locator(".charts img")
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        # a property check, not wait_for_function: that evaluates a string, which the CSP forbids
        expect(image).to_have_js_property("complete", True)
    sizes: list[dict[str, int]] = images.evaluate_all(
        "images => images.map(i => ({width: i.naturalWidth, height: i.naturalHeight}))"
    )
    return sizes


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_is_accessible_in_light_and_dark(pages: Pages, site: Site, scheme: str) -> None:
    page = pages.open(color_scheme=scheme)
    pages.watch.allowed.append("status of 404")  # the not-found page is one of them
    failures = {}
    for name, path in page_paths(site).items():
        response = page.goto(path)
        assert response is not None
        assert response.status == (404 if name == "not-found" else 200), name
        expect(page.locator("h1")).to_be_visible()
        load_images(page)
        pages.shoot(page, f"{name}-{scheme}")
        if violations := axe_violations(page):
            failures[name] = violations
    assert failures == {}


def test_date_page_shows_cards_and_moves_between_days(pages: Pages, site: Site) -> None:
    page = pages.open()
    page.goto(f"/dashboard?date={DAY}")
    expect(page).to_have_title("Plans for 2024-11-12 · coachplans")
    expect(page.locator("article.card")).to_have_count(4)
    coach_d = page.locator("#coach-d")
    expect(coach_d.locator(".plan-text")).to_have_text(
        "Long $NVDA above 946\nstop 930, target 965\n\n$SPY 580 support"
    )
    expect(coach_d.locator(".badge-edited")).to_be_visible()
    expect(coach_d.locator(".signals li")).to_have_count(2)
    expect(coach_d.locator(".signals")).to_contain_text("entry 946, stop 930, target 965")
    expect(page.locator("#coach-n")).to_contain_text("No plan for this date yet.")

    page.fill("#date", "2024-11-08")
    page.click("form.date-picker button")
    expect(page).to_have_url(f"{site.url}/dashboard?date=2024-11-08")
    page.click("a[rel=next]")
    expect(page).to_have_url(f"{site.url}/dashboard?date=2024-11-11")
    page.click("a[rel=next]")
    expect(page.locator("#coach-d .plan-text")).to_contain_text("Long $NVDA above 946")


def test_thumbnails_are_small_real_images_that_open_full_size(pages: Pages, site: Site) -> None:
    page = pages.open()
    page.goto(f"/dashboard?date={DAY}")
    sizes = load_images(page)
    assert len(sizes) == 3
    for size in sizes:
        assert 0 < size["width"] < CHART_SIZE[0] and 0 < size["height"] < CHART_SIZE[1]
    page.locator("#coach-d .charts a").first.click()
    expect(page).to_have_url(f"{site.url}/api/v1/charts/{site.plans['d'].charts[0].sha256}.png")
    full = page.evaluate("document.images[0].naturalWidth")
    assert full == CHART_SIZE[0]


def test_script_in_a_plan_is_shown_as_text(pages: Pages, site: Site) -> None:
    page = pages.open()
    where = {
        f"/dashboard?date={DAY}": "#coach-s .plan-text",
        f"/dashboard/plans/{site.plans['s'].id}": ".plan-text >> nth=0",
    }
    for path, selector in where.items():
        page.goto(path)
        expect(page.locator(selector)).to_have_text(SCRIPT_TEXT)
        assert page.evaluate("window.pwned") is None
        assert page.locator(".plan-text img").count() == 0


def test_live_updates_show_new_edited_and_deleted_plans(pages: Pages, site: Site) -> None:
    page = pages.open()
    page.goto(f"/dashboard?date={DAY}")
    page.evaluate("window.notReloaded = true")
    card = page.locator("#coach-n")
    expect(card).to_contain_text("No plan for this date yet.")
    with httpx.Client(base_url=site.url, headers=AUTH) as api:
        body = {"coach": "n", "date": DAY.isoformat(), "text": "Live: CPI 8:30, $AMD neutral"}
        created = api.post("/api/v1/plans", json=body)
        assert created.status_code == 201
        plan_id = created.json()["id"]
        expect(card.locator(".plan-text")).to_have_text(body["text"], timeout=LIVE_WAIT_MS)
        expect(page.locator("#live-status")).to_contain_text("Coach N (News/Events)")

        history = pages.open()
        history.goto(f"/dashboard/plans/{plan_id}")
        expect(history.locator(".revision")).to_have_count(1)
        edited = api.patch(f"/api/v1/plans/{plan_id}", json={"text": "Live: CPI hot, $AMD bearish"})
        assert edited.status_code == 200
        expect(card.locator(".plan-text")).to_have_text(
            "Live: CPI hot, $AMD bearish", timeout=LIVE_WAIT_MS
        )
        expect(card.locator(".badge-edited")).to_be_visible()
        expect(history.locator(".revision")).to_have_count(2, timeout=LIVE_WAIT_MS)
        expect(history.locator("#revision-2 .diff del")).to_have_text(["8:30", "neutral"])

        assert api.delete(f"/api/v1/plans/{plan_id}").status_code == 200
        expect(card).to_contain_text("No plan for this date yet.", timeout=LIVE_WAIT_MS)
    assert page.evaluate("window.notReloaded") is True  # updated in place, not reloaded
    pages.shoot(page, "date-after-live-updates")


def test_live_update_of_a_write_made_by_another_process(pages: Pages, site: Site) -> None:
    """Another API process (its own service over the same database) writes: the page learns
    of it from the outbox poll and refetches until its read cache has caught up."""
    page = pages.open()
    page.goto("/dashboard/coaches/s")
    expect(page.locator("article.card")).to_have_count(1)
    other = build_service(dashboard_settings(site.db_url))
    try:
        post_plan(other, "s", "From another process: $IWM above 226", day=DAY.replace(day=13))
    finally:
        other.repo.engine.dispose()
    expect(page.locator("article.card")).to_have_count(2, timeout=LIVE_WAIT_MS)
    expect(page.locator("article.card .plan-text").first).to_have_text(
        "From another process: $IWM above 226"
    )


def test_pages_read_completely_without_javascript(pages: Pages, site: Site) -> None:
    page = pages.open(java_script_enabled=False)
    page.goto(f"/dashboard?date={DAY}")
    expect(page.locator("#coach-d .plan-text")).to_contain_text("Long $NVDA above 946")
    assert len(load_images(page)) == 3
    page.fill("#date", "2024-11-11")
    page.click("form.date-picker button")
    expect(page).to_have_url(f"{site.url}/dashboard?date=2024-11-11")
    page.goto("/dashboard/coaches/i")
    expect(page.locator(".plan-text")).to_have_text("Bearish $BTC below 66000, target 64000")
    page.goto(f"/dashboard/plans/{site.plans['d'].id}")
    expect(page.locator("#revision-2 .diff ins")).to_have_text(["946", "965"])
    page.goto("/dashboard/tickers/$btc")
    expect(page.locator(".consensus")).to_contain_text("Leans bearish")
    pages.shoot(page, "ticker-no-javascript")


def test_pages_fit_a_phone_width(pages: Pages, site: Site) -> None:
    page = pages.open(viewport={"width": 375, "height": 740}, is_mobile=True)
    pages.watch.allowed.append("status of 404")
    for name, path in page_paths(site).items():
        page.goto(path)
        load_images(page)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 375, f"{name} is {overflow}px wide"
        pages.shoot(page, f"{name}-phone")


def test_read_token_form_keeps_the_token_in_a_strict_cookie(
    pages: Pages, site: Site, browser: Browser
) -> None:
    settings = dashboard_settings(site.db_url, require_read_token=True)
    guarded = LiveServer(create_app(settings, site.service, BotState("mock"))).start()
    try:
        guarded_pages = Pages(browser, guarded.url, site.backend)
        guarded_pages.watch = pages.watch
        pages.watch.allowed.append("status of 401")
        page = guarded_pages.open()
        page.goto(f"/dashboard?date={DAY}")
        expect(page.locator("h1")).to_have_text("Read token required")
        pages.shoot(page, "token-form")
        assert axe_violations(page) == []
        page.fill("#token", "wrong")
        page.click("form.login button")
        expect(page.locator(".error")).to_have_text("That token is not valid.")
        page.fill("#token", TOKEN)
        page.click("form.login button")
        expect(page).to_have_url(f"{guarded.url}/dashboard?date={DAY}")
        expect(page.locator("#coach-d .plan-text")).to_contain_text("Long $NVDA")
        assert all(size["width"] > 0 for size in load_images(page))
        (cookie,) = page.context.cookies()
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # not readable from scripts
        with httpx.Client(base_url=guarded.url, headers=AUTH) as api:
            body = {"coach": "n", "date": DAY.isoformat(), "text": "Behind a token $IWM"}
            created = api.post("/api/v1/plans", json=body)
            expect(page.locator("#coach-n .plan-text")).to_have_text(
                body["text"], timeout=LIVE_WAIT_MS
            )
            api.delete(f"/api/v1/plans/{created.json()['id']}")
        guarded_pages.close()
    finally:
        guarded.stop()
