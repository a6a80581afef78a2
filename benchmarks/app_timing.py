"""Server time of each dashboard page after a filter change and on a cached revisit.

Runs the real app (app.py, login state preset, the page scripts, st.cache_data) in-process with
Streamlit's AppTest against the default demo database, so the time is the script run a browser
would wait for, minus the network. For each page and each of several markets: pick the market
(a filter change: its queries are not cached yet), then run the same view again (cached).

    .venv/bin/python benchmarks/app_timing.py [--markets DE,FR,GB,US,JP] [--range "Last 28 days"]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PAGES = ["app_pages/overview.py", "app_pages/review.py", "app_pages/appeals.py", "app_pages/vendors.py", "app_pages/creators.py",
         "app_pages/escalations.py", "app_pages/planner.py"]
PLANNER = "app_pages/planner.py"


def timed_run(at) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    assert not at.exception, [e.message for e in at.exception]
    return elapsed


def measure(page: str, markets: list[str], preset: str) -> dict[str, list[float]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "admin"
    at.session_state["range"] = preset
    at.run()
    if page != PAGES[0]:
        at.switch_page(page)
        timed_run(at)
    changed, cached = [], []
    for market in markets:
        at.session_state["countries"] = [market]
        changed.append(timed_run(at))
        cached.append(timed_run(at))
    return {"filter_change": changed, "cached": cached}


def measure_planner_edits(preset: str, edits: int) -> list[float]:
    """The planner after a scenario edit: the baseline is cached, the projection and the frontier are new."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "admin"
    at.session_state["range"] = preset
    at.run()
    at.switch_page(PLANNER)
    timed_run(at)
    times = []
    for step in range(edits):  # a different shrinkage each time: a scenario the page has not projected yet
        at.number_input(key="plan1-shrinkage").set_value(0.20 + step / 100)
        times.append(timed_run(at))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", default="DE,FR,GB,US,JP,BR,ID")
    parser.add_argument("--range", default="Last complete week")
    parser.add_argument("--pages", help="comma-separated page scripts (default: every page)")
    parser.add_argument("--planner-edits", type=int, default=7, help="scenario edits timed on the planner (0: none)")
    args = parser.parse_args()
    from sample_data import ensure_demo_database

    ensure_demo_database()
    os.environ.setdefault("GOVERNANCE_LOGIN_SLEEP_SECONDS", "0")
    os.environ.pop("GOVERNANCE_DB_URL", None)  # the embedded demo database (demo mode)
    os.environ.setdefault("GOVERNANCE_COOKIE_KEY", secrets.token_urlsafe(48))
    markets = args.markets.split(",")
    results = {}
    print(f"date range: {args.range}; {len(markets)} filter changes per page (one market each)")
    print(f"{'page':<28} {'after filter change (median)':>30} {'cached revisit (median)':>26}")
    for page in args.pages.split(",") if args.pages else PAGES:
        times = measure(page, markets, args.range)
        results[page] = {k: statistics.median(v) for k, v in times.items()} | {"runs": times}
        print(f"{page:<28} {results[page]['filter_change'] * 1000:>27.0f} ms {results[page]['cached'] * 1000:>23.0f} ms")
    if args.planner_edits:
        edits = measure_planner_edits(args.range, args.planner_edits)
        results["planner_edit"] = {"median": statistics.median(edits), "max": max(edits), "runs": edits}
        print(f"{'planner: after a scenario edit':<28} {statistics.median(edits) * 1000:>27.0f} ms (max {max(edits) * 1000:.0f} ms)")
    out = REPO / "benchmarks" / "results" / "app_timing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"range": args.range, "results": results}, indent=2))


if __name__ == "__main__":
    main()
