"""A freshly started server's very first request, a direct page URL without a cookie, runs the frame
(app.py) and its login gate: it draws no data and opens no connection to the source.

This is why the page scripts live in app_pages/ and not pages/: with a folder named pages/ next to
the entry file, Streamlit 1.67 runs pages/<name>.py directly for such a request, before app.py has
called st.navigation. Whether the source was touched is read from the server process's open files
(the engine's pool keeps its DuckDB connection open once a query has run).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from benchmarks.load_driver import PageRun, Server, Tab, Visit, running_server


def files_open_by(pid: int) -> set[str]:
    folder = Path(f"/proc/{pid}/fd")
    names = set()
    for entry in folder.iterdir():
        try:
            names.add(os.readlink(entry))
        except OSError:  # closed between listing and reading
            continue
    return names


def first_visit(server: Server, tab: Tab, page: str) -> PageRun:
    async def visit() -> PageRun:
        async with tab:
            return await tab.run(Visit("", page, "countries=DE&range=Last+28+days"))

    return asyncio.run(asyncio.wait_for(visit(), 90))


def test_the_first_request_of_a_fresh_server_for_a_page_url_shows_the_login_form_only(
        small_demo_url: str, tmp_path: Path) -> None:
    source = tmp_path / "governance.duckdb"
    shutil.copy(small_demo_url.removeprefix("duckdb:///"), source)
    with running_server(f"duckdb:///{source}", tmp_path / "server.log") as server:
        anonymous = first_visit(server, Tab.anonymous(server.base), "appeals")
        assert anonymous.status == "FINISHED_SUCCESSFULLY", anonymous.problem
        assert anonymous.metrics == 0
        assert not any("Signed in as" in text for text in anonymous.markdown)
        assert str(source) not in files_open_by(server.process.pid)
        # the control: a logged-in tab on the same server does query the source
        admin = first_visit(server, Tab(server.base, server.cookie_key, "admin"), "appeals")
        assert admin.metrics > 0, admin.problem
        assert str(source) in files_open_by(server.process.pid)
