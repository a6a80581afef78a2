"""Evaluate one alert rule for one recipient, within the recipient's scope.

The metric value comes from the domain's `kpis` (the numbers the KPI cards and `cli.py metrics`
show) and the drivers from the weekly review's driver analysis; nothing here recomputes a metric.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from alerts.periods import last_complete, period_key
from alerts.rules import AlertRule, Filters
from alerts.states import Outcome
from connectors.scope import Scope
from connectors.source import ScopedAccess, Source
from metrics import registry
from metrics.base import KpiValue, MetricRequest, Period, region_codes
from metrics.driver_sources import BY_METRIC
from metrics.registry import MetricDef
from metrics.report import DOMAINS
from metrics.review import build_review, segment_label
from metrics.targets import Settings

TOP_DRIVERS = 3
DOMAIN_MODULES = {module.__name__.rsplit(".", 1)[-1]: module for module in DOMAINS}
PAGE_OF_DOMAIN = {"appeals": "appeals", "vendors": "vendors", "mix": "vendors", "creators": "creators",
                  "escalations": "escalations"}
REQUEST_FIELDS = {"policy": "policies", "channel": "channels", "priority": "priorities"}


class OutOfScope(ValueError):
    """The rule's markets and the recipient's scope do not overlap."""


@dataclass(frozen=True)
class DriverLine:
    segment: str
    contribution: float
    value: float | None
    previous: float | None

    def as_json(self) -> dict[str, Any]:
        return {"segment": self.segment, "contribution": self.contribution, "value": self.value,
                "previous": self.previous}


@dataclass(frozen=True)
class Evaluation:
    rule: AlertRule
    recipient: str
    period: Period
    period_key: str
    outcome: Outcome
    countries: tuple[str, ...] | None  # the markets evaluated (None = every market; admin scope)
    value: float | None = None
    previous: float | None = None
    target: float | None = None
    drivers: tuple[DriverLine, ...] = ()
    error: str = ""
    request: MetricRequest | None = field(default=None, repr=False)

    @property
    def metric(self) -> MetricDef:
        return registry.get(self.rule.metric)

    @property
    def delta(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def threshold(self) -> float | None:
        """What the value is compared with: the target (off_target) or the rule's value."""
        return self.target if self.rule.condition == "off_target" else self.rule.value


def markets_for(filters: Filters, scope: Scope, data: ScopedAccess) -> tuple[str, ...] | None:
    """The rule's markets (or region) within the scope; None = every market (an unrestricted scope)."""
    asked = filters.countries or (region_codes(data, filters.region) if filters.region else None)
    if scope.countries is None:
        return asked
    chosen = tuple(sorted(set(asked if asked is not None else scope.countries) & scope.countries))
    if not chosen:
        raise OutOfScope("none of the rule's markets is in the recipient's scope")
    return chosen


def request_for(filters: Filters, period: Period, countries: tuple[str, ...] | None) -> MetricRequest:
    extra: dict[str, Any] = {REQUEST_FIELDS[k]: v for k, v in filters.page.items() if k in REQUEST_FIELDS}
    if "vendor_site" in filters.page:
        pairs = tuple(tuple(v.split(" / ", 1)) for v in filters.page["vendor_site"])
        extra.update(vendors=tuple(dict.fromkeys(p[0] for p in pairs)), sites=tuple(dict.fromkeys(p[1] for p in pairs)),
                     vendor_sites=pairs)
    return MetricRequest(period=period, countries=countries, **extra)


def kpi_of(metric_id: str, data: ScopedAccess, request: MetricRequest, settings: Settings) -> KpiValue:
    domain = DOMAIN_MODULES[metric_id.split(".", 1)[0]]
    return next(k for k in domain.kpis(data, request, settings) if k.metric.id == metric_id)


def top_drivers(metric_id: str, data: ScopedAccess, request: MetricRequest, settings: Settings) -> tuple[DriverLine, ...]:
    """The three largest segments of the best breakdown of the weekly review's driver analysis."""
    if metric_id not in BY_METRIC:
        return ()
    review = build_review(data, request, settings, [metric_id])
    if not review.moved:
        return ()
    return tuple(DriverLine(segment_label(d), d.contribution, d.value, d.previous)
                 for d in review.moved[0].drivers[:TOP_DRIVERS])


def change_size(rule: AlertRule, metric: MetricDef, delta: float, previous: float) -> float | None:
    """The change in the rule's unit: points (percentage points for ratios) or percent of the previous."""
    if rule.change == "percent":
        return None if previous == 0 else delta / abs(previous) * 100
    return delta * 100 if metric.unit == "ratio" else delta


def condition_met(ev: Evaluation) -> Outcome:
    rule, metric = ev.rule, ev.metric
    if ev.value is None:
        return "no_data"
    if rule.condition == "off_target":
        if ev.target is None:
            return "no_data"
        return "met" if (ev.value < ev.target if metric.direction == "up" else ev.value > ev.target) else "not_met"
    limit = float(rule.value or 0.0)
    if rule.condition == "above":
        return "met" if ev.value > limit else "not_met"
    if rule.condition == "below":
        return "met" if ev.value < limit else "not_met"
    if rule.condition == "driver_above":
        sizes = [abs(change_size(rule, metric, d.contribution, d.previous or 0.0) or 0.0) for d in ev.drivers]
        return "met" if any(size > limit for size in sizes) else "not_met"
    if ev.delta is None or ev.previous is None:
        return "no_data"
    size = change_size(rule, metric, ev.delta, ev.previous)
    if size is None:
        return "no_data"
    return "met" if (size > limit if rule.condition == "change_above" else size < limit) else "not_met"


def evaluate(rule: AlertRule, recipient: str, scope: Scope, source: Source, settings: Settings,
             now: dt.datetime) -> Evaluation:
    """The rule's metric for its last complete period, within the recipient's scope; never raises."""
    period = last_complete(rule.period, rule.timezone, now)
    base = Evaluation(rule, recipient, period, period_key(rule.period, period), "error", None)
    if scope.is_empty:
        return _with(base, error=f"the user '{recipient}' has no markets in scope")
    data = ScopedAccess(source, scope)
    try:
        countries = markets_for(rule.filters, scope, data)
        request = request_for(rule.filters, period, countries)
        kpi = kpi_of(rule.metric, data, request, settings)
        drivers = top_drivers(rule.metric, data, request, settings) if kpi.value is not None else ()
    except OutOfScope as error:
        return _with(base, error=f"{error} ('{recipient}')")
    except Exception as error:  # noqa: BLE001 - recorded as the rule's error state; the other rules still run
        return _with(base, error=f"{type(error).__name__}: {error}")
    evaluated = _with(base, countries=countries, value=kpi.value, previous=kpi.previous, target=kpi.target,
                      drivers=drivers, request=request, outcome="no_data")
    return _with(evaluated, outcome=condition_met(evaluated))


def _with(ev: Evaluation, **changes: Any) -> Evaluation:
    return replace(ev, **changes)
