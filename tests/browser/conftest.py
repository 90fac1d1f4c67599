"""Headless Debian Chromium driven by Playwright (no browser download), against a live server
seeded with a week and a day of ops data; every page visited is saved as a PNG."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from backoffice.demo.history import OpsData, seed_ops_data
from tests.conftest import ARTIFACTS, LiveServer

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = ARTIFACTS / "pages"
WALL = {"width": 1920, "height": 1080}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def ops(live_server: LiveServer) -> OpsData:
    with live_server.session() as db:
        return seed_ops_data(db, datetime.now(UTC), live_server.data_dir / "photos")


class Ops:
    """One signed-in browser context per person, with a screenshot helper."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.url = server.url

    def sign_in(
        self, username: str, password: str, *, lang: str = "zh", viewport: dict[str, int] = WALL
    ) -> Page:
        context = self.browser.new_context(viewport=viewport, base_url=self.url, locale="zh-CN")
        context.add_cookies([{"name": "zhili_lang", "value": lang, "url": self.url}])
        page = context.new_page()
        page.goto("/ops/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/ops/$"))
        return page


def shoot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def pages(browser: Browser, live_server: LiveServer, ops: OpsData) -> Iterator[Ops]:
    helper = Ops(browser, live_server)
    yield helper
    for context in list(browser.contexts):
        context.close()
