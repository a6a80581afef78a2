"""The page filters in the sidebar (URL-bound), the request they give, and notes on what ignores them."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from connectors.errors import GovernanceDataError
from metrics.base import MetricRequest
from metrics.page_queries import (
    FILTER_LABELS, Chosen, filter_options, ignored_filters_text, narrowed_request, vendor_site_options,
)
from ui import filters
from ui.context import PageContext


def sidebar_filters(
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
            values = vendor_site_options(ctx.data) if source == "vendor_site" else filter_options(ctx.data, *source)
        except GovernanceDataError as error:
            st.sidebar.warning(f"{FILTER_LABELS.get(key, key)} filter unavailable: {error}")
            values = []
        options[key] = values
        chosen[key] = filters.domain_filter(FILTER_LABELS.get(key, key), key, values)
    return chosen, options


def request_for(ctx: PageContext, chosen: Chosen, keys: Sequence[str] | None = None) -> MetricRequest:
    """The page's request: the global filters narrowed by the chosen page filters (only `keys` when given)."""
    return narrowed_request(ctx.request, chosen, keys)


def note_ignored(chosen: Chosen, applied: Sequence[str] | None, why: str) -> None:
    """A caption on an element that some active page filters do not narrow, saying which and why."""
    text = ignored_filters_text(chosen, applied, why)
    if text:
        st.caption(f":material/filter_alt_off: {text}")
