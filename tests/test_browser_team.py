"""Issue 15 in a browser: save a view and reopen it from 'Saved views'; an editor adds an annotation
from the appeals trend and it then appears on the trend (its tooltip), for the editor's markets."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import chromium_available, log_in, running_app, wait_for_app
from conftest import require_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
VIEW_URL = "appeals?range=Last+28+days&countries=DE&policy=counterfeit"


@pytest.fixture(scope="module")
def app_url(small_demo_url: str) -> Iterator[str]:
    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with running_app(small_demo_url, cookie_key=secrets.token_urlsafe(48)) as base:
        yield base


def test_save_a_view_and_reopen_it(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    name = f"DE counterfeit {secrets.token_hex(3)}"
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = context.new_page()
        log_in(page, app_url, "admin", path=VIEW_URL)
        sidebar = page.locator("[data-testid='stSidebar']")
        field = sidebar.get_by_label("Save this view as")
        field.scroll_into_view_if_needed()
        field.fill(name)
        SCREENSHOTS.mkdir(exist_ok=True)
        sidebar.screenshot(path=str(SCREENSHOTS / "save_view_sidebar.png"))
        sidebar.get_by_role("button", name="Save view").click()
        page.get_by_text(f"Saved '{name}'").wait_for(timeout=30_000)
        page.goto(f"{app_url}/saved-views")  # a fresh start of the page, without the view's filters
        wait_for_app(page, footer=True)
        card = page.locator("[data-testid='stVerticalBlockBorderWrapper'], div[class*='st-key-view-']").filter(
            has_text=name).last
        card.wait_for(timeout=30_000)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.set_viewport_size({"width": 1440, "height": 3200})
        page.screenshot(path=str(SCREENSHOTS / "saved_views.png"))
        page.set_viewport_size({"width": 1440, "height": 1000})
        card.get_by_role("link", name="Open").click()
        page.wait_for_url("**/appeals?*", timeout=30_000)
        wait_for_app(page, footer=True)
        assert page.locator("h1").first.inner_text().strip() == "Appeals"
        for part in ("range=Last+28+days", "countries=DE", "policy=counterfeit"):
            assert part in page.url.replace("%20", "+"), page.url
        assert "counterfeit" in page.locator(".gov-filters").first.inner_text()
    finally:
        context.close()


def hover_until_tooltip(page, chart, text: str) -> bool:  # type: ignore[no-untyped-def]
    """Move over the chart's top strip (where the event triangles sit) until a tooltip names `text`."""
    box = chart.bounding_box()
    assert box is not None
    tooltip = page.locator("#vg-tooltip-element")
    for y in (box["y"] + 8, box["y"] + 12, box["y"] + 16):
        for x in range(int(box["x"] + box["width"]) - 2, int(box["x"]) + 40, -3):
            page.mouse.move(x, y)
            if tooltip.count() and text in (tooltip.first.inner_text() or ""):
                return True
    return False


def test_an_editor_adds_an_annotation_that_appears_on_the_trend(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    text = f"Carnival staffing gap {secrets.token_hex(2)}"
    context = browser.new_context(viewport={"width": 1440, "height": 1400})
    try:
        page = context.new_page()
        log_in(page, app_url, "latam", path="appeals?range=Last+28+days&countries=BR")
        page.get_by_role("button", name="Add an annotation").click()
        popover = page.locator("[data-testid='stPopoverBody']")
        popover.get_by_label("What happened").fill(text)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "annotation_form.png"))
        popover.get_by_role("button", name="Add annotation").click()
        page.get_by_text("Annotation added for").wait_for(timeout=30_000)
        wait_for_app(page, footer=True)
        page.keyboard.press("Escape")
        chart = page.locator("[data-testid='stVegaLiteChart']").first
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        SCREENSHOTS.mkdir(exist_ok=True)
        assert hover_until_tooltip(page, chart.locator("canvas, svg").first, text)
        page.screenshot(path=str(SCREENSHOTS / "annotation_on_trend.png"))
    finally:
        context.close()
