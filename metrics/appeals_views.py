"""The appeals domain's own views: funnel, backlog aging, overturn rate by key, overturn movers."""

from __future__ import annotations

import polars as pl

from connectors.spec import (
    AggregateSpec, All, Before, Count, Dim, Elapsed, ElapsedMore, Histogram, NullOrAtLeast,
)
from metrics.appeals import (
    OVERTURNED,
    appeal_filters,
    check_dimensions,
    decided_components,
    flows,
    roll_up,
)
from metrics.base import DataAccess, MetricRequest, Period, largest_first, outer_merge, ratio, ratio_expr

# A cohort: the appeals submitted in the period, followed to the period end, so each stage is part of
# the one before (the actioned cases are the appeal rate's denominator, decided in the period).
FUNNEL_STAGES = ("Actioned cases decided", "Appeals submitted", "Of these, decided by period end",
                 "Of these, overturned")
AGING_EDGES_HOURS: tuple[float, ...] = (24.0, 48.0, 72.0, 168.0)
AGING_BUCKETS: tuple[str, ...] = ("<24 h", "24-48 h", "48-72 h", "3-7 d", ">7 d")
OVERTURN_DIMENSIONS = ("policy", "original_channel")


def funnel(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """Actioned cases decided in the period -> appeals submitted in it -> of these, decided by the period
    end -> of these, overturned; with step shares (the first one is the appeal rate).

    Appeals decided in the period (the KPI) include earlier submissions and can outnumber the ones
    submitted; the funnel follows one group so that every step reads as a share of the one before."""
    end = request.period.end_ts
    decided = Before("decided_at", end)
    cohort = data.aggregate(AggregateSpec(
        "appeals", (),
        (Count("submitted"), Count("decided", where=decided),
         Count("overturned", where=All((decided, OVERTURNED)))),
        where=(request.period.between("submitted_at"), *appeal_filters(request)),
        countries=request.countries,
    ))
    cohort_row = cohort.row(0, named=True) if cohort.height else {}
    actioned = flows(data, request, request.period, ()).row(0, named=True)["actioned_cases"]
    counts = [actioned, *(int(cohort_row.get(c) or 0) for c in ("submitted", "decided", "overturned"))]
    return pl.DataFrame(
        {
            "stage": FUNNEL_STAGES,
            "count": counts,
            "share_of_previous_stage": [None, *(ratio(n, d) for n, d in zip(counts[1:], counts[:-1]))],
        },
        schema={"stage": pl.String, "count": pl.Int64, "share_of_previous_stage": pl.Float64},
    )


def backlog_aging(data: DataAccess, request: MetricRequest, by_country: bool = False) -> pl.DataFrame:
    """The backlog at the period end by age bucket: count and how many are past their sla_hours."""
    at = request.period.end_ts
    age = Elapsed("submitted_at", at=at)
    dims = (Dim("country_code"),) if by_country else ()
    counts = data.aggregate(AggregateSpec(
        "appeals",
        dims,
        (
            Histogram("count", age, AGING_EDGES_HOURS),
            Histogram("breached", age, AGING_EDGES_HOURS, where=ElapsedMore(age, "sla_hours")),
        ),
        where=(Before("submitted_at", at), NullOrAtLeast("decided_at", at), *appeal_filters(request)),
        countries=request.countries,
    ))
    keys = [d.output for d in dims]
    if by_country:  # a country with no backlog has no row
        counts = counts.filter(pl.sum_horizontal(f"count_b{i}" for i in range(len(AGING_BUCKETS))) > 0)
    buckets = pl.DataFrame({"bucket": AGING_BUCKETS, "order": range(len(AGING_BUCKETS))})
    long = [
        counts.select(*keys, pl.lit(i).alias("order"), pl.col(f"count_b{i}").alias("count"),
                      pl.col(f"breached_b{i}").alias("breached"))
        for i in range(len(AGING_BUCKETS))
    ]
    return (
        pl.concat(long)
        .join(buckets, on="order")
        .sort(*keys, "order")
        .select(*keys, "bucket", "count", "breached")
    )


def overturn_compare(data: DataAccess, request: MetricRequest, dims: tuple[str, ...]) -> pl.DataFrame:
    """Per key: decided, overturned and overturn rate in the period and the comparison, and the delta."""
    check_dimensions(dims)
    keys = list(dims)

    def side(span: Period, prefix: str) -> pl.DataFrame:
        frame = roll_up(decided_components(data, request, span, dims), data, keys)
        return frame.select(*keys, pl.col("decided").alias(prefix + "decided"),
                            pl.col("overturned").alias(prefix + "overturned"))

    current, previous = side(request.period, ""), side(request.comparison, "previous_")
    return outer_merge([current, previous], keys).with_columns(
        pl.col("decided", "overturned", "previous_decided", "previous_overturned").fill_null(0)
    ).with_columns(
        overturn_rate=ratio_expr("overturned", "decided"),
        previous_overturn_rate=ratio_expr("previous_overturned", "previous_decided"),
    ).with_columns(
        delta=pl.col("overturn_rate") - pl.col("previous_overturn_rate"),
    ).select(
        *keys, "overturn_rate", "decided", "overturned", "previous_overturn_rate", "previous_decided",
        "previous_overturned", "delta",
    )


def overturn_by(data: DataAccess, request: MetricRequest, dimension: str) -> pl.DataFrame:
    """Overturn rate per policy or original channel, with the comparison rate and the delta."""
    if dimension not in OVERTURN_DIMENSIONS:
        raise ValueError(f"overturn_by supports {list(OVERTURN_DIMENSIONS)}, not {dimension!r}")
    return largest_first(overturn_compare(data, request, (dimension,)), "overturn_rate", (dimension,))


def overturn_movers(
    data: DataAccess,
    request: MetricRequest,
    dimensions: tuple[str, ...] = ("country_code", "policy"),
    min_decided: int = 20,
) -> pl.DataFrame:
    """Cells by the rise of their overturn rate vs the comparison; cells under min_decided are left out."""
    if not dimensions:
        raise ValueError("overturn_movers needs at least one dimension")
    return (
        overturn_compare(data, request, tuple(dimensions))
        .filter((pl.col("decided") >= min_decided) & (pl.col("previous_decided") >= min_decided))
        .pipe(largest_first, "delta", dimensions)
    )
