"""Deterministic demo data for the governance dashboard, with planted stories.

    generate("duckdb:///governance.duckdb")            # every canonical table, replaced
    tables = build_tables(scale="small")                 # in memory, no database
    ensure_demo_database()                               # the app's embedded default database

Same parameters give the same data on every backend: the frames are generated once in memory
(numpy, vectorised) and then loaded. See sample_data/README.md for the stories.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pathlib
import sys
import time
from collections.abc import Callable

import polars as pl
import sqlalchemy as sa

from connectors.config import DEMO_DB_PATH
from connectors.contract import CONTRACT
from sample_data.appeals import build_appeals
from sample_data.cases import build_cases
from sample_data.common import Window
from sample_data.creators import build_creators
from sample_data.dsa import build_dsa
from sample_data.escalations import build_countries, build_escalations
from sample_data.loaders import load_tables
from sample_data.stories import Stories

__all__ = [
    "DEFAULT_END",
    "DEMO_DB_PATH",
    "MIN_DAYS",
    "SCALES",
    "Stories",
    "build_tables",
    "ensure_demo_database",
    "generate",
]

DEFAULT_END = dt.date(2026, 11, 15)  # a Sunday: the last 4 weeks are whole ISO weeks
SCALES: dict[str, float] = {"small": 0.01, "default": 1.0, "large": 10.0}
MIN_DAYS = 70  # the creator spike needs 8 baseline weeks + 2 spike weeks


def _resolve_scale(scale: str | float) -> float:
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"scale {scale!r} is not one of {sorted(SCALES)} or a number")
        return SCALES[scale]
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"scale must be a positive number or one of {sorted(SCALES)}, got {scale!r}")
    return float(scale)


def build_tables(*, seed: int = 7, end: dt.date | None = None, days: int = 180,
                 scale: str | float = "default", stories: Stories = Stories(),
                 progress: Callable[[str], None] | None = None) -> dict[str, pl.DataFrame]:
    """Every canonical table as a Polars frame with the exact contract schema. Pure: no I/O."""
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS}, got {days}")
    stories.validate()
    factor = _resolve_scale(scale)
    win = Window(end=end or DEFAULT_END, days=int(days))
    say = progress or (lambda _message: None)

    say("generating moderation_cases")
    cases, targets, case_arrays = build_cases(seed, win, factor, stories)
    say("generating appeals")
    appeals = build_appeals(seed, win, factor, stories, case_arrays)
    del case_arrays
    say("generating creators and creator_violations")
    creators, violations = build_creators(seed, win, factor, stories)
    say("generating escalations and annotations")
    escalations, annotations = build_escalations(seed, win, factor, stories)
    tables = {
        "countries": build_countries(),
        "moderation_cases": cases,
        "vendor_sla_targets": targets,
        "appeals": appeals,
        "creators": creators,
        "creator_violations": violations,
        "escalations": escalations,
        "annotations": annotations,
        **build_dsa(seed, win, factor),
    }
    return {name: tables[name] for name in CONTRACT}


def generate(url: str, *, seed: int = 7, end: dt.date | None = None, days: int = 180,
             scale: str | float = "default", stories: Stories = Stories(),
             progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Create (replacing) every canonical table at the SQLAlchemy `url`; return row counts."""
    tables = build_tables(seed=seed, end=end, days=days, scale=scale, stories=stories,
                          progress=progress)
    engine = sa.create_engine(url)
    try:
        load_tables(engine, tables, progress)
    finally:
        engine.dispose()  # DuckDB: release the read-write handle before anyone opens read-only
    return {name: frame.height for name, frame in tables.items()}


def ensure_demo_database(path: pathlib.Path = DEMO_DB_PATH) -> pathlib.Path:
    """The demo DuckDB file, generated at default scale first if it does not exist yet. Built
    under a temporary name and renamed, so a half-written file is never picked up."""
    path = pathlib.Path(path)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    print(f"sample_data: generating the demo database {path} (default scale, ~10 s) ...",
          file=sys.stderr, flush=True)
    try:
        generate(f"duckdb:///{tmp}",
                 progress=lambda m: print(f"sample_data: {m}", file=sys.stderr, flush=True))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        pathlib.Path(f"{tmp}.wal").unlink(missing_ok=True)
    print(f"sample_data: demo database ready in {time.perf_counter() - started:.1f} s",
          file=sys.stderr, flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    """`python -m sample_data [URL] [--seed N] [--end YYYY-MM-DD] [--days N] [--scale S]`."""
    parser = argparse.ArgumentParser(prog="python -m sample_data",
                                     description="Generate the governance demo database.")
    parser.add_argument("url", nargs="?", default=f"duckdb:///{DEMO_DB_PATH}")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--scale", default="default")
    args = parser.parse_args(argv)
    scale = args.scale if args.scale in SCALES else float(args.scale)
    started = time.perf_counter()
    counts = generate(args.url, seed=args.seed, end=args.end, days=args.days, scale=scale,
                      progress=lambda m: print(m, file=sys.stderr, flush=True))
    for name, rows in counts.items():
        print(f"{name:20s} {rows:>12,}")
    print(f"done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0
