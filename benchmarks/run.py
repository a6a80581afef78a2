#!/usr/bin/env python
"""Benchmark the dashboard's data path at 1M and 10M moderation cases.

    .venv/bin/python benchmarks/run.py --sizes 1M,10M --reps 5 --postgres

Generates the demo data (sample_data, other tables in proportion) into DuckDB files under
benchmarks/data/ (reused when present with the same parameters) and, with --postgres (a throwaway
cluster, tests/pg_cluster.py) or --pg-url, into PostgreSQL. Then, for every dataset and in one run,
alternating the order of the variants on every repetition, each measurement in a fresh subprocess:

  ours    the metric-module calls each page makes (benchmarks/pages.py) through a DataAccess:
          cold (fresh process, empty result cache), warm (second run in the process with an empty
          result cache: the database's own buffers are warm, as after a filter change in the
          app) and cached (a dict memo keyed by spec, standing in for st.cache_data);
  floor   the same SQL (captured from our specs) run on the raw driver, fetched as Arrow on
          DuckDB, with no Python post-processing, cold and warm;
  naive   the fact tables loaded whole into pandas with pandas.read_sql, and the appeals,
          vendor SLA and moderation mix KPIs computed in pandas (checked against ours).

Peak RSS is each subprocess's ru_maxrss; rows transferred are the rows of every frame the
DataAccess returns. Medians and ratios are printed; the full result is written to
benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

BENCH_DIR = REPO / "benchmarks"
RESULTS_DIR = BENCH_DIR / "results"
SUBSET_PAGE = "kpis_subset"  # appeals + vendors + mix KPIs: the work the naive baseline also does
from benchmarks.datasets import (  # noqa: E402  (after the sys.path insert above)
    cases_per_unit_scale,
    ensure_duckdb,
    ensure_postgres,
    parse_sizes,
    postgres_server,
    say,
)

GOALS = {
    "overview_seconds_10M_duckdb": 1.0,
    "speedup_vs_naive_10M": 10.0,
    "ratio_vs_floor": 1.5,
    "rows_per_page": 100_000,
    "peak_rss_mb": 1024,
}


# ---- the worker: one measurement in a fresh process ---------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM). Not ru_maxrss: Linux carries that one over
    from the parent across exec, so every worker would report at least the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_everything(url: str) -> tuple[Any, Any, Any, Any]:
    """Source, scoped access, default request and settings, as the app builds them."""
    from metrics.review import last_complete_week
    from connectors.scope import Scope
    from connectors.source import ScopedAccess, open_source
    from metrics.base import MetricRequest
    from metrics.targets import Settings

    source = open_source(url)
    with source.engine.connect() as connection:  # the app's engine is open already (st.cache_resource)
        connection.exec_driver_sql("SELECT 1")
    as_of = source.latest_event_time()
    request = MetricRequest(period=last_complete_week(as_of.date()))
    return source, ScopedAccess(source, Scope.everything()), request, Settings.from_sections(source.config.sections)


def page_function(page: str) -> Any:
    from benchmarks.pages import PAGES

    if page == SUBSET_PAGE:
        from metrics import appeals, mix, vendors

        def subset(data: Any, request: Any, settings: Any) -> None:
            for domain in (appeals, vendors, mix):
                domain.kpis(data, request, settings)

        return subset
    return PAGES[page]


def work_ours(task: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.baselines import CountingAccess, MemoAccess

    source, scoped, request, settings = open_everything(task["url"])
    run_page = page_function(task["page"])
    base_rss = peak_rss_mb()
    result: dict[str, Any] = {"rss_base_mb": round(base_rss, 1)}
    for phase in ("cold", "warm"):
        counting = CountingAccess(scoped)
        memo = MemoAccess(counting)
        started = time.perf_counter()
        source.latest_event_time()  # the frame's "data as of" query
        run_page(memo, request, settings)
        result[f"{phase}_s"] = time.perf_counter() - started
        if phase == "cold":
            started = time.perf_counter()
            run_page(memo, request, settings)  # every spec is a memo hit now
            result["cached_s"] = time.perf_counter() - started
            result.update(queries=counting.queries, rows=counting.rows, largest_frame=counting.largest)
    result["rss_peak_mb"] = round(peak_rss_mb(), 1)
    return result


def work_capture(task: dict[str, Any]) -> dict[str, Any]:
    """Our statements per page (for the floor) and our KPI values (to check the naive baseline)."""
    from benchmarks.baselines import MemoAccess, capture_statements
    from metrics import appeals, mix, vendors

    source, scoped, request, settings = open_everything(task["url"])
    statements = {}
    for page in task["pages"]:
        run_page = page_function(page)
        memo = MemoAccess(scoped)

        def run() -> None:
            source.latest_event_time()
            run_page(memo, request, settings)

        statements[page] = capture_statements(source.engine, run)
    ours: dict[str, dict[str, float | None]] = {"value": {}, "previous": {}}
    for domain in (appeals, vendors, mix):
        for kpi in domain.kpis(scoped, request, settings):
            ours["value"][kpi.metric.id] = kpi.value
            ours["previous"][kpi.metric.id] = kpi.previous
    with open(task["out"], "wb") as handle:
        pickle.dump({"statements": statements, "ours_kpis": ours}, handle)
    return {
        "statements": {page: len(s) for page, s in statements.items()},
        "period": [request.period.start.isoformat(), request.period.end.isoformat()],
    }


def work_floor(task: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.baselines import floor_connection, run_floor

    with open(task["statements"], "rb") as handle:
        statements = pickle.load(handle)["statements"][task["page"]]
    connection = floor_connection(task["url"])
    connection.execute("SELECT 1").fetchall()
    base_rss = peak_rss_mb()
    result: dict[str, Any] = {"rss_base_mb": round(base_rss, 1), "queries": len(statements)}
    for phase in ("cold", "warm"):
        started = time.perf_counter()
        result["rows"] = run_floor(connection, statements)
        result[f"{phase}_s"] = time.perf_counter() - started
    connection.close()
    result["rss_peak_mb"] = round(peak_rss_mb(), 1)
    return result


def work_naive(task: dict[str, Any]) -> dict[str, Any]:
    import sqlalchemy as sa

    from benchmarks.baselines import compare_with_ours, naive_kpis, naive_load
    from metrics.review import last_complete_week
    from metrics.base import MetricRequest

    with open(task["statements"], "rb") as handle:
        ours = pickle.load(handle)["ours_kpis"]
    url = sa.make_url(task["url"])
    connect_args = {"read_only": True} if url.get_backend_name() == "duckdb" else {}
    engine = sa.create_engine(url, connect_args=connect_args)
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    base_rss = peak_rss_mb()
    started = time.perf_counter()
    tables = naive_load(engine)
    loaded = time.perf_counter()
    as_of = max(tables["moderation_cases"]["created_at"].max(), tables["appeals"]["submitted_at"].max())
    request = MetricRequest(period=last_complete_week(as_of.date()))
    kpis = naive_kpis(tables, request)
    finished = time.perf_counter()
    rows = sum(len(frame) for frame in tables.values())
    del tables
    engine.dispose()
    return {
        "load_s": loaded - started,
        "compute_s": finished - loaded,
        "cold_s": finished - started,
        "rows": rows,
        "queries": 2,
        "rss_base_mb": round(base_rss, 1),
        "rss_peak_mb": round(peak_rss_mb(), 1),
        "agreement": compare_with_ours(kpis, ours),
    }


WORKERS = {"ours": work_ours, "floor": work_floor, "naive": work_naive, "capture": work_capture}


def worker_main(task_json: str) -> int:
    task = json.loads(task_json)
    load = os.getloadavg()[0]
    try:
        result = WORKERS[task["variant"]](task)
        result["loadavg_1m"] = round(max(load, os.getloadavg()[0]), 2)
    except Exception as error:  # reported, not raised: one failed measurement must not end the run
        result = {"error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"}
    print(json.dumps(result, default=str))
    return 0


def run_worker(task: dict[str, Any], timeout: float = 3600) -> dict[str, Any]:
    """One measurement in a fresh Python process; its last stdout line is the JSON result."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(task)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout,
    )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    if completed.returncode != 0 or not lines:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        return {"error": f"worker exited {completed.returncode}: {' | '.join(tail)}"}
    return json.loads(lines[-1])


