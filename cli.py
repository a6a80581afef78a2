"""Command line: generate demo data, check a source, print row counts and metrics.

    python cli.py generate --url duckdb:///demo.duckdb --scale small
    python cli.py check --url postgresql+psycopg://reader@db/gov --config governance.toml
    python cli.py metrics --start 2026-11-09 --end 2026-11-15 --countries DE,FR --by policy
    python cli.py state upgrade            # the app's own state database
    python cli.py revoke-user europe       # end every login of a user
    python cli.py alerts run --rules alerts.toml [--now 2026-11-30T08:00:00+08:00] [--dry-run]
    python cli.py reports run --due --rules alerts.toml
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from typing import Callable, Sequence

from connectors.config import ConfigError, is_demo_url, resolve_url
from connectors.errors import GovernanceDataError
from connectors.schema_check import check_source
from connectors.scope import Scope
from connectors.source import ScopedAccess, Source, open_source
from state.store import StateUnavailable


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
    counts = generate(url, seed=args.seed, end=end, days=args.days, scale=_scale(args.scale), progress=_stderr)
    elapsed = time.perf_counter() - started
    for table, rows in counts.items():
        print(f"{table:<20} {rows:>12,}")
    print(f"generated in {elapsed:.1f} s")
    return 0


def _open(args: argparse.Namespace) -> Source:
    url = resolve_url(args.url)
    if is_demo_url(url):
        from sample_data import ensure_demo_database

        ensure_demo_database()
    return open_source(url, args.config)


def cmd_check(args: argparse.Namespace) -> int:
    source = _open(args)
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
    counts = _open(args).row_counts()
    for row in counts.to_dicts():
        print(f"{row['table']:<20} {row['physical_name']:<30} {row['rows']:>12,}")
    return 0


def _known_markets(source: Source) -> list[str]:
    """Every market code of the source's countries table (for validating requests and accounts)."""
    from metrics.base import country_regions

    return country_regions(ScopedAccess(source, Scope.everything()))["country_code"].to_list()


def _scope_for(args: argparse.Namespace, known_markets: list[str]) -> Scope:
    """The --user's scope, from the credentials file that the app itself would use for this URL."""
    if not args.user:
        return Scope.everything()
    from auth.users import credentials_path, load_users, unknown_markets, unknown_markets_message, user_record

    path = args.credentials or credentials_path(is_demo_url(resolve_url(args.url)))
    if path is None:
        raise ValueError(
            "--user needs a credentials file for a database that is not the demo: "
            "pass --credentials or set GOVERNANCE_CREDENTIALS (the demo users apply to the demo database only)"
        )
    user = user_record(load_users(path), args.user)
    if user is None:
        raise ValueError(f"unknown user '{args.user}' in {path}")
    if user.scope.countries is not None and (unknown := unknown_markets(user.scope.countries, known_markets)):
        raise ValueError(unknown_markets_message(user.username, unknown))
    return user.scope


