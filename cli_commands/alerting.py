"""Alerts and scheduled reports: `alerts run|check`, `reports run --due` (for cron)."""

from __future__ import annotations

import argparse
import json

from connectors.config import is_demo_url, resolve_url

from cli_commands.common import open_source_of, source_args, stderr


def register(commands: argparse._SubParsersAction) -> None:
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


def cmd_alerts(args: argparse.Namespace) -> int:
    """`alerts run`: evaluate the due rules and deliver; `alerts check`: validate the rules file."""
    from alerts.periods import parse_now
    from alerts.run import run_alerts
    from alerts.setup import load_setup, open_alert_store
    from metrics.targets import Settings

    now = parse_now(args.now)
    source = open_source_of(args)
    setup = load_setup(source, is_demo_url(resolve_url(args.url)), args.rules, args.credentials, args.delivery)
    for problem in setup.problems:
        stderr(f"ERROR {problem}")
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
    source = open_source_of(args)
    setup = load_setup(source, is_demo_url(resolve_url(args.url)), args.rules, args.credentials, args.delivery)
    for problem in setup.problems:
        stderr(f"ERROR {problem}")
    results = run_reports(setup.rules, setup.recipients, source, Settings.from_sections(source.config.sections),
                          open_alert_store(args.state_url), setup.delivery, now, dry_run=args.dry_run)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 1 if setup.problems or any(r.get("error") for r in results) else 0
