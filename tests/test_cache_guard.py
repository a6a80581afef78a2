"""Only a logged-in admin's session can clear the server's caches (issue 11, finding 2)."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
import streamlit
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.app_session import AppSession

from auth import cache_guard
from benchmarks.load_driver import DATA_PAGES, Tab, Visit, running_server

calls = itertools.count()


@streamlit.cache_data
def cached_value() -> int:
    return next(calls)


class FakeSession:
    """What the guard reads of an AppSession: its session state."""

    def __init__(self, state: dict) -> None:  # type: ignore[type-arg]
        self._session_state = state


@pytest.mark.parametrize(
    ("state", "clears"),
    [({}, False), ({cache_guard.MAY_CLEAR_CACHES: False}, False), ({cache_guard.MAY_CLEAR_CACHES: True}, True)],
    ids=["anonymous", "logged-in non-admin", "admin"],
)
def test_clear_cache_request_is_honoured_only_for_an_admin(state: dict, clears: bool) -> None:  # type: ignore[type-arg]
    cache_guard.install()
    cache_guard.install()  # idempotent: one wrapper, not two
    cached_value.clear()
    first = cached_value()
    assert cached_value() == first  # cached
    AppSession._handle_clear_cache_request(FakeSession(dict(state)))  # type: ignore[arg-type]
    assert (cached_value() != first) is clears


async def anonymous_clear_cache(base: str) -> None:
    url = base.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(url, subprotocols=["streamlit"], additional_headers={"Origin": base}) as socket:
        message = BackMsg()
        message.clear_cache = True
        await socket.send(message.SerializeToString())
        await asyncio.sleep(1.0)


async def scenario(base: str, key: str) -> None:
    async with Tab(base, key, "viewer") as tab:
        run = await tab.run(Visit("viewer", DATA_PAGES[1], "range=Last+7+days"))
        assert run.status == "FINISHED_SUCCESSFULLY" and not run.exceptions
    await anonymous_clear_cache(base)


def test_an_anonymous_websocket_cannot_clear_the_caches_of_the_running_server(tmp_path: Path) -> None:
    from sample_data import ensure_demo_database

    ensure_demo_database()
    with running_server(None, tmp_path / "server.log") as server:
        asyncio.run(scenario(server.base, server.cookie_key))
        log = server.log.read_text()
    assert "Ignored a request to clear the caches from a session that is not a logged-in admin." in log
