"""The DSA transparency page in a real browser: an admin sees every platform and member state; a regional
user's member-state chart and table name only their markets, and the page shows no error."""

from __future__ import annotations

import re
import secrets
from typing import Iterator

import pytest

from browser_support import REPO, chromium_available, log_in, running_app, wait_for_app
from conftest import require_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("presentation")]
SCREENSHOTS = REPO / "screenshots"
EUROPE = {"GB", "DE", "FR", "ES", "IT", "IE"}


@pytest.fixture(scope="module")
def app_url(small_demo_url: str) -> Iterator[str]:
    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with running_app(small_demo_url, cookie_key=secrets.token_urlsafe(48)) as base:
        yield base


def member_state_codes(page) -> set[str]:  # type: ignore[no-untyped-def]
    """The market codes in the member-state table's rendered rows (the grid draws the rows in view), read from
    its accessible (screen-reader) table."""
    tables = page.locator("[data-testid='stDataFrame']").all()
    text = next(t.text_content() or "" for t in tables if (t.text_content() or "").startswith("MarketPlatform name"))
    return set(re.findall(r"([A-Z]{2})Peer ", text))  # the cells run together: "DEPeer video app (demo)98..."


@pytest.mark.parametrize("user", ["admin", "europe"])
def test_the_dsa_page_in_the_browser(app_url: str, browser, user: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1440, "height": 3200}).new_page()
    log_in(page, app_url, user, "dsa")
    wait_for_app(page, footer=True)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"browser_dsa_{user}.png"), full_page=True)
    assert page.locator("h1").first.inner_text().strip() == "DSA transparency"
    assert page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count() == 0
    for heading in ("Statements by platform", "Automated share by EU market: ours beside the platforms'",
                    "Statements per member state of the territorial scope"):
        assert page.get_by_role("heading", name=heading).is_visible(), heading
    assert any("Peer video app (demo)" in (t.text_content() or "")
               for t in page.locator("[data-testid='stDataFrame']").all())
    codes = member_state_codes(page)
    if user == "europe":
        assert codes and codes <= EUROPE, codes
    else:
        assert codes - EUROPE, codes  # the synthetic scopes reach member states beyond Europe's six (AT first)
    page.context.close()
