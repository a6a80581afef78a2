"""Presentation mode for the screen-share (issue 10): at 1280x720 and 1920x1080 every page hides the sidebar,
the pickers and the downloads, and the Overview's first screen holds every program's cards with full labels.
Screenshots of every page at both sizes go to screenshots/."""

from __future__ import annotations

import secrets
from typing import Iterator

import pytest

from browser_support import REPO, chromium_available, log_in, running_app, wait_for_app
from conftest import require_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("presentation")]
SCREENSHOTS = REPO / "screenshots"
SIZES = [(1280, 720), (1920, 1080)]
PAGES = ["", "review",  # the default page (Overview) is served at /
         "appeals", "vendors", "planner", "creators", "escalations", "dsa", "catalog",
         "source", "audit"]
OVERVIEW_CARDS = 16  # Appeals 4, Vendor SLA & mix 3 + 1, Creator risk 4, Escalations 4


@pytest.fixture(scope="module")
def app_url(small_demo_url: str) -> Iterator[str]:
    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with running_app(small_demo_url, cookie_key=secrets.token_urlsafe(48)) as base:
        yield base


def visible_count(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for element in page.locator(selector).all() if element.is_visible())


def truncated_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    """KPI card labels whose text is cut (wider than their box)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid="stMetricLabel"] p'))
        .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText)""")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_page_in_presentation_mode(app_url: str, browser, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    width, height = size
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    log_in(page, app_url, "admin")
    SCREENSHOTS.mkdir(exist_ok=True)
    for path in PAGES:
        page.goto(f"{app_url}/{path}?present=true")
        wait_for_app(page, footer=True)
        page.screenshot(path=str(SCREENSHOTS / f"presentation_{width}x{height}_{path or 'overview'}.png"))
        assert not page.get_by_text("Page not found").is_visible(), path
        assert page.get_by_role("button", name="Exit presentation").is_visible(), path
        assert not page.locator("[data-testid='stSidebar']").is_visible(), path
        pickers = "[data-testid='stMain'] [data-testid='stSelectbox'], [data-testid='stMain'] [data-testid='stMultiSelect']"
        assert visible_count(page, pickers) == 0, path
        assert visible_count(page, "[data-testid='stDownloadButton']") == 0, path
        assert truncated_labels(page) == [], path
        if path == "":
            cards = page.locator("div[class*='st-key-kpi-'][class*='-overview-']").all()
            assert len(cards) == OVERVIEW_CARDS
            bottoms = [card.bounding_box()["y"] + card.bounding_box()["height"] for card in cards]
            assert max(bottoms) <= height, f"the last card ends at {max(bottoms):.0f} px of {height}"
            # the four program headings line up ("Vendor SLA & mix" does not wrap)
            tops = {round(h.bounding_box()["y"]) for h in page.locator("[data-testid='stMain'] h3").all()[:4]}
            assert len(tops) == 1, tops
    page.context.close()
