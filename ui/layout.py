"""The page frame: presentation mode, page header, page filters, empty states, error banners, footer."""

from __future__ import annotations

import contextlib
import time
from typing import Any, Callable, Iterator, Sequence, TypeVar

import streamlit as st

from connectors.errors import GovernanceDataError
from connectors.spec import AggregateSpec, Count, Dim, Eq
from metrics.base import MetricRequest
from ui import filters
from ui.context import PageContext
from metrics.vendors import SITE_SEPARATOR
from ui.kpis import STATUS_COLORS, as_of_text as data_as_of_text, format_day

T = TypeVar("T")

VENDOR_SITE_SEPARATOR = SITE_SEPARATOR  # "Meridian / Bogota", declared with the vendor metrics
FILTER_LABELS: dict[str, str] = {
    "policy": "Policy",
    "channel": "Channel",
    "vendor_site": "Vendor site",
    "priority": "Priority",
}

BASE_CSS = f"""
<style>
div[class*="st-key-kpi-on_target"] {{ border-left: 6px solid {STATUS_COLORS["on_target"]} !important; }}
div[class*="st-key-kpi-off_target"] {{ border-left: 6px solid {STATUS_COLORS["off_target"]} !important; }}
div[class*="st-key-kpi-no_target"], div[class*="st-key-kpi-no_data"] {{
    border-left: 6px solid {STATUS_COLORS["no_target"]} !important; }}
div[class*="st-key-kpi-"] [data-testid="stMetricValue"] {{ font-size: 1.9rem; }}
div[class*="st-key-kpi-"] [data-testid="stMarkdown"] p {{ font-size: 0.85rem; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 1.5rem; }}
.gov-filters {{ color: #5f6368; font-size: 0.95rem; margin: -0.6rem 0 0.4rem 0; }}
.gov-footer {{ color: #80868b; font-size: 0.8rem; border-top: 1px solid #e8eaed; padding-top: 0.5rem;
    margin-top: 1.5rem; }}
</style>
"""

PRESENTATION_CSS = """
<style>
/* a screen-share shows the numbers: no sidebar, no pickers, no downloads */
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none; }
[data-testid="stMain"] [data-testid="stSelectbox"], [data-testid="stMain"] [data-testid="stMultiSelect"],
[data-testid="stMain"] [data-testid="stSegmentedControl"] { display: none; }
div[class*="st-key-kpi-"] [data-testid="stMetricLabel"] p,
div[class*="st-key-kpi-"] [data-testid="stMetricLabel"] div { white-space: normal; overflow: visible;
  text-overflow: clip; }
div[class*="st-key-kpi-"] [data-testid="stMetricDelta"] div { white-space: normal; }
[data-testid="stToolbar"], [data-testid="stDecoration"] { visibility: hidden; }
[data-testid="stStatusWidget"] { visibility: hidden; }
[data-testid="stHeader"] { display: none; }
.st-key-init { position: absolute; visibility: hidden; }  /* the login cookie's component: kept, out of the flow */
[data-testid="stMainBlockContainer"] { padding-top: 0.8rem; }
div[class*="st-key-kpi-"] [data-testid="stMetricValue"] { font-size: 2.8rem; }
div[class*="st-key-kpi-"] [data-testid="stMetricLabel"] p { font-size: 1rem; }
div[class*="st-key-kpi-"] [data-testid="stMetricDelta"] { font-size: 1.05rem; }
[data-testid="stDownloadButton"] { display: none; }
.gov-present-line { font-size: 1.35rem; font-weight: 600; color: #202124; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding: 0.2rem 0; }
[data-testid="stMainBlockContainer"] h3 { padding: 0.2rem 0; }
/* the Overview's slide: every program's cards on the first screen of a 1280x720 share */
div[class*="st-key-kpi-"][class*="-overview-"] { padding: 0.4rem 0.8rem !important; gap: 0.1rem !important; }
div[class*="st-key-kpi-"][class*="-overview-"] [data-testid="stMetricValue"] { font-size: 2.1rem;
  line-height: 1.15; }
div[class*="st-key-kpi-"][class*="-overview-"] [data-testid="stMetricLabel"] p { font-size: 0.95rem; }
div[class*="st-key-kpi-"][class*="-overview-"] [data-testid="stMetricDelta"] { font-size: 0.95rem; }
div[class*="st-key-kpi-"][class*="-overview-"] [data-testid="stMarkdown"] p { font-size: 0.8rem; }
@media (min-height: 1000px) {  /* a 1080p share has room for bigger numbers */
  div[class*="st-key-kpi-"][class*="-overview-"] [data-testid="stMetricValue"] { font-size: 2.8rem; }
  div[class*="st-key-kpi-"][class*="-overview-"] [data-testid="stMetricLabel"] p { font-size: 1.1rem; }
  div[class*="st-key-kpi-"][class*="-overview-"] [data-testid="stMetricDelta"] { font-size: 1.05rem; }
  div[class*="st-key-kpi-"][class*="-overview-"] [data-testid="stMarkdown"] p { font-size: 0.9rem; }
}
[data-testid="stColumn"] > [data-testid="stVerticalBlock"] { gap: 0.5rem; }
[data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
</style>
"""


