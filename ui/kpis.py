"""KPI cards: value, delta against the comparison period, target status as colour, sparkline."""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, Sequence

import polars as pl
import streamlit as st

from metrics.base import KpiValue, Period
from metrics.registry import MetricDef
from metrics.report import DOMAIN_LABELS
from ui.context import ReportKpi, current_report

STATUS_COLORS: dict[str, str] = {
    "on_target": "#1e8e3e",
    "off_target": "#d93025",
    "no_target": "#9aa0a6",
    "no_data": "#9aa0a6",
}
STATUS_LABELS: dict[str, str] = {
    "on_target": "On target",
    "off_target": "Off target",
    "no_target": "No target",
    "no_data": "No data",
}
# Streamlit markdown badge colours for the status line under a card.
STATUS_BADGES: dict[str, str] = {
    "on_target": "green",
    "off_target": "red",
    "no_target": "gray",
    "no_data": "gray",
}
# Light cell backgrounds for tables coloured by target status.
STATUS_FILLS: dict[str, str] = {
    "on_target": "#e6f4ea",
    "off_target": "#fce8e6",
    "no_target": "",
    "no_data": "",
}


def delta_color(metric: MetricDef) -> str:
    """st.metric delta_color: green when the change is good for this metric's direction."""
    return {"up": "normal", "down": "inverse"}.get(metric.direction, "off")


def as_of_text(as_of: dt.datetime | None) -> str:
    """'15 Nov 2026 23:51 UTC': the data's "as of" time as the footer and the PDF print it."""
    return f"{format_day(as_of)} {as_of:%H:%M} UTC" if as_of else "unknown"


def format_day(day: dt.date | dt.datetime) -> str:
    """3 Nov 2026."""
    return f"{day.day} {day:%b %Y}"


def short_period(period: Period, with_year: bool = False) -> str:
    """3-9 Nov, 27 Oct - 2 Nov, or 3-9 Nov 2026 with the year."""
    year = f" {period.end.year}" if with_year else ""
    start, end = period.start, period.end
    if start == end:
        return f"{end.day} {end:%b}{year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}-{end.day} {end:%b}{year}"
    start_year = f" {start.year}" if with_year and start.year != end.year else ""
    return f"{start.day} {start:%b}{start_year} - {end.day} {end:%b}{year}"


def comparison_label(period: Period) -> str:
    """'vs 3-9 Nov': the comparison period (the preceding period of equal length)."""
    previous = period.previous()
    return f"vs {short_period(previous, with_year=previous.end.year != period.end.year)}"


def _signed(text: str, negative: bool) -> str:
    return ("-" if negative else "+") + text


UNCHANGED = "±"  # prefix of a change that rounds to nothing: shown grey, without an arrow


def format_delta(metric: MetricDef, value: float | None, previous: float | None) -> str | None:
    """The change as st.metric shows it: '+1.2 pp' for ratios, '+12 (+5.0%)' for counts and dollars, else in
    the unit.

    Returns None without a comparison, and '±0.0 pp' (or '±0 s', ...) when the change rounds to nothing.
    """
    if value is None or previous is None:
        return None
    delta = value - previous
    if metric.unit == "ratio":
        points = delta * 100
        if round(points, 1) == 0:
            return f"{UNCHANGED}0.0 pp"
        return _signed(f"{abs(points):.1f} pp", points < 0)
    shown = metric.display(abs(delta))
    if metric.unit == "hours" and metric.format is None and max(abs(value), abs(previous)) >= 1:
        shown = f"{abs(delta):,.1f} h"  # in the values' own unit: a 36 s change of a 62 h TAT is ±0.0 h
    if re.fullmatch(r"[$]?0(\.0+)?( \w+)?", shown):
        return UNCHANGED + shown
    text = _signed(shown, delta < 0)
    if metric.unit in ("count", "usd") and previous:  # "+$1.2M" alone does not say whether that is much
        text += f" ({delta / previous:+.1%})"
    return text


def target_text(metric: MetricDef, target: float | None) -> str:
    """'Target ≥ 90.0%' (up is good) or 'Target ≤ 15.0%' (down is good); '' without a target."""
    if target is None or metric.direction == "neutral":
        return ""
    sign = "≥" if metric.direction == "up" else "≤"
    return f"Target {sign} {metric.display(target)}"


