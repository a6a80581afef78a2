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
from streamlit.errors import StreamlitAPIException

from metrics.base import Period

# Preset names are also their URL values (?range=Last+28+days): a bound widget writes the option
# as displayed, so options are the readable names themselves.
LAST_WEEK = "Last complete week"
CUSTOM = "Custom range"
PRESET_DAYS: dict[str, int] = {"Last 7 days": 7, "Last 28 days": 28, "Last 90 days": 90}
PRESETS: tuple[str, ...] = (LAST_WEEK, *PRESET_DAYS, CUSTOM)
DEFAULT_PRESET = LAST_WEEK


IGNORED_KEY = "_ignored_url_values"
URL_LABELS = {"range": "date range", "start": "start date", "end": "end date", "regions": "region",
              "countries": "market", "policy": "policy", "channel": "channel", "vendor_site": "vendor site",
              "priority": "priority", "s1": "planner scenario 1", "s2": "planner scenario 2",
              "s3": "planner scenario 3"}


def note_ignored(key: str, values: Sequence[str]) -> None:
    """Remember URL values a filter could not apply, for the one notice the frame shows."""
    if values:
        st.session_state.setdefault(IGNORED_KEY, {"values": {}})["values"][key] = list(values)


def unknown_url_values(key: str, options: Sequence[str]) -> list[str]:
    """This URL's values of `key` that are not among the options (a bound widget drops them silently)."""
    allowed = set(options)
    return [value for value in st.query_params.get_all(key) if value not in allowed]


def _url_date_problems(key: str, earliest: dt.date, latest: dt.date) -> list[str]:
    problems = []
    for value in st.query_params.get_all(key):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            problems.append(f"{value} (not a date like 2026-11-15)")
            continue
        if not earliest <= day <= latest:
            problems.append(f"{value} (outside {earliest} to {latest})")
    return problems


def ignored_notice(signature: str) -> str | None:
    """The notice naming the URL values that were ignored, while the view they came with lasts.

    Kept in the session because the first run rewrites the URL without them; cleared once the
    filters in effect (`signature`) change."""
    noted = st.session_state.get(IGNORED_KEY)
    if not noted or not noted["values"]:
        return None
    noted.setdefault("signature", signature)
    if noted["signature"] != signature:
        st.session_state.pop(IGNORED_KEY, None)
        return None
    parts = [f"{URL_LABELS.get(key, key)} {', '.join(values)}" for key, values in noted["values"].items()]
    return "The link named filters that do not apply here and were ignored: " + "; ".join(parts) + "."


def preset_period(preset: str, as_of: dt.date) -> Period:
    """The period a preset means for data that ends on `as_of` (not today's date)."""
    if preset == LAST_WEEK:
        # the most recent Monday-Sunday week that is complete in the data
        last_sunday = as_of - dt.timedelta(days=(as_of.weekday() + 1) % 7)
        return Period(last_sunday - dt.timedelta(days=6), last_sunday)
    days = PRESET_DAYS[preset]
    return Period(as_of - dt.timedelta(days=days - 1), as_of)


def fix_dates_in_link(period: Period) -> None:
    """Turn a relative preset into the same dates as a custom range, so the URL names them.

    A preset means "relative to the data's latest day": a link pasted in a deck would change
    meaning when the data refreshes."""
    st.session_state["range"] = CUSTOM
    for key, day in (("start", period.start), ("end", period.end)):
        st.session_state[key] = day
        write_unbound_query_param(key, day.isoformat())


def write_unbound_query_param(key: str, value: str) -> None:
    """Put a value in the URL for a bound widget that is not drawn yet: a date set from code is not
    written to the URL by the widget itself. Once the widget is drawn, it owns the parameter."""
    try:
        st.query_params[key] = value
    except StreamlitAPIException:
        pass


def date_filter(as_of: dt.date, earliest: dt.date) -> Period:
    note_ignored("range", unknown_url_values("range", PRESETS))
    preset = st.sidebar.selectbox(
        "Date range", PRESETS, index=PRESETS.index(DEFAULT_PRESET), key="range", bind="query-params"
    )
    if preset != CUSTOM:
        period = preset_period(preset, as_of)
        st.sidebar.button("Fix these dates in the link", key="fix-dates", icon=":material/push_pin:",
                          type="tertiary", on_click=fix_dates_in_link, args=(period,),
                          help="Writes the dates themselves into the address bar, so a copied link keeps "
                               "showing these days after the data refreshes.")
        return period
    default = preset_period("Last 28 days", as_of)
    for key in ("start", "end"):
        note_ignored(key, _url_date_problems(key, earliest, as_of))
        # The widgets' own default is None, so any date (the latest data day included) stays in the
        # URL: a default equal to a relative day would be dropped from it and drift later.
        if key not in st.session_state and key not in st.query_params:
            st.session_state[key] = getattr(default, key)
            write_unbound_query_param(key, getattr(default, key).isoformat())
    # one above the other: side by side in the sidebar each box is too narrow for its date
    start = st.sidebar.date_input(
        "From", value=None, min_value=earliest, max_value=as_of, key="start", bind="query-params"
    ) or default.start
    end = st.sidebar.date_input(
        "To", value=None, min_value=earliest, max_value=as_of, key="end", bind="query-params"
    ) or default.end
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
    note_ignored("regions", unknown_url_values("regions", regions))
    note_ignored("countries", unknown_url_values("countries", markets["country_code"].to_list()))
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
    # Options are the bare codes (no format_func) so that the URL reads ?countries=DE.
    chosen = st.sidebar.multiselect(
        "Markets",
        sorted(names),
        key="countries",
        bind="query-params",
        placeholder="All markets" if not chosen_regions else "All markets in the regions",
        help=" · ".join(f"{code} {name}" for code, name in sorted(names.items())),
    )
    if chosen:
        return tuple(chosen)
    if chosen_regions:
        return tuple(sorted(names))
    return None


def domain_filter(label: str, key: str, options: Sequence[str]) -> tuple[str, ...] | None:
    """A page-level multiselect bound to the URL; None when nothing is picked (no filter)."""
    note_ignored(key, unknown_url_values(key, options))
    chosen = st.sidebar.multiselect(label, list(options), key=key, bind="query-params", placeholder="All")
    return tuple(chosen) or None


def presentation_toggle() -> bool:
    return bool(st.sidebar.toggle("Presentation mode", key="present", bind="query-params",
                                  help="Hide the controls and enlarge the numbers for screen-sharing"))


def filters_line(
    period: Period,
    countries: tuple[str, ...] | None,
    extra: dict[str, Sequence[str]] | None = None,
    scope_markets: Sequence[str] | None = None,
) -> str:
    """The active filters in one line; a regional user's "all markets" names their markets."""
    previous = period.previous()
    if countries:
        markets = ", ".join(countries)
    elif scope_markets:
        markets = f"All your markets ({', '.join(scope_markets)})"
    else:
        markets = "All markets"
    parts = [f"{period.label()} vs {previous.label()}", markets]
    for name, values in (extra or {}).items():
        if values:
            parts.append(f"{name}: {', '.join(values)}")
    return " · ".join(parts)