def _exit_presentation() -> None:
    st.session_state["present"] = False


def apply_presentation(context: PageContext) -> None:
    """Base styles; in presentation mode hide the controls, enlarge KPIs and show the filters line."""
    st.html(BASE_CSS)
    if not context.presentation:
        return
    st.html(PRESENTATION_CSS)
    with st.container(horizontal=True, vertical_alignment="center", key="presentation-bar"):
        st.html(f'<div class="gov-present-line">{_escape(context.filters_line)}</div>', width="stretch")
        st.button("Exit presentation", icon=":material/close_fullscreen:", on_click=_exit_presentation,
                  key="exit-presentation", type="secondary")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header(
    ctx: PageContext,
    title: str,
    description: str = "",
    page_filters: dict[str, Sequence[str] | None] | None = None,
    *,
    dated: bool = True,
) -> None:
    """Page title and, below it, the active filters in one line (the comparison period named).

    Pages whose content does not depend on the dates or markets (the catalog, the data source) pass
    dated=False: a date line there would claim a filter that does not apply.
    Right of the title is the slot the frame fills with the page's PDF download after the page ran.
    """
    title_column, export_column = st.columns([6, 1], vertical_alignment="bottom")
    title_column.title(title, anchor=False)
    extra = [f"{FILTER_LABELS.get(k, k)}: {', '.join(v)}" for k, v in (page_filters or {}).items() if v]
    ctx.report.title = title
    ctx.report.page_filters = {k: tuple(v) for k, v in (page_filters or {}).items() if v}
    filters_line = [ctx.filters_line] if dated else []
    ctx.report.filters = " · ".join([*filters_line, *extra])
    ctx.report.slot = export_column.empty()
    if ctx.presentation:
        if extra:
            line = _escape(" · ".join(extra))
            st.markdown(f'<div class="gov-present-line">{line}</div>', unsafe_allow_html=True)
        return
    line = " · ".join([*filters_line, *extra])
    if line:
        st.markdown(f'<div class="gov-filters">{_escape(line)}</div>', unsafe_allow_html=True)
    if description:
        st.caption(description)


def empty_state(message: str) -> None:
    """An empty result (not an error): what is empty and what to change."""
    st.info(message, icon=":material/search_off:")


def error_banner(what: str, error: GovernanceDataError) -> None:
    st.error(f"**{what} could not be loaded.** {error}", icon=":material/error:")


@contextlib.contextmanager
def section(what: str) -> Iterator[None]:
    """Render a page section; a data error shows a banner for this section and the page goes on."""
    try:
        yield
    except GovernanceDataError as error:
        error_banner(what, error)