def status_line(kpi: KpiValue) -> str:
    """Markdown under a card: a coloured status badge and the target."""
    status = kpi.status
    badge = f":{STATUS_BADGES[status]}-badge[{STATUS_LABELS[status]}]"
    target = target_text(kpi.metric, kpi.target)
    if target and kpi.target_source:
        target += f" · {kpi.target_source}"
    return f"{badge} {target}" if target else badge


def css_key(*parts: str) -> str:
    """A widget/container key that is also a valid CSS class suffix."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(parts))


def sparkline(trend: pl.DataFrame | None, metric_id: str) -> list[float] | None:
    """The metric's values over the trend window, oldest first, without gaps; None when < 2 points."""
    if trend is None or trend.is_empty():
        return None
    values = (
        trend.filter(pl.col("metric_id") == metric_id)
        .sort("date")
        .get_column("value")
        .drop_nulls()
        .to_list()
    )
    return values if len(values) >= 2 else None


def has_data(kpis: Iterable[KpiValue]) -> bool:
    """True when the period has activity: a non-zero activity metric (MetricDef.activity: events or open
    items, so stock metrics such as active creators do not count), else any non-zero KPI."""
    values = list(kpis)
    activity = [k for k in values if k.metric.activity]
    return any(k.value not in (None, 0) for k in (activity or values))


def record_kpi(kpi: KpiValue, period: Period, delta: str | None) -> None:
    """Add the card, as shown, to this run's PDF report."""
    report = current_report()
    if report is None:
        return
    metric = kpi.metric
    report.kpis.append(ReportKpi(
        program=DOMAIN_LABELS.get(metric.domain, metric.domain),
        label=metric.label,
        value=metric.display(kpi.value),
        change=f"{delta} {comparison_label(period)}" if delta else "",
        target=target_text(metric, kpi.target),
        status=kpi.status,
    ))


def kpi_card(kpi: KpiValue, period: Period, spark: Sequence[float] | None = None, key: str = "") -> None:
    """One card: st.metric with delta and sparkline, a coloured left border and the status badge."""
    metric = kpi.metric
    delta = format_delta(metric, kpi.value, kpi.previous)
    unchanged = delta is not None and delta.startswith(UNCHANGED)
    record_kpi(kpi, period, delta)
    with st.container(border=True, key=css_key("kpi", kpi.status, key or metric.id)):
        st.metric(
            metric.label,
            metric.display(kpi.value),
            delta=delta,
            delta_color="off" if unchanged else delta_color(metric),
            delta_arrow="off" if unchanged else "auto",
            delta_description=comparison_label(period) if delta is not None else None,
            help=metric.definition,
            chart_data=spark,
            chart_type="line",
        )
        st.markdown(status_line(kpi))


def chosen_kpis(kpis: Sequence[KpiValue], ids: Sequence[str]) -> list[KpiValue]:
    """The KPIs named by `ids`, in that order; ids without a KPI are skipped."""
    by_id = {k.metric.id: k for k in kpis}
    return [by_id[i] for i in ids if i in by_id]


def kpi_row(
    kpis: Sequence[KpiValue],
    ids: Sequence[str],
    period: Period,
    trend: pl.DataFrame | None = None,
    key: str = "",
) -> None:
    """The KPIs named by `ids` (in that order) side by side."""
    chosen = chosen_kpis(kpis, ids)
    if not chosen:
        return
    columns = st.columns(len(chosen))
    for column, kpi in zip(columns, chosen):
        with column:
            kpi_card(kpi, period, sparkline(trend, kpi.metric.id), key=f"{key}-{kpi.metric.id}")


def kpi_stack(
    kpis: Sequence[KpiValue],
    ids: Sequence[str],
    period: Period,
    trend: pl.DataFrame | None = None,
    key: str = "",
) -> None:
    """The KPIs named by `ids` stacked vertically (one program column of the overview)."""
    for kpi in chosen_kpis(kpis, ids):
        kpi_card(kpi, period, sparkline(trend, kpi.metric.id), key=f"{key}-{kpi.metric.id}")
