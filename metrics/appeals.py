"""Appeals: volume, appeal rate, overturns, turnaround, SLA adherence, backlog, QA, re-appeals.

Every number is derived from additive components (counts, sums, TAT histogram buckets) that the
database groups; `metric_values` turns any component frame (per period, per day, per key) into
the metric columns. The domain's own views (funnel, backlog aging, overturn comparisons) live in
`metrics.appeals_views` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from connectors.spec import (
    AggregateSpec,
    AnyOf,
    Before,
    Condition,
    Count,
    Dim,
    Elapsed,
    ElapsedAtMost,
    ElapsedMore,
    Eq,
    Histogram,
    In,
    NotNull,
    NullOrAtLeast,
    RecordSpec,
    Sum,
)
from metrics.base import (
    DURATION_EDGES_HOURS,
    DataAccess,
    Grain,
    KpiValue,
    MetricRequest,
    Period,
    add_region,
    day_range,
    elapsed_seconds,
    histogram_columns,
    largest_first,
    outer_merge,
    percentile_series,
    query_columns,
    ratio_expr,
    region_codes,
)
from metrics.domain import period_kpis, previous_columns
from metrics.registry import MetricDef, register
from metrics.targets import Settings

METRICS: tuple[MetricDef, ...] = register(
    MetricDef("appeals.submitted", "Appeals submitted",
              "Appeals whose submitted_at falls in the period.", "count", "neutral", activity=True),
    MetricDef("appeals.appeal_rate", "Appeal rate",
              "Appeals submitted in the period / actioned moderation cases decided in the period.",
              "ratio", "neutral"),
    MetricDef("appeals.decided", "Appeals decided",
              "Appeals whose decided_at falls in the period.", "count", "neutral", activity=True),
    MetricDef("appeals.overturn_rate", "Overturn rate",
              "(Reversed + partially reversed) / appeals decided in the period.", "ratio", "down", 0.15),
    MetricDef("appeals.tat_p50_hours", "Appeal TAT P50",
              "Median of decided_at - submitted_at (hours) of appeals decided in the period.",
              "hours", "down", 24.0),
    MetricDef("appeals.tat_p90_hours", "Appeal TAT P90",
              "90th percentile of decided_at - submitted_at (hours) of appeals decided in the period.",
              "hours", "down", 72.0, short_label="Appeal TAT P90"),
    MetricDef("appeals.sla_adherence", "Appeal SLA adherence",
              "Share of appeals decided in the period with TAT <= their sla_hours.", "ratio", "up", 0.90, short_label="Appeal SLA"),
    MetricDef("appeals.backlog", "Appeal backlog",
              "Appeals submitted before the end of the period and not decided by then.", "count", "down", activity=True),
    MetricDef("appeals.backlog_breached", "Backlog past SLA",
              "Backlog appeals at the end of the period that are older than their sla_hours.",
              "count", "down"),
    MetricDef("appeals.qa_score", "Appeal QA score",
              "Mean qa_score of appeals decided in the period that were QA-scored.", "score", "up", 85.0),
    MetricDef("appeals.reappeal_rate", "Re-appeal rate",
              "Share of appeals submitted in the period that are re-appeals.", "ratio", "down"),
)
METRIC_IDS: tuple[str, ...] = tuple(m.id for m in METRICS)
READS_SETTINGS = False
KPI_IDS: tuple[str, ...] = (
    "appeals.overturn_rate", "appeals.sla_adherence", "appeals.tat_p90_hours", "appeals.backlog",
)
BREAKDOWN_DIMENSIONS: dict[str, str] = {
    "country_code": "Market",
    "region": "Region",
    "policy": "Policy",
    "original_channel": "Original channel",
    "appellant_type": "Appellant type",
}

TAT = Elapsed("submitted_at", end="decided_at")
OVERTURNED = In("outcome", ("reversed", "partially_reversed"))
APPEAL_FILTERS = {"policies": "policy", "channels": "original_channel"}
CASE_FILTERS = {"policies": "policy", "channels": "channel"}
# Appeal dimension -> moderation_cases column; appellant_type has no counterpart (rate is null).
CASE_DIMENSIONS = {"country_code": "country_code", "policy": "policy", "original_channel": "channel"}
TAT_COLUMNS = histogram_columns("tat")
COUNT_COLUMNS = (
    "submitted", "reappeals", "decided", "overturned", "within_sla", "qa_scored", "actioned_cases",
    "backlog", "backlog_breached", *TAT_COLUMNS,
)
RECORD_COLUMNS = (
    "appeal_id", "case_id", "submitted_at", "decided_at", "country_code", "appellant_type", "policy",
    "original_action", "original_channel", "outcome", "reviewer", "sla_hours", "qa_score", "is_reappeal",
)


# ---- components: what the database groups ---------------------------------------------------------


def check_dimensions(dims: tuple[str, ...]) -> None:
    """Raise ValueError for a dimension that is not one of BREAKDOWN_DIMENSIONS."""
    unknown = [d for d in dims if d not in BREAKDOWN_DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown appeals dimension(s) {unknown}; use {list(BREAKDOWN_DIMENSIONS)}")


def sql_dims(dims: tuple[str, ...]) -> tuple[str, ...]:
    """The columns to group by in SQL: region is grouped as country_code and rolled up in Polars."""
    return query_columns(dims)


def appeal_filters(request: MetricRequest) -> tuple[Condition, ...]:
    """The request's policy and channel filters on appeals columns."""
    return request.filters_for(APPEAL_FILTERS)


