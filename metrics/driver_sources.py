"""Component tables for the driver analysis, and how each registered metric decomposes over them.

Each domain is queried once per period at the finest grain of its breakdown dimensions, through
the domain's own component queries (so the totals are the KPIs' own numbers); every single
dimension and pair is then a Polars sum of those rows. Derived dimensions (region from the
market, vendor site from vendor and site) are added here.

Dimensions per program: appeals by market, region, policy, original channel and appellant type
(the appeal rate without appellant type: moderation cases have none); vendor SLA by market, region,
vendor, vendor site, queue and policy; moderation mix by market, region, channel, policy and queue
(shares not by channel, which they are made of); creator violations by market, region, policy,
severity and detection, and the creator stocks (active, 90-day risk, GMV at risk) by market and
region only, because a creator's 90-day points do not split over violation attributes;
escalations by market, region, priority, source, domain and root cause.

Statements of a full review (each histogram is its own GROUP BY, see connectors/query.py):
appeals 6 per period (submitted, decided + its TAT histogram, backlog, QA squares, actioned cases),
vendor SLA 1 per period, moderation mix 2 per period (+ TAT histogram), creator risk 5 (violations
of both periods in one, per-market stocks: violations, two 90-day rollups, active creators),
escalations 8 for both periods (four event types, three of them with a histogram, and the stock
open at the window start), market regions 1, annotations 1: 33 in all, whatever the period length.
"""

from __future__ import annotations

from typing import Callable

import polars as pl

from connectors.spec import AggregateSpec, Count, Dim, Eq, NotNull, Sum
from metrics import appeals, creators, escalations, mix, vendors
from metrics.case_components import TABLE as CASES_TABLE
from metrics.base import DataAccess, MetricRequest, Period, country_regions
from metrics.creator_signals import OCCURRED, VIOLATION_FILTERS, tier_thresholds
from metrics.drivers import ComponentTable, DriverDef
from metrics.targets import Settings

APPEAL_DIMS = ("country_code", "policy", "original_channel", "appellant_type")
CASE_DIMS = ("country_code", "policy", "original_channel")
VENDOR_DIMS = ("country_code", "vendor", "site", "queue", "policy")
MIX_DIMS = ("country_code", "channel", "policy", "queue")
VIOLATION_DIMS = ("country_code", "policy", "severity", "detection")
ESCALATION_DIMS = ("country_code", "priority", "source", "domain", "root_cause")

REDUNDANT_PAIRS = (
    frozenset({"country_code", "region"}), frozenset({"vendor", "vendor_site"}),
    frozenset({"site", "vendor_site"}), frozenset({"vendor", "site"}),
)
DIMENSION_LABELS: dict[str, str] = {
    "country_code": "Market", "region": "Region", "policy": "Policy", "original_channel": "Original channel",
    "appellant_type": "Appellant type", "vendor": "Vendor", "site": "Site", "vendor_site": "Vendor site",
    "queue": "Queue", "channel": "Channel", "severity": "Severity", "detection": "Detection",
    "priority": "Priority", "source": "Source", "domain": "Domain", "root_cause": "Root cause",
}


def _d(metric_id: str, table: str, kind: str, test: str, value: str, denominator: str | None = None,
       noun: str = "events", **extra: object) -> DriverDef:
    return DriverDef(metric_id, table, kind, test, value, denominator, volume_noun=noun, **extra)  # type: ignore[arg-type]


