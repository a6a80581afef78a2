"""The rules file: alert rules and report subscriptions, parsed and validated.

Every mistake is reported with the rule's name and the key to fix; a rule with a mistake is left
out and the others still run.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Literal, Mapping

from metrics import registry
from metrics.requests import FILTER_VALUE

Condition = Literal["off_target", "above", "below", "change_above", "change_below", "driver_above"]
CONDITIONS: tuple[str, ...] = ("off_target", "above", "below", "change_above", "change_below", "driver_above")
CHANGE_UNITS: tuple[str, ...] = ("points", "percent")
PERIODS: tuple[str, ...] = ("day", "week")
FORMATS: tuple[str, ...] = ("pdf", "md", "csv")
REPORT_PAGES: tuple[str, ...] = ("review", "overview", "appeals", "vendors", "creators", "escalations")
PAGE_FILTERS: tuple[str, ...] = ("policy", "channel", "vendor_site", "priority")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALERT_KEYS = frozenset({"name", "metric", "condition", "value", "change", "period", "timezone", "countries",
                        "region", "for_evaluations", "cooldown_hours", "recipients", "deliver", *PAGE_FILTERS})
REPORT_KEYS = frozenset({"name", "page", "format", "schedule", "timezone", "period", "countries", "region",
                         "metrics", "recipients", "deliver", *PAGE_FILTERS})
SCHEDULE = re.compile(r"^(?:(?P<day>[A-Za-z]{3})[a-z]*\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


@dataclass(frozen=True)
class Problem:
    """A mistake in the rules file: which rule (or section) and which key to fix."""

    rule: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"rule '{self.rule}', key '{self.key}': {self.message}"


@dataclass(frozen=True)
class Filters:
    """Where a rule or report looks: markets (or a region) and page filters; None = not filtered."""

    countries: tuple[str, ...] | None = None
    region: str | None = None
    page: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # policy, channel, vendor_site, priority


@dataclass(frozen=True)
class AlertRule:
    name: str
    metric: str
    condition: Condition
    value: float | None
    change: str  # "points" or "percent", for change_* conditions
    period: str
    timezone: str
    filters: Filters
    for_evaluations: int
    cooldown: dt.timedelta
    recipients: tuple[str, ...]
    deliver: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    weekday: int | None  # 0 = Monday; None = every day
    at: dt.time

    def text(self) -> str:
        day = WEEKDAYS[self.weekday].capitalize() + " " if self.weekday is not None else "daily "
        return f"{day}{self.at:%H:%M}"


@dataclass(frozen=True)
class ReportSubscription:
    name: str
    page: str
    format: str
    schedule: Schedule
    timezone: str
    period: str
    filters: Filters
    metrics: tuple[str, ...]
    recipients: tuple[str, ...]
    deliver: tuple[str, ...]


@dataclass(frozen=True)
class RulesFile:
    alerts: tuple[AlertRule, ...]
    reports: tuple[ReportSubscription, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Known:
    """What names in the file must refer to."""

    markets: Collection[str]
    regions: Collection[str]
    users: Collection[str]
    targets: Collection[str]


class RulesFileError(ValueError):
    """The file cannot be read at all (missing, not TOML)."""


def read_rules_file(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise RulesFileError(f"cannot read the rules file {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise RulesFileError(f"the rules file {path} is not valid TOML: {error}") from error


class _Checker:
    """Collects problems of one rule while reading its keys."""

    def __init__(self, rule: str, entry: Mapping[str, Any], allowed: frozenset[str]) -> None:
        self.rule, self.entry, self.problems = rule, entry, []
        for key in sorted(set(entry) - allowed):
            self.fail(key, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.rule, key, message))

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.entry.get(key, default)
        if value is None:
            self.fail(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty string, not {value!r}")
            return None
        return value.strip()

    def choice(self, key: str, options: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.text(key, default)
        if value is not None and value not in options:
            self.fail(key, f"{value!r} is not one of {', '.join(options)}")
            return None
        return value

    def strings(self, key: str, required: bool = False) -> tuple[str, ...] | None:
        value = self.entry.get(key)
        if value is None:
            if required:
                self.fail(key, "is required (a list of names)")
            return None
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(key, f"must be a non-empty list of strings, not {value!r}")
            return None
        return tuple(dict.fromkeys(v.strip() for v in value))

    def number(self, key: str, default: float | None = None, minimum: float | None = None) -> float | None:
        value = self.entry.get(key, default)
        if value is None:
            self.fail(key, "is required (a number)")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, f"must be a number, not {value!r}")
            return None
        if minimum is not None and value < minimum:
            self.fail(key, f"must be at least {minimum:g}, not {value!r}")
            return None
        return float(value)

    def timezone(self) -> str:
        name = self.text("timezone", "UTC") or "UTC"
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.fail("timezone", f"unknown time zone {name!r} (an IANA name such as 'Asia/Singapore')")
            return "UTC"
        return name

    def filters(self, known: Known) -> Filters:
        countries = self.strings("countries")
        if countries is not None:
            countries = tuple(c.upper() for c in countries)
            unknown = sorted(set(countries) - set(known.markets))
            if unknown:
                self.fail("countries", f"unknown market(s) {', '.join(unknown)} "
                                       f"(known: {', '.join(sorted(known.markets))})")
        region = self.entry.get("region")
        if region is not None:
            if countries is not None:
                self.fail("region", "give countries or region, not both")
            elif region not in known.regions:
                self.fail("region", f"unknown region {region!r} (known: {', '.join(sorted(known.regions))})")
        page: dict[str, tuple[str, ...]] = {}
        for key in PAGE_FILTERS:
            values = self.strings(key)
            if values is None:
                continue
            bad = [v for v in values if not FILTER_VALUE.match(v)]
            if bad:
                self.fail(key, f"invalid value(s) {', '.join(repr(v) for v in bad)}")
            elif key == "vendor_site" and (odd := [v for v in values if " / " not in v]):
                self.fail(key, f"write a vendor site as 'Vendor / Site', not {', '.join(repr(v) for v in odd)}")
            else:
                page[key] = values
        return Filters(countries, region if isinstance(region, str) else None, page)

    def audience(self, known: Known) -> tuple[tuple[str, ...], tuple[str, ...]]:
        recipients = self.strings("recipients", required=True) or ()
        if unknown := [r for r in recipients if r not in known.users]:
            self.fail("recipients", f"unknown user(s) {', '.join(unknown)} in the credentials file")
        deliver = self.strings("deliver") or ()
        if unknown := [d for d in deliver if d not in known.targets]:
            configured = ", ".join(sorted(known.targets)) or "none configured"
            self.fail("deliver", f"unknown delivery target(s) {', '.join(unknown)} (configured: {configured})")
        return recipients, deliver


def _metric(checker: _Checker, key: str, metric_id: str | None) -> None:
    if metric_id is None:
        return
    registry.load_all()
    known = {m.id for m in registry.all_metrics()}
    if metric_id not in known:
        close = difflib.get_close_matches(metric_id, sorted(known), n=2)
        hint = f"; did you mean {', '.join(close)}?" if close else " (cli.py metrics lists the ids)"
        checker.fail(key, f"unknown metric id {metric_id!r}{hint}")


def parse_alert(entry: Mapping[str, Any], index: int, known: Known) -> tuple[AlertRule | None, list[Problem]]:
    name = entry.get("name") if isinstance(entry.get("name"), str) else f"alert #{index + 1}"
    check = _Checker(str(name), entry, ALERT_KEYS)
    check.text("name")
    metric = check.text("metric")
    _metric(check, "metric", metric)
    condition = check.choice("condition", CONDITIONS)
    value = None if condition in (None, "off_target") else check.number("value")
    change = check.choice("change", CHANGE_UNITS, "points") or "points"
    if metric and condition == "off_target" and not check.problems:
        definition = registry.get(metric)
        if definition.direction == "neutral" or definition.target is None:
            check.fail("condition", f"{metric} has no target, so it cannot be off target; use above/below")
    period = check.choice("period", PERIODS, "week")
    timezone = check.timezone()
    filters = check.filters(known)
    runs = check.number("for_evaluations", 1, minimum=1)
    cooldown = check.number("cooldown_hours", 24, minimum=0)
    recipients, deliver = check.audience(known)
    if check.problems:
        return None, check.problems
    assert metric and condition and period and runs is not None and cooldown is not None
    return AlertRule(str(name), metric, condition, value, change, period, timezone, filters, int(runs),  # type: ignore[arg-type]
                     dt.timedelta(hours=cooldown), recipients, deliver), []


def parse_schedule(text: str) -> Schedule | None:
    """'Mon 07:00', 'monday 07:00' or '07:00' (every day)."""
    match = SCHEDULE.match(text.strip())
    if not match:
        return None
    day = match["day"]
    if day is not None and day.lower() not in WEEKDAYS:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        return None
    return Schedule(WEEKDAYS.index(day.lower()) if day else None, dt.time(hour, minute))


def parse_report(entry: Mapping[str, Any], index: int, known: Known) -> tuple[ReportSubscription | None, list[Problem]]:
    name = entry.get("name") if isinstance(entry.get("name"), str) else f"report #{index + 1}"
    check = _Checker(str(name), entry, REPORT_KEYS)
    check.text("name")
    page = check.choice("page", REPORT_PAGES, "review")
    form = check.choice("format", FORMATS, "pdf")
    schedule_text = check.text("schedule")
    schedule = parse_schedule(schedule_text) if schedule_text else None
    if schedule_text and schedule is None:
        check.fail("schedule", f"{schedule_text!r} is not like 'Mon 07:00' (a weekday and a 24-hour time) or '07:00'")
    timezone = check.timezone()
    period = check.choice("period", PERIODS, "week")
    filters = check.filters(known)
    metrics = check.strings("metrics") or ()
    for metric in metrics:
        _metric(check, "metrics", metric)
    recipients, deliver = check.audience(known)
    if check.problems:
        return None, check.problems
    assert page and form and schedule and period
    return ReportSubscription(str(name), page, form, schedule, timezone, period, filters, metrics, recipients,
                              deliver), []


def _entries(document: Mapping[str, Any], key: str, problems: list[Problem]) -> list[Mapping[str, Any]]:
    entries = document.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(Problem(f"[[{key}]]", key, f"write each as a [[{key}]] table"))
        return []
    return entries


def parse_rules(document: Mapping[str, Any], known: Known) -> RulesFile:
    problems: list[Problem] = []
    for key in sorted(set(document) - {"alert", "report"}):
        problems.append(Problem("(file)", key, "unknown top-level key (the file holds [[alert]] and [[report]] tables)"))
    alerts: list[AlertRule] = []
    reports: list[ReportSubscription] = []
    seen: set[str] = set()
    for kind, parse, into in (("alert", parse_alert, alerts), ("report", parse_report, reports)):
        for index, entry in enumerate(_entries(document, kind, problems)):
            parsed, found = parse(entry, index, known)
            problems += found
            if parsed is None:
                continue
            if parsed.name in seen:
                problems.append(Problem(parsed.name, "name", "two rules have this name; names must be unique"))
                continue
            seen.add(parsed.name)
            into.append(parsed)  # type: ignore[arg-type]
    return RulesFile(tuple(alerts), tuple(reports), tuple(problems))
