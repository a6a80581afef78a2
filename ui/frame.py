"""The page frame: base styles and presentation mode, the page header, the footer."""

from __future__ import annotations

import time
from typing import Sequence

import streamlit as st

from metrics.page_queries import FILTER_LABELS
from ui.context import PageContext
from ui.kpis import STATUS_COLORS, as_of_text as data_as_of_text

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
