"""One creator's history for the Creator risk page: profile, violations and risk points over time.

Risk points on a day are the points of the creator's violations in the 90 days up to and including that
day (the same trailing window that ranks the riskiest creators), so the line shows when a creator
crossed each tier and when old violations stopped counting.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from connectors.contract import CONTRACT
from connectors.spec import Before, Eq, RecordSpec
from metrics.base import DataAccess, MetricRequest
from metrics.creator_signals import OCCURRED, RISK_DAYS, tier_name, tier_thresholds
from metrics.targets import Settings

HISTORY_LIMIT = 1_000
PROFILE_COLUMNS = tuple(CONTRACT["creators"])
VIOLATION_COLUMNS = ("occurred_at", "policy", "severity", "points", "action", "detection", "country_code",
                     "violation_id")


def creator_profile(data: DataAccess, request: MetricRequest, creator_id: int) -> pl.DataFrame:
    """The creator's row from `creators` (empty when the creator is unknown or outside the user's markets)."""
    return data.records(RecordSpec(
        "creators", PROFILE_COLUMNS, order_by=("creator_id",), limit=1,
        where=(Eq("creator_id", creator_id),), countries=request.countries,
    ))


def creator_violations(data: DataAccess, request: MetricRequest, creator_id: int) -> pl.DataFrame:
    """The creator's violations up to the period end, newest first (at most HISTORY_LIMIT)."""
    return data.records(RecordSpec(
        "creator_violations", VIOLATION_COLUMNS, order_by=(OCCURRED, "violation_id"), limit=HISTORY_LIMIT,
        where=(Eq("creator_id", creator_id), Before(OCCURRED, request.period.end_ts)),
        countries=request.countries,
    ))


def risk_points_over_time(violations: pl.DataFrame, end: dt.date, settings: Settings | None = None) -> pl.DataFrame:
    """day, points (that day), risk_points (trailing 90 days) and tier, for every day from the first violation
    to `end`."""
    schema = {"day": pl.Date(), "points": pl.Int64(), "risk_points": pl.Int64(), "tier": pl.String()}
    if violations.is_empty():
        return pl.DataFrame(schema=schema)
    daily = violations.group_by(pl.col(OCCURRED).dt.date().alias("day")).agg(pl.col("points").sum())
    days = pl.DataFrame({"day": pl.date_range(daily["day"].min(), end, interval="1d", eager=True)})
    return (
        days.join(daily, on="day", how="left")
        .with_columns(pl.col("points").fill_null(0).cast(pl.Int64))
        .sort("day")
        .with_columns(pl.col("points").rolling_sum_by("day", window_size=f"{RISK_DAYS}d").alias("risk_points"))
        .with_columns(tier_name(pl.col("risk_points"), tier_thresholds(settings)).alias("tier"))
        .select(list(schema))
        .cast(schema)  # type: ignore[arg-type]
    )
