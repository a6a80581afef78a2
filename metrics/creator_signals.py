"""Creator risk: tier settings, the riskiest creators, and emerging (market, policy) signals.

Risk points are the trailing 90-day sum of violation points per creator; `[risk] tier_thresholds`
(default [5, 15, 30]) cut them into low < 5 <= medium < 15 <= high < 30 <= critical.

A (market, policy) pair is an emerging signal in an ISO week ending within the period when its violations that
week exceed the pair's baseline (that week's own trailing 8 ISO weeks, so a week's numbers never depend on the
range around it) by a robust z-score of at least `[risk] emerging_z` (default 3) with at least
`[risk] emerging_min_volume` (default 10) violations:

    z = (x - median) / max(1.4826 * MAD, sqrt(median), 1.4826 * MAD_FLOOR)

The spread is floored so that a flat (or empty) baseline does not divide by zero, and at the
Poisson noise level sqrt(median): weekly counts are counts, and without that floor a large,
steady pair (MAD small next to its volume) flags ordinary noise at full scale. Every flagged week is
listed, with the pair's first flagged week in the range as its onset ("since"). One GROUP BY query
(week x country x policy over the 8 weeks before the first evaluated week through the last) serves
everything.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from connectors.spec import AggregateSpec, Between, Count, Dim, TopEntitiesSpec
from metrics.base import DataAccess, MetricRequest, Period
from metrics.targets import Settings

OCCURRED = "occurred_at"
VIOLATION_FILTERS = {"policies": "policy"}  # MetricRequest field -> creator_violations column
RISK_DAYS = 90
TIER_NAMES = ("low", "medium", "high", "critical")
DEFAULT_TIER_THRESHOLDS = (5.0, 15.0, 30.0)
TOP_COLUMNS = ("creator_id", "country_code", "onboarded_at", "follower_tier", "category", "status",
               "gmv_30d_usd", "points", "violations", "tier")
BASELINE_WEEKS = 8
MAD_SCALE = 1.4826  # makes the MAD a consistent estimator of the standard deviation
MAD_FLOOR = 1.0
DEFAULT_Z = 3.0
DEFAULT_MIN_VOLUME = 10
PAIR = ["country_code", "policy"]
SIGNAL_SCHEMA = {
    "country_code": pl.String(),
    "policy": pl.String(),
    "since": pl.Date(),
    "week": pl.Date(),
    "violations": pl.Int64(),
    "baseline_median": pl.Float64(),
    "z": pl.Float64(),
    "ratio_to_baseline": pl.Float64(),
}


def tier_thresholds(settings: Settings | None) -> tuple[float, float, float]:
    """The three increasing tier thresholds from `[risk] tier_thresholds` (default 5, 15, 30)."""
    raw = (settings or Settings()).section("risk").get("tier_thresholds", DEFAULT_TIER_THRESHOLDS)
    try:
        values = tuple(float(v) for v in raw)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 3 or not values[0] < values[1] < values[2]:
        raise ValueError(f"[risk] tier_thresholds must be three increasing numbers, e.g. [5, 15, 30]; got {raw!r}")
    return values  # type: ignore[return-value]


def tier_name(points: pl.Expr, thresholds: tuple[float, ...]) -> pl.Expr:
    """Polars: the tier name of a points column, by the SQL rule (points < threshold -> lower tier)."""
    expr: pl.Expr = pl.lit(TIER_NAMES[-1])
    for name, threshold in reversed(list(zip(TIER_NAMES, thresholds))):
        expr = pl.when(points < threshold).then(pl.lit(name)).otherwise(expr)
    return expr


def top_risky(data: DataAccess, request: MetricRequest, limit: int = 20,
              settings: Settings | None = None) -> pl.DataFrame:
    """The creators with the most risk points in the 90 days ending at the period end (record level)."""
    end = request.period.end_ts
    spec = TopEntitiesSpec(
        "creator_violations", "creator_id", "points", limit=limit,
        where=(Between(OCCURRED, end - dt.timedelta(days=RISK_DAYS), end), *request.filters_for(VIOLATION_FILTERS)),
        entity_table="creators", entity_key="creator_id",
        entity_columns=("country_code", "onboarded_at", "follower_tier", "category", "status", "gmv_30d_usd"),
        countries=request.countries,
    )
    return (
        data.top_entities(spec)
        .rename({"score": "points", "events": "violations"})
        .with_columns(tier_name(pl.col("points"), tier_thresholds(settings)).alias("tier"))
        .select(TOP_COLUMNS)
    )


# ---- emerging signals ------------------------------------------------------------------------------


def evaluated_weeks(period: Period) -> list[dt.date]:
    """Mondays of the ISO weeks whose Sunday falls in the period (else the latest week ended before)."""
    first_sunday = period.start + dt.timedelta(days=(6 - period.start.weekday()) % 7)
    sundays = []
    sunday = first_sunday
    while sunday <= period.end:
        sundays.append(sunday)
        sunday += dt.timedelta(days=7)
    if not sundays:  # a short period without a Sunday: the latest complete week before its end
        sundays = [period.end - dt.timedelta(days=(period.end.weekday() + 1) % 7)]
    return [s - dt.timedelta(days=6) for s in sundays]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def weekly_counts(data: DataAccess, request: MetricRequest, weeks: list[dt.date]) -> pl.DataFrame:
    """(pair, week, violations) for every pair seen, over the evaluated weeks and the 8 weeks before the first,
    with 0 for the weeks a pair had no violations."""
    first = weeks[0] - dt.timedelta(weeks=BASELINE_WEEKS)
    spec = AggregateSpec(
        "creator_violations",
        (Dim(OCCURRED, grain="week"), Dim("country_code"), Dim("policy")),
        (Count("violations"),),
        where=(
            Between(OCCURRED, _midnight(first), _midnight(weeks[-1] + dt.timedelta(days=7))),
            *request.filters_for(VIOLATION_FILTERS),
        ),
        countries=request.countries,
    )
    counts = data.aggregate(spec)
    all_weeks = [first + dt.timedelta(weeks=k) for k in range(BASELINE_WEEKS + len(weeks))]
    return (
        counts.select(PAIR).unique()
        .join(pl.DataFrame({"week": all_weeks}, schema={"week": pl.Date()}), how="cross")
        .join(counts, on=["week", *PAIR], how="left")
        .with_columns(pl.col("violations").fill_null(0))
    )


def trailing_baselines(grid: pl.DataFrame, weeks: list[dt.date]) -> pl.DataFrame:
    """(pair, week, baseline_median, mad) for each evaluated week, over that week's own 8 weeks before it."""
    lags = pl.DataFrame({"lag": list(range(1, BASELINE_WEEKS + 1))}, schema={"lag": pl.Int32()})
    b = pl.col("baseline_violations")
    return (
        grid.filter(pl.col("week").is_in(weeks))
        .select(*PAIR, "week")
        .join(lags, how="cross")
        .with_columns((pl.col("week") - pl.duration(weeks=pl.col("lag"))).cast(pl.Date()).alias("baseline_week"))
        .join(grid.rename({"week": "baseline_week", "violations": "baseline_violations"}),
              on=[*PAIR, "baseline_week"], how="left")
        .group_by([*PAIR, "week"])
        .agg(
            b.cast(pl.Float64).median().alias("baseline_median"),
            (b - b.median()).abs().median().alias("mad"),
        )
    )


