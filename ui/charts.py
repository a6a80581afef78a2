"""Altair chart builders for metrics (pure: frame in, chart out) and show_chart, which renders one.

Every chart that shows a metric carries its target as a dashed red rule; trend charts shade the
comparison period and draw the `annotations` events as vertical rules with tooltips; breakdown
bars carry a point selection (`SELECTION`) so that clicking a bar filters the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping, Sequence

import altair as alt
import polars as pl
import streamlit as st

import data as app_data
from connectors.scope import Scope
from metrics.base import DataAccess, Grain, MetricRequest, one_row_per_event, target_status
from metrics.page_queries import source_annotations
from metrics.registry import MetricDef
from metrics.vendors import SITE_SEPARATOR
from metrics.targets import Settings
from state.store import StateUnavailable
from ui import exports
from ui.context import PageContext
from ui.kpis import STATUS_COLORS, STATUS_LABELS, format_day

SELECTION = "pick"
PRIMARY = "#2F5EA8"
TARGET_COLOR = "#d93025"
EVENT_COLOR = "#e8710a"
PREVIOUS_COLOR = "#202124"
BAND_COLOR = "#eef1f6"

CHANNEL_SCALE = alt.Scale(domain=["algo", "llm", "human"], range=["#2F5EA8", "#7baaf7", "#f29900"])
TIER_SCALE = alt.Scale(domain=["low", "medium", "high", "critical"],
                       range=["#9aa0a6", "#fbbc04", "#e8710a", "#d93025"])

# Which annotation domains each page draws (a null domain is drawn everywhere).
PAGE_EVENT_DOMAINS: dict[str, tuple[str, ...]] = {
    "appeals": ("appeals",),
    "vendors": ("vendor_sla", "moderation_mix", "vendors", "mix"),
    "creators": ("creator_risk", "creators"),
    "escalations": ("escalations",),
}


# ---- data helpers -----------------------------------------------------------------------------


def annotations(data: DataAccess, request: MetricRequest, domains: Sequence[str]) -> pl.DataFrame:
    """Events in the request window for these domains and the chosen markets: day, text, country_code."""
    window = request.window
    columns = ("day", "country_code", "domain", "text")
    source = source_annotations(data, request)
    frame = pl.concat([source.select(pl.col("day").cast(pl.Date), *columns[1:]).cast({c: pl.String for c in columns[1:]}),
                       _team_annotations(data, window.start, window.end, request.countries)])
    return (
        frame.filter(
            pl.col("day").is_between(window.start, window.end),
            pl.col("domain").is_null() | pl.col("domain").is_in(list(domains)),
        )
        .select("day", "text", "country_code")
        .pipe(one_row_per_event)
        .sort("day")
    )


def _team_annotations(data: DataAccess, start: dt.date, end: dt.date,
                      countries: tuple[str, ...] | None) -> pl.DataFrame:
    """The team's annotations (state database) in the access's scope; none outside the app frame
    (an access without a user scope) or while the state database is unavailable (said once)."""
    empty = pl.DataFrame(schema={"day": pl.Date, "country_code": pl.String, "domain": pl.String, "text": pl.String})
    scope = getattr(data, "scope", None)
    if not isinstance(scope, Scope):
        return empty
    try:
        return app_data.team_annotations(scope, start, end, countries)
    except StateUnavailable as error:
        st.caption(f"Team annotations are not shown: {error}")
        return empty


NARROW_SPANS: dict[str, tuple[float, str]] = {"ratio": (0.05, ".1%"), "hours": (5.0, ",.1f")}


def value_axis(metric: MetricDef, span: float | None = None, **kwargs: Any) -> alt.Axis:
    """The value axis of a metric: its unit's format (one more decimal when the values span little,
    so 95.2% and 95.8% do not both read 95%); whole-number ticks for counts."""
    if metric.unit == "count":
        kwargs.setdefault("tickMinStep", 1)
    number_format = metric.unit_format.axis
    narrow = NARROW_SPANS.get(metric.unit)
    if narrow is not None and span is not None and span < narrow[0]:
        number_format = narrow[1]
    return alt.Axis(format=number_format, **kwargs)


def value_span(values: pl.Series, *extra: float | None) -> float | None:
    """Max minus min of the plotted values and any extra values (a target line); None when empty."""
    numbers = [v for v in [*values.drop_nulls().to_list(), *extra] if v is not None]
    return max(numbers) - min(numbers) if numbers else None


def value_axis_format(number_format: str) -> alt.Axis:
    """An axis in a d3 number format; whole-number ticks for integer formats."""
    return alt.Axis(format=number_format, tickMinStep=1 if number_format == ",.0f" else alt.Undefined)


def target_label(metric: MetricDef, target: float) -> str:
    return f"Target {metric.display(target)}"


def day_labels(column: str, name: str = "day_label") -> pl.Expr:
    """'3 Nov 2026' for a date column, vectorised."""
    return pl.format("{} {}", pl.col(column).dt.day(), pl.col(column).dt.strftime("%b %Y")).alias(name)


def value_format(metric: MetricDef) -> str:
    return metric.unit_format.tooltip


def axis_title(metric: MetricDef) -> str:
    unit = metric.unit_format.axis_title
    return f"{metric.label} ({unit})" if unit and unit not in metric.label.lower() else metric.label


def row_target(settings: Settings, metric: MetricDef, dimension: str, key: str | None) -> float | None:
    """The target that applies to one breakdown key (a market's or a vendor site's own target first)."""
    if key is None:
        return settings.target(metric)
    if dimension == "country_code":
        return settings.target(metric, country=key)
    if dimension == "vendor_site":
        site = settings.target(metric, site=key.replace(SITE_SEPARATOR, "/"))
        return site if site != settings.target(metric) else settings.target(metric, site=key)
    return settings.target(metric)


def selected_values(state: Any, dimension: str) -> list[str]:
    """The keys picked in a breakdown chart's selection state (st.altair_chart event or session state)."""
    if not state:
        return []
    try:
        rows = state["selection"][SELECTION]
    except (KeyError, TypeError):
        return []
    if isinstance(rows, Mapping):
        values = rows.get(dimension)
        rows = [{dimension: v} for v in (values if isinstance(values, list) else [values])] if values else []
    picked = [
        str(row[dimension])
        for row in rows or []
        if isinstance(row, Mapping) and row.get(dimension) is not None
    ]
    return list(dict.fromkeys(picked))


