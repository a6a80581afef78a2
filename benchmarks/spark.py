#!/usr/bin/env python
"""Benchmark a page's data path on a local Spark standalone cluster, beside DuckDB (and PostgreSQL).

    .venv/bin/python benchmarks/spark.py --sizes 1M,10M --reps 3 --postgres

The datasets are benchmarks/run.py's (the demo generator at 1M and 10M moderation cases, DuckDB
files under benchmarks/data/, reused). The cluster is the tests' (tests/spark_cluster.py: a master,
two one-core workers, the Thrift server); each dataset is written by Polars as Parquet and
registered as database bench_<size>. With --postgres the same rows go to a throwaway PostgreSQL
cluster. All backends are measured in this one process, alternating their order on every
repetition, with benchmarks/run.py's measurement (work_ours): first (a fresh engine, an empty
result cache), warm (again with an empty result cache) and cached (every query a result-cache hit).
Medians are printed and written to benchmarks/results/spark.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO, REPO / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from benchmarks.datasets import cases_per_unit_scale, ensure_duckdb, ensure_postgres, parse_sizes, say  # noqa: E402
from benchmarks.run import RESULTS_DIR, machine, summarise, work_ours  # noqa: E402


def load_into_spark(cluster: Any, label: str, duckdb_data: dict[str, Any]) -> dict[str, Any]:
    """Every table of the DuckDB file as Parquet (written by Polars) in Spark database bench_<label>."""
    import duckdb

    from connectors.contract import CONTRACT

    database = f"bench_{label.lower()}"
    started = time.perf_counter()
    source = duckdb.connect(duckdb_data["path"], read_only=True)
    try:
        for table in duckdb_data["counts"]:
            frame = source.sql(f'SELECT * FROM "{table}"').pl()
            cluster.load_tables(database, {table: frame}, CONTRACT)
            del frame
    finally:
        source.close()
    say(f"loaded {label} into Spark database {database} in {time.perf_counter() - started:.0f} s")
    return {"url": cluster.url(database), "counts": duckdb_data["counts"], "parameters": duckdb_data["parameters"]}


@contextlib.contextmanager
def maybe_postgres(wanted: bool) -> Iterator[str | None]:
    if not wanted:
        yield None
        return
    from pg_cluster import postgres_bin_dir, throwaway_postgres

    if postgres_bin_dir() is None:
        say("PostgreSQL server binaries not found: no PostgreSQL column")
        yield None
        return
    with throwaway_postgres() as (url, _cluster):
        yield url


def spark_versions() -> dict[str, str]:
    import subprocess

    import pyspark

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return {"pyspark": pyspark.__version__, "java": java[0] if java else "?"}


def measure(urls: dict[str, str], page: str, reps: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {backend: [] for backend in urls}
    for rep in range(reps):
        order = list(urls) if rep % 2 == 0 else list(reversed(urls))
        for backend in order:
            try:
                result = work_ours({"url": urls[backend], "page": page})
            except Exception as error:  # reported, not raised: one failed measurement must not end the run
                result = {"error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"}
            runs[backend].append(result)
            shown = result.get("error") or f"first {result['cold_s']:.2f} s, warm {result['warm_s']:.2f} s"
            say(f"rep {rep + 1}/{reps} {backend:10s} {page}: {shown}")
    return {"summary": {backend: summarise(results) for backend, results in runs.items()}, "raw": runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M,10M")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--page", default="overview", help="a page of benchmarks/pages.py (default overview)")
    parser.add_argument("--postgres", action="store_true", help="also measure on a throwaway PostgreSQL cluster")
    parser.add_argument("--out", default=str(RESULTS_DIR / "spark.json"))
    args = parser.parse_args(argv)

    from spark_cluster import throwaway_spark

    started = time.perf_counter()
    per_unit = cases_per_unit_scale()
    sizes = parse_sizes(args.sizes)
    datasets = {label: ensure_duckdb(label, cases, per_unit) for label, cases in sizes}
    results = []
    with throwaway_spark() as cluster, maybe_postgres(args.postgres) as pg_server:
        say(f"Spark cluster up: {cluster.master_url}, Thrift server on {cluster.thrift_port}")
        for label, _cases in sizes:
            urls = {"duckdb": datasets[label]["url"], "spark": load_into_spark(cluster, label, datasets[label])["url"]}
            if pg_server:
                urls["postgresql"] = ensure_postgres(pg_server, label, datasets[label])["url"]
            measured = measure(urls, args.page, args.reps)
            results.append({"size": label, "counts": datasets[label]["counts"], "page": args.page, **measured})
            for backend, summary in measured["summary"].items():
                print(f"{label:>4} {backend:<11} first {summary.get('cold_s')} s  warm {summary.get('warm_s')} s  "
                      f"cached {summary.get('cached_s')} s  queries {summary.get('queries')}  rows {summary.get('rows')}"
                      f"  errors {summary.get('errors')}", flush=True)
    report = {
        "command": " ".join(["benchmarks/spark.py", *(argv if argv is not None else sys.argv[1:])]),
        "total_seconds": round(time.perf_counter() - started, 1),
        "machine": machine() | {"spark": spark_versions(),
                                "cluster": "standalone on 127.0.0.1: master, 2 workers x 1 core / 1 GB, "
                                           "executors 768 MB, Thrift server driver 1 GB, shuffle partitions 4"},
        "results": results,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    say(f"wrote {out} ({report['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
