"""Pieces of the weekly review page: the waterfall, links to the domain pages, formatted tables."""

from __future__ import annotations

from typing import Sequence
from urllib.parse import urlencode

import altair as alt
import polars as pl

from metrics.base import Period
from metrics.driver_sources import BY_METRIC, DIMENSION_LABELS
from metrics.drivers import Driver
from metrics.review import ReviewItem, Review, segment_label
from ui.filters import CUSTOM

WATERFALL_STEPS = 5
# the domain page of each metric domain, and which driver dimension is which URL filter there
DOMAIN_PAGES: dict[str, tuple[str, str]] = {
    "appeals": ("appeals", "Appeals"), "vendors": ("vendors", "Vendors & moderation mix"),
    "mix": ("vendors", "Vendors & moderation mix"), "creators": ("creators", "Creator risk"),
    "escalations": ("escalations", "Escalations"),
}
URL_FILTERS: dict[str, dict[str, str]] = {
    "appeals": {"country_code": "countries", "region": "regions", "policy": "policy", "original_channel": "channel"},
    "vendors": {"country_code": "countries", "region": "regions", "policy": "policy", "vendor_site": "vendor_site"},
    "mix": {"country_code": "countries", "region": "regions", "policy": "policy", "channel": "channel"},
    "creators": {"country_code": "countries", "region": "regions", "policy": "policy"},
    "escalations": {"country_code": "countries", "region": "regions", "priority": "priority"},
}
GOOD, BAD, NEUTRAL_UP, NEUTRAL_DOWN, TOTAL = "#1e8e3e", "#d93025", "#2F5EA8", "#f29900", "#5f6368"


def colours(direction: str) -> alt.Scale:
    """Totals grey; a rise green when up is good, red when down is good, blue when neither."""
    up, down = {"up": (GOOD, BAD), "down": (BAD, GOOD)}.get(direction, (NEUTRAL_UP, NEUTRAL_DOWN))
    return alt.Scale(domain=["total", "up", "down"], range=[TOTAL, up, down])


def waterfall_frame(item: ReviewItem, steps: int = WATERFALL_STEPS) -> pl.DataFrame:
    """Previous value -> the top contributions -> everything else -> current value, as bars from/to."""
    total = item.analysis.totals
    previous, value = total.previous or 0.0, total.value or 0.0
    drivers = [d for d in item.drivers if not d.small][:steps]
    rows = [("Previous", 0.0, previous, "total")]
    level = previous
    for driver in drivers:
        rows.append((segment_label(driver), level, level + driver.contribution, "up" if driver.contribution >= 0 else "down"))
        level += driver.contribution
    rest = value - level
    if abs(rest) > 1e-12:
        label = "Interaction and others" if item.analysis.definition.kind == "percentile" else "All other segments"
        rows.append((label, level, value, "up" if rest >= 0 else "down"))
    rows.append(("Current", 0.0, value, "total"))
    metric = item.metric
    return pl.DataFrame(
        {
            "order": list(range(len(rows))),
            "step": [r[0] for r in rows],
            "start": [r[1] for r in rows],
            "end": [r[2] for r in rows],
            "kind": [r[3] for r in rows],
            "change": [metric.display(r[2]) if r[3] == "total" else metric.change_text(r[2] - r[1]) for r in rows],
        },
        schema={"order": pl.Int64, "step": pl.String, "start": pl.Float64, "end": pl.Float64, "kind": pl.String,
                "change": pl.String},
    )