def merge(frames: list[pl.DataFrame], keys: list[str]) -> pl.DataFrame:
    """Full outer join of component frames on keys (side by side without keys); missing counts are 0."""
    merged = outer_merge(frames, keys)
    return merged.with_columns(pl.col(c).fill_null(0) for c in merged.columns if c in COUNT_COLUMNS)


def roll_up(frame: pl.DataFrame, data: DataAccess, keys: list[str]) -> pl.DataFrame:
    """Sum SQL-keyed components up to the requested keys (only region differs: joined, then summed)."""
    if "region" not in keys:
        return frame
    measures = [c for c in frame.columns if c in COUNT_COLUMNS or c == "qa_sum"]
    return add_region(frame, data).group_by(keys, maintain_order=True).agg(pl.col(measures).sum())


def day_dim(column: str, by_day: bool) -> tuple[Dim, ...]:
    """A `day` key on the given timestamp column when by_day, else nothing."""
    return (Dim(column, grain="day", name="day"),) if by_day else ()


def decided_components(
    data: DataAccess, request: MetricRequest, span: Period, dims: tuple[str, ...], by_day: bool = False
) -> pl.DataFrame:
    """Appeals decided in `span` per SQL key (and day): decided, overturned, within_sla, QA, TAT buckets."""
    spec = AggregateSpec(
        "appeals",
        (*day_dim("decided_at", by_day), *(Dim(d) for d in sql_dims(dims))),
        (
            Count("decided"),
            Count("overturned", where=OVERTURNED),
            Count("within_sla", where=ElapsedAtMost(TAT, "sla_hours")),
            Count("qa_scored", where=NotNull("qa_score")),
            Sum("qa_sum", "qa_score"),
            Histogram("tat", TAT, DURATION_EDGES_HOURS),
        ),
        where=(span.between("decided_at"), *appeal_filters(request)),
        countries=request.countries,
    )
    return data.aggregate(spec)


