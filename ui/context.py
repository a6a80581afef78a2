"""What app.py hands every page for one rerun: the request, scoped cached data, settings, mode.

app.py builds the context after login and the global filters and stores it in this session's
state; pages call `page_context()` and never touch the database or the scope themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

import polars as pl
import streamlit as st

from auth.audit import Auditor
from data import CachedAccess
from metrics.base import MetricRequest
from metrics.targets import Settings

CONTEXT_KEY = "_page_context"
T = TypeVar("T")


@dataclass(frozen=True)
class ReportKpi:
    """One KPI card as shown, for the page's PDF report."""

    program: str
    label: str
    value: str
    change: str
    target: str
    status: str  # a metrics.base Status value


@dataclass
class PageReport:
    """What one run of a page showed (title, KPI cards, charts, tables), collected for the PDF export.

    It lives on this run's PageContext, so every rerun starts empty and no user sees another's.
    """

    title: str = ""
    filters: str = ""
    page_filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the page's own filters in use
    kpis: list[ReportKpi] = field(default_factory=list)
    charts: list[tuple[str, Any]] = field(default_factory=list)  # (title, Altair chart)
    tables: list[tuple[str, pl.DataFrame]] = field(default_factory=list)  # (title, cells formatted as text)
    table_statuses: dict[str, pl.DataFrame] = field(default_factory=dict)  # title -> target status per cell
    slot: Any = None  # the header placeholder the frame fills with the PDF button after the page ran

    @property
    def is_empty(self) -> bool:
        return not (self.kpis or self.charts or self.tables)


@dataclass
class PageContext:
    request: MetricRequest
    data: CachedAccess
    settings: Settings
    markets: pl.DataFrame  # country_code, country_name, region: the markets in the user's scope
    presentation: bool
    data_as_of: dt.datetime | None
    username: str
    filters_line: str  # the active filters in one line, e.g. "1-7 Nov 2026 vs 25-31 Oct · DE, FR"
    report: PageReport = field(default_factory=PageReport)
    auditor: Auditor | None = None  # None outside the app frame (unit tests of single widgets)
    role: str = ""
    pages: dict[str, Any] = field(default_factory=dict)  # url_path -> st.Page this user may open

    def audited_export(self, page: str, file_kind: str, what: str, rows: int | None,
                       build: Callable[[], T]) -> Callable[[], T]:
        """The export's builder, recording in the audit log who built which file when it runs."""
        return build if self.auditor is None else self.auditor.export(page, file_kind, what, rows, build)

    def export_name(self, page: str, what: str, extension: str) -> str:
        """page_what_markets_pagefilters_dates.ext, safe for every file system.

        The markets are the effective ones: a regional user's file names their markets, never
        "all-markets"."""
        period = f"{self.request.period.start:%Y%m%d}-{self.request.period.end:%Y%m%d}"
        effective = self.request.countries or (
            tuple(self.markets["country_code"]) if self.data.scope.countries is not None else None)
        markets = "-".join(effective) if effective else "all-markets"
        page_filters = ["-".join(values) for values in self.report.page_filters.values() if values]
        stem = "_".join([page, what, markets, *page_filters, period])
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem)[:150] + f".{extension}"


def set_page_context(context: PageContext) -> None:
    st.session_state[CONTEXT_KEY] = context


def current_report() -> PageReport | None:
    """This run's report collector, or None outside the app frame (unit tests of single widgets)."""
    context = st.session_state.get(CONTEXT_KEY)
    return context.report if isinstance(context, PageContext) else None


def page_context() -> PageContext:
    context = st.session_state.get(CONTEXT_KEY)
    if context is None:
        st.error("Open the dashboard through its main address (app.py): the filters are not set up.")
        st.stop()
    return context