# ---- chart builders (pure) ---------------------------------------------------------------------


def _utc_x(field: str, title: str | None = None, grain: Grain = "day") -> alt.X:
    return alt.X(
        f"{field}:T",
        title=title,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%-d %b", labelAngle=0, grid=False, tickCount=grain),
    )


def trend_chart(
    trend: pl.DataFrame,
    metric: MetricDef,
    target: float | None,
    request: MetricRequest,
    events: pl.DataFrame | None = None,
    grain: Grain = "day",
    height: int = 300,
) -> alt.LayerChart:
    """The metric over the window: comparison period shaded, target rule, annotation events."""
    points = (
        # sampled metrics (creator risk snapshots) leave nulls between points; the line joins them
        trend.filter((pl.col("metric_id") == metric.id) & pl.col("value").is_not_null())
        .select("date", "value")
        .sort("date")
        .with_columns(
            pl.when(pl.col("date") >= request.period.start).then(pl.lit("This period"))
            .otherwise(pl.lit("Comparison")).alias("period"),
            day_labels("date"),
        )
    )
    fmt = value_format(metric)
    half = dt.timedelta(hours=12) if grain == "day" else dt.timedelta(days=3, hours=12)
    comparison = request.comparison
    band_frame = pl.DataFrame({
        "start": [dt.datetime.combine(comparison.start, dt.time()) - half],
        "end": [dt.datetime.combine(request.period.start, dt.time()) - half],
        "label": [f"Comparison {format_day(comparison.start)} - {format_day(comparison.end)}"],
    })
    band = alt.Chart(band_frame).mark_rect(color=BAND_COLOR).encode(
        x=alt.X("start:T", scale=alt.Scale(type="utc")),
        x2=alt.X2("end:T"),
        tooltip=alt.Tooltip("label:N", title="Shaded"),
    )
    band_label = alt.Chart(band_frame).mark_text(
        align="left", baseline="top", dx=4, dy=4, color="#5f6368", fontSize=11
    ).encode(
        x=alt.X("start:T", scale=alt.Scale(type="utc")),
        y=alt.YValue(0),
        text=alt.TextValue("comparison period"),
    )
    zero_based = metric.unit_format.zero_based
    y = alt.Y(
        "value:Q",
        title=axis_title(metric),
        axis=value_axis(metric, span=None if zero_based else value_span(points["value"], target)),
        scale=alt.Scale(zero=zero_based),
    )
    line = alt.Chart(points).mark_line(color=PRIMARY, strokeWidth=2).encode(
        x=_utc_x("date", grain=grain), y=y
    )
    dots = alt.Chart(points).mark_point(color=PRIMARY, filled=True, size=36).encode(
        x=_utc_x("date", grain=grain),
        y=alt.Y("value:Q"),
        tooltip=[
            alt.Tooltip("day_label:N", title="Week of" if grain == "week" else "Day"),
            alt.Tooltip("value:Q", title=metric.label, format=fmt),
            alt.Tooltip("period:N", title="Period"),
        ],
    )
    layers: list[alt.Chart] = [band, band_label, line, dots]
    if target is not None:
        target_frame = pl.DataFrame({"target": [float(target)], "label": [target_label(metric, target)]})
        layers.append(
            alt.Chart(target_frame).mark_rule(color=TARGET_COLOR, strokeDash=[6, 4], strokeWidth=1.5).encode(
                y=alt.Y("target:Q"), tooltip=alt.Tooltip("label:N", title="Target")
            )
        )
        layers.append(
            alt.Chart(target_frame).mark_text(
                align="right", baseline="bottom", dy=-3, color=TARGET_COLOR, fontSize=11
            ).encode(y=alt.Y("target:Q"), x=alt.XValue("width"), text=alt.Text("label:N"))
        )
    if events is not None and not events.is_empty():
        marks = events.with_columns(
            day_labels("day"),
            pl.col("country_code").fill_null("All markets").alias("where"),
        )
        x = alt.X("day:T", scale=alt.Scale(type="utc"))
        tooltip = [
            alt.Tooltip("day_label:N", title="Event"),
            alt.Tooltip("text:N", title="What happened"),
            alt.Tooltip("where:N", title="Markets"),
        ]
        layers.append(alt.Chart(marks).mark_rule(color=EVENT_COLOR, strokeWidth=2, strokeDash=[2, 2]).encode(
            x=x, tooltip=tooltip
        ))
        layers.append(alt.Chart(marks).mark_point(
            color=EVENT_COLOR, filled=True, shape="triangle-down", size=120, opacity=1
        ).encode(x=x, y=alt.YValue(6), tooltip=tooltip))
    return alt.layer(*layers).properties(height=height)


