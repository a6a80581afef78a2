"""`cli.py reports run --due`: each subscription whose schedule has come, rendered within each
recipient's scope, once per (report, recipient, scheduled time), and queued for delivery."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from alerts.delivery import DeliveryConfig
from alerts.evaluate import OutOfScope, markets_for, request_for
from alerts.messages import page_link
from alerts.periods import last_complete
from alerts.render import RENDERERS, document
from alerts.rules import REPORT_PAGES, ReportSubscription, RulesFile, Schedule
from alerts.run import Recipients, deliver_due
from connectors.source import ScopedAccess, Source
from metrics.targets import Settings
from state.alerts_store import AlertStore, NewDelivery

PAGE_PATHS = {page: page for page in REPORT_PAGES}  # the URL path of each page is its name
EXTENSIONS = {"pdf": "pdf", "md": "md", "csv": "csv"}


def latest_occurrence(schedule: Schedule, timezone: str, now: dt.datetime) -> dt.datetime:
    """The last scheduled time at or before `now`, as naive UTC."""
    zone = zoneinfo.ZoneInfo(timezone)
    local_now = now.replace(tzinfo=dt.UTC).astimezone(zone)
    day = local_now.date()
    for _ in range(8):
        candidate = dt.datetime.combine(day, schedule.at, tzinfo=zone)
        if candidate <= local_now and (schedule.weekday is None or day.weekday() == schedule.weekday):
            return candidate.astimezone(dt.UTC).replace(tzinfo=None)
        day -= dt.timedelta(days=1)
    raise AssertionError("a weekly schedule occurs within 8 days")


def _render_one(sub: ReportSubscription, recipient: str, recipients: Recipients, source: Source, settings: Settings,
                delivery: DeliveryConfig, occurrence: dt.datetime, now: dt.datetime) -> tuple[dict[str, Any], list[NewDelivery]]:
    period = last_complete(sub.period, sub.timezone, occurrence)
    key = f"{occurrence:%Y-%m-%dT%H:%M}"
    result: dict[str, Any] = {"report": sub.name, "recipient": recipient, "scheduled": key,
                              "period": {"start": period.start.isoformat(), "end": period.end.isoformat()}}
    scope = recipients.scope(recipient)
    if scope.is_empty:
        return {**result, "error": f"the user '{recipient}' has no markets in scope"}, []
    data = ScopedAccess(source, scope)
    try:
        countries = markets_for(sub.filters, scope, data)
        request = request_for(sub.filters, period, countries)
        rendered = RENDERERS[sub.page](data, request, settings, sub.metrics)
    except OutOfScope as error:
        return {**result, "error": f"{error} ('{recipient}')"}, []
    except Exception as error:  # noqa: BLE001 - one broken report does not stop the others
        return {**result, "error": f"{type(error).__name__}: {error}"}, []
    link = page_link(delivery.base_url, PAGE_PATHS[sub.page], period, countries, sub.filters)
    footer = f"Governance dashboard - {sub.name} for {recipient} - rendered {now:%d %b %Y %H:%M} UTC - {link}"
    content = document(rendered, sub.format, footer, now)
    name = f"{sub.name.lower().replace(' ', '-')}-{period.start}-{period.end}.{EXTENSIONS[sub.format]}"
    body = f"{rendered.title}\n\n{rendered.summary}\n\nAttached: {name}\nOpen the page: {link}"
    outbox = [NewDelivery("report", sub.name, recipient, target, key, "report", f"{sub.name}: {rendered.title}", body,
                          name, content) for target in sub.deliver]
    return {**result, "title": rendered.title, "format": sub.format, "bytes": len(content), "attachment": name,
            "link": link, "markets": list(countries) if countries else None}, outbox


def run_reports(rules: RulesFile, recipients: Recipients, source: Source, settings: Settings, store: AlertStore,
                delivery: DeliveryConfig, now: dt.datetime, dry_run: bool = False) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for sub in rules.reports:
        occurrence = latest_occurrence(sub.schedule, sub.timezone, now)
        key = f"{occurrence:%Y-%m-%dT%H:%M}"
        for recipient in sub.recipients:
            if not dry_run and store.report_done(sub.name, recipient, key):
                results.append({"report": sub.name, "recipient": recipient, "scheduled": key, "already_sent": True})
                continue
            result, outbox = _render_one(sub, recipient, recipients, source, settings, delivery, occurrence, now)
            results.append(result)
            if dry_run or result.get("error"):
                continue
            detail = {k: v for k, v in result.items() if k in ("title", "attachment", "link", "markets", "period")}
            if not store.record_report(sub.name, recipient, key, sub.format, now, detail, outbox):
                result["already_sent"] = True
    if not dry_run:
        deliver_due(store, delivery, recipients, now)
    return results
