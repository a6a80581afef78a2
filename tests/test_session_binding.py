"""A raw websocket client against the running server (issue 11, findings 1 and 7).

1: a Streamlit session id is no bearer token: a client without the login cookie that takes over a
   logged-in session by its id gets the login form.
7: a deferred download is built only for the session that drew its button.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from benchmarks.load_driver import Tab, Visit, running_server

APPEALS = Visit("europe", "appeals", "range=Last+7+days")


def signed_in(run) -> bool:  # type: ignore[no-untyped-def]
    return any("Signed in as" in body for body in run.markdown)


async def take_over_by_session_id(base: str, key: str) -> None:
    async with Tab(base, key, "europe") as victim:
        seen = await victim.run(APPEALS)
        assert seen.status == "FINISHED_SUCCESSFULLY" and seen.metrics > 0 and signed_in(seen)  # the control
        assert seen.session_id
    async with Tab.reconnecting(base, seen.session_id) as attacker:  # the victim closed the tab
        taken = await attacker.run(APPEALS)
    assert taken.session_id == seen.session_id  # the server did hand over the logged-in session
    assert taken.status == "FINISHED_SUCCESSFULLY"
    assert taken.metrics == 0 and not signed_in(taken)
    assert not any("Eva Europe" in body for body in taken.markdown)


async def foreign_deferred_download(base: str, key: str) -> None:
    async with Tab(base, key, "europe") as owner, Tab(base, key, "viewer") as other:
        drawn = await owner.run(APPEALS)
        assert drawn.deferred_files, "the appeals page draws deferred downloads (CSV, XLSX, PNG, PDF)"
        await other.run(Visit("viewer", "overview", ""))
        file_id = drawn.deferred_files[0]
        url, error = await other.request_deferred_file(file_id)
        assert (url, error) == ("", "Failed to generate file for download")
        url, error = await owner.request_deferred_file(file_id)  # the control: its own session may
        assert error == "" and url.startswith("/media/")


def test_a_session_id_without_the_login_cookie_gets_the_login_form(tmp_path: Path) -> None:
    from sample_data import ensure_demo_database

    ensure_demo_database()
    with running_server(None, tmp_path / "server.log") as server:
        asyncio.run(asyncio.wait_for(take_over_by_session_id(server.base, server.cookie_key), 120))


def test_a_deferred_download_runs_only_for_the_session_that_drew_it(tmp_path: Path) -> None:
    from sample_data import ensure_demo_database

    ensure_demo_database()
    with running_server(None, tmp_path / "server.log") as server:
        asyncio.run(asyncio.wait_for(foreign_deferred_download(server.base, server.cookie_key), 120))
        assert "Refused a deferred download for a file id this session did not draw." in server.log.read_text()
