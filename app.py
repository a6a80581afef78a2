"""Entry point and frame: page config, login gate, global filters, navigation, footer.

The page scripts live in app_pages/, not pages/: Streamlit runs scripts in a folder named pages/
directly (its older multipage mode) for a freshly started server until the first st.navigation
call, which would skip this frame and its login gate for a direct page URL.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import streamlit as st

import data
from auth.audit import Auditor, page_view_key
from auth.gate import login_gate
from auth.tokens import client_address
from auth.users import User, unknown_markets, unknown_markets_message
from connectors.config import CONFIG_ENV_VAR, resolve_url
from connectors.errors import GovernanceDataError
from connectors.scope import Scope
from metrics.base import MetricRequest, country_regions
from metrics.targets import Settings
from state.store import state_url
from ui import exports, filters, frame, team
from ui.context import PageContext, set_page_context

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    st.Page("app_pages/review.py", title="Weekly review", icon=":material/trending_up:", url_path="review"),
    st.Page("app_pages/appeals.py", title="Appeals", icon=":material/gavel:", url_path="appeals"),
    st.Page("app_pages/vendors.py", title="Vendors & moderation mix", icon=":material/support_agent:", url_path="vendors"),
    st.Page("app_pages/planner.py", title="Mix planner", icon=":material/tune:", url_path="planner"),
    st.Page("app_pages/creators.py", title="Creator risk", icon=":material/person_alert:", url_path="creators"),
    st.Page("app_pages/escalations.py", title="Escalations", icon=":material/emergency:", url_path="escalations"),
    st.Page("app_pages/dsa.py", title="DSA transparency", icon=":material/policy:", url_path="dsa"),
    st.Page("app_pages/alerts.py", title="Alerts", icon=":material/notifications:", url_path="alerts"),
    st.Page("app_pages/catalog.py", title="Metric catalog", icon=":material/menu_book:", url_path="catalog"),
    st.Page("app_pages/sources.py", title="Data source", icon=":material/database:", url_path="source"),
]
SAVED_VIEWS_PAGE = st.Page("app_pages/saved_views.py", title="Saved views", icon=":material/bookmarks:",
                           url_path="saved-views")
AUDIT_PAGE = st.Page("app_pages/audit.py", title="Audit log", icon=":material/policy:", url_path="audit")
LAST_VIEW_KEY = "_audited_view"  # session_state: the last page view this session recorded


def main() -> None:
    started = time.perf_counter()
    st.set_page_config(page_title="Governance dashboard", page_icon=":material/shield:", layout="wide")
    user = login_gate([page.url_path for page in (*PAGES, SAVED_VIEWS_PAGE, AUDIT_PAGE)])
    auditor = Auditor(data.get_state_store(state_url()), user.username, client_address())
    config_path = os.environ.get(CONFIG_ENV_VAR)
    url = resolve_url(None)
    try:
        source = data.get_source(url, config_path)
    except GovernanceDataError as error:
        st.error(f"The data source is not available. {error}")
        st.stop()
    refuse_unknown_markets(user, data.CachedAccess(url, config_path, Scope.everything(), memory=data.session_memory()))
    access = data.CachedAccess(url, config_path, user.scope, memory=data.session_memory())
    # the audit log is an admin's: other roles get no link, and /audit is "page not found" for them
    pages = [*PAGES, SAVED_VIEWS_PAGE, *([AUDIT_PAGE] if user.role == "admin" else [])]
    navigation = st.navigation(pages, position="sidebar")
    try:
        context = build_context(access, source.config.sections, user, auditor)
    except GovernanceDataError as error:
        st.error(f"The data source is not available. {error}")
        st.stop()
    context.pages = {page.url_path: page for page in pages}
    set_page_context(context)
    frame.apply_presentation(context)
    stale_banner = st.empty()
    url_notice = st.empty()
    record_page_view(auditor, navigation.url_path or "overview", context.filters_line)
    navigation.run()
    team.save_view_control(context, navigation.url_path or "overview")
    notice = filters.ignored_notice(f"{navigation.url_path}|{context.filters_line}")
    if notice:
        url_notice.warning(notice, icon=":material/link_off:")
    if access.stale:
        oldest = min(notice.as_of for notice in access.stale)
        with stale_banner.container():
            st.error(f"The data source is not available. {access.stale[0].error}", icon=":material/error:")
            st.warning(
                f"Showing the last good result from {oldest:%d %b %Y %H:%M} UTC (stale).",
                icon=":material/history:",
            )
    exports.page_pdf_download(context)
    frame.footer(context, started)


def refuse_unknown_markets(user: User, everything: data.CachedAccess) -> None:
    """A market code that the source does not know (a typo, "*", "DE,FR") means no data, and says so."""
    if user.scope.countries is None:
        return
    try:
        known = country_regions(everything)["country_code"].to_list()
    except GovernanceDataError as error:
        st.error(f"The data source is not available. {error}")
        st.stop()
    unknown = unknown_markets(user.scope.countries, known)
    if unknown:
        st.error(unknown_markets_message(user.username, unknown), icon=":material/block:")
        st.stop()


def record_page_view(auditor: Auditor, page: str, filters_line: str) -> None:
    """One audit event per page and set of URL filters this session opens (not per widget rerun)."""
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    view = page_view_key(page, query)
    if st.session_state.get(LAST_VIEW_KEY) == view:
        return
    auditor("page_view", page, filters=filters_line, query=query)
    st.session_state[LAST_VIEW_KEY] = view


def build_context(access: data.CachedAccess, sections: dict, user: User, auditor: Auditor) -> PageContext:
    scope = user.scope
    as_of = access.latest_event_time()
    markets = country_regions(access).sort("country_code")
    if scope.is_empty or markets.is_empty():
        st.warning("Your account has no markets assigned, so there is no data to show. Ask an admin for access.")
        st.stop()
    if as_of is None:
        st.info("The data source has no events yet.")
        st.stop()
    with st.sidebar:
        st.subheader("Filters")
    present = filters.presentation_toggle()
    # two years back for custom ranges (timedelta, not replace(year=): 29 Feb has no twin)
    period = filters.date_filter(as_of.date(), as_of.date() - dt.timedelta(days=731))
    countries = filters.market_filter(markets)
    request = MetricRequest(period=period, countries=countries)
    return PageContext(
        request=request,
        data=access,
        settings=Settings.from_sections(sections),
        markets=markets,
        presentation=present,
        data_as_of=as_of,
        username=user.username,
        auditor=auditor,
        role=user.role,
        filters_line=filters.filters_line(
            period, countries, scope_markets=None if scope.countries is None else markets["country_code"].to_list()
        ),
    )


main()