def flows(
    data: DataAccess, request: MetricRequest, span: Period, dims: tuple[str, ...], by_day: bool = False
) -> pl.DataFrame:
    """Submitted, decided and actioned-case components of `span` per SQL key (and day)."""
    keys = ["day"] * by_day + list(sql_dims(dims))
    submitted = data.aggregate(AggregateSpec(
        "appeals",
        (*day_dim("submitted_at", by_day), *(Dim(d) for d in sql_dims(dims))),
        (Count("submitted"), Count("reappeals", where=Eq("is_reappeal", True))),
        where=(span.between("submitted_at"), *appeal_filters(request)),
        countries=request.countries,
    ))
    frames = [submitted, decided_components(data, request, span, dims, by_day)]
    if all(d in CASE_DIMENSIONS for d in sql_dims(dims)):
        frames.append(data.aggregate(AggregateSpec(
            "moderation_cases",
            (*day_dim("decided_at", by_day), *(Dim(CASE_DIMENSIONS[d], name=d) for d in sql_dims(dims))),
            (Count("actioned_cases"),),
            where=(Eq("outcome", "actioned"), span.between("decided_at"), *request.filters_for(CASE_FILTERS)),
            countries=request.countries,
        )))
    return merge(frames, keys)


def backlog_at(
    data: DataAccess, request: MetricRequest, at: dt.datetime, dims: tuple[str, ...]
) -> pl.DataFrame:
    """Appeals submitted before `at` and not decided by it, and those of them older than their SLA."""
    return data.aggregate(AggregateSpec(
        "appeals",
        tuple(Dim(d) for d in sql_dims(dims)),
        (
            Count("backlog"),
            Count("backlog_breached", where=ElapsedMore(Elapsed("submitted_at", at=at), "sla_hours")),
        ),
        where=(Before("submitted_at", at), NullOrAtLeast("decided_at", at), *appeal_filters(request)),
        countries=request.countries,
    ))


def components(data: DataAccess, request: MetricRequest, span: Period, dims: tuple[str, ...]) -> pl.DataFrame:
    """Every component of `span` per requested key: flows of the span and the backlog at its end."""
    keys = list(sql_dims(dims))
    merged = merge([flows(data, request, span, dims), backlog_at(data, request, span.end_ts, dims)], keys)
    rolled = roll_up(merged, data, list(dims))
    if "actioned_cases" not in rolled.columns:
        rolled = rolled.with_columns(actioned_cases=pl.lit(None, dtype=pl.Int64))
    return rolled


# ---- metric math -------------------------------------------------------------------------------------