DRIVER_DEFS: tuple[DriverDef, ...] = (
    _d("appeals.submitted", "appeals", "count", "poisson", "submitted", noun="appeals submitted"),
    _d("appeals.appeal_rate", "appeal_cases", "ratio", "proportion", "submitted", "actioned_cases",
       noun="actioned cases"),
    _d("appeals.decided", "appeals", "count", "poisson", "decided", noun="appeals decided"),
    _d("appeals.overturn_rate", "appeals", "ratio", "proportion", "overturned", "decided", noun="decided appeals"),
    _d("appeals.tat_p50_hours", "appeals", "percentile", "bucket", "tat", quantile=0.5, noun="decided appeals"),
    _d("appeals.tat_p90_hours", "appeals", "percentile", "bucket", "tat", quantile=0.9, noun="decided appeals"),
    _d("appeals.sla_adherence", "appeals", "ratio", "proportion", "within_sla", "decided", noun="decided appeals"),
    _d("appeals.backlog", "appeals", "count", "poisson", "backlog", noun="open appeals"),
    _d("appeals.backlog_breached", "appeals", "count", "poisson", "backlog_breached", noun="open appeals"),
    _d("appeals.qa_score", "appeals", "ratio", "mean", "qa_sum", "qa_scored",
       mean_of=("qa_sum", "qa_scored", "qa_sq"), noun="QA-scored appeals"),
    _d("appeals.reappeal_rate", "appeals", "ratio", "proportion", "reappeals", "submitted", noun="appeals submitted"),
    _d("vendors.cases", "vendors", "count", "poisson", "cases", noun="human cases"),
    _d("vendors.aht_seconds", "vendors", "ratio", "mean", "handle_sum", "handled",
       mean_of=("handle_sum", "handled", "handle_sq"), noun="human cases"),
    _d("vendors.tat_adherence", "vendors", "ratio", "proportion", "within_sla", "cases", noun="human cases"),
    _d("vendors.qa_accuracy", "vendors", "ratio", "proportion", "qa_agreed", "qa_verdicts", noun="QA verdicts"),
    _d("vendors.cost_per_case", "vendors", "ratio", "mean", "cost_sum", "cases",
       mean_of=("cost_sum", "cases", "cost_sq"), noun="human cases"),
    # cases per handling hour is 3600 / AHT: the same mean test
    _d("vendors.productivity", "vendors", "ratio", "mean", "handled", "handle_sum", scale=3600.0,
       mean_of=("handle_sum", "handled", "handle_sq"), noun="handling seconds"),
    _d("mix.decisions", "mix", "count", "poisson", "decisions", noun="decisions"),
    _d("mix.automated_share", "mix", "ratio", "proportion", "automated", "decisions", noun="decisions",
       exclude=("channel",)),
    _d("mix.llm_share", "mix", "ratio", "proportion", "llm", "decisions", noun="decisions", exclude=("channel",)),
    _d("mix.human_share", "mix", "ratio", "proportion", "human", "decisions", noun="decisions", exclude=("channel",)),
    _d("mix.qa_accuracy", "mix", "ratio", "proportion", "qa_agreed", "qa_verdicts", noun="QA verdicts"),
    _d("mix.cost_per_decision", "mix", "ratio", "mean", "cost_sum", "decisions",
       mean_of=("cost_sum", "decisions", "cost_sq"), noun="decisions"),
    _d("mix.tat_p50_hours", "mix", "percentile", "bucket", "tat", quantile=0.5, noun="decisions"),
    _d("mix.tat_p90_hours", "mix", "percentile", "bucket", "tat", quantile=0.9, noun="decisions"),
    _d("creators.active", "creator_stock", "count", "poisson", "active", noun="active creators"),
    _d("creators.violations", "violations", "count", "poisson", "violations", noun="violations"),
    _d("creators.violations_per_1k", "creator_stock", "ratio", "poisson_rate", "violations", "active",
       scale=1000.0, noun="active creators"),
    _d("creators.repeat_offender_rate", "creator_stock", "ratio", "proportion", "repeaters", "offenders",
       noun="creators with violations"),
    # a sum of USD amounts: additive, but with no distribution to test against
    _d("creators.gmv_at_risk_usd", "creator_stock", "count", "none", "gmv_at_risk", noun="USD"),
    _d("creators.high_risk", "creator_stock", "count", "poisson", "high_risk", noun="creators"),
    _d("creators.offenders", "creator_stock", "count", "poisson", "offenders", noun="creators"),
    _d("escalations.opened", "escalations", "count", "poisson", "opened", noun="escalations opened"),
    _d("escalations.resolved", "escalations", "count", "poisson", "resolved", noun="escalations resolved"),
    _d("escalations.open_at_end", "escalations", "count", "poisson", "open_at_end", noun="open escalations"),
    _d("escalations.p0_open", "escalations", "count", "poisson", "p0_open", noun="open P0 escalations"),
    *(
        _d(f"escalations.{name}_p{q}_hours", "escalations", "percentile", "bucket", name, quantile=q / 100,
           noun="escalations")
        for name in ("tta", "ttc", "ttr") for q in (50, 90)
    ),
    _d("escalations.target_adherence", "escalations", "ratio", "proportion", "adherent", "resolved_targeted",
       noun="resolved escalations"),
    _d("escalations.ack_adherence", "escalations", "ratio", "proportion", "ack_within", "acknowledged",
       noun="acknowledged escalations"),
    _d("escalations.contain_adherence", "escalations", "ratio", "proportion", "contain_within", "contained",
       noun="contained escalations"),
    _d("escalations.resolve_adherence", "escalations", "ratio", "proportion", "resolve_within", "resolved",
       noun="resolved escalations"),
    _d("escalations.recurrence_rate", "escalations", "ratio", "proportion", "recurrences", "opened",
       noun="escalations opened"),
)
BY_METRIC: dict[str, DriverDef] = {d.metric_id: d for d in DRIVER_DEFS}
TABLE_DOMAIN: dict[str, str] = {
    "appeals": "appeals", "appeal_cases": "appeals", "vendors": "vendors", "mix": "mix",
    "violations": "creators", "creator_stock": "creators", "escalations": "escalations",
}


