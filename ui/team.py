"""Saved views (the sidebar's "Save this view") and team annotations (the trend's "Add an annotation").

Both write to the state database through data.py and record the change in the audit log.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlencode

import streamlit as st

import data
from auth.users import EDITOR_ROLES
from state.store import StateUnavailable
from state.views_store import Refused
from ui.context import PageContext
from ui.filters import URL_LABELS

NOT_SAVABLE = frozenset({"audit", "saved-views"})  # pages whose content the filters do not shape
# the annotation domains an editor can pick on each trend page (charts.PAGE_EVENT_DOMAINS draws them)
ANNOTATION_DOMAINS: dict[str, tuple[str, ...]] = {
    "appeals": ("appeals",),
    "vendors": ("vendor_sla", "moderation_mix"),
    "creators": ("creator_risk",),
    "escalations": ("escalations",),
}
EVERY_DOMAIN = "Every page"
DOMAIN_LABELS = {"appeals": "Appeals", "vendor_sla": "Vendor SLA", "moderation_mix": "Moderation mix",
                 "creator_risk": "Creator risk", "escalations": "Escalations", EVERY_DOMAIN: EVERY_DOMAIN}


def current_query() -> str:
    """The current URL's filters as a query string (every value of every key, in URL order)."""
    return urlencode([(key, value) for key in st.query_params for value in st.query_params.get_all(key)])


def query_params_of(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=False)


def readable_filters(query: str) -> str:
    """'Date range: Last 28 days · Market: DE · Policy: counterfeit' for a view's query string."""
    parts = [f"{URL_LABELS.get(key, key).capitalize()}: {', '.join(values)}"
             for key, values in query_params_of(query).items()]
    return " · ".join(parts) or "the page's defaults"


def view_markets(ctx: PageContext) -> tuple[str, ...] | None:
    """The markets the current view shows: the chosen ones, else the user's whole scope (None = all)."""
    if ctx.request.countries:
        return tuple(ctx.request.countries)
    return None if ctx.data.scope.countries is None else tuple(ctx.markets["country_code"].to_list())


def save_view_control(ctx: PageContext, page: str) -> None:
    """A sidebar form that saves the current page with its URL filters under a name."""
    if page in NOT_SAVABLE or ctx.presentation:
        return
    with st.sidebar.form("save-view", clear_on_submit=True, border=False):
        st.markdown("**Saved views**")
        name = st.text_input("Save this view as", key="save-view-name", placeholder="e.g. DE appeals weekly",
                             max_chars=120)
        saved = st.form_submit_button("Save view", icon=":material/bookmark_add:")
    if saved:
        query = current_query()
        try:
            view = data.views_store().save_view(ctx.username, name, page, query, view_markets(ctx))
        except (Refused, StateUnavailable) as error:
            st.sidebar.error(str(error), icon=":material/error:")
            return
        if ctx.auditor is not None:
            ctx.auditor("view_saved", page, name=view.name, query=view.query)
        st.sidebar.success(f"Saved '{view.name}'. Open it from 'Saved views'.", icon=":material/bookmark:")


def annotation_form(ctx: PageContext, page: str) -> None:
    """Editors (and admins) add a team annotation for markets of their scope; others see nothing."""
    if ctx.role not in EDITOR_ROLES or ctx.presentation or page not in ANNOTATION_DOMAINS:
        return
    scope = ctx.data.scope
    codes = ctx.markets["country_code"].to_list()
    latest = ctx.data_as_of.date() if ctx.data_as_of else dt.date.today()
    with st.popover("Add an annotation", icon=":material/add_comment:"):
        with st.form(f"annotate-{page}", clear_on_submit=True, border=False):
            day = st.date_input("Day", value=min(ctx.request.period.end, latest), max_value=latest,
                                key=f"annotate-day-{page}")
            every = "every market" if scope.countries is None else None
            markets = st.multiselect("Markets", codes, default=list(ctx.request.countries or ()),
                                     key=f"annotate-markets-{page}",
                                     placeholder=f"None picked = {every}" if every else "Pick your markets")
            domain = st.selectbox("Shown on", [*ANNOTATION_DOMAINS[page], EVERY_DOMAIN], key=f"annotate-domain-{page}",
                                  format_func=lambda d: DOMAIN_LABELS.get(d, d),
                                  help="The program whose trends draw it; 'Every page' draws it on all trends.")
            text = st.text_area("What happened", key=f"annotate-text-{page}", max_chars=500)
            added = st.form_submit_button("Add annotation", icon=":material/check:")
        own_annotations(ctx, page)
    if not added:
        return
    chosen = None if (not markets and scope.countries is None) else list(markets)
    picked_domain = None if domain == EVERY_DOMAIN else domain
    try:
        data.views_store().add_annotation(ctx.username, scope, day, chosen, picked_domain, text)
    except (Refused, StateUnavailable) as error:
        st.error(f"The annotation was not added: {error}", icon=":material/error:")
        return
    if ctx.auditor is not None:
        ctx.auditor("annotation_added", page, day=day.isoformat(), markets=chosen or "all", domain=picked_domain,
                    text=text.strip())
    st.success(f"Annotation added for {day:%-d %b %Y} ({', '.join(chosen) if chosen else 'every market'}).",
               icon=":material/check:")


def own_annotations(ctx: PageContext, page: str) -> None:
    """The editor's own annotations in the chart's window, each with a delete button."""
    window = ctx.request.window
    try:
        mine = data.views_store().annotations_by(ctx.username, window.start, window.end)
    except StateUnavailable as error:
        st.caption(str(error))
        return
    if mine.is_empty():
        return
    st.markdown("**Your annotations in this window**")
    for event_id, day, markets, domain, text in mine.iter_rows():
        words, remove = st.columns([5, 1], vertical_alignment="center")
        words.caption(f"{day:%-d %b %Y} · {markets or 'every market'} · {DOMAIN_LABELS.get(domain or EVERY_DOMAIN)}: "
                      f"{text}")
        if remove.button("Delete", key=f"delete-annotation-{page}-{event_id}", icon=":material/delete:", type="tertiary",
                         help="Delete this annotation"):
            try:
                data.views_store().delete_annotation(event_id, ctx.username)
            except (Refused, StateUnavailable) as error:
                st.error(f"The annotation was not deleted: {error}", icon=":material/error:")
                return
            if ctx.auditor is not None:
                ctx.auditor("annotation_deleted", page, day=day.isoformat(), markets=markets or "all", text=text)
            st.rerun()
