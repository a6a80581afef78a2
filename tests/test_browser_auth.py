"""Login, scope and cookie handling in a real browser (Playwright + Chromium + streamlit run)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from typing import Iterator

import jwt
import pytest

from browser_support import PASSWORDS, chromium_available, launch_browser, log_in, running_app, wait_for_app
from conftest import require_or_skip
from tests_helpers_scope import SEA

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
COOKIE_KEY = secrets.token_urlsafe(48)
COOKIE_NAME = "governance_auth"


@pytest.fixture(scope="module")
def app_url(small_demo_url: str) -> Iterator[str]:
    require_or_skip(chromium_available(), "Chromium (/usr/bin/chromium)")
    with running_app(small_demo_url, cookie_key=COOKIE_KEY) as base:
        yield base


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context.new_page()
    context.close()


def assert_login_form_only(page) -> None:  # type: ignore[no-untyped-def]
    assert page.get_by_label("Username").is_visible()
    assert page.get_by_label("Password").is_visible()
    assert page.locator("text=Signed in as").count() == 0
    assert page.locator("[data-testid='stMetric']").count() == 0
    assert page.locator("[data-testid='stSidebarNav']").count() == 0


@pytest.mark.parametrize("path", ["", "appeals", "creators", "catalog", "source?countries=US"])
def test_without_login_only_the_login_form_shows(app_url: str, page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    assert_login_form_only(page)


def test_wrong_password_is_refused(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("text=Username or password is incorrect")
    assert_login_form_only(page)


def market_options(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The codes offered by the sidebar Markets picker."""
    page.get_by_label("Markets").click() if page.get_by_label("Markets").count() else None
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.locator("[data-testid='stMultiSelect']").filter(has_text="Markets").click()
    page.wait_for_selector("[role='option']")
    options = [text.split(" ")[0] for text in page.locator("[role='option']").all_inner_texts()]
    page.keyboard.press("Escape")
    return options


def test_regional_user_is_offered_only_their_markets(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, app_url, "sea")
    assert sorted(market_options(page)) == sorted(SEA)


def test_regional_user_url_naming_a_foreign_market_shows_no_foreign_data(app_url: str, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, app_url, "sea")
    page.goto(f"{app_url}/source?countries=US")
    wait_for_app(page)
    page.goto(f"{app_url}/overview?countries=US")
    wait_for_app(page)
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "Signed in as" in page.locator("[data-testid='stSidebar']").inner_text()
    # the market table lists the user's markets and never the United States
    assert "United States" not in body
    assert any(code in body for code in SEA)
    assert "US" not in page.url.split("countries=")[-1] if "countries=" in page.url else True


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
    # the positive control for the forged-cookie tests: the same mechanism with the right key works
    token = jwt.encode({"username": "viewer", "exp_date": _future()}, COOKIE_KEY, algorithm="HS256")
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
    page.wait_for_selector("text=Username", timeout=30_000)
    wait_for_app(page)
    assert_login_form_only(page)
    page.reload()
    wait_for_app(page)
    assert_login_form_only(page)


def test_demo_passwords_documented() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for username, password in PASSWORDS.items():
        assert f"`{username}`" in readme and f"`{password}`" in readme