def cmd_metrics(args: argparse.Namespace) -> int:
    from metrics.report import report_json
    from metrics.requests import build_request, split_list
    from metrics.targets import Settings

    source = _open(args)
    known = _known_markets(source)
    request = build_request(
        args.start,
        args.end,
        split_list(args.countries),
        known,
        policies=split_list(args.policies),
        channels=split_list(args.channels),
        vendors=split_list(args.vendors),
        sites=split_list(args.sites),
        priorities=split_list(args.priorities),
    )
    data = ScopedAccess(source, _scope_for(args, known))
    report = report_json(data, request, Settings.from_sections(source.config.sections), by=args.by)
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(_table(report))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from metrics.base import Period
    from metrics.requests import build_request, parse_day, split_list
    from metrics.review import build_review, review_json, review_markdown, weeks_period
    from metrics.targets import Settings

    if args.weeks is not None and args.start:
        raise ValueError("give --start or --weeks, not both (--weeks N compares the N weeks ending on --end)")
    if args.weeks is None and not args.start:
        raise ValueError("give --start (with --end) or --weeks N")
    period: Period | None = weeks_period(parse_day(args.end, "end date"), args.weeks) if args.weeks else None
    source = _open(args)
    known = _known_markets(source)
    request = build_request(
        period.start if period else args.start, args.end, split_list(args.countries), known,
        policies=split_list(args.policies), channels=split_list(args.channels),
        vendors=split_list(args.vendors), sites=split_list(args.sites), priorities=split_list(args.priorities),
    )
    data = ScopedAccess(source, _scope_for(args, known))
    metric_ids = [m for text in args.metric or () for m in split_list(text) or ()]
    review = build_review(data, request, Settings.from_sections(source.config.sections), metric_ids or None)
    print(json.dumps(review_json(review), indent=2, ensure_ascii=False) if args.format == "json" else review_markdown(review))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    import tomllib

    from metrics.planner.baseline import measure_baseline
    from metrics.planner.projection import compare
    from metrics.planner.report import plan_json, plan_table
    from metrics.planner.scenario import parse_plan
    from metrics.requests import build_request, split_list

    try:
        with open(args.scenario, "rb") as handle:
            plan = parse_plan(tomllib.load(handle))
    except OSError as error:
        raise ValueError(f"--scenario: cannot read {args.scenario}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"--scenario: {args.scenario} is not valid TOML: {error}") from error
    source = _open(args)
    known = _known_markets(source)
    request = build_request(plan.start, plan.end, split_list(args.countries), known)
    data = ScopedAccess(source, _scope_for(args, known))
    projections = compare(measure_baseline(data, request), plan.scenarios, plan.assumptions)
    if args.format == "json":
        print(json.dumps(plan_json(plan, projections, request.countries), indent=2, ensure_ascii=False))
    else:
        print(plan_table(projections))
    return 0



def cmd_import_dsa(args: argparse.Namespace) -> int:
    from connectors.dsa_import import import_statements

    summary = import_statements(args.files, resolve_url(args.url), batch_rows=args.batch_rows)
    print(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    for refused in summary.refused:
        _stderr(f"refused: {refused.message}")
    for problem in summary.problems:
        where = ":".join(str(part) for part in (problem.file, problem.line) if part is not None)
        column = f" column '{problem.column}'" if problem.column else ""
        _stderr(f"{where}{column}: {problem.message}")
    return 0 if summary.ok else 1


def cmd_dsa_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from connectors.dsa_report_io import write_report
    from metrics.dsa_report import FILES, build_report, value_text
    from metrics.requests import build_request, split_list

    source = _open(args)
    known = _known_markets(source)
    request = build_request(args.start, args.end, split_list(args.countries), known)
    scope = _scope_for(args, known)
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
        _stderr(f"refused: {problem.message}")
    for problem in summary.problems:
        column = f" column '{problem.column}'" if problem.column else ""
        _stderr(f"{problem.file}:{problem.line}{column}: {problem.message}")
    return 0 if summary.ok else 1


def cmd_add_user(args: argparse.Namespace) -> int:
    import getpass

    from auth.users import add_user

    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    if len(password) < 12:
        raise ValueError("use a password of at least 12 characters")
    countries = [c for c in (args.countries or "").split(",") if c.strip()]
    known = _known_markets(_open(args))
    add_user(
        args.credentials, args.username, args.name or args.username, args.email or "", password, args.role,
        countries, known_markets=known,
    )
    print(f"user '{args.username}' ({args.role}) written to {args.credentials} with a bcrypt password hash")
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    """The app's state database: `upgrade` migrates it to the newest schema (the app also does at start)."""
    from state import migrate
    from state.store import open_store

    store = open_store(args.state_url)  # open_store upgrades
    print(json.dumps({"state_url": store.url, "revision": migrate.current_revision(store.engine)}))
    return 0


def cmd_revoke_user(args: argparse.Namespace) -> int:
    """End every login of a user: their cookies stop working on the next rerun of any open tab."""
    import getpass

    from state.store import AuditEvent, open_store

    store = open_store(args.state_url)
    revoked = store.revoke_user(args.username, "revoked by an admin (cli.py revoke-user)")
    store.record(AuditEvent(getpass.getuser(), "revocation", detail={"user": args.username, "tokens": revoked},
                            client="cli"))
    print(f"revoked {revoked} login token(s) of '{args.username}'")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    """`alerts run`: evaluate the due rules and deliver; `alerts check`: validate the rules file."""
    from alerts.periods import parse_now
    from alerts.run import run_alerts
    from alerts.setup import load_setup, open_alert_store
    from metrics.targets import Settings

    now = parse_now(args.now)
    source = _open(args)
    setup = load_setup(source, is_demo_url(resolve_url(args.url)), args.rules, args.credentials, args.delivery)
    for problem in setup.problems:
        _stderr(f"ERROR {problem}")
    if args.action == "check":
        count = len(setup.rules.alerts) + len(setup.rules.reports)
        print(f"{count} rule(s) valid, {len(setup.problems)} problem(s)")
        return 1 if setup.problems else 0
    results = run_alerts(setup.rules, setup.recipients, source, Settings.from_sections(source.config.sections),
                         open_alert_store(args.state_url), setup.delivery, now, dry_run=args.dry_run)
    if args.format == "json":
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        from metrics.registry import get

        for r in results:
            value = get(r["metric"]).display(r.get("value"))
            print(f"{r['alert']:<30} {r['recipient']:<12} {r['state'] or '-':<8} value {value}"
                  f"{'  (already evaluated)' if r.get('already_evaluated') else ''}"
                  f"{'  notify ' + r['notify'] if r.get('notify') else ''}{'  ' + r['error'] if r.get('error') else ''}")
    return 1 if setup.problems or any(r.get("state") == "error" for r in results) else 0


def cmd_reports(args: argparse.Namespace) -> int:
    """`reports run --due`: render each due subscription within each recipient's scope and deliver it."""
    from alerts.periods import parse_now
    from alerts.reports import run_reports
    from alerts.setup import load_setup, open_alert_store
    from metrics.targets import Settings

    if not args.due:
        raise ValueError("reports run renders the reports that are due: add --due")
    now = parse_now(args.now)
    source = _open(args)
    setup = load_setup(source, is_demo_url(resolve_url(args.url)), args.rules, args.credentials, args.delivery)
    for problem in setup.problems:
        _stderr(f"ERROR {problem}")
    results = run_reports(setup.rules, setup.recipients, source, Settings.from_sections(source.config.sections),
                          open_alert_store(args.state_url), setup.delivery, now, dry_run=args.dry_run)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 1 if setup.problems or any(r.get("error") for r in results) else 0


def _table(report: dict) -> str:
    """The metrics report as aligned text, each number in its metric's own format (12.3%, 206 s, $1.04)."""
    from metrics.registry import get

    lines = [
        f"period {report['period']['start']}..{report['period']['end']} "
        f"vs {report['comparison']['start']}..{report['comparison']['end']}",
        f"{'metric':<38} {'value':>14} {'previous':>14} {'delta':>14} {'target':>10}  status",
    ]
    for m in report["metrics"]:
        metric = get(m["id"])
        cells = [metric.display(m["value"]), metric.display(m["previous"]), metric.change_text(m["delta"]),
                 metric.display(m["target"]) if m["target"] is not None else "-"]
        lines.append(f"{m['id']:<38} {cells[0]:>14} {cells[1]:>14} {cells[2]:>14} {cells[3]:>10}  {m['status']}")
    return "\n".join(lines)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="cli.py", description="Marketplace governance dashboard tools")
    commands = main.add_subparsers(dest="command", required=True)

    def source_args(command: argparse.ArgumentParser) -> None:
        command.add_argument("--url", help="SQLAlchemy URL (default: $GOVERNANCE_DB_URL, secrets, demo DuckDB)")
        command.add_argument("--config", help="TOML file mapping contract tables/columns to physical names")

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

    metrics = commands.add_parser("metrics", help="print every registered metric for the filters")
    source_args(metrics)
    metrics.add_argument("--start", required=True)
    metrics.add_argument("--end", required=True)
    metrics.add_argument("--countries", help="comma-separated market codes, e.g. DE,FR")
    metrics.add_argument("--policies")
    metrics.add_argument("--channels")
    metrics.add_argument("--vendors")
    metrics.add_argument("--sites")
    metrics.add_argument("--priorities")
    metrics.add_argument("--by", help="break every metric down by this dimension (e.g. country_code)")
    metrics.add_argument("--format", choices=("json", "table"), default="json")
    metrics.add_argument("--user", help="apply this user's market scope (from the credentials file)")
    metrics.add_argument("--credentials", help="credentials YAML (default: the configured one)")
    metrics.set_defaults(handler=cmd_metrics)

    review = commands.add_parser("review", help="what moved between two periods, why, and what did not move")
    source_args(review)
    review.add_argument("--start", help="first day of the period, YYYY-MM-DD (not with --weeks)")
    review.add_argument("--end", required=True, help="last day of the period, YYYY-MM-DD")
    review.add_argument("--weeks", type=int, help="compare the N whole weeks ending on --end with the N before")
    review.add_argument("--metric", action="append", help="report this metric id whether or not it moved (repeatable)")
    review.add_argument("--countries", help="comma-separated market codes, e.g. DE,FR")
    review.add_argument("--policies")
    review.add_argument("--channels")
    review.add_argument("--vendors")
    review.add_argument("--sites")
    review.add_argument("--priorities")
    review.add_argument("--format", choices=("json", "md"), default="json")
    review.add_argument("--user", help="apply this user's market scope (from the credentials file)")
    review.add_argument("--credentials", help="credentials YAML (default: the configured one)")
    review.set_defaults(handler=cmd_review)

    plan = commands.add_parser("plan", help="project moderation mix scenarios: cost, quality and staffing")
    source_args(plan)
    plan.add_argument("--scenario", required=True, help="scenario TOML file (README: Planning the moderation mix)")
    plan.add_argument("--countries", help="comma-separated market codes, e.g. DE,FR")
    plan.add_argument("--format", choices=("json", "table"), default="json")
    plan.add_argument("--user", help="apply this user's market scope (from the credentials file)")
    plan.add_argument("--credentials", help="credentials YAML (default: the configured one)")
    plan.set_defaults(handler=cmd_plan)

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
    report.add_argument("--user", help="apply this user's market scope (from the credentials file)")
    report.add_argument("--credentials", help="credentials YAML (default: the configured one)")
    report.set_defaults(handler=cmd_dsa_report)

    published = commands.add_parser("import-dsa-report", help="import published DSA transparency report tables (long CSV)")
    published.add_argument("files", nargs="+", metavar="CSV")
    published.add_argument("--url", required=True, help="SQLAlchemy URL of the database to write (a writable connection)")
    published.set_defaults(handler=cmd_import_dsa_report)

    user = commands.add_parser("add-user", help="add a user to a credentials YAML (bcrypt-hashed password)")
    user.add_argument("username")
    source_args(user)  # market codes are checked against this source's countries table
    user.add_argument("--credentials", required=True, help="path of the credentials YAML file")
    user.add_argument("--role", required=True, choices=("admin", "global_viewer", "regional_viewer", "editor"))
    user.add_argument("--countries", help="markets of a regional_viewer, e.g. DE,FR")
    user.add_argument("--name")
    user.add_argument("--email")
    user.add_argument("--password", help="omit to be prompted (keeps it out of the shell history)")
    user.set_defaults(handler=cmd_add_user)

    state = commands.add_parser("state", help="the app's own state database (logins, audit log)")
    state.add_argument("action", choices=("upgrade",), help="upgrade: migrate the schema to the newest revision")
    state.add_argument("--state-url", help="SQLAlchemy URL (default: $GOVERNANCE_STATE_URL, else .state/ SQLite)")
    state.set_defaults(handler=cmd_state)

    revoke = commands.add_parser("revoke-user", help="revoke every login token of a user (ends their sessions)")
    revoke.add_argument("username")
    revoke.add_argument("--state-url", help="SQLAlchemy URL (default: $GOVERNANCE_STATE_URL, else .state/ SQLite)")
    revoke.set_defaults(handler=cmd_revoke_user)

    def alert_args(command: argparse.ArgumentParser) -> None:
        source_args(command)
        command.add_argument("--rules", help="rules TOML file (default: $GOVERNANCE_ALERT_RULES)")
        command.add_argument("--delivery", help="delivery targets TOML (default: $GOVERNANCE_DELIVERY_CONFIG)")
        command.add_argument("--credentials", help="credentials YAML of the recipients (default: the configured one)")
        command.add_argument("--state-url", help="state database URL (default: $GOVERNANCE_STATE_URL, else .state/)")
        command.add_argument("--now", help="evaluate as of this ISO time (default: now); naive means UTC")
        command.add_argument("--dry-run", action="store_true", help="evaluate and print; record and deliver nothing")

    alerts = commands.add_parser("alerts", help="evaluate alert rules (run, for cron) or validate the rules file (check)")
    alerts.add_argument("action", choices=("run", "check"))
    alert_args(alerts)
    alerts.add_argument("--format", choices=("json", "table"), default="table")
    alerts.set_defaults(handler=cmd_alerts)

    reports = commands.add_parser("reports", help="render and deliver the scheduled reports that are due")
    reports.add_argument("action", choices=("run",))
    reports.add_argument("--due", action="store_true", help="render every subscription whose schedule has come")
    alert_args(reports)
    reports.set_defaults(handler=cmd_reports)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (GovernanceDataError, ConfigError, ValueError, StateUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