def metric_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Add one column per metric id to a component frame (any keys: period, day, breakdown key)."""
    return frame.with_columns(
        pl.col("submitted").cast(pl.Float64).alias("appeals.submitted"),
        ratio_expr("submitted", "actioned_cases").alias("appeals.appeal_rate"),
        pl.col("decided").cast(pl.Float64).alias("appeals.decided"),
        ratio_expr("overturned", "decided").alias("appeals.overturn_rate"),
        percentile_series(frame, "tat", 0.5).alias("appeals.tat_p50_hours"),
        percentile_series(frame, "tat", 0.9).alias("appeals.tat_p90_hours"),
        ratio_expr("within_sla", "decided").alias("appeals.sla_adherence"),
        pl.col("backlog").cast(pl.Float64).alias("appeals.backlog"),
        pl.col("backlog_breached").cast(pl.Float64).alias("appeals.backlog_breached"),
        ratio_expr("qa_sum", "qa_scored").alias("appeals.qa_score"),
        ratio_expr("reappeals", "submitted").alias("appeals.reappeal_rate"),
    )


def period_values(data: DataAccess, request: MetricRequest, dims: tuple[str, ...]) -> pl.DataFrame:
    """Per key: each metric for the period ("<id>") and the comparison ("<id>.previous")."""
    check_dimensions(dims)
    keys = list(dims)
    sides = [
        metric_values(components(data, request, span, dims)).select(
            *keys, *(pl.col(m).alias(m + suffix) for m in METRIC_IDS)
        )
        for span, suffix in ((request.period, ""), (request.comparison, ".previous"))
    ]
    joined = outer_merge(sides, keys)
    counts = [m.id + s for m in METRICS if m.unit == "count" for s in ("", ".previous")]
    return joined.with_columns(pl.col(counts).fill_null(0.0)).select(
        *keys, *(c for m in METRIC_IDS for c in (m, m + ".previous"))
    )


# ---- the domain interface ------------------------------------------------------------------------


def kpis(data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]:
    """Every appeals metric for the period and the comparison period, with its target."""
    row = period_values(data, request, ()).row(0, named=True)
    return period_kpis(METRICS, row, previous_columns(row), request, settings)


def trend(data: DataAccess, request: MetricRequest, grain: Grain = "day") -> pl.DataFrame:
    """Long format (date, metric_id, value) over the request window, per day or ISO week.

    The backlog is the stock at the end of each day (or of the week's last day in the window):
    the backlog at the window start plus submitted minus decided since. backlog_breached needs a
    point-in-time query per day and is left out of the trend.
    """
    window = request.window
    base = backlog_at(data, request, window.start_ts, ())["backlog"][0]
    daily = (
        day_range(window).to_frame()
        .join(flows(data, request, window, (), by_day=True), on="day", how="left")
        .fill_null(0)
        .with_columns(backlog=base + (pl.col("submitted") - pl.col("decided")).cum_sum())
    )
    measures = [c for c in daily.columns if c not in ("day", "backlog")]
    bucketed = daily.with_columns(date=pl.col("day").dt.truncate("1w") if grain == "week" else pl.col("day"))
    grouped = bucketed.group_by("date", maintain_order=True).agg(
        pl.col(measures).sum(), pl.col("backlog").sort_by("day").last()
    ).with_columns(backlog_breached=pl.lit(None, dtype=pl.Int64))
    metric_ids = [m for m in METRIC_IDS if m != "appeals.backlog_breached"]
    return (
        metric_values(grouped)
        .unpivot(index="date", on=metric_ids, variable_name="metric_id", value_name="value")
        .with_columns(pl.col("value").cast(pl.Float64))
        .sort("date", maintain_order=True)
    )


def breakdown(data: DataAccess, request: MetricRequest, dimensions: tuple[str, ...]) -> pl.DataFrame:
    """One row per key: every metric for the period and the comparison, sorted by the first KPI."""
    return largest_first(period_values(data, request, tuple(dimensions)), KPI_IDS[0], dimensions)


def match_conditions(data: DataAccess, request: MetricRequest, match: dict[str, str] | None) -> tuple[
    tuple[Condition, ...], tuple[str, ...] | None
]:
    """Conditions and countries narrowing a query to one breakdown key (region -> its markets)."""
    match = match or {}
    check_dimensions(tuple(match))
    conditions = tuple(Eq(k, v) for k, v in match.items() if k != "region")
    countries = request.countries
    if "region" in match:
        in_region = region_codes(data, match["region"])
        countries = tuple(c for c in in_region if countries is None or c in countries)
    return conditions, countries


def drilldown(
    data: DataAccess, request: MetricRequest, limit: int = 100, match: dict[str, str] | None = None
) -> pl.DataFrame:
    """Appeals submitted or decided in the period, newest submission first, with TAT and SLA flags."""
    conditions, countries = match_conditions(data, request, match)
    period = request.period
    records = data.records(RecordSpec(
        "appeals",
        RECORD_COLUMNS,
        order_by=("submitted_at", "appeal_id"),
        limit=limit,
        where=(AnyOf((period.between("submitted_at"), period.between("decided_at"))),
               *appeal_filters(request), *conditions),
        countries=countries,
    ))
    # whole seconds crossed, exactly as the database counts them for the SLA check
    seconds = elapsed_seconds("submitted_at", "decided_at")
    tat = seconds / 3600
    return records.with_columns(
        tat_hours=tat,
        within_sla=pl.when(pl.col("decided_at").is_not_null()).then(seconds <= pl.col("sla_hours") * 3600),
        overturned=pl.when(pl.col("outcome").is_not_null()).then(
            pl.col("outcome").is_in(["reversed", "partially_reversed"])
        ),
    )
