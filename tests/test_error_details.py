"""Issue 11, finding 9: an exception on the server sends no stack frame and no message to the browser.

`client.showErrorDetails = false` is Streamlit 1.67's legacy value for "stacktrace", so the shipped
config says "none". A server on the project's config runs a script that raises; a raw websocket
client reads what the browser would get. The control runs the same script with the legacy value and
sees the frames (the message it hides too), so the test can tell the two apart.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from benchmarks.load_driver import PageRun, Tab, Visit, running_server

SECRET = "postgresql://reader:hunter2@10.0.0.7/governance"
FAILING_SCRIPT = f'''
def connect_to_the_warehouse():
    raise RuntimeError("could not connect to {SECRET}")

connect_to_the_warehouse()
'''


def script_run(tmp_path: Path, options: tuple[str, ...]) -> PageRun:
    script = tmp_path / "failing_page.py"
    script.write_text(FAILING_SCRIPT)

    async def visit(base: str) -> PageRun:
        async with Tab.anonymous(base) as tab:
            return await tab.run(Visit("", "", ""))

    with running_server(None, tmp_path / "server.log", script=script, options=options) as server:
        return asyncio.run(asyncio.wait_for(visit(server.base), 60))


def test_an_exception_sends_the_browser_no_frame_and_no_message(tmp_path: Path) -> None:
    run = script_run(tmp_path, ())
    assert run.exceptions, "the failing script shows that it failed"
    assert run.stack_frames == []
    assert not any(SECRET in text or "RuntimeError" in text for text in run.exceptions)


def test_the_legacy_false_value_would_send_the_stack_frames(tmp_path: Path) -> None:
    run = script_run(tmp_path, ("--client.showErrorDetails", "false"))
    assert any("connect_to_the_warehouse" in frame for frame in run.stack_frames)
