"""Creator risk: active creators, violations, 90-day risk points and tiers, repeat offenders, GMV at risk.

Risk points are the trailing 90-day sum of violation points per creator ending at a cut-off (the
period end for the value, the comparison end for the previous value). Tiers come from
`[risk] tier_thresholds` (default [5, 15, 30]): low < 5 <= medium < 15 <= high < 30 <= critical, so
a creator exactly on a threshold is in the higher tier. "At risk" means the high or critical tier.
Creator counts per tier are computed in SQL by EntityRollupSpec (only per-tier rows come back).

Breakdowns by a violation attribute (policy, severity, detection) score a creator by the points of
the matching violations only, which is what the same KPI filtered to that key would show; the
active-creator denominator is the one of the row's market (or all markets).
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import polars as pl

from connectors.contract import CONTRACT
from connectors.spec import (
    AggregateSpec,
    All,
    Before,
    Between,
    Condition,
    Count,
    Dim,
    EntityRollupSpec,
    Eq,
    In,
    RecordSpec,
)
from metrics.base import (
    DataAccess,
    Grain,
    KpiValue,
    MetricRequest,
    country_regions,
    day_range,
    known_query_columns,
    largest_first,
    outer_merge,
    ratio_expr,
    region_codes,
)
from metrics.creator_history import HISTORY_LIMIT, creator_profile, creator_violations, risk_points_over_time
from metrics.creator_signals import (
    OCCURRED,
    RISK_DAYS,
    TIER_NAMES,
    VIOLATION_FILTERS,
    emerging_signals,
    tier_thresholds,
    top_risky,
)
from metrics.domain import period_kpis, previous_columns
from metrics.registry import MetricDef, register
from metrics.targets import Settings

__all__ = [
    "METRICS", "KPI_IDS", "BREAKDOWN_DIMENSIONS", "kpis", "trend", "breakdown", "drilldown",
    "risk_tiers", "violations_by", "emerging_signals", "top_risky", "tier_thresholds",
    "creator_profile", "creator_violations", "risk_points_over_time", "HISTORY_LIMIT",
]

METRICS: tuple[MetricDef, ...] = register(
    MetricDef("creators.active", "Active creators",
              "Creators onboarded before the period end whose current status is not banned or offboarded.",
              "count", "neutral"),
    MetricDef("creators.violations", "Creator violations", "Creator violations that occurred in the period.",
              "count", "down", activity=True),
    MetricDef("creators.violations_per_1k", "Violations per 1k creators",
              "Violations in the period per 1,000 active creators at the period end (grows with the period length, so no default target).",
              "per_1k", "down", short_label="Violations / 1k"),
    MetricDef("creators.repeat_offender_rate", "Repeat-offender rate",
              "Creators with 2+ violations in the 90 days ending at the period end / creators with 1+.",
              "ratio", "down", 0.25, short_label="Repeat offenders"),
    MetricDef("creators.gmv_at_risk_usd", "GMV at risk",
              "Sum of gmv_30d_usd of creators in the high and critical risk tiers at the period end.",
              "usd", "down", format="${:,.0f}"),  # six-figure sums: cents are noise
    MetricDef("creators.high_risk", "High-risk creators",
              "Creators whose 90-day risk points put them in the high or critical tier at the period end.",
              "count", "down", activity=True),
    MetricDef("creators.offenders", "Creators with violations (90 d)",
              "Creators with at least one violation in the 90 days ending at the period end.", "count", "down", activity=True),
)
READS_SETTINGS = True  # trend and breakdown read the risk tier thresholds
KPI_IDS: tuple[str, ...] = (
    "creators.violations_per_1k", "creators.repeat_offender_rate", "creators.gmv_at_risk_usd",
    "creators.high_risk",
)
BREAKDOWN_DIMENSIONS: dict[str, str] = {
    "country_code": "Market", "region": "Region", "policy": "Policy", "severity": "Severity",
    "detection": "Detection",
}

ONBOARDED = "onboarded_at"
REMOVED_STATUSES = ("banned", "offboarded")
HIGH_TIER = TIER_NAMES.index("high")
CREATOR_DIMS = ("country_code", "region")  # attributes of the creator; the rest describe a violation
SNAPSHOT_POINTS = 16  # at most this many 90-day rollups per trend (one query each; charts join the points)
VIOLATION_COLUMNS = tuple(CONTRACT["creator_violations"])


# ---- component queries -------------------------------------------------------------------------------


def _query_dims(dimensions: tuple[str, ...]) -> tuple[str, ...]:
    """SQL grouping columns for the requested dimensions (region is grouped by market, then joined)."""
    return known_query_columns(dimensions, BREAKDOWN_DIMENSIONS, "creator")


def _regroup(frame: pl.DataFrame, dims: tuple[str, ...], regions: pl.DataFrame | None, sums: list[pl.Expr]) -> pl.DataFrame:
    """Sum additive components per requested key (joining region first when asked for)."""
    if "region" in dims and regions is not None:
        frame = frame.join(regions, on="country_code", how="left")
    return frame.group_by(list(dims)).agg(sums) if dims else frame.select(sums)


def _violation_where(request: MetricRequest, window_start: dt.datetime, window_end: dt.datetime) -> tuple[Condition, ...]:
    return (Between(OCCURRED, window_start, window_end), *request.filters_for(VIOLATION_FILTERS))


def _active_spec(request: MetricRequest, dims: tuple[str, ...], cutoffs: Mapping[str, dt.datetime]) -> AggregateSpec:
    """Creators onboarded before each cut-off, and those of them now banned or offboarded."""
    measures = []
    for suffix, at in cutoffs.items():
        before = Before(ONBOARDED, at)
        measures += [Count(f"onboarded{suffix}", before),
                     Count(f"removed{suffix}", All((before, In("status", REMOVED_STATUSES))))]
    return AggregateSpec("creators", tuple(Dim(d) for d in dims), tuple(measures),
                         where=(Before(ONBOARDED, max(cutoffs.values())),), countries=request.countries)


def _rollup(data: DataAccess, request: MetricRequest, at: dt.datetime, thresholds: tuple[float, ...],
            dims: tuple[str, ...] = ()) -> pl.DataFrame:
    """Per-tier rows (dims..., tier, entities, repeaters, events, attribute_sum) of the 90 days before `at`."""
    spec = EntityRollupSpec(
        "creator_violations", "creator_id", "points", thresholds,
        where=_violation_where(request, at - dt.timedelta(days=RISK_DAYS), at), dimensions=dims,
        entity_table="creators", entity_key="creator_id", attribute="gmv_30d_usd", repeat_min=2,
        countries=request.countries,
    )
    return data.entity_rollup(spec)


def _risk_sums(suffix: str = "") -> list[pl.Expr]:
    at_risk = pl.col("tier") >= HIGH_TIER
    return [
        pl.col("entities").sum().alias(f"offenders{suffix}"),
        pl.col("repeaters").sum().alias(f"repeaters{suffix}"),
        pl.col("entities").filter(at_risk).sum().alias(f"high_risk{suffix}"),
        pl.col("attribute_sum").filter(at_risk).sum().alias(f"gmv_at_risk{suffix}"),
    ]


def _components(data: DataAccess, request: MetricRequest, dims: tuple[str, ...],
                thresholds: tuple[float, ...]) -> pl.DataFrame:
    """Additive components per key for the period and (suffix _prev) the comparison period."""
    qdims = _query_dims(dims)
    regions = country_regions(data).select("country_code", "region") if "region" in dims else None
    period, comparison = request.period, request.comparison
    violations = data.aggregate(AggregateSpec(
        "creator_violations", tuple(Dim(d) for d in qdims),
        (Count("violations", period.between(OCCURRED)), Count("violations_prev", comparison.between(OCCURRED))),
        where=_violation_where(request, request.window.start_ts, request.window.end_ts),
        countries=request.countries,
    ))
    frames = [
        _regroup(violations, dims, regions, [pl.col("violations").sum(), pl.col("violations_prev").sum()]),
        _regroup(_rollup(data, request, period.end_ts, thresholds, qdims), dims, regions, _risk_sums()),
        _regroup(_rollup(data, request, comparison.end_ts, thresholds, qdims), dims, regions, _risk_sums("_prev")),
    ]
    creator_dims = tuple(d for d in dims if d in CREATOR_DIMS)
    cutoffs = {"": period.end_ts, "_prev": comparison.end_ts}
    active = _regroup(data.aggregate(_active_spec(request, _query_dims(creator_dims), cutoffs)), creator_dims, regions,
                      [(pl.col(f"onboarded{s}") - pl.col(f"removed{s}")).sum().alias(f"active{s}") for s in cutoffs])
    if len(creator_dims) == len(dims):  # every market with creators is a row, violations or not
        merged = outer_merge([*frames, active], dims)
    else:
        merged = outer_merge(frames, dims)
        merged = merged.join(active, on=list(creator_dims), how="left", nulls_equal=True) if creator_dims \
            else merged.join(active, how="cross")
    return merged.with_columns(pl.exclude(dims).fill_null(0))


def _metric_values(suffix: str = "", out: str = "") -> list[pl.Expr]:
    """Metric ids (+ `out`) from the components (+ `suffix`); a zero denominator gives null."""
    def c(name: str) -> str:
        return f"{name}{suffix}"
    values = {
        "creators.active": pl.col(c("active")),
        "creators.violations": pl.col(c("violations")),
        "creators.violations_per_1k": pl.when(pl.col(c("active")) > 0)
        .then(pl.col(c("violations")) * 1000 / pl.col(c("active"))),
        "creators.repeat_offender_rate": ratio_expr(c("repeaters"), c("offenders")),
        "creators.gmv_at_risk_usd": pl.col(c("gmv_at_risk")),
        "creators.high_risk": pl.col(c("high_risk")),
        "creators.offenders": pl.col(c("offenders")),
    }
    return [expr.cast(pl.Float64).alias(f"{metric_id}{out}") for metric_id, expr in values.items()]


# ---- the domain interface ----------------------------------------------------------------------------


def kpis(data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]:
    """Every creator metric for the period, its comparison value and its target."""
    row = (
        _components(data, request, (), tier_thresholds(settings))
        .select(*_metric_values(), *_metric_values("_prev", ".previous"))
        .row(0, named=True)
    )
    return period_kpis(METRICS, row, previous_columns(row), request, settings)


def breakdown(data: DataAccess, request: MetricRequest, dimensions: tuple[str, ...],
              settings: Settings | None = None) -> pl.DataFrame:
    """One row per key: each metric for the period ("<id>") and the comparison ("<id>.previous")."""
    dims = tuple(dict.fromkeys(dimensions))
    frame = _components(data, request, dims, tier_thresholds(settings))
    return largest_first(
        frame.select(*(pl.col(d).cast(pl.String) for d in dims), *_metric_values(), *_metric_values("_prev", ".previous")),
        KPI_IDS[0], dims,
    )


def trend(data: DataAccess, request: MetricRequest, grain: Grain = "day",
          settings: Settings | None = None) -> pl.DataFrame:
    """Long frame (date, metric_id, value) over the request window, per day or ISO week (Monday).

    Violations are summed per date; active creators and the 90-day risk metrics are measured at the
    end of each date's last window day (one rollup per date, at most SNAPSHOT_POINTS evenly spread).
    """
    window, thresholds = request.window, tier_thresholds(settings)
    violations = data.aggregate(AggregateSpec(
        "creator_violations", (Dim(OCCURRED, grain="day"),), (Count("violations"),),
        where=_violation_where(request, window.start_ts, window.end_ts), countries=request.countries,
    ))
    base = data.aggregate(_active_spec(request, (), {"": window.start_ts})).row(0, named=True)
    onboarded = data.aggregate(AggregateSpec(
        "creators", (Dim(ONBOARDED, grain="day"),),
        (Count("onboarded"), Count("removed", In("status", REMOVED_STATUSES))),
        where=(window.between(ONBOARDED),), countries=request.countries,
    ))
    daily = (
        day_range(window).to_frame()
        .join(violations, on="day", how="left")
        .join(onboarded, on="day", how="left")
        .sort("day")
        .with_columns(pl.exclude("day").fill_null(0))
        .with_columns(
            (base["onboarded"] - base["removed"] + (pl.col("onboarded") - pl.col("removed")).cum_sum()).alias("active"),
            (pl.col("day").dt.truncate("1w") if grain == "week" else pl.col("day")).alias("date"),
        )
        .group_by("date", maintain_order=True)
        .agg(pl.col("violations").sum(), pl.col("active").last(), pl.col("day").last().alias("as_of"))
    )
    step = max(1, -(-daily.height // SNAPSHOT_POINTS))  # ceil: evenly spread, always ending on the last date
    sampled = daily["as_of"].to_list()[::-1][::step]
    risk = pl.concat([
        _rollup(data, request, dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), thresholds)
        .select(_risk_sums()).with_columns(pl.lit(day).alias("as_of"))
        for day in sampled
    ])
    return (
        daily.join(risk, on="as_of", how="left")
        .select("date", *_metric_values())
        .unpivot(index="date", variable_name="metric_id", value_name="value")
        .sort("metric_id", "date", maintain_order=True)
    )


def drilldown(data: DataAccess, request: MetricRequest, limit: int = 100,
              match: dict[str, str] | None = None) -> pl.DataFrame:
    """Violations that occurred in the period, newest first, optionally narrowed to one breakdown key."""
    where: list[Condition] = [request.period.between(OCCURRED), *request.filters_for(VIOLATION_FILTERS)]
    countries = request.countries
    for key, value in (match or {}).items():
        if key == "region":
            codes = region_codes(data, value)
            countries = tuple(c for c in codes if countries is None or c in countries)
        elif key in VIOLATION_COLUMNS:
            where.append(Eq(key, value))
        else:
            raise ValueError(f"cannot drill creator violations by {key!r}")
    return data.records(RecordSpec(
        "creator_violations", VIOLATION_COLUMNS, order_by=(OCCURRED, "violation_id"), limit=limit,
        where=tuple(where), countries=countries,
    ))


# ---- own views -------------------------------------------------------------------------------------


def risk_tiers(data: DataAccess, request: MetricRequest, settings: Settings | None = None) -> pl.DataFrame:
    """Creators with 90-day points at the period end per tier: tier, creators, gmv_usd, share of them."""
    rollup = _rollup(data, request, request.period.end_ts, tier_thresholds(settings))
    tiers = pl.DataFrame({"tier_index": range(len(TIER_NAMES)), "tier": TIER_NAMES},
                         schema={"tier_index": pl.Int64, "tier": pl.String})
    return (
        tiers.join(rollup, left_on="tier_index", right_on="tier", how="left")
        .sort("tier_index")
        .select("tier", pl.col("entities").fill_null(0).alias("creators"),
                pl.col("attribute_sum").fill_null(0.0).alias("gmv_usd"))
        .with_columns(pl.col("creators").sum().alias("total"))
        .with_columns(ratio_expr("creators", "total").alias("share"))
        .drop("total")
    )


def violations_by(data: DataAccess, request: MetricRequest,
                  dimensions: tuple[str, ...] = ("policy", "severity")) -> pl.DataFrame:
    """Violations per key in the period and the comparison: dims, violations, previous, delta, share."""
    dims = tuple(dict.fromkeys(dimensions))
    frame = data.aggregate(AggregateSpec(
        "creator_violations", tuple(Dim(d) for d in _query_dims(dims)),
        (Count("violations", request.period.between(OCCURRED)),
         Count("previous", request.comparison.between(OCCURRED))),
        where=_violation_where(request, request.window.start_ts, request.window.end_ts),
        countries=request.countries,
    ))
    regions = country_regions(data).select("country_code", "region") if "region" in dims else None
    return (
        _regroup(frame, dims, regions, [pl.col("violations").sum(), pl.col("previous").sum()])
        .with_columns(
            (pl.col("violations") - pl.col("previous")).alias("delta"),
            pl.col("violations").sum().alias("total"),
        )
        .with_columns(ratio_expr("violations", "total").alias("share"))
        .drop("total")
        .pipe(largest_first, "violations", dims)
    )
