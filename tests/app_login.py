"""Logging an AppTest run in as a browser is: a recorded login cookie on the session's request.

AppTest has no HTTP request, so st.context.cookies is empty there; the conftest fixture routes the
app's cookie lookup (auth.tokens.request_cookies) to the cookies set here for the current test.
"""

from __future__ import annotations

from auth.keys import cookie_key
from auth.tokens import COOKIE_NAME, new_login_token
from connectors.config import is_demo_url, resolve_url
from state.store import open_store

REQUEST_COOKIES: dict[str, str] = {}  # this test's request cookies; emptied after each test


def fake_request_cookies() -> dict[str, str]:
    return dict(REQUEST_COOKIES)


def log_in(username: str) -> str:
    """Give the next AppTest runs the login cookie of `username` (recorded in the state database);
    returns its token id."""
    store = open_store()
    try:
        token, jti = new_login_token(store, username, cookie_key(is_demo_url(resolve_url(None))))
    finally:
        store.engine.dispose()
    REQUEST_COOKIES.clear()
    REQUEST_COOKIES[COOKIE_NAME] = token
    return jti


def log_out_of_request() -> None:
    REQUEST_COOKIES.clear()
