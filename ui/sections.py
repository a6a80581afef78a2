"""Page sections built from charts: metric and dimension pickers, the trend and breakdown blocks, and
the trend / breakdown / records block every domain page shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import polars as pl
import streamlit as st

from metrics.base import Grain, KpiValue, MetricRequest
from metrics.domain import DomainModule, domain_breakdown
from metrics.page_queries import Chosen, without
from metrics.registry import MetricDef
from ui import exports, layout, page_filters, tables, team
from ui.charts import (
    PAGE_EVENT_DOMAINS, annotations, breakdown_chart, breakdown_frame, selected_values, show_chart, trend_chart,
)
from ui.context import PageContext


@dataclass(frozen=True)
class PagePart:
    """One domain module as a page shows it: the request its page filters give, its trend and KPI cards,
    which page filters it follows (None: all) and why it ignores the others."""

    module: DomainModule
    request: MetricRequest
    trend: pl.DataFrame | None
    records_what: str  # what its records are, for the drill-down caption ("appeals submitted or decided")
    cards: Sequence[KpiValue] = ()
    follows: tuple[str, ...] | None = None
    ignores_why: str = ""


@dataclass(frozen=True)
class Explored:
    """What the reader picked in the trend and breakdown: the metric, its part, the clicked key."""

    metric: MetricDef
    part: PagePart
    match: dict[str, str] | None


def trend_and_breakdown(ctx: PageContext, page: str, parts: Sequence[PagePart], chosen: Chosen,
                        options: Mapping[str, Sequence[str]], filter_of: Mapping[str, str], grain: Grain) -> Explored:
    """The trend of a picked metric (left) and its clickable breakdown (right).

    `filter_of` maps a breakdown dimension to the page filter it also sets when a bar is clicked; the
    breakdown by that dimension ignores that filter, so every key stays visible."""
    left, right = st.columns([3, 2], gap="large")
    with left, layout.section("The trend"):
        metrics = [metric for part in parts for metric in part.module.METRICS]
        metric = metric_picker(metrics, parts[0].module.KPI_IDS[0], key=f"{page}-metric")
        part = next(p for p in parts if metric.id in {m.id for m in p.module.METRICS})
        team.annotation_form(ctx, page)  # before the events load, so a new one is drawn
        events = annotations(ctx.data, part.request, PAGE_EVENT_DOMAINS[page])
        if part.trend is not None:
            contract = next((k.target for k in part.cards if k.metric.id == metric.id and k.target_source), None)
            trend_section(ctx, part.trend, metric, part.request, events, page, grain, target=contract)
        page_filters.note_ignored(chosen, part.follows, part.ignores_why)
    match = None
    with right, layout.section("The breakdown"):
        dimensions = part.module.BREAKDOWN_DIMENSIONS
        key = f"{page}-{metric.domain}-dimension" if len(parts) > 1 else f"{page}-dimension"
        dimension = dimension_picker(dimensions, key=key, request=ctx.request)
        filter_key = filter_of.get(dimension)
        unfiltered = page_filters.request_for(ctx, without(chosen, filter_key), part.follows)
        frame = domain_breakdown(part.module, ctx.data, unfiltered, (dimension,), ctx.settings)
        match = breakdown_section(ctx, frame, dimension, dimensions[dimension], metric, page,
                                  filter_key=filter_key, options=options)
        page_filters.note_ignored(without(chosen, filter_key), part.follows, part.ignores_why)
    return Explored(metric, part, match)


def records_section(ctx: PageContext, page: str, title: str, explored: Explored, chosen: Chosen) -> None:
    """The first 100 records behind the page (or the clicked breakdown key), and all of them as a file."""
    part, match = explored.part, explored.match
    st.subheader("Records", anchor=False)
    with layout.section(title):
        page_filters.note_ignored(chosen, part.follows, part.ignores_why)
        records = part.module.drilldown(ctx.data, part.request, limit=100, match=match)
        tables.show_table(ctx, records, page, "records", caption=tables.drilldown_caption(match, part.records_what))
        exports.all_records_download(ctx, page, lambda data: part.module.drilldown(data, part.request, match=match))


def metric_picker(metrics: Sequence[MetricDef], default: str, key: str, label: str = "Metric") -> MetricDef:
    """A selectbox of the domain's metrics (labels shown), defaulting to its first KPI."""
    ids = [m.id for m in metrics]
    by_id = {m.id: m for m in metrics}
    chosen = st.selectbox(label, ids, index=ids.index(default) if default in ids else 0,
                          format_func=lambda i: by_id[i].label, key=key)
    return by_id[chosen]