# ---- orchestration ---------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import duckdb
    import pandas
    import polars
    import sqlalchemy

    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    versions = {
        "python": platform.python_version(),
        "polars": polars.__version__,
        "duckdb": duckdb.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "pandas": pandas.__version__,
    }
    with contextlib.suppress(Exception):
        import psycopg

        versions["psycopg"] = psycopg.__version__
    postgres = shutil.which("postgres") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))), None)
    if postgres:
        with contextlib.suppress(Exception):
            versions["postgresql"] = subprocess.run([str(postgres), "--version"], capture_output=True, text=True).stdout.strip()
    git = {}
    with contextlib.suppress(Exception):
        git["head"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
        git["uncommitted_files"] = len(status.splitlines())
    return {
        "git": git,
        "loadavg_at_end": [round(value, 2) for value in os.getloadavg()],
        "nproc": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": model,
        "kernel": platform.release(),
        "versions": versions,
    }


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians (and min/max) of every timing; rows and queries; the largest peak RSS."""
    ok = [r for r in runs if "error" not in r]
    summary: dict[str, Any] = {"reps": len(ok), "errors": [r["error"] for r in runs if "error" in r]}
    for key in ("cold_s", "warm_s", "cached_s", "load_s", "compute_s"):
        values = [r[key] for r in ok if key in r]
        if values:
            summary[key] = round(median(values), 4)
            summary[key.replace("_s", "_range_s")] = [round(min(values), 4), round(max(values), 4)]
    for key in ("queries", "rows", "largest_frame"):
        if ok and key in ok[0]:
            summary[key] = ok[0][key]
    if ok:
        summary["rss_peak_mb"] = max(r["rss_peak_mb"] for r in ok)
        summary["rss_base_mb"] = max(r["rss_base_mb"] for r in ok)
    if ok and "loadavg_1m" in ok[0]:
        summary["loadavg_1m_median"] = round(median([r["loadavg_1m"] for r in ok]), 2)
    if ok and "agreement" in ok[0]:
        summary["agreement"] = ok[0]["agreement"]
    return summary


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def measure_dataset(backend: str, label: str, dataset: dict[str, Any], pages: list[str], reps: int, naive: bool) -> dict[str, Any]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    statements_file = RESULTS_DIR / f"statements_{backend}_{label}.pkl"
    measured_pages = [*pages, SUBSET_PAGE]
    say(f"{backend} {label}: capturing our SQL for the floor")
    capture = run_worker({"variant": "capture", "url": dataset["url"], "pages": measured_pages, "out": str(statements_file)})
    if "error" in capture:
        raise RuntimeError(f"capture failed on {backend} {label}: {capture['error']}")
    variants = ["ours", "floor", *(["naive"] if naive else [])]
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {v: {} for v in variants}
    for rep in range(reps):
        order = variants if rep % 2 == 0 else list(reversed(variants))
        page_order = measured_pages if rep % 2 == 0 else list(reversed(measured_pages))
        for variant in order:
            targets = ["overview"] if variant == "naive" else page_order
            for page in targets:
                task = {"variant": variant, "url": dataset["url"], "page": page, "statements": str(statements_file)}
                result = run_worker(task)
                runs[variant].setdefault(page, []).append(result)
                shown = result.get("error") or f"{result.get('cold_s', 0):.3f} s cold"
                say(f"{backend} {label} rep {rep + 1}/{reps} {variant:5s} {page:12s} {shown}")
    summary = {variant: {page: summarise(results) for page, results in by_page.items()} for variant, by_page in runs.items()}
    comparisons = {}
    for page in measured_pages:
        ours, floor = summary["ours"].get(page, {}), summary["floor"].get(page, {})
        comparisons[page] = {
            "ours_vs_floor_cold": ratio(ours.get("cold_s"), floor.get("cold_s")),
            "ours_vs_floor_warm": ratio(ours.get("warm_s"), floor.get("warm_s")),
        }
    if naive:
        naive_s = summary["naive"]["overview"].get("cold_s")
        for page in ("overview", SUBSET_PAGE):
            comparisons[page]["naive_vs_ours_cold"] = ratio(naive_s, summary["ours"][page].get("cold_s"))
            comparisons[page]["naive_vs_ours_warm"] = ratio(naive_s, summary["ours"][page].get("warm_s"))
    return {
        "backend": backend,
        "size": label,
        "counts": dataset["counts"],
        "parameters": dataset["parameters"],
        "period": capture["period"],
        "statements": capture["statements"],
        "summary": summary,
        "comparisons": comparisons,
        "raw": runs,
    }


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(results: list[dict[str, Any]]) -> None:
    for result in results:
        counts = result["counts"]
        print(f"\n== {result['backend']} {result['size']}: {counts['moderation_cases']:,} cases, "
              f"{counts['appeals']:,} appeals; period {result['period'][0]}..{result['period'][1]}")
        print(f"{'page':<12} {'ours cold':>10} {'warm':>8} {'cached':>8} {'floor cold':>11} {'warm':>8} "
              f"{'x floor':>8} {'queries':>8} {'rows':>7} {'RSS MB':>7}")
        summary = result["summary"]
        for page, ours in summary["ours"].items():
            floor = summary["floor"].get(page, {})
            comparison = result["comparisons"].get(page, {})
            print(f"{page:<12} {fmt(ours.get('cold_s')):>10} {fmt(ours.get('warm_s')):>8} {fmt(ours.get('cached_s'), 4):>8} "
                  f"{fmt(floor.get('cold_s')):>11} {fmt(floor.get('warm_s')):>8} "
                  f"{fmt(comparison.get('ours_vs_floor_cold'), 2):>8} {ours.get('queries', '-'):>8} "
                  f"{ours.get('rows', '-'):>7} {ours.get('rss_peak_mb', '-'):>7}")
            for error in ours.get("errors", []) + floor.get("errors", []):
                print(f"    error: {error}")
        naive = summary.get("naive", {}).get("overview")
        if naive:
            print(f"naive pandas: {fmt(naive.get('cold_s'))} s (read_sql {fmt(naive.get('load_s'))} s + pandas "
                  f"{fmt(naive.get('compute_s'))} s), {naive.get('rows', 0):,} rows, peak RSS {naive.get('rss_peak_mb')} MB; "
                  f"naive / ours: overview {result['comparisons']['overview'].get('naive_vs_ours_cold')}x cold, "
                  f"same KPIs {result['comparisons'][SUBSET_PAGE].get('naive_vs_ours_cold')}x cold")
            agreement = naive.get("agreement") or {}
            print(f"naive KPI values agreeing with ours: {agreement.get('agree')}, differing: {agreement.get('differ')}")
            for error in naive.get("errors", []):
                print(f"    error: {error}")


def goals(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Each goal with the measured figure (reported, never asserted)."""
    out: dict[str, Any] = {}
    for result in results:
        key = f"{result['backend']}_{result['size']}"
        ours = result["summary"]["ours"]
        pages = [p for p in ours if p != SUBSET_PAGE]
        out[key] = {
            "overview_cold_s": ours.get("overview", {}).get("cold_s"),
            "overview_warm_s": ours.get("overview", {}).get("warm_s"),
            "naive_vs_ours_overview_cold": result["comparisons"].get("overview", {}).get("naive_vs_ours_cold"),
            "naive_vs_ours_same_kpis_cold": result["comparisons"].get(SUBSET_PAGE, {}).get("naive_vs_ours_cold"),
            "overview_vs_floor_cold": result["comparisons"].get("overview", {}).get("ours_vs_floor_cold"),
            "overview_vs_floor_warm": result["comparisons"].get("overview", {}).get("ours_vs_floor_warm"),
            "max_rows_per_page": max((ours[p].get("rows", 0) for p in pages), default=None),
            "max_peak_rss_mb_ours": max((ours[p].get("rss_peak_mb", 0) for p in pages), default=None),
            "naive_peak_rss_mb": result["summary"].get("naive", {}).get("overview", {}).get("rss_peak_mb"),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M,10M", help="moderation cases per dataset, e.g. 1M,10M (default)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of every measurement (default 5)")
    parser.add_argument("--postgres", action="store_true", help="also measure on a throwaway PostgreSQL cluster")
    parser.add_argument("--pg-url", help="also measure on this PostgreSQL server (superuser URL; creates bench_* databases)")
    parser.add_argument("--pages", default=None, help="comma-separated pages (default: all of benchmarks/pages.py)")
    parser.add_argument("--pg-sizes", default=None, help="sizes to measure on PostgreSQL (default: --sizes)")
    parser.add_argument("--pg-pages", default=None, help="pages to measure on PostgreSQL (default: --pages)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive pandas baseline")
    parser.add_argument("--out", default=str(RESULTS_DIR / "latest.json"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args.worker)

    from benchmarks.pages import PAGES

    pages = args.pages.split(",") if args.pages else list(PAGES)
    pg_pages = args.pg_pages.split(",") if args.pg_pages else pages
    sizes = parse_sizes(args.sizes)
    pg_sizes = parse_sizes(args.pg_sizes) if args.pg_sizes else sizes
    unknown = [p for p in {*pages, *pg_pages} if p not in PAGES]
    if unknown:
        parser.error(f"unknown pages {unknown}; choose from {list(PAGES)}")
    started = time.perf_counter()
    say("calibrating the generator scale")
    per_unit = cases_per_unit_scale()
    datasets = {label: ensure_duckdb(label, cases, per_unit) for label, cases in dict.fromkeys([*sizes, *pg_sizes])}
    results = []
    with postgres_server(args) as server:
        plan = [("duckdb", label, datasets[label], pages) for label, _ in sizes]
        if server:
            plan += [("postgresql", label, ensure_postgres(server, label, datasets[label]), pg_pages) for label, _ in pg_sizes]
        for backend, label, dataset, measured in plan:
            results.append(measure_dataset(backend, label, dataset, measured, args.reps, not args.no_naive))
    report = {
        "command": " ".join([Path(sys.executable).name, "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "total_seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "goals": GOALS,
        "measured": goals(results),
        "results": results,
    }
    print_report(results)
    print(f"\ngoals vs measured: {json.dumps(report['measured'], indent=2)}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    say(f"wrote {out} ({report['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