def breakdown_frame(
    frame: pl.DataFrame, dimension: str, metric: MetricDef, settings: Settings, limit: int = 25
) -> pl.DataFrame:
    """key, value, previous, target, status, labels: one row per key with a value, largest first."""
    previous = f"{metric.id}.previous"
    rows = frame.select(
        pl.col(dimension).cast(pl.String).fill_null("(not set)").alias(dimension),
        pl.col(metric.id).cast(pl.Float64).alias("value"),
        (pl.col(previous) if previous in frame.columns else pl.lit(None)).cast(pl.Float64).alias("previous"),
    ).filter(pl.col("value").is_not_null())
    rows = rows.sort("value", dimension, descending=[True, False], nulls_last=True).head(limit)
    targets = [row_target(settings, metric, dimension, key) for key in rows[dimension].to_list()]
    statuses = [target_status(metric, v, t) for v, t in zip(rows["value"].to_list(), targets)]
    return rows.with_columns(
        pl.Series("target", targets, dtype=pl.Float64),
        pl.Series("status", [STATUS_LABELS[s] for s in statuses], dtype=pl.String),
        pl.Series("value_label", [metric.display(v) for v in rows["value"].to_list()], dtype=pl.String),
        pl.Series("previous_label", [metric.display(v) for v in rows["previous"].to_list()], dtype=pl.String),
    ).with_columns(axis_label=pl.format("{}  ·  {}", pl.col(dimension), pl.col("value_label")))


