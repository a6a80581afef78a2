"""The weekly review: which KPIs moved beyond noise, what drove each, and which did not move.

A KPI moved when its test (`metrics.driver_stats`, fit for its kind) is significant after
Benjamini-Hochberg over every KPI of the review at a false discovery rate of `drivers.ALPHA`, and
it has at least the minimum volume. Moved KPIs are ordered by the size of their relative change.
Each carries the drivers of its best breakdown (`metrics.drivers`) and one sentence built from
templates. The JSON is what `cli.py review` prints; the Markdown is for a document or a chat.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Sequence

import polars as pl

from metrics import registry
from metrics.base import DataAccess, MetricRequest, Period, one_row_per_event
from metrics.page_queries import source_annotations
from metrics.driver_sources import BY_METRIC, DIMENSION_LABELS, DRIVER_DEFS, TABLE_DOMAIN, component_tables
from metrics.driver_stats import benjamini_hochberg
from metrics.drivers import (
    ALPHA,
    MIN_COUNT_VOLUME,
    MIN_VOLUME,
    Driver,
    Frames,
    MetricDrivers,
    analyse,
    explained_share,
    totals,
)
from metrics.registry import MetricDef
from metrics.report import DOMAIN_LABELS, clean_number, request_filters
from metrics.targets import Settings

# annotation domains (sample_data/README.md) per metric domain; a null annotation domain is everywhere
ANNOTATION_DOMAINS: dict[str, str] = {
    "appeals": "appeals", "vendors": "vendor_sla", "mix": "moderation_mix", "creators": "creator_risk",
    "escalations": "escalations",
}
SEGMENT_SEPARATOR = " × "
BROAD_SHARE = 0.25  # below this, the top segment does not explain the change: it is broad


@dataclass(frozen=True)
class ReviewItem:
    metric: MetricDef
    analysis: MetricDrivers
    significant: bool
    sentence: str

    @property
    def drivers(self) -> tuple[Driver, ...]:
        best = self.analysis.best
        return best.drivers if best else ()


@dataclass(frozen=True)
class Review:
    request: MetricRequest
    moved: tuple[ReviewItem, ...]
    stable: tuple[MetricDef, ...]
    stable_values: dict[str, tuple[float | None, float | None]]
    annotations: pl.DataFrame  # day, country_code, domain, text in the review window


def weeks_period(end: dt.date, weeks: int) -> Period:
    """The `weeks` whole weeks ending on `end` (their comparison is the same number of weeks before)."""
    if weeks < 1:
        raise ValueError(f"--weeks must be at least 1, not {weeks}")
    return Period(end - dt.timedelta(days=7 * weeks - 1), end)


def last_complete_week(latest: dt.date) -> Period:
    """The last Monday-Sunday week that ends on or before `latest`."""
    sunday = latest - dt.timedelta(days=(latest.weekday() + 1) % 7)
    return Period(sunday - dt.timedelta(days=6), sunday)


def check_metric_ids(metric_ids: Sequence[str]) -> tuple[str, ...]:
    """The ids, each a metric the review can decompose; ValueError naming the unknown ones."""
    unknown = [m for m in metric_ids if m not in BY_METRIC]
    if unknown:
        raise ValueError(f"unknown metric id(s) {', '.join(unknown)}; use one of {', '.join(BY_METRIC)}")
    return tuple(dict.fromkeys(metric_ids))


def build_review(
    data: DataAccess, request: MetricRequest, settings: Settings, metric_ids: Sequence[str] | None = None
) -> Review:
    """The review of the request's period against its comparison; `metric_ids` reports only those."""
    chosen = check_metric_ids(metric_ids) if metric_ids else tuple(d.metric_id for d in DRIVER_DEFS)
    domains = tuple(dict.fromkeys(TABLE_DOMAIN[BY_METRIC[m].table] for m in chosen))
    tables = component_tables(data, request, settings, domains)
    frames: Frames = {}
    kpi_totals = {m: totals(BY_METRIC[m], tables[BY_METRIC[m].table], frames) for m in chosen}
    tested = [None if _too_small(m, t) else t.p_value for m, t in kpi_totals.items()]
    adjusted = dict(zip(kpi_totals, benjamini_hochberg(tested)))
    significant = {m: q is not None and q <= ALPHA for m, q in adjusted.items()}
    reported = chosen if metric_ids else tuple(m for m in chosen if significant[m])
    items = [_item(m, analyse(BY_METRIC[m], tables[BY_METRIC[m].table], frames=frames), significant[m])
             for m in reported]
    items.sort(key=lambda item: -_relative_change(item.analysis))
    stable = tuple(registry.get(m) for m in chosen if m not in reported)
    values = {m.id: (kpi_totals[m.id].value, kpi_totals[m.id].previous) for m in stable}
    return Review(request, tuple(items), stable, values, review_annotations(data, request))


