"""Sidebar filters bound to URL query parameters, so a copied URL reproduces the view.

Global filters (app.py): `range` (preset), `start`/`end` (custom range), `regions`, `countries`,
`present` (presentation mode). Page filters: `policy`, `channel`, `vendor_site`, `priority`.
Market options are only the markets in the user's scope; a URL naming any other market is
ignored by the widget (and the query layer intersects with the scope regardless).
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import polars as pl
import streamlit as st

from metrics.base import Period

PRESETS: dict[str, str] = {
    "last_week": "Last complete week",
    "last_7": "Last 7 days",
    "last_28": "Last 28 days",
    "last_90": "Last 90 days",
    "custom": "Custom range",
}
DEFAULT_PRESET = "last_week"


def preset_period(preset: str, as_of: dt.date) -> Period:
    """The period a preset means for data that ends on `as_of` (not today's date)."""
    if preset == "last_week":
        # the most recent Monday-Sunday week that is complete in the data
        last_sunday = as_of - dt.timedelta(days=(as_of.weekday() + 1) % 7)
        return Period(last_sunday - dt.timedelta(days=6), last_sunday)
    days = {"last_7": 7, "last_28": 28, "last_90": 90}[preset]
    return Period(as_of - dt.timedelta(days=days - 1), as_of)


def date_filter(as_of: dt.date, earliest: dt.date) -> Period:
    preset = st.sidebar.selectbox(
        "Date range",
        list(PRESETS),
        index=list(PRESETS).index(DEFAULT_PRESET),
        format_func=PRESETS.__getitem__,
        key="range",
        bind="query-params",
    )
    if preset != "custom":
        return preset_period(preset, as_of)
    default = preset_period("last_28", as_of)
    left, right = st.sidebar.columns(2)
    start = left.date_input(
        "From", value=default.start, min_value=earliest, max_value=as_of, key="start", bind="query-params"
    )
    end = right.date_input(
        "To", value=default.end, min_value=earliest, max_value=as_of, key="end", bind="query-params"
    )
    if end < start:
        st.sidebar.error(f"The end date {end} is before the start date {start}; showing {end} to {start}.")
        start, end = end, start
    return Period(start, end)


def _prune_countries(markets: pl.DataFrame) -> None:
    """When regions change, drop chosen markets outside them (so the two stay consistent)."""
    regions = st.session_state.get("regions") or []
    if not regions:
        return
    allowed = set(markets.filter(pl.col("region").is_in(regions))["country_code"].to_list())
    st.session_state["countries"] = [c for c in st.session_state.get("countries") or [] if c in allowed]


def market_filter(markets: pl.DataFrame) -> tuple[str, ...] | None:
    """Linked region and market pickers over the user's markets; None = all of them."""
    regions = sorted(markets["region"].unique().to_list())
    chosen_regions = st.sidebar.multiselect(
        "Regions",
        regions,
        key="regions",
        bind="query-params",
        placeholder="All regions",
        on_change=_prune_countries,
        args=(markets,),
    )
    offered = markets.filter(pl.col("region").is_in(chosen_regions)) if chosen_regions else markets
    names = dict(zip(offered["country_code"].to_list(), offered["country_name"].to_list()))
    chosen = st.sidebar.multiselect(
        "Markets",
        sorted(names),
        key="countries",
        bind="query-params",
        format_func=lambda code: f"{code} · {names.get(code, code)}",
        placeholder="All markets" if not chosen_regions else "All markets in the regions",
    )
    if chosen:
        return tuple(chosen)
    if chosen_regions:
        return tuple(sorted(names))
    return None


def domain_filter(label: str, key: str, options: Sequence[str]) -> tuple[str, ...] | None:
    """A page-level multiselect bound to the URL; None when nothing is picked (no filter)."""
    chosen = st.sidebar.multiselect(label, list(options), key=key, bind="query-params", placeholder="All")
    return tuple(chosen) or None


def presentation_toggle() -> bool:
    return bool(st.sidebar.toggle("Presentation mode", key="present", bind="query-params",
                                  help="Hide the controls and enlarge the numbers for screen-sharing"))


def filters_line(period: Period, countries: tuple[str, ...] | None, extra: dict[str, Sequence[str]] | None = None) -> str:
    previous = period.previous()
    parts = [f"{period.label()} vs {previous.label()}", ", ".join(countries) if countries else "All markets"]
    for name, values in (extra or {}).items():
        if values:
            parts.append(f"{name}: {', '.join(values)}")
    return " · ".join(parts)
