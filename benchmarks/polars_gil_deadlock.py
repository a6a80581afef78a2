"""Standalone reproduction of the server deadlock of issue 9 (an upstream Polars bug; no app code).

Polars 2.1.0 (also 2.0.0 and 1.44.2, the newest releases tried) deadlocks the whole interpreter
when, at the same time,

  * one thread runs an expression with a Python callback (`map_elements`): the callback runs on
    Polars' thread pool, whose threads must take the GIL to call it, and
  * another thread calls `DataFrame.to_pandas()` (what `st.dataframe` does) or `rechunk()` on a
    frame of several chunks: it waits for Polars' pool while still holding the GIL.

Each waits for the other: the pool threads for the GIL, the GIL holder for the pool. Every other
Python thread, the server's event loop included, then waits for the GIL for good: the py-spy dump
shows pool threads in pyo3 `AttachGuard::do_attach_unchecked` and script threads in rayon's
`LockLatch::wait_and_reset`. `POLARS_MAX_THREADS=1` does not help (one pool thread deadlocks too).
pola-rs/polars#19382 describes the pattern; #27396 (fixed by #27451, #27472) was one instance of it.

The dashboard's fix: no Python callbacks inside Polars expressions (the duration percentiles are
computed in the calling thread, metrics/base.py `percentile_series`); tests/test_architecture.py
keeps it so. This script stays as the upstream reproduction: run it after a Polars upgrade.

    .venv/bin/python benchmarks/polars_gil_deadlock.py            # with the callback: deadlocks
    .venv/bin/python benchmarks/polars_gil_deadlock.py --native   # native expression: completes

Each variant runs in a child process bounded by --seconds; the exit code is 1 when it deadlocked.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

CHILD = r"""
import sys, time
from concurrent.futures import ThreadPoolExecutor
import polars as pl

native = sys.argv[1] == "native"
seconds = float(sys.argv[2])

def multi_chunk_frame() -> pl.DataFrame:
    part = pl.DataFrame({"a": list(range(500)), "b": [float(i) for i in range(500)], "s": [str(i) for i in range(500)]})
    return pl.concat([part] * 3, rechunk=False)

def callback_work() -> None:
    total = pl.col("a") + pl.col("b") if native else pl.concat_list("a", "b").map_elements(
        lambda values: float(sum(values)), return_dtype=pl.Float64)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        multi_chunk_frame().with_columns(total=total)

def conversion_work() -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        multi_chunk_frame().to_pandas()

with ThreadPoolExecutor(10) as pool:
    futures = [pool.submit(callback_work if i % 2 else conversion_work) for i in range(10)]
    for future in futures:
        future.result()
print("completed")
"""


def run(native: bool, seconds: float) -> bool:
    """True when the variant completed, False when it was still hung long after its run time."""
    started = time.monotonic()
    try:
        subprocess.run([sys.executable, "-c", CHILD, "native" if native else "callback", str(seconds)],
                       check=True, capture_output=True, timeout=seconds * 3 + 10)
    except subprocess.TimeoutExpired:  # subprocess.run kills the child
        print(f"{'native' if native else 'callback'}: DEADLOCKED (still hung after {time.monotonic() - started:.0f} s)")
        return False
    print(f"{'native' if native else 'callback'}: completed in {time.monotonic() - started:.1f} s")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--native", action="store_true", help="use a native expression instead of the callback")
    parser.add_argument("--seconds", type=float, default=8.0, help="how long the threads work")
    args = parser.parse_args()
    sys.exit(0 if run(args.native, args.seconds) else 1)


if __name__ == "__main__":
    main()
