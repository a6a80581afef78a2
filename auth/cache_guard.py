"""Only a logged-in admin's session may clear the server's caches.

Streamlit clears `st.cache_data` and `st.cache_resource` (the engines) for every user when any
websocket sends `BackMsg(clear_cache=True)`, logged in or not: a free denial of service against the
warehouse. The gate records on each rerun whether this session's user is an admin; the guard
ignores the request from every other session.
"""

from __future__ import annotations

import logging
from typing import Any

from streamlit.runtime.app_session import AppSession

MAY_CLEAR_CACHES = "_may_clear_caches"  # session_state key the login gate sets on every rerun
_LOGGER = logging.getLogger(__name__)


def session_may_clear_caches(session_state: Any) -> bool:
    try:
        return session_state[MAY_CLEAR_CACHES] is True
    except KeyError:
        return False


def install() -> None:
    """Wrap Streamlit's clear-cache handler once per process (idempotent)."""
    handler = AppSession._handle_clear_cache_request
    if getattr(handler, "_admin_only", False):
        return

    def admin_only(self: AppSession) -> None:
        if session_may_clear_caches(self._session_state):
            handler(self)
        else:
            _LOGGER.warning("Ignored a request to clear the caches from a session that is not a logged-in admin.")

    admin_only._admin_only = True  # type: ignore[attr-defined]
    AppSession._handle_clear_cache_request = admin_only  # type: ignore[method-assign]
