"""Charts of the domains' own views: bars, Pareto, channel shares, the weekly breach heatmap."""

from __future__ import annotations

from typing import Any, Sequence

import altair as alt
import polars as pl

from metrics.base import Grain
from ui.charts import CHANNEL_SCALE, EVENT_COLOR, PRIMARY, TIER_SCALE, _utc_x, day_labels, value_axis_format
from ui.kpis import STATUS_COLORS


def bar_chart(
    frame: pl.DataFrame,
    category: str,
    value: str,
    *,
    category_title: str | None = None,
    value_title: str = "",
    value_format: str = ",.0f",
    color: str | None = None,
    color_scale: alt.Scale | None = None,
    horizontal: bool = True,
    sort: Sequence[str] | str | None = None,
    extra_tooltips: Sequence[tuple[str, str, str | None]] = (),
    height: int | None = None,
) -> alt.Chart:
    """A plain bar chart for domain views (funnel, aging, Pareto, tiers)."""
    order = sort if sort is not None else frame[category].cast(pl.String).to_list()
    cat = alt.Y if horizontal else alt.X
    val = alt.X if horizontal else alt.Y
    encoding: dict[str, Any] = {
        ("y" if horizontal else "x"): cat(f"{category}:N", title=category_title, sort=order,
                                          axis=alt.Axis(labelLimit=200, labelAngle=0, labelOverlap=False)),
        ("x" if horizontal else "y"): val(
            f"{value}:Q", title=value_title, axis=value_axis_format(value_format)
        ),
        "tooltip": [alt.Tooltip(f"{category}:N", title=category_title or category),
                    alt.Tooltip(f"{value}:Q", title=value_title or value, format=value_format),
                    *(alt.Tooltip(f, title=t, format=fmt or alt.Undefined) for f, t, fmt in extra_tooltips)],
    }
    if color and color_scale is not None:
        legend = alt.Legend(title=None, orient="bottom")
        encoding["color"] = alt.Color(f"{color}:N", scale=color_scale, legend=legend)
    mark = alt.Chart(frame).mark_bar(cornerRadiusEnd=2, **({} if color else {"color": PRIMARY}))
    text = alt.Chart(frame).mark_text(
        align="left" if horizontal else "center", baseline="middle" if horizontal else "bottom",
        dx=4 if horizontal else 0, dy=0 if horizontal else -3, fontSize=11, color="#3c4043",
    ).encode(x=encoding["x"], y=encoding["y"], text=alt.Text(f"{value}:Q", format=value_format))
    chart = alt.layer(mark.encode(**encoding), text)
    return chart.properties(height=height or (alt.Step(30) if horizontal else 260))


def pareto_chart(
    frame: pl.DataFrame, category: str, count: str, cumulative: str, category_title: str
) -> alt.LayerChart:
    """Bars of counts, largest first, with the cumulative share as a line on a right-hand axis."""
    order = frame[category].to_list()
    x = alt.X(f"{category}:N", sort=order, title=None,
              axis=alt.Axis(labelAngle=-30, labelLimit=160, labelOverlap=False))
    bars = alt.Chart(frame).mark_bar(color=PRIMARY).encode(
        x=x, y=alt.Y(f"{count}:Q", title="Resolved escalations", axis=alt.Axis(format=",.0f", tickMinStep=1)),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title),
                 alt.Tooltip(f"{count}:Q", title="Resolved"),
                 alt.Tooltip(f"{cumulative}:Q", title="Cumulative share", format=".1%")],
    )
    line = alt.Chart(frame).mark_line(color=EVENT_COLOR, point=alt.OverlayMarkDef(color=EVENT_COLOR)).encode(
        x=x, y=alt.Y(f"{cumulative}:Q", title="Cumulative share", scale=alt.Scale(domain=[0, 1]),
                     axis=alt.Axis(format=".0%")),
    )
    rule = alt.Chart(pl.DataFrame({"y": [0.8]})).mark_rule(color="#9aa0a6", strokeDash=[4, 4]).encode(
        y=alt.Y("y:Q")
    )
    return alt.layer(bars, alt.layer(line, rule)).resolve_scale(y="independent").properties(height=280)


