"""Login tokens the server can revoke, and the check that ties each rerun to the browser's cookie.

streamlit-authenticator's cookie is a JWT holding a username and a client-chosen expiry: valid
until then whatever happens on the server. Here every login gets a random token id (`jti`)
recorded in the state database; the cookie counts only while that id is unrevoked and younger
than the server's maximum age. Logout revokes it, `cli.py revoke-user` revokes all of a user's.

A Streamlit session id is no credential: on every rerun the session's user must be backed by
this connection's request, either the login cookie it sent or, right after a form login (the
cookie is set by JavaScript, so this connection's request could not carry it), the connection's
XSRF cookie recorded at that login. A client that presents only a stolen session id has neither.
"""

from __future__ import annotations

import binascii
import datetime as dt
import os
from dataclasses import dataclass
from typing import Any, Mapping

import jwt
import streamlit as st
from streamlit_authenticator.models.cookie_model import CookieModel

from auth.users import read_secrets
from state.store import StateStore, utc_now

COOKIE_NAME = "governance_auth"
XSRF_COOKIE_NAME = "_streamlit_xsrf"
MAX_AGE_ENV_VAR = "GOVERNANCE_TOKEN_MAX_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 7.0
FORM_LOGIN_KEY = "_form_login"  # session_state: the token this session's login form issued


def max_token_age() -> dt.timedelta:
    """The server's own limit on a login's age ($GOVERNANCE_TOKEN_MAX_AGE_DAYS or [auth]
    token_max_age_days, default 7 days), whatever expiry the cookie claims."""
    configured = os.environ.get(MAX_AGE_ENV_VAR) or read_secrets().get("auth", {}).get("token_max_age_days")
    days = float(configured) if configured not in (None, "") else DEFAULT_MAX_AGE_DAYS
    return dt.timedelta(days=days)


def request_cookies() -> Mapping[str, str]:
    """The cookies of the HTTP request that opened this session's websocket."""
    return dict(st.context.cookies)


def client_address() -> str:
    address = st.context.ip_address
    return address if isinstance(address, str) else ""  # None without a request (AppTest)


def xsrf_secret(cookie_value: str | None) -> str:
    """The token inside Streamlit's XSRF cookie ("2|mask|masked|timestamp"): the mask changes on every
    page load, the token does not."""
    if not cookie_value:
        return ""
    parts = cookie_value.split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = binascii.a2b_hex(parts[1]), binascii.a2b_hex(parts[2])
        except binascii.Error:
            return ""
        return bytes(byte ^ mask[index % 4] for index, byte in enumerate(masked)).hex()
    return cookie_value


@dataclass(frozen=True)
class FormLogin:
    username: str
    jti: str
    xsrf: str


def decode_token(token: str | None, key: str) -> dict[str, Any] | None:
    """The claims of a cookie we signed (HS256 only: no alg:none, no other key), or None."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})
    except jwt.PyJWTError:
        return None
    if not isinstance(claims.get("username"), str) or not isinstance(claims.get("jti"), str):
        return None
    return claims


class RevocableCookie(CookieModel):
    """The library's cookie model with a recorded, revocable token id and a server-side maximum age."""

    def __init__(self, library_model: CookieModel, store: StateStore) -> None:
        # take over the library's model, with its cookie-manager component: a second component in
        # the same run would repeat its widget key
        self.__dict__.update(library_model.__dict__)
        self.store = store

    def get_cookie(self) -> dict[str, Any] | bool | None:
        if st.session_state.get("logout"):
            return False
        claims = decode_token(request_cookies().get(self.cookie_name), self.cookie_key)
        if claims and self.store.token_valid(claims["jti"], claims["username"], max_token_age()):
            self.token = claims
            return claims
        return None

    def _token_encode(self) -> str:
        username = st.session_state["username"]
        token, jti = new_login_token(self.store, username, self.cookie_key)
        st.session_state[FORM_LOGIN_KEY] = FormLogin(username, jti, xsrf_secret(request_cookies().get(XSRF_COOKIE_NAME)))
        return token

    def delete_cookie(self) -> None:
        for jti in self.session_token_ids():
            self.store.revoke_token(jti, "logout")
        st.session_state.pop(FORM_LOGIN_KEY, None)
        super().delete_cookie()

    def session_token_ids(self) -> list[str]:
        """The token ids this session holds: the one its form issued and the one its cookie carries."""
        ids = []
        form = st.session_state.get(FORM_LOGIN_KEY)
        if isinstance(form, FormLogin):
            ids.append(form.jti)
        claims = decode_token(request_cookies().get(self.cookie_name), self.cookie_key)
        if claims:
            ids.append(claims["jti"])
        return ids


def session_backed_by_request(username: str, key: str, store: StateStore) -> bool:
    """True when this connection's request proves the session's user: a valid login cookie for them, or
    the XSRF cookie of the connection whose login form issued a still-valid token."""
    cookies = request_cookies()
    claims = decode_token(cookies.get(COOKIE_NAME), key)
    if claims and claims["username"] == username and store.token_valid(claims["jti"], username, max_token_age()):
        return True
    form = st.session_state.get(FORM_LOGIN_KEY)
    if not isinstance(form, FormLogin) or form.username != username:
        return False
    xsrf = xsrf_secret(cookies.get(XSRF_COOKIE_NAME))
    return bool(xsrf) and xsrf == form.xsrf and store.token_valid(form.jti, username, max_token_age())


def new_login_token(store: StateStore, username: str, key: str) -> tuple[str, str]:
    """A signed login cookie value for the user, recorded in the store; returns (cookie, token id)."""
    jti = store.issue_token(username, max_token_age())
    now = utc_now()
    claims = {"username": username, "jti": jti, "iat": int(now.timestamp()),
              "exp_date": (now + max_token_age()).timestamp()}
    return jwt.encode(claims, key, algorithm="HS256"), jti