def dimension_picker(
    dimensions: Mapping[str, str], key: str, default: str | None = None, request: MetricRequest | None = None
) -> str:
    """A selectbox of the domain's breakdown dimensions (one market: the first non-geographic one first)."""
    options = list(dimensions)
    if default is None and request is not None and request.countries and len(request.countries) == 1:
        default = next((d for d in options if d not in ("country_code", "region")), None)
    index = options.index(default) if default in options else 0
    return st.selectbox("Break down by", options, index=index, format_func=dimensions.__getitem__, key=key)


def trend_section(
    ctx: PageContext,
    trend: pl.DataFrame,
    metric: MetricDef,
    request: MetricRequest,
    events: pl.DataFrame | None,
    page: str,
    grain: Grain,
    target: float | None = None,
) -> None:
    """The trend chart of one metric with its target and events, or an empty-state note.

    `target` is the card's own target where it is not the configured one (site contracts)."""
    values = trend.filter((pl.col("metric_id") == metric.id) & pl.col("value").is_not_null())
    if values.is_empty():
        st.info(f"No {metric.label.lower()} values in this window.", icon=":material/info:")
        return
    country = request.countries[0] if request.countries and len(request.countries) == 1 else None
    if target is None and metric.direction != "neutral":
        target = ctx.settings.target(metric, country=country)
    chart = trend_chart(trend, metric, target, request, events, grain)
    show_chart(ctx, chart, page, f"trend-{metric.id}", alt_text=f"{metric.label} per {grain}",
               title=metric.label, notes=event_notes(events))
    note = f"One point per {grain}; the shaded band is the comparison period."
    if events is not None and not events.is_empty():
        note += " Orange markers are events (annotations); hover them for details."
    st.caption(note)


def _click_to_filter(chart_key: str, dimension: str, filter_key: str, options: Sequence[str]) -> None:
    """on_select callback: a clicked bar becomes the page filter (empty click clears it)."""
    picked = [v for v in selected_values(st.session_state.get(chart_key), dimension) if v in options]
    if picked:
        st.session_state[filter_key] = picked
    else:
        st.session_state[filter_key] = []


def breakdown_section(
    ctx: PageContext,
    frame: pl.DataFrame,
    dimension: str,
    dimension_label: str,
    metric: MetricDef,
    page: str,
    *,
    filter_key: str | None = None,
    options: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, str] | None:
    """The breakdown bars; returns the clicked key as a drill-down match ({dimension: key}) or None.

    For dimensions that are page filters (policy, channel, priority, vendor site) a click also sets
    that filter, so the whole page narrows to the clicked key.
    """
    if metric.id not in frame.columns:
        st.info(f"{metric.label} cannot be broken down by {dimension_label.lower()}.", icon=":material/info:")
        return None
    rows = breakdown_frame(frame, dimension, metric, ctx.settings)
    if rows.is_empty():
        st.info(f"No {metric.label.lower()} values by {dimension_label.lower()} in this period.",
                icon=":material/info:")
        return None
    chart = breakdown_chart(rows, dimension, dimension_label, metric)
    key = f"breakdown-{page}-{dimension}"
    title = f"{metric.label} by {dimension_label.lower()}"
    if filter_key:
        offered = list((options or {}).get(filter_key, ()))
        event = show_chart(ctx, chart, page, f"breakdown-{dimension}", key=key, on_select=_click_to_filter,
                           args=(key, dimension, filter_key, offered), title=title)
    else:
        event = show_chart(ctx, chart, page, f"breakdown-{dimension}", key=key, on_select="rerun",
                           title=title)
    picked = selected_values(event, dimension)
    hint = "Click a bar to drill into its records" + (" and filter the page" if filter_key else "")
    hint += "; the black tick is the comparison period. Double-click to clear."
    st.caption(hint)
    return {dimension: picked[0]} if len(picked) == 1 else None


def event_notes(events: pl.DataFrame | None) -> list[str]:
    """The annotations as lines a PNG prints under its title ('19 Oct: ... (BR, MX, US)'): a pasted
    image has no tooltips."""
    if events is None or events.is_empty():
        return []
    return [f"▼ {day:%-d %b}: {text}" + (f" ({markets})" if markets else "")
            for day, text, markets in events.select("day", "text", "country_code").iter_rows()]