def share_trend_chart(
    frame: pl.DataFrame, date: str, series: str, share: str, grain: Grain = "day"
) -> alt.Chart:
    """Stacked shares per series over time (e.g. decisions by channel)."""
    labelled = frame.with_columns(day_labels(date))
    return alt.Chart(labelled).mark_area(opacity=0.85).encode(
        x=_utc_x(date, grain=grain),
        y=alt.Y(f"{share}:Q", stack="normalize", title="Share of decisions", axis=alt.Axis(format=".0%")),
        color=alt.Color(f"{series}:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=CHANNEL_SCALE),
        tooltip=[alt.Tooltip("day_label:N", title="Day"), alt.Tooltip(f"{series}:N", title="Channel"),
                 alt.Tooltip(f"{share}:Q", title="Share", format=".1%")],
    ).properties(height=260)


TARGET_NAMES: dict[str, str] = {
    "tat_adherence": "TAT adherence",
    "aht_seconds": "AHT",
    "qa_accuracy": "QA accuracy",
    "cost_per_case": "cost per case",
}


def breach_heatmap(weekly: pl.DataFrame) -> alt.Chart:
    """Vendor site x ISO week: red when any contract target was missed that week, green when all were met."""
    frame = weekly.select(
        "vendor_site",
        "cases",
        day_labels("week", "week_label"),
        pl.col("week"),
        pl.when(pl.col("breached")).then(pl.lit("Breached")).otherwise(pl.lit("All targets met"))
        .alias("status"),
        pl.col("missed").list.eval(pl.element().replace(TARGET_NAMES)).list.join(", ").alias("missed_text"),
    ).sort("week")
    weeks = list(dict.fromkeys(frame["week_label"].to_list()))
    sites = sorted(set(frame["vendor_site"].to_list()))
    return alt.Chart(frame.drop("week")).mark_rect(stroke="white", strokeWidth=2, cornerRadius=2).encode(
        x=alt.X("week_label:N", sort=weeks, title="Week of", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("vendor_site:N", sort=sites, title=None, axis=alt.Axis(labelLimit=200, labelOverlap=False)),
        color=alt.Color("status:N", title=None, legend=alt.Legend(orient="bottom"), scale=alt.Scale(
            domain=["All targets met", "Breached"],
            range=[STATUS_COLORS["on_target"], STATUS_COLORS["off_target"]],
        )),
        tooltip=[alt.Tooltip("vendor_site:N", title="Vendor site"),
                 alt.Tooltip("week_label:N", title="Week of"),
                 alt.Tooltip("status:N", title="Status"), alt.Tooltip("missed_text:N", title="Missed"),
                 alt.Tooltip("cases:Q", title="Cases", format=",.0f")],
    ).properties(height=alt.Step(26))


# ---- Streamlit helpers -------------------------------------------------------------------------


def risk_points_chart(points: pl.DataFrame, thresholds: tuple[float, float, float]) -> alt.LayerChart:
    """A creator's trailing 90-day risk points per day, coloured by tier, with the tier thresholds as rules."""
    labelled = points.with_columns(day_labels("day"))
    line = alt.Chart(labelled).mark_line(interpolate="step-after", color="#5f6368").encode(
        x=_utc_x("day"), y=alt.Y("risk_points:Q", title="Risk points (90 days)"))
    dots = alt.Chart(labelled.filter(pl.col("points") > 0)).mark_circle(size=70).encode(
        x=_utc_x("day"), y="risk_points:Q",
        color=alt.Color("tier:N", title="Tier", scale=TIER_SCALE, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("day_label:N", title="Day"), alt.Tooltip("points:Q", title="Points that day"),
                 alt.Tooltip("risk_points:Q", title="Risk points"), alt.Tooltip("tier:N", title="Tier")],
    )
    rules = alt.Chart(pl.DataFrame({"threshold": list(thresholds), "tier": ["medium", "high", "critical"]})).mark_rule(
        strokeDash=[4, 4], opacity=0.6).encode(y="threshold:Q", color=alt.Color("tier:N", scale=TIER_SCALE, legend=None))
    return alt.layer(rules, line, dots).properties(height=220)