def status_color_encoding(statuses: Sequence[str]) -> alt.Color:
    """Bar colour by target status; the legend offers only the statuses shown, none when no bar has a
    target (a metric without a target is never "On target" or "Off target")."""
    order = [s for s in ("on_target", "off_target", "no_target", "no_data") if STATUS_LABELS[s] in statuses]
    scale = alt.Scale(domain=[STATUS_LABELS[s] for s in order], range=[STATUS_COLORS[s] for s in order])
    judged = any(s in ("on_target", "off_target") for s in order)
    legend = alt.Legend(title=None, orient="bottom") if judged else None
    return alt.Color("status:N", scale=scale, legend=legend)


def breakdown_chart(
    rows: pl.DataFrame, dimension: str, dimension_label: str, metric: MetricDef
) -> alt.LayerChart:
    """Horizontal bars per key coloured by target status, a tick for the comparison, the target rule,
    and a point selection on the key (click a bar to filter)."""
    pick = alt.selection_point(name=SELECTION, fields=[dimension], on="click", clear="dblclick")
    order = rows["axis_label"].to_list()
    y = alt.Y("axis_label:N", title=None, sort=order, axis=alt.Axis(labelLimit=220, labelOverlap=False))
    fmt = value_format(metric)
    tooltip = [
        alt.Tooltip(f"{dimension}:N", title=dimension_label),
        alt.Tooltip("value_label:N", title=metric.label),
        alt.Tooltip("previous_label:N", title="Comparison period"),
        alt.Tooltip("status:N", title="Target status"),
    ]
    bars = alt.Chart(rows).mark_bar(cursor="pointer", cornerRadiusEnd=2).encode(
        y=y,
        x=alt.X("value:Q", title=axis_title(metric), axis=value_axis(metric)),
        color=status_color_encoding(rows["status"].to_list()),
        opacity=alt.OpacityValue(0.35, condition={"param": SELECTION, "value": 1.0}),
        tooltip=tooltip,
    ).add_params(pick)
    ticks = alt.Chart(rows).mark_tick(color=PREVIOUS_COLOR, thickness=2, size=14).encode(
        y=y, x=alt.X("previous:Q"), tooltip=tooltip
    )
    layers: list[alt.Chart] = [bars, ticks]
    targets = rows["target"].drop_nulls().unique()
    if targets.len() == 1:
        target = float(targets[0])
        layers.append(alt.Chart(pl.DataFrame({"target": [target], "label": [target_label(metric, target)]}))
                      .mark_rule(color=TARGET_COLOR, strokeDash=[6, 4], strokeWidth=1.5)
                      .encode(x=alt.X("target:Q"), tooltip=alt.Tooltip("label:N", title="Target")))
    elif targets.len() > 1:
        layers.append(alt.Chart(rows).mark_tick(color=TARGET_COLOR, thickness=2, size=18, strokeDash=[3, 2])
                      .encode(y=y, x=alt.X("target:Q"),
                              tooltip=alt.Tooltip("target:Q", title="Target", format=fmt)))
    return alt.layer(*layers).properties(height=alt.Step(26))


def show_chart(
    ctx: PageContext,
    chart: alt.TopLevelMixin,
    page: str,
    what: str,
    *,
    key: str | None = None,
    on_select: str | Callable[..., None] = "ignore",
    args: tuple = (),
    alt_text: str | None = None,
    data: pl.DataFrame | None = None,
    percent_columns: Sequence[str] = (),
    title: str | None = None,
    notes: Sequence[str] = (),
) -> Any:
    """st.altair_chart at full width with its downloads underneath (PNG, with `notes` printed under its
    title; CSV and XLSX of `data`).

    Returns the selection event when on_select is set.
    """
    kwargs: dict[str, Any] = {"width": "stretch", "key": key, "alt": alt_text}
    if on_select != "ignore":
        kwargs["on_select"] = (lambda: on_select(*args)) if callable(on_select) else on_select
        kwargs["selection_mode"] = SELECTION
    event = st.altair_chart(chart, **kwargs)
    with st.container(horizontal=True, gap="small", key=f"chart-dl-{page}-{what}"):
        exports.chart_download(ctx, chart, page, what, title=title or alt_text, notes=notes)
        if data is not None:
            exports.table_downloads(ctx, data, page, what, percent_columns)
    return event
