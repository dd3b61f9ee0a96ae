"""Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium driven by Playwright
(never a downloaded browser), pages that record console errors and any request leaving
127.0.0.1, axe-core runs, and screenshots kept under tests/artifacts/dashboard/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
LOOPBACK = {"127.0.0.1"}
BLOCKING = {"serious", "critical"}


def launch() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What the pages of one test did that they should not have."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)  # expected console errors (substrings)

    def attach(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", self._request)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not any(a in message.text for a in self.allowed):
            self.console_errors.append(message.text)

    def _request(self, request: Request) -> None:
        if urlparse(request.url).hostname not in LOOPBACK:
            self.foreign_requests.append(request.url)

    def problems(self) -> dict[str, list[str]]:
        found = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "requests to other hosts": self.foreign_requests,
        }
        return {kind: items for kind, items in found.items() if items}


class Pages:
    """Opens pages in fresh browser contexts, each watched; closes them all at the end."""

    def __init__(self, browser: Browser, base_url: str, backend: str):
        self.browser = browser
        self.base_url = base_url
        self.backend = backend
        self.watch = Watch()
        self._contexts: list[Any] = []

    def open(self, **options: Any) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = self.browser.new_context(base_url=self.base_url, **options)
        self._contexts.append(context)
        return self.watch.attach(context.new_page())

    def close(self) -> None:
        for context in self._contexts:
            context.close()

    def shoot(self, page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.backend}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations of the page, one line each."""
    results = Axe().run(page)
    return [
        f"{item['id']} ({item['impact']}): {item['help']} at "
        + ", ".join(str(node["target"]) for node in item["nodes"][:3])
        for item in results.response["violations"]
        if item["impact"] in BLOCKING
    ]
