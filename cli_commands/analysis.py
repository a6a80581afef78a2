"""The numbers: `metrics` (every registered metric), `review` (what moved and why), `plan` (mix scenarios)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from connectors.source import ScopedAccess
from metrics.base import MetricRequest

from cli_commands.common import filter_args, known_markets, open_source_of, scope_for, source_args, user_args


def register(commands: argparse._SubParsersAction) -> None:
    metrics = commands.add_parser("metrics", help="print every registered metric for the filters")
    source_args(metrics)
    metrics.add_argument("--start", required=True)
    metrics.add_argument("--end", required=True)
    filter_args(metrics)
    metrics.add_argument("--by", help="break every metric down by this dimension (e.g. country_code)")
    metrics.add_argument("--format", choices=("json", "table"), default="json")
    user_args(metrics)
    metrics.set_defaults(handler=cmd_metrics)

    review = commands.add_parser("review", help="what moved between two periods, why, and what did not move")
    source_args(review)
    review.add_argument("--start", help="first day of the period, YYYY-MM-DD (not with --weeks)")
    review.add_argument("--end", required=True, help="last day of the period, YYYY-MM-DD")
    review.add_argument("--weeks", type=int, help="compare the N whole weeks ending on --end with the N before")
    review.add_argument("--metric", action="append", help="report this metric id whether or not it moved (repeatable)")
    filter_args(review)
    review.add_argument("--format", choices=("json", "md"), default="json")
    user_args(review)
    review.set_defaults(handler=cmd_review)

    plan = commands.add_parser("plan", help="project moderation mix scenarios: cost, quality and staffing")
    source_args(plan)
    plan.add_argument("--scenario", required=True, help="scenario TOML file (README: Planning the moderation mix)")
    plan.add_argument("--countries", help="comma-separated market codes, e.g. DE,FR")
    plan.add_argument("--format", choices=("json", "table"), default="json")
    user_args(plan)
    plan.set_defaults(handler=cmd_plan)


def filtered_request(args: argparse.Namespace, start: str | dt.date, known: list[str]) -> MetricRequest:
    """The request the filter options give, from `start` to --end."""
    from metrics.requests import build_request, split_list

    return build_request(
        start, args.end, split_list(args.countries), known,
        policies=split_list(args.policies), channels=split_list(args.channels), vendors=split_list(args.vendors),
        sites=split_list(args.sites), priorities=split_list(args.priorities),
    )


def cmd_metrics(args: argparse.Namespace) -> int:
    from metrics.report import report_json
    from metrics.targets import Settings

    source = open_source_of(args)
    known = known_markets(source)
    request = filtered_request(args, args.start, known)
    data = ScopedAccess(source, scope_for(args, known))
    report = report_json(data, request, Settings.from_sections(source.config.sections), by=args.by)
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(metrics_table(report))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from metrics.base import Period
    from metrics.requests import parse_day, split_list
    from metrics.review import build_review, review_json, review_markdown, weeks_period
    from metrics.targets import Settings

    if args.weeks is not None and args.start:
        raise ValueError("give --start or --weeks, not both (--weeks N compares the N weeks ending on --end)")
    if args.weeks is None and not args.start:
        raise ValueError("give --start (with --end) or --weeks N")
    period: Period | None = weeks_period(parse_day(args.end, "end date"), args.weeks) if args.weeks else None
    source = open_source_of(args)
    known = known_markets(source)
    request = filtered_request(args, period.start if period else args.start, known)
    data = ScopedAccess(source, scope_for(args, known))
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
    source = open_source_of(args)
    known = known_markets(source)
    request = build_request(plan.start, plan.end, split_list(args.countries), known)
    data = ScopedAccess(source, scope_for(args, known))
    projections = compare(measure_baseline(data, request), plan.scenarios, plan.assumptions)
    if args.format == "json":
        print(json.dumps(plan_json(plan, projections, request.countries), indent=2, ensure_ascii=False))
    else:
        print(plan_table(projections))
    return 0


def metrics_table(report: dict) -> str:
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
