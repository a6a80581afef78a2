"""Alert messages: the metric, its value against the threshold or target, the change, the top three
drivers and a link to the page with the same filters."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from alerts.evaluate import PAGE_OF_DOMAIN, Evaluation
from alerts.rules import Filters
from metrics.base import Period

CUSTOM_RANGE = "Custom range"  # ui.filters.CUSTOM: the app's date preset that reads start/end from the URL
CONDITION_TEXT = {"above": "above", "below": "below", "change_above": "a change above",
                  "change_below": "a change below", "driver_above": "a driver above"}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    link: str


def page_link(base_url: str, page: str, period: Period, countries: tuple[str, ...] | None, filters: Filters) -> str:
    """The app's URL for the page with the period and filters (the query parameters ui.filters binds)."""
    params: list[tuple[str, str]] = [("range", CUSTOM_RANGE), ("start", period.start.isoformat()),
                                     ("end", period.end.isoformat())]
    params += [("countries", code) for code in countries or ()]
    for key, values in filters.page.items():
        params += [(key, value) for value in values]
    return f"{base_url.rstrip('/')}/{page}?{urlencode(params)}"


def _markets(ev: Evaluation) -> str:
    return ", ".join(ev.countries) if ev.countries else "all markets"


def _comparison_text(ev: Evaluation) -> str:
    metric, rule = ev.metric, ev.rule
    if rule.condition == "off_target":
        status = "off target" if ev.outcome == "met" else "on target"
        return f"{metric.display(ev.value)} against a target of {metric.display(ev.target)} ({status})"
    if rule.condition in ("above", "below"):
        return f"{metric.display(ev.value)} against a threshold: {rule.condition} {metric.display(rule.value)}"
    unit = "%" if rule.change == "percent" else (" pp" if metric.unit == "ratio" else "")
    return f"{metric.display(ev.value)}; the rule checks for {CONDITION_TEXT[rule.condition]} {rule.value:g}{unit}"


def compose(ev: Evaluation, event: str, base_url: str) -> Message:
    """The subject and plain-text body of one notification (event: firing, reminder, resolved)."""
    metric, rule = ev.metric, ev.rule
    word = {"firing": "FIRING", "reminder": "STILL FIRING", "resolved": "RESOLVED"}[event]
    link = page_link(base_url, PAGE_OF_DOMAIN[metric.domain], ev.period, ev.countries, rule.filters)
    subject = f"[{word}] {rule.name}: {metric.label} {metric.display(ev.value)} ({ev.period.label()})"
    lines = [
        f"{rule.name}: {metric.label} ({metric.id})",
        f"Period: {ev.period.label()} (vs {ev.period.previous().label()}), {rule.timezone}",
        f"Markets: {_markets(ev)}",
        *(f"{key.replace('_', ' ').capitalize()}: {', '.join(values)}" for key, values in rule.filters.page.items()),
        "",
        f"Value: {_comparison_text(ev)}",
        f"Change: {metric.change_text(ev.delta)} vs the previous period ({metric.display(ev.previous)})",
        "",
    ]
    if ev.drivers:
        lines.append(f"Top {len(ev.drivers)} drivers of the change:")
        lines += [f"{n}. {d.segment}: {metric.change_text(d.contribution)} "
                  f"({metric.display(d.previous)} -> {metric.display(d.value)})" for n, d in enumerate(ev.drivers, 1)]
    else:
        lines.append("Drivers: no segment explains the change (or the metric has no driver analysis).")
    lines += ["", f"Open the page: {link}"]
    return Message(subject, "\n".join(lines), link)
