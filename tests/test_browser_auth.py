"""Login, scope and cookie handling in a real browser (Playwright + Chromium + streamlit run)."""

from __future__ import annotations

import base64
import re
import datetime as dt
import json
import secrets
from typing import Iterator

import jwt
import pytest
from playwright.sync_api import expect

from browser_support import (
    PASSWORDS,
    chromium_available,
    cli_metrics,
    open_sidebar_picker,
    kpi_values,
    log_in,
    running_app,
    wait_for_app,
)
from benchmarks.load_driver import login_cookie
from conftest import require_or_skip
from metrics.registry import get
from tests_helpers_scope import SEA

WEEK = ("2026-11-09", "2026-11-15")  # the last complete week of the small demo data

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
COOKIE_KEY = secrets.token_urlsafe(48)
COOKIE_NAME = "governance_auth"


@pytest.fixture(scope="module")
def app_url(small_demo_url: str) -> Iterator[str]:
    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with running_app(small_demo_url, cookie_key=COOKIE_KEY) as base:
        yield base


@pytest.fixture()
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context.new_page()
    context.close()


def assert_login_form_only(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Username", exact=True).wait_for(state="visible", timeout=60_000)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    # Streamlit keeps the previous run's elements (faded) until the new run replaces them, so
    # absence is awaited, not sampled once; a page that really shows them still fails after 15 s.
    for leaked in ("text=Signed in as", "[data-testid='stMetric']", "[data-testid='stSidebarNav']"):
        expect(page.locator(leaked)).to_have_count(0, timeout=15_000)


@pytest.mark.parametrize("path", ["", "appeals", "creators", "catalog", "source?countries=US"])
def test_without_login_only_the_login_form_shows(app_url: str, page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    assert_login_form_only(page)


def test_wrong_password_is_refused(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_label("Username", exact=True).fill("admin")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("text=Username or password is incorrect")
    assert_login_form_only(page)


def market_options(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The codes offered by the sidebar Markets picker."""
    open_sidebar_picker(page, "Markets")
    texts = page.locator("[role='option']").all_inner_texts()
    options = [text.strip() for text in texts if re.fullmatch(r"[A-Z]{2}", text.strip())]  # skip "Select all"
    page.keyboard.press("Escape")
    return options


def test_regional_user_is_offered_only_their_markets(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, app_url, "sea")
    assert sorted(market_options(page)) == sorted(SEA)


def test_regional_user_url_naming_a_foreign_market_shows_no_foreign_data(
    app_url: str, page, small_demo_url: str  # type: ignore[no-untyped-def]
) -> None:  # type: ignore[no-untyped-def]
    log_in(page, app_url, "sea")
    page.goto(f"{app_url}/source?countries=US")
    wait_for_app(page)
    page.goto(f"{app_url}/?countries=US")  # the overview is the default page, served at /
    wait_for_app(page)
    assert "Signed in as" in page.locator("[data-testid='stSidebar']").inner_text()
    # the bound widget drops a market outside the options from the URL
    page.wait_for_url(lambda url: "countries=US" not in url, timeout=30_000)
    shown = kpi_values(page)
    own_markets = cli_metrics(small_demo_url, *WEEK, "--user", "sea")
    us_only = cli_metrics(small_demo_url, *WEEK, "--countries", "US")
    metric = get("appeals.overturn_rate")
    assert shown[metric.label] == metric.display(own_markets[metric.id])
    assert metric.display(us_only[metric.id]) != metric.display(own_markets[metric.id])


def _unsigned(payload: dict) -> str:
    def encode(part: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    return f"{encode({'alg': 'none', 'typ': 'JWT'})}.{encode(payload)}."


def _future() -> float:
    return (dt.datetime.now() + dt.timedelta(days=1)).timestamp()


COOKIES = {
    "foreign_key": lambda: jwt.encode({"username": "admin", "exp_date": _future()}, "x" * 48, algorithm="HS256"),
    "alg_none": lambda: _unsigned({"username": "admin", "exp_date": _future()}),
    "expired": lambda: jwt.encode(
        {"username": "admin", "exp_date": (dt.datetime.now() - dt.timedelta(days=1)).timestamp()},
        COOKIE_KEY,
        algorithm="HS256",
    ),
    "garbage": lambda: "not-a-jwt",
    # signed with the right key, but its token id was never issued by the server
    "unrecorded": lambda: jwt.encode({"username": "admin", "jti": secrets.token_urlsafe(24), "exp_date": _future()},
                                     COOKIE_KEY, algorithm="HS256"),
    # a token id the server issued, but its key's holder wrote another user's name into it
    "other_user": lambda: jwt.encode({**jwt.decode(login_cookie("viewer", COOKIE_KEY), COOKIE_KEY, ["HS256"]),
                                      "username": "admin"}, COOKIE_KEY, algorithm="HS256"),
}


@pytest.mark.parametrize("kind", list(COOKIES))
def test_forged_or_expired_cookies_lead_to_the_login_form(app_url: str, browser, kind: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    context.add_cookies([{"name": COOKIE_NAME, "value": COOKIES[kind](), "url": app_url}])
    page = context.new_page()
    page.goto(f"{app_url}/appeals")
    wait_for_app(page)
    assert_login_form_only(page)
    context.close()


def test_a_valid_cookie_logs_in(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    # the positive control for the forged-cookie tests: a token the server recorded, signed with its key
    # (the server shares this process's state database, $GOVERNANCE_STATE_URL)
    token = login_cookie("viewer", COOKIE_KEY)
    context = browser.new_context()
    context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": app_url}])
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector("text=Signed in as", timeout=30_000)
    assert "Glen Global" in page.locator("[data-testid='stSidebar']").inner_text()
    context.close()


def test_logout_returns_to_the_login_form(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, app_url, "admin")
    page.get_by_role("button", name="Log out").click()
    wait_for_app(page)
    assert_login_form_only(page)
    # the re-login cookie is deleted by the browser side of the app; give it time, then reload
    for _ in range(100):
        if all(cookie["name"] != COOKIE_NAME for cookie in page.context.cookies()):
            break
        page.wait_for_timeout(100)
    assert all(cookie["name"] != COOKIE_NAME for cookie in page.context.cookies())
    page.reload()
    wait_for_app(page)
    assert_login_form_only(page)


def test_demo_passwords_documented() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for username, password in PASSWORDS.items():
        assert f"`{username}`" in readme and f"`{password}`" in readme
