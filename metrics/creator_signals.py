"""Creator risk: tier settings, the riskiest creators, and emerging (market, policy) signals.

Risk points are the trailing 90-day sum of violation points per creator; `[risk] tier_thresholds`
(default [5, 15, 30]) cut them into low < 5 <= medium < 15 <= high < 30 <= critical.

A (market, policy) pair is an emerging signal when its violations in an ISO week ending within the period exceed the
pair's baseline (the 8 ISO weeks before the first such week) by a robust z-score of at least
`[risk] emerging_z` (default 3) with at least `[risk] emerging_min_volume` (default 10) violations:

    z = (x - median) / max(1.4826 * MAD, sqrt(median), 1.4826 * MAD_FLOOR)

The spread is floored so that a flat (or empty) baseline does not divide by zero, and at the
Poisson noise level sqrt(median): weekly counts are counts, and without that floor a large,
steady pair (MAD small next to its volume) flags ordinary noise at full scale. One GROUP BY query
(week x country x policy over the baseline weeks and the evaluated weeks) serves everything.
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
TOP_COLUMNS = ("creator_id", "country_code", "follower_tier", "category", "status", "gmv_30d_usd",
               "points", "violations", "tier")
BASELINE_WEEKS = 8
MAD_SCALE = 1.4826  # makes the MAD a consistent estimator of the standard deviation
MAD_FLOOR = 1.0
DEFAULT_Z = 3.0
DEFAULT_MIN_VOLUME = 10
PAIR = ["country_code", "policy"]
SIGNAL_SCHEMA = {
    "country_code": pl.String(),
    "policy": pl.String(),
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
        entity_columns=("country_code", "follower_tier", "category", "status", "gmv_30d_usd"),
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


def emerging_signals(data: DataAccess, request: MetricRequest, settings: Settings | None = None) -> pl.DataFrame:
    """One row per (country_code, policy) whose latest weekly violations spike above baseline, by z desc."""
    section = (settings or Settings()).section("risk")
    z_min = float(section.get("emerging_z", DEFAULT_Z))
    min_volume = float(section.get("emerging_min_volume", DEFAULT_MIN_VOLUME))
    weeks = evaluated_weeks(request.period)
    baseline = [weeks[0] - dt.timedelta(weeks=k) for k in range(BASELINE_WEEKS, 0, -1)]
    spec = AggregateSpec(
        "creator_violations",
        (Dim(OCCURRED, grain="week"), Dim("country_code"), Dim("policy")),
        (Count("violations"),),
        where=(
            Between(OCCURRED, _midnight(baseline[0]), _midnight(weeks[-1] + dt.timedelta(days=7))),
            *request.filters_for(VIOLATION_FILTERS),
        ),
        countries=request.countries,
    )
    counts = data.aggregate(spec)
    # every pair seen gets every week, with 0 where it had no violations
    grid = (
        counts.select(PAIR).unique()
        .join(pl.DataFrame({"week": [*baseline, *weeks]}, schema={"week": pl.Date()}), how="cross")
        .join(counts, on=["week", *PAIR], how="left")
        .with_columns(pl.col("violations").fill_null(0))
    )
    x = pl.col("violations")
    stats = (
        grid.filter(pl.col("week").is_in(baseline))
        .group_by(PAIR)
        .agg(
            x.cast(pl.Float64).median().alias("baseline_median"),
            (x - x.median()).abs().median().alias("mad"),
        )
    )
    scored = (
        grid.filter(pl.col("week").is_in(weeks))
        .join(stats, on=PAIR, how="left")
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
        scored.sort(["z", "week"], descending=True)
        .unique(PAIR, keep="first", maintain_order=True)  # a pair's strongest week
        .sort(["z", *PAIR], descending=[True, False, False])
        .select(list(SIGNAL_SCHEMA))
        .cast(SIGNAL_SCHEMA)  # type: ignore[arg-type]
    )
