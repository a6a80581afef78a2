"""EU DSA data: `import-dsa` (Transparency Database statements), `dsa-report`, `import-dsa-report`."""

from __future__ import annotations

import argparse
import dataclasses
import json

from connectors.config import resolve_url
from connectors.source import ScopedAccess

from cli_commands.common import known_markets, open_source_of, scope_for, source_args, stderr, user_args


def register(commands: argparse._SubParsersAction) -> None:
    dsa = commands.add_parser("import-dsa", help="import DSA Transparency Database statements (CSV or zip dumps)")
    dsa.add_argument("files", nargs="+", metavar="FILE_OR_ZIP", help="daily dump zips, inner zips or CSV parts")
    dsa.add_argument("--url", required=True, help="SQLAlchemy URL of the database to write (a writable connection)")
    dsa.add_argument("--batch-rows", type=int, default=5_000, help="rows per transaction (default 5000)")
    dsa.set_defaults(handler=cmd_import_dsa)

    report = commands.add_parser("dsa-report", help="write our DSA transparency report (complaints, automated means) as CSV")
    source_args(report)
    report.add_argument("--start", required=True, help="first day of the reporting period, YYYY-MM-DD")
    report.add_argument("--end", required=True, help="last day of the reporting period, YYYY-MM-DD")
    report.add_argument("--countries", help="comma-separated market codes (default: every market in scope)")
    report.add_argument("--service", default="Our marketplace", help="the Service column (default: Our marketplace)")
    report.add_argument("--out", required=True, help="folder for the CSV files (created if missing)")
    user_args(report)
    report.set_defaults(handler=cmd_dsa_report)

    published = commands.add_parser("import-dsa-report", help="import published DSA transparency report tables (long CSV)")
    published.add_argument("files", nargs="+", metavar="CSV")
    published.add_argument("--url", required=True, help="SQLAlchemy URL of the database to write (a writable connection)")
    published.set_defaults(handler=cmd_import_dsa_report)


def cmd_import_dsa(args: argparse.Namespace) -> int:
    from connectors.dsa_import import import_statements

    summary = import_statements(args.files, resolve_url(args.url), batch_rows=args.batch_rows)
    print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    for refused in summary.refused:
        stderr(f"refused: {refused.message}")
    for problem in summary.problems:
        where = ":".join(str(part) for part in (problem.file, problem.line) if part is not None)
        column = f" column '{problem.column}'" if problem.column else ""
        stderr(f"{where}{column}: {problem.message}")
    return 0 if summary.ok else 1


def cmd_dsa_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from connectors.dsa_report_io import write_report
    from metrics.dsa_report import FILES, build_report, value_text
    from metrics.requests import build_request, split_list

    source = open_source_of(args)
    known = known_markets(source)
    request = build_request(args.start, args.end, split_list(args.countries), known)
    scope = scope_for(args, known)
    if scope.countries is not None:  # name the markets the report can cover, so none means a clear refusal
        request = dataclasses.replace(
            request, countries=tuple(sorted(set(request.countries or scope.countries) & scope.countries)))
    report = build_report(ScopedAccess(source, scope), request, args.service)
    for path in write_report(report, Path(args.out), FILES, value_text):
        print(path)
    return 0


def cmd_import_dsa_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from connectors.dsa_report_io import import_reports

    summary = import_reports([Path(f) for f in args.files], resolve_url(args.url))
    print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    for problem in summary.refused:
        stderr(f"refused: {problem.message}")
    for problem in summary.problems:
        column = f" column '{problem.column}'" if problem.column else ""
        stderr(f"{problem.file}:{problem.line}{column}: {problem.message}")
    return 0 if summary.ok else 1
