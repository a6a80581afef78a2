"""The login gate in app.py: nothing renders for a visitor who is not logged in."""

from __future__ import annotations

import copy
import os
from typing import Sequence

import streamlit as st
import streamlit_authenticator as stauth

import data
from auth.cache_guard import MAY_CLEAR_CACHES
from auth.cache_guard import install as install_cache_guard
from auth.export_guard import install as install_export_guard
from auth.keys import InsecureConfiguration, cookie_key
from auth.throttle import LoginLocked, guarded_check
from auth.tokens import (
    COOKIE_NAME, FORM_LOGIN_KEY, FormLogin, RevocableCookie, client_address, session_backed_by_request,
)
from auth.users import User, credentials_path, load_users, user_record
from connectors.config import is_demo_url, resolve_url
from state.store import AuditEvent, StateStore, StateUnavailable, state_url

COOKIE_EXPIRY_DAYS = 7.0
AUTH_STATE_KEYS = ("authentication_status", "username", "name", "email", "roles")
AUDITED_LOGIN_KEY = "_audited_login"  # session_state: the username whose login this session recorded


def _login_sleep_seconds() -> float:
    return float(os.environ.get("GOVERNANCE_LOGIN_SLEEP_SECONDS", "0.7"))


def _forget_login() -> None:
    for key in (*AUTH_STATE_KEYS, MAY_CLEAR_CACHES, FORM_LOGIN_KEY, AUDITED_LOGIN_KEY):
        st.session_state.pop(key, None)


def _state_store() -> StateStore:
    """The state database, or the login refused (fail closed) while it is unreachable."""
    try:
        return data.get_state_store(state_url())
    except StateUnavailable as error:
        _forget_login()
        _refuse(f"{error} Logins are refused until it is back; nothing recorded so far is lost.")
        raise  # unreachable: _refuse stops the script


def _authenticator(credentials: dict, key: str, store: StateStore) -> stauth.Authenticate:
    authenticator = stauth.Authenticate(
        copy.deepcopy(credentials),
        COOKIE_NAME,
        key,
        COOKIE_EXPIRY_DAYS,
        auto_hash=False,
        login_sleep_time=_login_sleep_seconds(),
    )
    controller = authenticator.cookie_controller
    controller.cookie_model = RevocableCookie(controller.cookie_model, store)
    model = authenticator.authentication_controller.authentication_model
    model.check_credentials = guarded_check(store, model.credentials, client_address())
    return authenticator


def _record_login(store: StateStore, username: str) -> None:
    """One 'login' audit event per session and user (a form login or a cookie on a new tab)."""
    if st.session_state.get(AUDITED_LOGIN_KEY) == username:
        return
    via = "form" if st.session_state.get(FORM_LOGIN_KEY) else "cookie"
    store.record(AuditEvent(username, "login", detail={"via": via}, client=client_address()))
    st.session_state[AUDITED_LOGIN_KEY] = username


def _hide_navigation(url_paths: Sequence[str]) -> None:
    """A hidden navigation of empty placeholders for visitors who are not logged in.

    No page names or links show, and a direct page URL keeps its path and query parameters, so
    after the login the visitor lands on the page (and filters) the URL asked for.
    """
    placeholders = [
        st.Page(_nothing, title="Log in", url_path=path or "login", default=index == 0)
        for index, path in enumerate(url_paths or ("login",))
    ]
    st.navigation(placeholders, position="hidden")


def _nothing() -> None:
    return None


def _show_login(authenticator: stauth.Authenticate) -> None:
    authenticator.login(location="main", key="login_form", fields={"Form name": "Governance dashboard"})


def _refuse(message: str, url_paths: Sequence[str] = ()) -> None:
    _hide_navigation(url_paths)
    st.error(message)
    st.stop()


def login_gate(url_paths: Sequence[str] = ()) -> User:
    """Log the visitor in (or stop the script) and return their current server-side record."""
    install_cache_guard()
    install_export_guard()
    st.session_state[MAY_CLEAR_CACHES] = False  # until this rerun has checked the user below
    demo = is_demo_url(resolve_url(None))
    path = credentials_path(demo)
    if path is None or not path.is_file():
        _refuse("No credentials file is configured: set GOVERNANCE_CREDENTIALS or [auth] credentials_path.")
    try:
        key = cookie_key(demo)
    except InsecureConfiguration as error:
        _refuse(f"The dashboard refuses to start: {error}")
    credentials = load_users(path)
    store = _state_store()
    authenticator = _authenticator(credentials, key, store)
    try:
        _show_login(authenticator)
    except LoginLocked as locked:
        _forget_login()
        _refuse(str(locked), url_paths)
    except StateUnavailable as error:
        _forget_login()
        _refuse(f"{error} Logins are refused until it is back; nothing recorded so far is lost.", url_paths)
    except Exception:  # a forged, foreign-key, alg:none or expired cookie is "not logged in", never a crash
        _forget_login()
        # The library raised while reading the cookie, before drawing its form: skip the cookie
        # (its own "logged out" flag does that), drop it, and draw the form.
        st.session_state["logout"] = True
        authenticator.cookie_controller.delete_cookie()
        _show_login(authenticator)
    status = st.session_state.get("authentication_status")
    if status is not True:
        _hide_navigation(url_paths)
        if status is False:
            st.error("Username or password is incorrect.")
        if demo:
            st.info("Demo mode: the demo users and passwords are listed in the README (not for production).")
        st.stop()
    username = str(st.session_state.get("username"))
    try:
        backed = session_backed_by_request(username, key, store)
    except StateUnavailable as error:
        _forget_login()
        _refuse(f"{error} Logins are refused until it is back; nothing recorded so far is lost.", url_paths)
    form = st.session_state.get(FORM_LOGIN_KEY)
    if not backed and isinstance(form, FormLogin) and not form.xsrf:
        _forget_login()
        _refuse("This login cannot be tied to your browser: the server runs without XSRF protection. Set "
                "server.enableXsrfProtection = true (the shipped .streamlit/config.toml does), or reload the "
                "page to continue with the login cookie.", url_paths)
    if not backed:
        # a session id alone, a revoked or too old token: this connection does not prove the user
        _forget_login()
        st.session_state["logout"] = True  # do not re-read the (revoked) cookie on this run
        _hide_navigation(url_paths)
        _show_login(authenticator)
        st.stop()
    # The scope comes from the user record read on this rerun, never from a session snapshot.
    user = user_record(credentials, username)
    if user is None:
        _forget_login()
        _refuse("Your account no longer exists. Log in again.", url_paths)
    _record_login(store, user.username)
    signed_in = st.sidebar.container()
    authenticator.logout(button_name="Log out", location="sidebar", key="logout_button")
    if st.session_state.get("authentication_status") is not True:
        # The library does not rerun after "Log out": stop here so this run draws no data.
        store.record(AuditEvent(user.username, "logout", client=client_address()))
        st.session_state.pop(AUDITED_LOGIN_KEY, None)
        _hide_navigation(url_paths)
        _show_login(authenticator)
        st.stop()
    st.session_state[MAY_CLEAR_CACHES] = user.role == "admin"
    signed_in.caption(f"Signed in as **{user.name}** · {user.role.replace('_', ' ')}")
    if demo:
        st.sidebar.caption(":orange[Demo credentials — not for production]")
    return user
