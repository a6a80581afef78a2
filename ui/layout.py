"""Page sections and their states: a section that survives a data error, empty states, error banners."""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, TypeVar

import streamlit as st

from connectors.errors import GovernanceDataError
from ui.context import PageContext
from ui.kpis import format_day

T = TypeVar("T")


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
