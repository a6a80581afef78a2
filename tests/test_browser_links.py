"""Shared links (issue 10): a URL naming a page, a date preset, a market and the page's own filter
opens that page with every filter applied, whether it is opened (a) in a fresh browser and then
logged in, (b) in a new tab of a logged-in browser, or (c) reloaded; and a KPI on it equals what
`cli.py metrics` gives for the same filters."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Iterator

import pytest

from browser_support import chromium_available, cli_metrics, kpi_values, log_in, running_app, wait_for_app
from conftest import require_or_skip
from metrics.registry import get

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
# "Last 28 days" of the small demo data, which ends on 15 Nov 2026
LAST_28_DAYS = ("2026-10-19", "2026-11-15")


@dataclass(frozen=True)
class SharedLink:
    path: str  # the page's url_path ("" for the default page, which Streamlit serves at /)
    title: str
    market: str
    page_filter: tuple[str, str] | None  # (URL key, value)
    cli_filter: tuple[str, ...]  # the same filter for cli.py metrics
    metric_id: str  # a KPI card on the page

    @property
    def url(self) -> str:
        query = f"range=Last+28+days&countries={self.market}"
        if self.page_filter:
            query += f"&{self.page_filter[0]}={self.page_filter[1]}"
        return f"{self.path}?{query}"


LINKS = [
    SharedLink("", "Overview", "DE", None, (), "appeals.overturn_rate"),
    SharedLink("appeals", "Appeals", "DE", ("policy", "counterfeit"), ("--policies", "counterfeit"),
               "appeals.overturn_rate"),
    SharedLink("vendors", "Vendors & moderation mix", "US", ("policy", "counterfeit"),
               ("--policies", "counterfeit"), "vendors.tat_adherence"),
    SharedLink("creators", "Creator risk", "ID", ("policy", "misleading_claims"),
               ("--policies", "misleading_claims"), "creators.violations_per_1k"),
    SharedLink("escalations", "Escalations", "US", ("priority", "P2"), ("--priorities", "P2"),
               "escalations.open_at_end"),
]


@pytest.fixture(scope="module")
def app_url(small_demo_url: str) -> Iterator[str]:
    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with running_app(small_demo_url, cookie_key=secrets.token_urlsafe(48)) as base:
        yield base


def sidebar_widget_text(page, label: str) -> str:  # type: ignore[no-untyped-def]
    sidebar = page.locator("[data-testid='stSidebar']")
    widget = sidebar.locator("[data-testid='stMultiSelect'], [data-testid='stSelectbox']").filter(has_text=label).first
    values = [field.input_value() for field in widget.locator("input").all()]  # a selectbox shows its value in an input
    return " ".join([widget.inner_text(), *values])


def assert_shows_the_link(page, base: str, link: SharedLink, expected_kpi: str, case: str) -> None:  # type: ignore[no-untyped-def]
    wait_for_app(page, footer=True)
    path = page.url.removeprefix(base).split("?")[0]
    assert path == f"/{link.path}", (case, page.url)
    assert page.locator("h1").first.inner_text().strip() == link.title, (case, page.url)
    assert "Last 28 days" in sidebar_widget_text(page, "Date range"), case
    assert link.market in sidebar_widget_text(page, "Markets"), case
    if link.page_filter:
        label = {"policy": "Policy", "priority": "Priority"}[link.page_filter[0]]
        assert link.page_filter[1] in sidebar_widget_text(page, label), case
        assert f"{link.page_filter[0]}={link.page_filter[1]}" in page.url, (case, page.url)
    metric = get(link.metric_id)
    assert kpi_values(page)[metric.label] == expected_kpi, (case, link.metric_id)


@pytest.mark.parametrize("link", LINKS, ids=[link.path or "overview" for link in LINKS])
def test_a_shared_link_opens_its_page_with_every_filter(app_url: str, browser, small_demo_url: str,
                                                       link: SharedLink) -> None:  # type: ignore[no-untyped-def]
    expected = cli_metrics(small_demo_url, *LAST_28_DAYS, "--countries", link.market, *link.cli_filter)
    expected_kpi = get(link.metric_id).display(expected[link.metric_id])
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        fresh = context.new_page()  # (a) a browser that has never logged in: the login form, then the page
        log_in(fresh, app_url, "admin", path=link.url)
        assert_shows_the_link(fresh, app_url, link, expected_kpi, "fresh context, then login")
        tab = context.new_page()  # (b) a new tab of the now logged-in browser (cookie login)
        tab.goto(f"{app_url}/{link.url}")
        assert_shows_the_link(tab, app_url, link, expected_kpi, "new tab, logged in")
        tab.reload()  # (c) F5
        assert_shows_the_link(tab, app_url, link, expected_kpi, "reload")
    finally:
        context.close()


def test_fixing_the_dates_writes_them_into_a_link_that_keeps_its_days(app_url: str, browser,
                                                                     small_demo_url: str) -> None:  # type: ignore[no-untyped-def]
    # issue 10: a preset link drifts when the data refreshes, and a custom end on the latest data day
    # (the date inputs' old default) was dropped from the URL
    expected = cli_metrics(small_demo_url, *LAST_28_DAYS, "--countries", "DE", "--policies", "counterfeit")
    expected_kpi = get("appeals.overturn_rate").display(expected["appeals.overturn_rate"])
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = context.new_page()
        log_in(page, app_url, "admin", path="appeals?range=Last+28+days&countries=DE&policy=counterfeit")
        page.get_by_role("button", name="Fix these dates in the link").click()
        page.wait_for_function("() => location.search.includes('end=')", timeout=30_000)
        wait_for_app(page, footer=True)
        assert f"start={LAST_28_DAYS[0]}" in page.url and f"end={LAST_28_DAYS[1]}" in page.url, page.url
        assert "range=Custom+range" in page.url or "range=Custom%20range" in page.url, page.url
        fixed = context.new_page()  # the copied link in a new tab
        fixed.goto(page.url)
        wait_for_app(fixed, footer=True)
        assert kpi_values(fixed)["Overturn rate"] == expected_kpi
        assert f"end={LAST_28_DAYS[1]}" in fixed.url, fixed.url
    finally:
        context.close()
