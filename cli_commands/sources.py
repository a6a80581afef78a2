"""Demo data and the source: `generate`, `check` (the data contract), `tables` (row counts)."""

from __future__ import annotations

import argparse
import datetime as dt
import time

from connectors.config import resolve_url
from connectors.schema_check import check_source

from cli_commands.common import open_source_of, source_args, stderr


def register(commands: argparse._SubParsersAction) -> None:
    generate = commands.add_parser("generate", help="write the demo database into a SQLAlchemy URL")
    generate.add_argument("--url")
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument("--end", help="last day of data, YYYY-MM-DD (default: a fixed date)")
    generate.add_argument("--days", type=int, default=180)
    generate.add_argument("--scale", default="default", help="small, default, large, or a number")
    generate.set_defaults(handler=cmd_generate)

    check = commands.add_parser("check", help="validate a source against the data contract")
    source_args(check)
    check.set_defaults(handler=cmd_check)

    tables = commands.add_parser("tables", help="row counts of every contract table")
    source_args(tables)
    tables.set_defaults(handler=cmd_tables)


def _scale(text: str) -> str | float:
    try:
        return float(text)
    except ValueError:
        return text


def cmd_generate(args: argparse.Namespace) -> int:
    from sample_data import generate

    url = resolve_url(args.url)
    started = time.perf_counter()
    end = dt.date.fromisoformat(args.end) if args.end else None
    counts = generate(url, seed=args.seed, end=end, days=args.days, scale=_scale(args.scale), progress=stderr)
    elapsed = time.perf_counter() - started
    for table, rows in counts.items():
        print(f"{table:<20} {rows:>12,}")
    print(f"generated in {elapsed:.1f} s")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    source = open_source_of(args)
    found = check_source(source)
    for note in (p for p in found if p.optional):
        print(f"NOTE {note.message}")
    problems = [p for p in found if not p.optional]
    for problem in problems:
        print(f"ERROR {problem.message}")
    if problems:
        print(f"{len(problems)} problem(s): the source does not meet the data contract")
        return 1
    print("OK: every contract table and column is present with a compatible type")
    return 0


def cmd_tables(args: argparse.Namespace) -> int:
    counts = open_source_of(args).row_counts()
    for row in counts.to_dicts():
        print(f"{row['table']:<20} {row['physical_name']:<30} {row['rows']:>12,}")
    return 0