def _too_small(metric_id: str, total: Any) -> bool:
    minimum = MIN_COUNT_VOLUME if BY_METRIC[metric_id].kind == "count" else MIN_VOLUME
    return max(total.volume, total.previous_volume) < minimum


def _relative_change(analysis: MetricDrivers) -> float:
    delta, previous = analysis.totals.delta, analysis.totals.previous
    if delta is None:
        return -1.0
    return math.inf if not previous else abs(delta / previous)


def review_annotations(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """Annotations dated in the comparison period or the period, in the request's markets."""
    frame = source_annotations(data, request)
    window = request.window
    return frame.filter(pl.col("day").is_between(window.start, window.end)).select(
        "day", "country_code", "domain", "text"
    ).sort("day", "text", "country_code").pipe(one_row_per_event)


def annotations_for(review: Review, metric: MetricDef) -> list[dict[str, Any]]:
    """The review's annotations of the metric's domain (or of every domain)."""
    domain = ANNOTATION_DOMAINS.get(metric.domain)
    rows = review.annotations.filter(pl.col("domain").is_null() | (pl.col("domain") == domain))
    return rows.to_dicts()


# ---- sentences ---------------------------------------------------------------------------------


def segment_label(driver: Driver) -> str:
    return SEGMENT_SEPARATOR.join("(none)" if v is None else v for v in driver.dimensions.values())




def _lower_first(label: str) -> str:
    """'Overturn rate' -> 'overturn rate', but 'LLM share' stays."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def kpi_sentence(metric: MetricDef, analysis: MetricDrivers, significant: bool) -> str:
    """'Overturn rate rose from 20.1 % to 24.3 % (+4.2 pp). DE × counterfeit explains 71 % ...'"""
    total = analysis.totals
    if total.value is None or total.previous is None:
        return f"{metric.label} has no value in {'the period' if total.value is None else 'the comparison period'}."
    delta = total.delta or 0.0
    verb = "rose" if delta > 0 else "fell" if delta < 0 else "was unchanged"
    opening = f"{metric.label} {verb} from {metric.display(total.previous)} to {metric.display(total.value)}"
    opening += f" ({metric.change_text(delta)})." if delta else "."
    if not significant:
        opening += " The change is within noise."
    best = analysis.best
    if not delta or best is None or not best.drivers:
        return opening
    top = best.drivers[0]
    noun = "rise" if delta > 0 else "fall"
    share = explained_share(best.drivers, delta)
    label = segment_label(top)
    definition = analysis.definition
    if share < BROAD_SHARE:
        return opening + (f" The {noun} is broad: no segment explains more than {_percent(BROAD_SHARE)} of it"
                          f" (the largest, {label}, {_percent(share)}).")
    if definition.kind == "count":
        detail = (f" {label} explains {_percent(share)} of the {noun}: from {metric.display(top.previous)} "
                  f"to {metric.display(top.value)}.")
    elif definition.kind == "percentile":
        detail = (f" {label} alone moved it by {metric.change_text(top.contribution)}: its "
                  f"{metric.label} went from {metric.display(top.previous)} to {metric.display(top.value)} on "
                  f"{top.volume:,.0f} {definition.volume_noun}.")
    elif top.mix_effect is not None and top.rate_effect is not None and abs(top.mix_effect) > abs(top.rate_effect):
        before = top.previous_volume / total.previous_volume if total.previous_volume else 0.0
        after = top.volume / total.volume if total.volume else 0.0
        detail = (f" {label} explains {_percent(share)} of the {noun}, mostly through mix: its share of the "
                  f"{definition.volume_noun} went from {before:.1%} to {after:.1%} (its {_lower_first(metric.label)} "
                  f"{metric.display(top.previous)} → {metric.display(top.value)}).")
    else:
        detail = (f" {label} explains {_percent(share)} of the {noun}: its {_lower_first(metric.label)}"
                  f" went from {metric.display(top.previous)} to {metric.display(top.value)} on {top.volume:,.0f} "
                  f"{definition.volume_noun}.")
    if not top.significant:
        detail += " That segment's own change is within noise."
    if definition.kind == "ratio" and analysis.mix_effect is not None:
        detail += f" Mix explains {metric.change_text(analysis.mix_effect)}."
    return opening + detail


def _item(metric_id: str, analysis: MetricDrivers, significant: bool) -> ReviewItem:
    metric = registry.get(metric_id)
    return ReviewItem(metric, analysis, significant, kpi_sentence(metric, analysis, significant))


# ---- outputs -----------------------------------------------------------------------------------


def driver_json(driver: Driver) -> dict[str, Any]:
    return {
        "dimensions": dict(driver.dimensions),
        "contribution": clean_number(driver.contribution),
        "rate_effect": clean_number(driver.rate_effect),
        "mix_effect": clean_number(driver.mix_effect),
        "value": clean_number(driver.value),
        "previous": clean_number(driver.previous),
        "volume": clean_number(driver.volume),
        "previous_volume": clean_number(driver.previous_volume),
        "significant": driver.significant,
    }


def review_json(review: Review) -> dict[str, Any]:
    request = review.request
    return {
        "period": {"start": request.period.start.isoformat(), "end": request.period.end.isoformat()},
        "comparison": {"start": request.comparison.start.isoformat(), "end": request.comparison.end.isoformat()},
        "filters": request_filters(request),
        "moved": [
            {
                "metric": item.metric.id,
                "label": item.metric.label,
                "value": clean_number(item.analysis.totals.value),
                "previous": clean_number(item.analysis.totals.previous),
                "delta": clean_number(item.analysis.totals.delta),
                "significant": item.significant,
                "p_value": clean_number(item.analysis.totals.p_value),
                "sentence": item.sentence,
                "drivers": [driver_json(d) for d in item.drivers],
            }
            for item in review.moved
        ],
        "stable": [m.id for m in review.stable],
    }


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def review_markdown(review: Review) -> str:
    request = review.request
    lines = [
        f"# Weekly review: {request.period.label()} vs {request.comparison.label()}",
        "",
        f"Markets: {', '.join(request.countries) if request.countries else 'all in scope'}. "
        f"Moved = significant after Benjamini-Hochberg over the KPIs (false discovery rate {ALPHA:.0%}).",
        "",
        "## What moved",
        "",
    ]
    if not review.moved:
        lines += ["No KPI moved beyond noise.", ""]
    for item in review.moved:
        metric = item.metric
        total = item.analysis.totals
        lines += [f"### {metric.label}: {metric.display(total.previous)} → {metric.display(total.value)} "
                  f"({metric.change_text(total.delta)})", "", item.sentence, ""]
        events = annotations_for(review, metric)
        if events:
            lines += ["Events: " + "; ".join(f"{e['day']:%d %b} {e['text']}" for e in events), ""]
        if item.drivers:
            best = item.analysis.best
            assert best is not None
            header = " × ".join(DIMENSION_LABELS.get(d, d) for d in best.dimensions)
            lines += [f"| {header} | contribution | rate effect | mix effect | previous | value | volume | significant |",
                      "|---|---:|---:|---:|---:|---:|---:|---|"]
            for d in item.drivers[:5]:
                cells = [_md_cell(segment_label(d)), metric.change_text(d.contribution),
                         metric.change_text(d.rate_effect) if d.rate_effect is not None else "",
                         metric.change_text(d.mix_effect) if d.mix_effect is not None else "",
                         metric.display(d.previous), metric.display(d.value),
                         f"{d.previous_volume:,.0f} → {d.volume:,.0f}",
                         "yes" if d.significant else ("small" if d.small else "no")]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    lines += ["## Did not move", ""]
    for metric in review.stable:
        value, previous = review.stable_values[metric.id]
        untested = " (not tested: a sum of amounts)" if BY_METRIC[metric.id].test == "none" else ""
        lines.append(f"- {DOMAIN_LABELS[metric.domain]} · {metric.label}: {metric.display(previous)} → "
                     f"{metric.display(value)}{untested}")
    return "\n".join(lines).rstrip() + "\n"
