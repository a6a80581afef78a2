"""The weekly review in a real browser: the driver link opens the domain page filtered to the driver."""

from __future__ import annotations

import secrets
from typing import Iterator

import pytest

from browser_support import REPO, chromium_available, log_in, running_app, wait_for_app
from conftest import require_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SCREENSHOTS = REPO / "screenshots"


@pytest.fixture(scope="module")
def app_url(small_demo_url: str) -> Iterator[str]:
    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with running_app(small_demo_url, cookie_key=secrets.token_urlsafe(48)) as base:
        yield base


def test_driver_link_opens_the_filtered_domain_page(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 3200})
    page = context.new_page()
    log_in(page, app_url, "admin", "review")
    page.goto(f"{app_url}/review?compare=Last+3+weeks+vs+3+before")
    wait_for_app(page, footer=True)
    assert page.get_by_text("DE × counterfeit explains").count() >= 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review.png"))
    link = page.get_by_role("link", name="Open Appeals filtered to DE × counterfeit")
    with context.expect_page() as opened:
        link.click()
    tab = opened.value
    wait_for_app(tab, footer=True)
    assert "/appeals?" in tab.url
    assert tab.locator(".gov-filters").inner_text() == "26 Oct - 15 Nov 2026 vs 5-25 Oct 2026 · DE · Policy: counterfeit"
    context.close()