# ---- derived dimensions --------------------------------------------------------------------------


def _with_region(frame: pl.DataFrame, regions: pl.DataFrame) -> pl.DataFrame:
    return frame.join(regions, on="country_code", how="left")


def _table(current: pl.DataFrame, previous: pl.DataFrame, dims: tuple[str, ...], regions: pl.DataFrame,
           derive: Callable[[pl.DataFrame], pl.DataFrame] = lambda f: f, extra_dims: tuple[str, ...] = ()
           ) -> ComponentTable:
    """A component table with region (and any derived dimension) added to both periods."""
    def prepare(frame: pl.DataFrame) -> pl.DataFrame:
        return derive(_with_region(frame, regions)) if "country_code" in dims else derive(frame)
    all_dims = (*dims[:1], *(("region",) if "country_code" in dims else ()), *dims[1:], *extra_dims)
    return ComponentTable(all_dims, prepare(current), prepare(previous), REDUNDANT_PAIRS)


# ---- the domains ---------------------------------------------------------------------------------


def appeal_tables(data: DataAccess, request: MetricRequest, regions: pl.DataFrame) -> dict[str, ComponentTable]:
    def qa_squares(span: Period) -> pl.DataFrame:
        return data.aggregate(AggregateSpec(
            "appeals", tuple(Dim(d) for d in APPEAL_DIMS),
            (Sum("qa_sq", "qa_score", where=NotNull("qa_score"), squared=True),),
            where=(span.between("decided_at"), *appeals.appeal_filters(request)), countries=request.countries,
        ))

    def actioned(span: Period) -> pl.DataFrame:
        return data.aggregate(AggregateSpec(
            "moderation_cases", tuple(Dim(appeals.CASE_DIMENSIONS[d], name=d) for d in CASE_DIMS),
            (Count("actioned_cases"),),
            where=(Eq("outcome", "actioned"), span.between("decided_at"),
                   *request.filters_for(appeals.CASE_FILTERS)),
            countries=request.countries,
        ))

    def side(span: Period) -> tuple[pl.DataFrame, pl.DataFrame]:
        frame = appeals.components(data, request, span, APPEAL_DIMS).drop("actioned_cases")
        frame = frame.join(qa_squares(span), on=list(APPEAL_DIMS), how="left", nulls_equal=True).with_columns(
            pl.col("qa_sq").fill_null(0)
        )
        submitted = frame.group_by(list(CASE_DIMS)).agg(pl.col("submitted").sum())
        cases = submitted.join(actioned(span), on=list(CASE_DIMS), how="full", coalesce=True, nulls_equal=True)
        return frame, cases.with_columns(pl.col("submitted", "actioned_cases").fill_null(0))

    (current, current_cases), (previous, previous_cases) = side(request.period), side(request.comparison)
    return {
        "appeals": _table(current, previous, APPEAL_DIMS, regions),
        "appeal_cases": _table(current_cases, previous_cases, CASE_DIMS, regions),
    }


