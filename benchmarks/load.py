"""Concurrent users against the real server: latency, throughput, errors and memory per level.

Each level starts a fresh `streamlit run app.py` (127.0.0.1, the embedded demo database unless
--url) and runs N logged-in sessions for a bounded time. A session is a user: it opens a random
data page with its own custom date range and often one market (so its queries miss the cache),
waits for the run to finish, reads the page for a random think time, and opens the next.

    .venv/bin/python benchmarks/load.py                         # levels 1 5 10 20 40, 60 s each
    .venv/bin/python benchmarks/load.py --levels 20 --seconds 120
    .venv/bin/python benchmarks/load.py --soak 600 --levels 10  # memory curve over 10 minutes

Per level: p50 and p95 seconds to a finished page, pages per second, errors (exceptions, error
alerts, broken connections, pages not finished within --timeout), failed health checks and the
server's peak RSS. Results also go to benchmarks/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.load_driver import LevelReport, run_level, running_server  # noqa: E402


def data_end(url: str | None) -> dt.date:
    from connectors.config import resolve_url
    from connectors.source import open_source
    from sample_data import ensure_demo_database

    if url is None:
        ensure_demo_database()
    source = open_source(url or resolve_url(None), None)
    try:
        latest = source.latest_event_time()
    finally:
        source.engine.dispose()
    if latest is None:
        raise SystemExit("the source has no events")
    return latest.date()


def measure(url: str | None, sessions: int, seconds: float, think: tuple[float, float], timeout: float,
            rss_every: float) -> LevelReport:
    end = data_end(url)
    with tempfile.TemporaryDirectory() as folder, running_server(url, Path(folder) / "server.log") as server:
        return asyncio.run(run_level(server.base, server.cookie_key, sessions, seconds, end,
                                     pid=server.process.pid, timeout=timeout, think=think, rss_every=rss_every))


def print_table(reports: list[LevelReport]) -> None:
    print(f"{'sessions':>8} {'pages':>6} {'errors':>6} {'p50 s':>6} {'p95 s':>6} {'pages/s':>8} "
          f"{'health fails':>12} {'peak RSS MB':>11}")
    for report in reports:
        row = report.row()
        print(f"{row['sessions']:>8} {row['pages']:>6} {row['errors']:>6} {row['p50_s'] or '-':>6} "
              f"{row['p95_s'] or '-':>6} {row['pages_per_s']:>8} {row['health_failures']:>12} "
              f"{row['peak_rss_mb'] or '-':>11}")
    for report in reports:
        for result in report.errors[:3]:
            print(f"  {report.sessions} sessions: {result.visit.page}?{result.visit.query_string}: {result.error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,5,10,20,40", help="comma-separated session counts")
    parser.add_argument("--seconds", type=float, default=60.0, help="run time per level")
    parser.add_argument("--think", default="5,15", help="think time range in seconds, min,max")
    parser.add_argument("--timeout", type=float, default=60.0, help="a page not finished by then is an error")
    parser.add_argument("--soak", type=float, default=None, help="one long run of this many seconds per level")
    parser.add_argument("--url", default=None, help="database URL (default: the embedded demo database)")
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split(","))
    seconds = args.soak or args.seconds
    reports = []
    for sessions in (int(n) for n in args.levels.split(",")):
        print(f"{sessions} sessions for {seconds:.0f} s (think {think[0]:.0f}-{think[1]:.0f} s) ...", flush=True)
        reports.append(measure(args.url, sessions, seconds, think, args.timeout,  # type: ignore[arg-type]
                               rss_every=30.0 if args.soak else 10.0))
    print_table(reports)
    out = REPO / "benchmarks" / "results" / ("soak.json" if args.soak else "load.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"think": think, "seconds": seconds,
                               "levels": [r.row() | {"rss_curve": r.rss_curve} for r in reports]}, indent=2))
    if args.soak:
        for report in reports:
            print("RSS curve (s, MB):", " ".join(f"{t:.0f}:{mb:.0f}" for t, mb in report.rss_curve))


if __name__ == "__main__":
    main()
