"""Import benchmark for the DSA statements importer (issue 16): a file of N rows made by repeating the
real shared rows with fresh uuids and platform ids, imported into a fresh DuckDB file in a child
process; prints rows per second and the child's peak RSS. Memory must stay flat in N.

    python -m benchmarks.dsa_import --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

SHARED = Path("/work/shared/data/dsa")
SOURCE = SHARED / "sor-global-2025-07-01-full-00000-00000.csv"


def make_file(path: Path, rows: int) -> None:
    """`rows` statements cycling over the real 2025 rows, each with a new uuid and platform_uid."""
    with SOURCE.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        records = list(reader)
    uuid_at, puid_at = header.index("uuid"), header.index("platform_uid")
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i in range(rows):
            record = list(records[i % len(records)])
            record[uuid_at] = str(uuid.UUID(int=i + 1, version=4))
            record[puid_at] = f"bench-{i}"
            writer.writerow(record)


CHILD = """
import json, sys, time
from connectors.dsa_import import import_statements
started = time.perf_counter()
summary = import_statements([sys.argv[1]], sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - started, "imported": summary.imported,
                  "rejected": summary.rejected}))
"""


def run(rows: int, folder: Path, memory_limit: str | None = None) -> dict[str, float]:
    data = folder / f"bench-{rows}.csv"
    make_file(data, rows)
    url = f"duckdb:///{folder / f'bench-{rows}.duckdb'}" + (f"?memory_limit={memory_limit}" if memory_limit else "")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run([sys.executable, "-c", CHILD, str(data), url], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parent.parent)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    return {"rows": rows, "file_mb": data.stat().st_size / 1e6, "seconds": measured["seconds"],
            "rows_per_second": rows / measured["seconds"], "imported": measured["imported"],
            "peak_rss_mb": max(peak_kib, before) / 1024, "duckdb_memory_limit": memory_limit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--duckdb-memory-limit", help="DuckDB's memory_limit for the import, e.g. 256MB")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dsa-bench-") as folder:
        for rows in sorted(args.rows):  # ascending: each child's peak is at least the previous one's
            print(json.dumps(run(rows, Path(folder), args.duckdb_memory_limit)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