def emerging_signals(data: DataAccess, request: MetricRequest, settings: Settings | None = None) -> pl.DataFrame:
    """One row per (country_code, policy, week) that spikes above its trailing baseline; pairs by their peak z
    (desc), each pair's weeks in order, with the pair's onset week in the range as `since`."""
    section = (settings or Settings()).section("risk")
    z_min = float(section.get("emerging_z", DEFAULT_Z))
    min_volume = float(section.get("emerging_min_volume", DEFAULT_MIN_VOLUME))
    weeks = evaluated_weeks(request.period)
    grid = weekly_counts(data, request, weeks)
    x = pl.col("violations")
    flagged = (
        grid.filter(pl.col("week").is_in(weeks))
        .join(trailing_baselines(grid, weeks), on=[*PAIR, "week"], how="left")
        .with_columns(
            (
                (x - pl.col("baseline_median"))
                / pl.max_horizontal(
                    MAD_SCALE * pl.col("mad"), pl.col("baseline_median").sqrt(), pl.lit(MAD_SCALE * MAD_FLOOR)
                )
            ).alias("z"),
            pl.when(pl.col("baseline_median") > 0)
            .then(x / pl.col("baseline_median"))
            .otherwise(None)
            .alias("ratio_to_baseline"),
        )
        .filter((pl.col("z") >= z_min) & (x >= min_volume))
    )
    return (
        flagged.with_columns(
            pl.col("week").min().over(PAIR).alias("since"),
            pl.col("z").max().over(PAIR).alias("peak_z"),
        )
        .sort(["peak_z", *PAIR, "week"], descending=[True, False, False, False])
        .select(list(SIGNAL_SCHEMA))
        .cast(SIGNAL_SCHEMA)  # type: ignore[arg-type]
    )
