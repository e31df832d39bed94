"""Playwright driving Debian's Chromium against the live test server.

Skipped when /usr/bin/chromium (or RAPPORT_CHROMIUM) is absent. Screenshots of every step go to
test-artifacts/ at the project root, for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without these, Chromium tries to reach Google's services and this machine's closed network
# refuses them, slowly.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety guard does not apply to them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


@pytest.fixture
def shot(page: Any, request: pytest.FixtureRequest):
    """shot("name") saves a full-page screenshot as test-artifacts/<test>-<n>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    count = iter(range(1, 100))

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{next(count):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page: Any, live_server: Any) -> Any:
    """sign_in("maria") signs in through the login form (factory users' password) and waits
    for the portfolio."""

    from tests.factories import FACTORY_PASSWORD

    def go(username: str, password: str = FACTORY_PASSWORD) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("form button")
        page.wait_for_url(f"{live_server.url}/")

    return go
