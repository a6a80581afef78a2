"""Run the real app with `streamlit run` on a free port and drive it with Playwright in Chromium."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from pg_cluster import free_port

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_CREDENTIALS = REPO / "auth" / "demo_users.yaml"
PASSWORDS = {
    "admin": "demo-admin-2026",
    "viewer": "demo-viewer-2026",
    "sea": "demo-sea-2026",
    "europe": "demo-europe-2026",
}


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def app_env(db_url: str, cookie_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GOVERNANCE_DB_URL=db_url,
        GOVERNANCE_CREDENTIALS=str(DEMO_CREDENTIALS),
        GOVERNANCE_COOKIE_KEY=cookie_key,
        GOVERNANCE_LOGIN_SLEEP_SECONDS="0",
    )
    return env


@contextlib.contextmanager
def running_app(db_url: str, cookie_key: str | None = None) -> Iterator[str]:
    """Start `streamlit run app.py` on 127.0.0.1 and a free port; yield its base URL; stop it."""
    port = free_port()
    key = cookie_key or secrets.token_urlsafe(48)
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]
    process = subprocess.Popen(command, cwd=REPO, env=app_env(db_url, key),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_healthy(base: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"streamlit exited early:\n{output}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


def launch_browser(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_for_app(page, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished the current run (no running indicator)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
    page.wait_for_timeout(300)


def log_in(page, base: str, username: str, path: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/{path}")
    wait_for_app(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("text=Signed in as", timeout=30_000)
    wait_for_app(page)
