"""Run the real app with `streamlit run` on a free port and drive it with Playwright in Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from benchmarks.load_driver import running_server

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
    "latam": "demo-latam-2026",
}


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@contextlib.contextmanager
def running_app(db_url: str, cookie_key: str | None = None) -> Iterator[str]:
    """Start `streamlit run app.py` on 127.0.0.1 and a free port; yield its base URL; stop it."""
    with tempfile.TemporaryDirectory() as folder:
        with running_server(db_url, Path(folder) / "server.log", cookie_key=cookie_key) as server:
            yield server.base


def launch_browser(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_for_app(page, timeout: float = 60_000, footer: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished the current run (no running indicator).

    footer=True also waits for the page footer, which the frame writes last on every run.
    """
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    if footer:
        page.wait_for_selector(".gov-footer", timeout=timeout)
    # the frontend's own run state ("initial" after a page load, then "running", then "notRunning")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


def log_in(page, base: str, username: str, path: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/{path}")
    wait_for_app(page)
    for attempt in range(2):  # a loaded CI machine can drop the first submit while the app still starts
        page.get_by_label("Username", exact=True).wait_for(state="visible", timeout=60_000)
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Password", exact=True).fill(PASSWORDS[username])
        page.get_by_role("button", name="Login").click()
        try:
            page.wait_for_selector("text=Signed in as", timeout=30_000)
            break
        except Exception:
            if attempt:
                raise
    wait_for_app(page, footer=True)


def open_sidebar_picker(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Open the sidebar multiselect labelled `label` and wait for its options.

    A picker at the bottom edge of the viewport takes the click but does not open its list, so it is
    scrolled into view first (the sidebar scrolls on its own, as for a user with a short screen).
    """
    sidebar = page.locator("[data-testid='stSidebar']")
    picker = sidebar.locator("[data-testid='stMultiSelect']").filter(has_text=label).first
    picker.evaluate("element => element.scrollIntoView({block: 'center'})")
    picker.click()
    page.wait_for_selector("[role='option']")


def kpi_values(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """KPI card label -> the value text shown on it (waits for the cards to render)."""
    wait_for_app(page, footer=True)
    page.locator("[data-testid='stMetric']").first.wait_for(state="visible", timeout=60_000)
    values = {}
    for card in page.locator("[data-testid='stMetric']").all():
        label = card.locator("[data-testid='stMetricLabel']").inner_text().strip()
        values[label] = card.locator("[data-testid='stMetricValue']").inner_text().strip()
    return values


def cli_metrics(url: str, start: str, end: str, *extra: str) -> dict[str, float | None]:
    """metric id -> value from `cli.py metrics` (the reference the app must agree with)."""
    out = subprocess.run(
        [sys.executable, "cli.py", "metrics", "--url", url, "--start", start, "--end", end, *extra],
        cwd=REPO, capture_output=True, text=True, check=True,
        env={**os.environ, "GOVERNANCE_CREDENTIALS": str(DEMO_CREDENTIALS)},
    ).stdout
    return {m["id"]: m["value"] for m in json.loads(out)["metrics"]}
