"""The dashboard in a real browser: filters, KPI values against the CLI, pages, CSV, shared URLs."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import expect

from browser_support import (
    REPO,
    chromium_available,
    cli_metrics,
    open_sidebar_picker,
    kpi_values,
    log_in,
    running_app,
    wait_for_app,
)
from conftest import require_or_skip
from metrics.registry import get

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SCREENSHOTS = REPO / "screenshots"
PAGES = {
    "": "Overview",  # the default page is served at /
    "appeals": "Appeals",
    "vendors": "Vendors & moderation mix",
    "creators": "Creator risk",
    "escalations": "Escalations",
    "catalog": "Metric catalog",
    "source": "Data source",
    "saved-views": "Saved views",
}
# the small demo data ends on Sunday 15 Nov 2026, so "last complete week" is 9-15 Nov
WEEK = ("2026-11-09", "2026-11-15")


@pytest.fixture(scope="module")
def app_url(small_demo_url: str) -> Iterator[str]:
    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with running_app(small_demo_url, cookie_key=secrets.token_urlsafe(48)) as base:
        yield base


def new_page(browser):  # type: ignore[no-untyped-def]
    return browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True).new_page()


def pick_market(page, code: str) -> None:  # type: ignore[no-untyped-def]
    open_sidebar_picker(page, "Markets")
    page.get_by_role("option", name=code, exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page, footer=True)


def test_one_market_kpis_equal_the_cli(app_url: str, browser, small_demo_url: str) -> None:  # type: ignore[no-untyped-def]
    page = new_page(browser)
    log_in(page, app_url, "admin")
    pick_market(page, "DE")
    assert "countries=DE" in page.url
    shown = kpi_values(page)
    expected = cli_metrics(small_demo_url, *WEEK, "--countries", "DE")
    checked = 0
    for metric_id in ("appeals.overturn_rate", "appeals.sla_adherence", "vendors.tat_adherence",
                      "escalations.open_at_end"):
        metric = get(metric_id)
        assert shown[metric.label] == metric.display(expected[metric_id]), metric_id
        checked += 1
    assert checked == 4
    # and the same card differs for all markets, so the filter really changed the numbers
    all_markets = cli_metrics(small_demo_url, *WEEK)
    assert all_markets["appeals.submitted"] > expected["appeals.submitted"]
    page.context.close()


def test_copied_url_reproduces_the_view_in_a_fresh_browser(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    first = new_page(browser)
    log_in(first, app_url, "admin")
    first.goto(f"{app_url}/appeals?range=Last+28+days&countries=FR&countries=DE")
    wait_for_app(first)
    copied = first.url
    before = kpi_values(first)
    assert before, "the appeals page shows KPI cards"
    second = new_page(browser)  # a fresh context: no cookies, no session
    log_in(second, app_url, "admin", path=copied.removeprefix(f"{app_url}/"))
    assert kpi_values(second) == before
    # the last 28 days of the small demo data, and both markets, named in the page header
    header = second.locator("[data-testid='stMain']").inner_text()
    assert "19 Oct - 15 Nov 2026" in header and "FR" in header and "DE" in header
    first.context.close()
    second.context.close()


def test_every_page_renders_and_is_screenshotted(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    page = new_page(browser)
    log_in(page, app_url, "admin")
    for path, title in PAGES.items():
        page.goto(f"{app_url}/{path}")
        wait_for_app(page, footer=True)
        main = page.locator("[data-testid='stMain']")
        assert title in main.inner_text(), path
        assert page.locator("[data-testid='stException']").count() == 0, path
        assert "Traceback" not in main.inner_text(), path
        page.screenshot(path=str(SCREENSHOTS / f"browser_{path or 'overview'}.png"), full_page=False)
    page.context.close()


def test_csv_download(app_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = new_page(browser)
    log_in(page, app_url, "admin")
    page.goto(f"{app_url}/appeals")
    wait_for_app(page, footer=True)
    button = page.locator("[data-testid='stDownloadButton']").filter(has_text="CSV").first
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.startswith("appeals_") and download.suggested_filename.endswith(".csv")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    lines = target.read_text().splitlines()
    assert len(lines) >= 2 and "," in lines[0]
    page.context.close()


def test_pdf_report_download(app_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = new_page(browser)
    log_in(page, app_url, "admin")
    page.goto(f"{app_url}/escalations?countries=DE")
    wait_for_app(page, footer=True)
    button = page.locator("[data-testid='stDownloadButton']").filter(has_text="PDF")
    expect(button).to_have_count(1, timeout=30_000)  # drawn by the frame once the page has run
    with page.expect_download(timeout=60_000) as download_info:
        button.click()
    download = download_info.value
    name = download.suggested_filename
    assert name.startswith("escalations_report_DE_") and name.endswith(".pdf"), name
    target = tmp_path / name
    download.save_as(target)
    document = target.read_bytes()
    assert document.startswith(b"%PDF-") and b"/Subtype /Image" in document  # the charts are in it
    page.context.close()