def load(what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call a metric function; on a data error show a banner and return None."""
    try:
        return function(*args, **kwargs)
    except GovernanceDataError as error:
        error_banner(what, error)
        return None


def no_data_message(ctx: PageContext, what: str) -> str:
    period = ctx.request.period
    where = ", ".join(ctx.request.countries) if ctx.request.countries else "your markets"
    return (
        f"No {what} between {format_day(period.start)} and {format_day(period.end)} in {where}. "
        "Choose a wider date range or other markets in the sidebar."
    )


# ---- page filters ------------------------------------------------------------------------------


def filter_options(ctx: PageContext, table: str, column: str, where: tuple = ()) -> list[str]:
    """Distinct values of one column in the user's markets (a cached GROUP BY)."""
    frame = ctx.data.aggregate(AggregateSpec(table, (Dim(column),), (Count("rows"),), where=where))
    return sorted(str(v) for v in frame[column].drop_nulls().to_list())


def vendor_site_options(ctx: PageContext) -> list[str]:
    """'Vendor / Site' of every site with human-reviewed cases in the user's markets."""
    frame = ctx.data.aggregate(
        AggregateSpec("moderation_cases", (Dim("vendor"), Dim("site")), (Count("rows"),),
                      where=(Eq("channel", "human"),))
    ).drop_nulls(["vendor", "site"])
    return sorted(f"{v}{VENDOR_SITE_SEPARATOR}{s}" for v, s in frame.select("vendor", "site").iter_rows())


def page_filter(key: str, options: Sequence[str]) -> tuple[str, ...] | None:
    """A page-level multiselect in the sidebar, bound to the URL (None when nothing is picked)."""
    return filters.domain_filter(FILTER_LABELS.get(key, key), key, options)


def page_filters(
    ctx: PageContext, sources: dict[str, tuple[str, str] | str]
) -> tuple[dict[str, tuple[str, ...] | None], dict[str, list[str]]]:
    """Render the page's filters; sources maps key -> (table, column) or "vendor_site".

    Returns the chosen values per key and the options per key (for click-to-filter).
    """
    chosen: dict[str, tuple[str, ...] | None] = {}
    options: dict[str, list[str]] = {}
    if sources:
        st.sidebar.caption("Page filters")
    for key, source in sources.items():
        try:
            values = vendor_site_options(ctx) if source == "vendor_site" else filter_options(ctx, *source)
        except GovernanceDataError as error:
            st.sidebar.warning(f"{FILTER_LABELS.get(key, key)} filter unavailable: {error}")
            values = []
        options[key] = values
        chosen[key] = page_filter(key, values)
    return chosen, options


def vendor_site_pairs(values: Sequence[str] | None) -> tuple[tuple[str, str], ...] | None:
    """('Atlas / Lisbon', ...) -> (('Atlas', 'Lisbon'), ...): the exact pairs (None when no filter)."""
    split = (value.split(VENDOR_SITE_SEPARATOR, 1) for value in values or () if VENDOR_SITE_SEPARATOR in value)
    pairs = tuple((vendor, site) for vendor, site in split)
    return pairs or None


def split_vendor_sites(values: Sequence[str] | None) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """('Atlas / Lisbon', ...) -> vendors, sites for MetricRequest (None when no filter)."""
    pairs = vendor_site_pairs(values) or ()
    vendors = tuple(dict.fromkeys(vendor for vendor, _ in pairs))
    sites = tuple(dict.fromkeys(site for _, site in pairs))
    return vendors or None, sites or None


def request_for(
    ctx: PageContext, chosen: dict[str, tuple[str, ...] | None], keys: Sequence[str] | None = None
) -> MetricRequest:
    """The global request narrowed by the chosen page filters (only `keys` when given)."""
    use = {k: v for k, v in chosen.items() if keys is None or k in keys}
    narrowed: dict[str, tuple[Any, ...] | None] = {}
    if "policy" in use:
        narrowed["policies"] = use["policy"]
    if "channel" in use:
        narrowed["channels"] = use["channel"]
    if "priority" in use:
        narrowed["priorities"] = use["priority"]
    if "vendor_site" in use:
        narrowed["vendors"], narrowed["sites"] = split_vendor_sites(use["vendor_site"])
        narrowed["vendor_sites"] = vendor_site_pairs(use["vendor_site"])
    return ctx.with_filters(**narrowed)


def ignored_filters_text(chosen: dict[str, tuple[str, ...] | None], applied: Sequence[str], why: str) -> str | None:
    """What an element says when active page filters do not apply to it (None when all apply)."""
    ignored = [FILTER_LABELS.get(k, k) for k, v in chosen.items() if v and k not in applied]
    if not ignored:
        return None
    names = " and ".join(ignored)
    return f"Not filtered by {names}: {why}"


def note_ignored_filters(chosen: dict[str, tuple[str, ...] | None], applied: Sequence[str], why: str) -> None:
    text = ignored_filters_text(chosen, applied, why)
    if text:
        st.caption(f":material/filter_alt_off: {text}")


def without(chosen: dict[str, tuple[str, ...] | None], key: str | None) -> dict[str, tuple[str, ...] | None]:
    """The chosen filters minus one (a breakdown by a filtered dimension still shows every key)."""
    return {k: v for k, v in chosen.items() if k != key}


# ---- footer ------------------------------------------------------------------------------------


def footer_text(context: PageContext, started: float, now: float | None = None) -> str:
    """'Data as of 15 Nov 2026 23:51 UTC · 12 queries, 0.04 s · page 0.21 s'."""
    now = time.perf_counter() if now is None else now
    as_of_text = data_as_of_text(context.data_as_of)
    queries = context.data.queries
    return (
        f"Data as of {as_of_text} · {queries} {'query' if queries == 1 else 'queries'}, "
        f"{context.data.query_seconds:.2f} s · page {now - started:.2f} s"
    )


def footer(context: PageContext, started: float) -> None:
    """Data freshness and the time this rerun spent in queries and in total."""
    text = _escape(footer_text(context, started))
    st.markdown(f'<div class="gov-footer">{text}</div>', unsafe_allow_html=True)