def vendor_tables(data: DataAccess, request: MetricRequest, regions: pl.DataFrame) -> dict[str, ComponentTable]:
    measures = (*vendors.MEASURES, Sum("handle_sq", "handle_seconds", squared=True),
                Sum("cost_sq", "cost_usd", squared=True))

    def side(span: Period) -> pl.DataFrame:
        return data.aggregate(AggregateSpec(
            CASES_TABLE, tuple(Dim(d) for d in VENDOR_DIMS), measures,
            where=(Eq("channel", "human"), span.between("decided_at"), *request.filters_for(vendors.FILTERS)),
            countries=request.countries,
        ))

    def vendor_site(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(vendors.VENDOR_SITE)

    table = _table(side(request.period), side(request.comparison), ("country_code", "vendor", "queue", "policy"),
                   regions, vendor_site, extra_dims=("vendor_site",))
    return {"vendors": table}


def mix_tables(data: DataAccess, request: MetricRequest, regions: pl.DataFrame) -> dict[str, ComponentTable]:
    measures = (*mix.MEASURES, Sum("cost_sq", "cost_usd", squared=True))

    def side(span: Period) -> pl.DataFrame:
        return data.aggregate(AggregateSpec(
            CASES_TABLE, tuple(Dim(d) for d in MIX_DIMS), measures,
            where=(span.between("decided_at"), *request.filters_for(mix.FILTERS)), countries=request.countries,
        ))

    return {"mix": _table(side(request.period), side(request.comparison), MIX_DIMS, regions)}


def creator_tables(
    data: DataAccess, request: MetricRequest, regions: pl.DataFrame, settings: Settings
) -> dict[str, ComponentTable]:
    window = request.window
    violations = data.aggregate(AggregateSpec(
        "creator_violations", tuple(Dim(d) for d in VIOLATION_DIMS),
        (Count("violations", request.period.between(OCCURRED)), Count("violations_prev", request.comparison.between(OCCURRED))),
        where=(window.between(OCCURRED), *request.filters_for(VIOLATION_FILTERS)), countries=request.countries,
    ))
    stock = creators._components(data, request, ("country_code",), tier_thresholds(settings))
    stock_columns = ("active", "violations", "repeaters", "offenders", "high_risk", "gmv_at_risk")

    def split(frame: pl.DataFrame, dims: tuple[str, ...], columns: tuple[str, ...]) -> tuple[pl.DataFrame, pl.DataFrame]:
        current = frame.select(*dims, *columns)
        previous = frame.select(*dims, *(pl.col(f"{c}_prev").alias(c) for c in columns))
        return current, previous

    return {
        "violations": _table(*split(violations, VIOLATION_DIMS, ("violations",)), VIOLATION_DIMS, regions),
        "creator_stock": _table(*split(stock, ("country_code",), stock_columns), ("country_code",), regions),
    }


def escalation_tables(
    data: DataAccess, request: MetricRequest, regions: pl.DataFrame, settings: Settings
) -> dict[str, ComponentTable]:
    daily = escalations.daily_components(data, request, settings, ESCALATION_DIMS)
    summed = escalations.summarise(daily, ESCALATION_DIMS, escalations._period_buckets(request))
    current = summed.filter(pl.col("bucket") == "current").drop("bucket")
    previous = summed.filter(pl.col("bucket") == "previous").drop("bucket")
    return {"escalations": _table(current, previous, ESCALATION_DIMS, regions)}


DOMAIN_TABLES: dict[str, Callable[..., dict[str, ComponentTable]]] = {
    "appeals": lambda data, request, regions, settings: appeal_tables(data, request, regions),
    "vendors": lambda data, request, regions, settings: vendor_tables(data, request, regions),
    "mix": lambda data, request, regions, settings: mix_tables(data, request, regions),
    "creators": creator_tables,
    "escalations": escalation_tables,
}


def component_tables(
    data: DataAccess, request: MetricRequest, settings: Settings, domains: tuple[str, ...] | None = None
) -> dict[str, ComponentTable]:
    """Every component table of the requested domains (all by default) for the request's two periods."""
    regions = country_regions(data).select("country_code", "region")
    tables: dict[str, ComponentTable] = {}
    for domain, build in DOMAIN_TABLES.items():
        if domains is None or domain in domains:
            tables |= build(data, request, regions, settings)
    return tables
