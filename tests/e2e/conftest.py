"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

There is no network in CI or development containers, so Playwright's own browser download is
never used: the browser is always the system one at CHROMIUM_PATH.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.factories import TEST_PASSWORD

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is an end-to-end test."""
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One browser per test module. Playwright's sync API runs an asyncio event loop in the
    test thread while it is open, so Django's async-safety guard is lifted for exactly that
    time (it would refuse the ORM calls of fixtures and factories) and restored after."""
    if not Path(CHROMIUM_PATH).exists():
        reason = f"needs Debian's Chromium at {CHROMIUM_PATH} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(page) -> Callable[..., None]:  # type: ignore[no-untyped-def]
    """Sign in through the real login form."""

    def sign_in(username: str, password: str = TEST_PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    return sign_in
