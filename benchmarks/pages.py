"""The DataAccess calls each dashboard page makes, so the benchmark times the app's data path.

Each function mirrors one script in app_pages/ under the default filters (every market, the default
date preset "last complete week", no page filter, the first breakdown dimension and metric of each
picker), minus the rendering: the same metric-module calls with the same arguments, plus the
helpers in ui/ that query (the page-filter options and the trend annotations), rebuilt here from
the same specs so that a worker process does not import Streamlit. If a page changes what it
asks for, change it here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Callable

from connectors.spec import AggregateSpec, Count, Dim, Eq
from metrics import appeals, appeals_views, creators, escalation_views, escalations, mix, vendor_scorecard, vendors
from metrics.base import DataAccess, Grain, MetricRequest, Period, country_regions
from metrics.domain import domain_trend
from metrics.report import combined_breakdown
from metrics.targets import Settings

PageCalls = Callable[[DataAccess, MetricRequest, Settings], None]

# ui/charts.py ANNOTATIONS_SPEC: the events drawn on trend charts.
ANNOTATIONS_SPEC = AggregateSpec(
    "annotations", (Dim("day"), Dim("country_code"), Dim("domain"), Dim("text")), (Count("events"),)
)


def last_complete_week(as_of: dt.date) -> Period:
    """The app's default date preset (ui/filters.py "Last complete week"): the latest whole Monday-Sunday week."""
    last_sunday = as_of - dt.timedelta(days=(as_of.weekday() + 1) % 7)
    return Period(last_sunday - dt.timedelta(days=6), last_sunday)


def grain_for(request: MetricRequest) -> Grain:
    """ui/charts.py grain_for: daily points up to five weeks, weekly beyond."""
    return "day" if request.period.days <= 35 else "week"


def frame(data: DataAccess) -> None:
    """What app.py asks on every rerun before the page runs: the markets of the user's scope.

    (Its "data as of" query, Source.latest_event_time, is not a DataAccess method; run.py times it
    with every page.)
    """
    country_regions(data)


def filter_options(data: DataAccess, table: str, column: str) -> None:
    """ui/layout.py filter_options: the distinct values of one column (a page filter's options)."""
    data.aggregate(AggregateSpec(table, (Dim(column),), (Count("rows"),)))


def vendor_site_options(data: DataAccess) -> None:
    """ui/layout.py vendor_site_options: every vendor site with human-reviewed cases."""
    data.aggregate(AggregateSpec("moderation_cases", (Dim("vendor"), Dim("site")), (Count("rows"),),
                                 where=(Eq("channel", "human"),)))


def annotations(data: DataAccess, request: MetricRequest) -> None:
    """ui/charts.py annotations: the trend chart's events."""
    data.aggregate(replace(ANNOTATIONS_SPEC, countries=request.countries))


def overview(data: DataAccess, request: MetricRequest, settings: Settings) -> None:
    """app_pages/overview.py: KPIs and a daily trend per program, then the market-by-metric table."""
    frame(data)
    for module in (appeals, vendors, mix, creators, escalations):
        module.kpis(data, request, settings)
        domain_trend(module, data, request, "day", settings)
    combined_breakdown(data, request, "country_code", settings)


def appeals_page(data: DataAccess, request: MetricRequest, settings: Settings) -> None:
    """app_pages/appeals.py."""
    frame(data)
    filter_options(data, "appeals", "policy")
    filter_options(data, "appeals", "original_channel")
    appeals.kpis(data, request, settings)
    appeals.trend(data, request, grain_for(request))
    annotations(data, request)
    appeals.breakdown(data, request, ("country_code",))
    appeals_views.funnel(data, request)
    appeals_views.backlog_aging(data, request)
    appeals_views.overturn_movers(data, request)
    appeals.drilldown(data, request, limit=100)


def vendors_page(data: DataAccess, request: MetricRequest, settings: Settings) -> None:
    """app_pages/vendors.py (the metric picker defaults to a vendor metric, so the breakdown and the
    records are the vendor ones)."""
    frame(data)
    vendor_site_options(data)
    filter_options(data, "moderation_cases", "policy")
    filter_options(data, "moderation_cases", "channel")
    vendors.kpis(data, request, settings)
    mix.kpis(data, request, settings)
    grain = grain_for(request)
    vendors.trend(data, request, grain)
    mix.trend(data, request, grain)
    annotations(data, request)
    vendors.breakdown(data, request, ("country_code",))
    vendor_scorecard.scorecard(data, request)
    vendor_scorecard.weekly_breaches(data, request)
    mix.channel_share_trend(data, request, grain)
    mix.by_channel(data, request)
    vendors.drilldown(data, request, limit=100)


def creators_page(data: DataAccess, request: MetricRequest, settings: Settings) -> None:
    """app_pages/creators.py."""
    frame(data)
    filter_options(data, "creator_violations", "policy")
    creators.kpis(data, request, settings)
    creators.trend(data, request, grain_for(request), settings)
    annotations(data, request)
    creators.breakdown(data, request, ("country_code",), settings)
    creators.emerging_signals(data, request, settings)
    creators.risk_tiers(data, request, settings)
    creators.violations_by(data, request, ("policy", "severity"))
    creators.top_risky(data, request, 20)
    creators.drilldown(data, request, limit=100)


def escalations_page(data: DataAccess, request: MetricRequest, settings: Settings) -> None:
    """app_pages/escalations.py."""
    frame(data)
    filter_options(data, "escalations", "priority")
    escalations.kpis(data, request, settings)
    escalations.trend(data, request, grain_for(request), settings)
    escalation_views.open_escalations(data, request, settings, limit=500)  # app_pages/escalations.py OPEN_LIMIT
    annotations(data, request)
    escalations.breakdown(data, request, ("country_code",), settings)
    escalation_views.speed_by_priority(data, request, settings)
    escalation_views.root_cause_pareto(data, request)
    escalation_views.recurrence_by_root_cause(data, request)
    escalations.drilldown(data, request, limit=100)


PAGES: dict[str, PageCalls] = {
    "overview": overview,
    "appeals": appeals_page,
    "vendors": vendors_page,
    "creators": creators_page,
    "escalations": escalations_page,
}
