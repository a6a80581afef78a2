"""The DataAccess calls each dashboard page makes, so the benchmark times the app's data path.

Each function mirrors one script in app_pages/ under the default filters (every market, the default
date preset "last complete week", no page filter, the first breakdown dimension and metric of each
picker), minus the rendering: the same metric-module calls with the same arguments, plus the
page-filter options and the trend annotations from
metrics/page_queries.py, which the pages call too (a worker process does not import Streamlit). If
a page changes what it asks for, change it here too.
"""

from __future__ import annotations

from typing import Callable

from metrics import appeals, appeals_views, creators, escalation_views, escalations, mix, vendor_scorecard, vendors
from metrics.base import DataAccess, MetricRequest, country_regions
from metrics.domain import domain_trend
from metrics.page_queries import filter_options, grain_for, source_annotations, vendor_site_options
from metrics.report import combined_breakdown
from metrics.targets import Settings

PageCalls = Callable[[DataAccess, MetricRequest, Settings], None]


def frame(data: DataAccess) -> None:
    """What app.py asks on every rerun before the page runs: the markets of the user's scope.

    (Its "data as of" query, Source.latest_event_time, is not a DataAccess method; run.py times it
    with every page.)
    """
    country_regions(data)


def annotations(data: DataAccess, request: MetricRequest) -> None:
    """ui/charts.py annotations: the trend chart's events from the source."""
    source_annotations(data, request)


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