def waterfall_chart(frame: pl.DataFrame, title: str, unit: str, direction: str) -> alt.LayerChart:
    """Bars from `start` to `end` per step; totals grey, rises and falls coloured by the metric's direction."""
    fmt = ".1%" if unit == "ratio" else ",.0f" if unit == "count" else ",.2f"
    levels = frame.filter(pl.col("kind") != "total")["start"].to_list() + frame["end"].to_list()
    low, high = min(levels), max(levels)
    span = (high - low) or abs(high) or 1.0
    # totals rise from a floor just below the lowest level, so the steps are visible at any scale
    floor = max(0.0, low - 0.6 * span) if low >= 0 else low - 0.6 * span
    steps = frame.sort("order")["step"].to_list()
    plotted = frame.with_columns(
        pl.when(pl.col("kind") == "total").then(pl.lit(floor)).otherwise(pl.col("start")).alias("start"),
        pl.max_horizontal("start", "end").alias("top"),  # labels sit above each bar
    )
    base = alt.Chart(plotted).encode(
        x=alt.X("step:N", sort=steps, title=None, axis=alt.Axis(labelAngle=-15, labelLimit=180, labelOverlap=False)),
    )
    bars = base.mark_bar(size=36).encode(
        y=alt.Y("start:Q", title=title, scale=alt.Scale(zero=False, domain=[floor, high + 0.1 * span]),
                axis=alt.Axis(format=fmt)),
        y2="end:Q",
        color=alt.Color("kind:N", scale=colours(direction), legend=None),
        tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("change:N", title="Change")],
    )
    labels = base.mark_text(dy=-8).encode(y=alt.Y("top:Q"), text="change:N")
    return (bars + labels).properties(height=260, title=title)


def driver_link(item: ReviewItem, driver: Driver, period: Period) -> tuple[str, str] | None:
    """(label, relative URL) of the metric's domain page filtered to the driver's segment and period."""
    domain = item.metric.domain
    page, title = DOMAIN_PAGES[domain]
    keys = URL_FILTERS[domain]
    params: list[tuple[str, str]] = [("range", CUSTOM), ("start", period.start.isoformat()),
                                     ("end", period.end.isoformat())]
    applied = []
    for dimension, value in driver.dimensions.items():
        if dimension in keys and value is not None:
            params.append((keys[dimension], value))
            applied.append(value)
    label = f"Open {title}" + (f" filtered to {' × '.join(applied)}" if applied else "")
    return label, f"{page}?{urlencode(params)}"


def drivers_table(item: ReviewItem, limit: int = 8) -> pl.DataFrame:
    """The top drivers as text cells in the metric's own units."""
    metric = item.metric
    best = item.analysis.best
    dims = best.dimensions if best else ()
    rows = []
    for d in item.drivers[:limit]:
        rows.append({
            " × ".join(DIMENSION_LABELS.get(k, k) for k in dims) or "Segment": segment_label(d),
            "Contribution": metric.change_text(d.contribution),
            "Rate effect": "" if d.rate_effect is None else metric.change_text(d.rate_effect),
            "Mix effect": "" if d.mix_effect is None else metric.change_text(d.mix_effect),
            "Previous": metric.display(d.previous),
            "Value": metric.display(d.value),
            "Volume": f"{d.previous_volume:,.0f} → {d.volume:,.0f}",
            "Significant": "yes" if d.significant else ("small" if d.small else "no"),
        })
    return pl.DataFrame(rows) if rows else pl.DataFrame()


def stable_table(review: Review) -> pl.DataFrame:
    """Every KPI that did not move: program, metric, previous, value, change."""
    from metrics.report import DOMAIN_LABELS

    rows = []
    for metric in review.stable:
        value, previous = review.stable_values[metric.id]
        delta = None if value is None or previous is None else value - previous
        untested = " (not tested: a sum of amounts)" if BY_METRIC[metric.id].test == "none" else ""
        rows.append({"Program": DOMAIN_LABELS.get(metric.domain, metric.domain), "Metric": metric.label + untested,
                     "Previous": metric.display(previous), "Value": metric.display(value),
                     "Change": metric.change_text(delta)})
    return pl.DataFrame(rows, schema={c: pl.String for c in ("Program", "Metric", "Previous", "Value", "Change")})


def moved_summary(items: Sequence[ReviewItem]) -> pl.DataFrame:
    """One row per moved KPI with its sentence (the PDF's text of the review)."""
    return pl.DataFrame(
        {"KPI": [i.metric.label for i in items], "What moved and why": [i.sentence for i in items]},
        schema={"KPI": pl.String, "What moved and why": pl.String},
    )
