"""Percentiles from SQL histogram buckets are within one bucket of the exact value from raw rows."""

from __future__ import annotations

import bisect
import datetime as dt
import math

import pytest
import sqlalchemy as sa

from metrics import appeals, escalations, mix
from metrics.base import DURATION_EDGES_HOURS, MetricRequest, Period, histogram_percentile
from metrics.targets import Settings

END = dt.date(2026, 11, 15)
PERIOD = Period(END - dt.timedelta(days=89), END)


def bucket_bounds(hours: float) -> tuple[float, float]:
    """[low, high) of the bucket holding `hours` (the last bucket is open-ended)."""
    index = bisect.bisect_right(DURATION_EDGES_HOURS, hours)
    low = 0.0 if index == 0 else DURATION_EDGES_HOURS[index - 1]
    high = DURATION_EDGES_HOURS[index] if index < len(DURATION_EDGES_HOURS) else math.inf
    return low, high


def exact_quantile(values: list[float], quantile: float) -> float:
    """Nearest-rank quantile: the smallest value with at least quantile * n values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(quantile * len(ordered)) - 1)]


def raw_hours(access, sql: str) -> list[float]:  # type: ignore[no-untyped-def]
    """Raw durations straight from the test database (a test may read raw rows; the app never does)."""
    with access.source.engine.connect() as conn:
        rows = conn.execute(sa.text(sql), {"start": PERIOD.start_ts, "end": PERIOD.end_ts}).fetchall()
    return [float(row[0]) for row in rows]


# whole seconds as the connector counts them: second boundaries crossed
HOURS = "date_diff('second', {start}, {end}) / 3600.0"
CASES = [
    (
        "appeals",
        f"SELECT {HOURS.format(start='submitted_at', end='decided_at')} FROM appeals "
        "WHERE decided_at >= :start AND decided_at < :end",
        lambda data, request: {k.metric.id: k.value for k in appeals.kpis(data, request, Settings())},
        ("appeals.tat_p50_hours", "appeals.tat_p90_hours"),
    ),
    (
        "mix",
        f"SELECT {HOURS.format(start='created_at', end='decided_at')} FROM moderation_cases "
        "WHERE decided_at >= :start AND decided_at < :end",
        lambda data, request: {k.metric.id: k.value for k in mix.kpis(data, request, Settings())},
        ("mix.tat_p50_hours", "mix.tat_p90_hours"),
    ),
    (
        "escalations",
        f"SELECT {HOURS.format(start='opened_at', end='resolved_at')} FROM escalations "
        "WHERE resolved_at >= :start AND resolved_at < :end",
        lambda data, request: {k.metric.id: k.value for k in escalations.kpis(data, request, Settings())},
        ("escalations.ttr_p50_hours", "escalations.ttr_p90_hours"),
    ),
]


@pytest.mark.parametrize(("name", "sql", "compute", "ids"), CASES, ids=[c[0] for c in CASES])
def test_percentiles_within_one_bucket_of_exact(small_demo, name, sql, compute, ids) -> None:  # type: ignore[no-untyped-def]
    values = raw_hours(small_demo, sql)
    assert len(values) >= 20, "the check needs a real sample"
    computed = compute(small_demo, MetricRequest(PERIOD))
    for metric_id, quantile in zip(ids, (0.5, 0.9)):
        exact = exact_quantile(values, quantile)
        low, high = bucket_bounds(exact)
        estimate = computed[metric_id]
        assert low <= estimate <= high, f"{metric_id}: {estimate} outside [{low}, {high}) of exact {exact}"


def test_histogram_percentile_interpolates_inside_the_bucket() -> None:
    edges = (1.0, 2.0, 4.0)
    # counts per bucket [0,1) [1,2) [2,4) [4,inf): 2, 2, 4, 2 -> n = 10
    counts = [2, 2, 4, 2]
    # P50: rank 5 falls in [2,4) after 4 values; 1 of its 4 values -> 2 + 2 * 1/4 = 2.5
    assert histogram_percentile(counts, 0.5, edges) == pytest.approx(2.5)
    # P90: rank 9 falls in the open-ended last bucket -> its lower edge, 4
    assert histogram_percentile(counts, 0.9, edges) == 4.0
    # P10: rank 1 in [0,1): 0 + 1 * 1/2 = 0.5
    assert histogram_percentile(counts, 0.1, edges) == pytest.approx(0.5)
    assert histogram_percentile([0, 0, 0, 0], 0.5, edges) is None
