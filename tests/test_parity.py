"""The same generated dataset gives identical answers on DuckDB, SQLite, PostgreSQL and Spark SQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from polars.testing import assert_frame_equal

from connectors.scope import Scope
from connectors.source import ScopedAccess, Source, open_source
from connectors.spec import AggregateSpec, Count, Dim, Elapsed, Histogram, NotNull, Sum
from metrics.base import DURATION_EDGES_HOURS, MetricRequest, Period
from metrics.report import report_json
from metrics.targets import Settings
from parity_support import assert_json_close
from spark_cluster import on_spark

END = dt.date(2026, 11, 15)
REQUEST = MetricRequest(period=Period(END - dt.timedelta(days=27), END))

SPECS = [
    AggregateSpec(
        "moderation_cases",
        (Dim("decided_at", grain="day"), Dim("country_code"), Dim("channel")),
        (
            Count("cases"),
            Sum("handle_seconds", "handle_seconds"),
            Sum("cost_usd", "cost_usd"),
            Histogram("tat", Elapsed("created_at", end="decided_at"), DURATION_EDGES_HOURS),
        ),
        where=(NotNull("decided_at"),),
    ),
    AggregateSpec(
        "appeals",
        (Dim("submitted_at", grain="week"), Dim("policy"), Dim("outcome")),
        (Count("appeals"), Sum("qa", "qa_score")),
    ),
    AggregateSpec("creator_violations", (Dim("country_code"), Dim("severity")), (Sum("points", "points"),)),
]


pytestmark = pytest.mark.xdist_group("parity")  # one worker generates the shared three-backend data


@pytest.fixture(scope="module")
def sources(small_demo_on_every_backend: dict[str, str]) -> dict[str, Source]:
    opened = {name: open_source(url) for name, url in small_demo_on_every_backend.items()}
    yield opened
    for source in opened.values():
        source.engine.dispose()


def _rounded(frame):  # type: ignore[no-untyped-def]
    # float sums may differ in the last bits with summation order; 9 decimals is far below cents
    import polars as pl

    return frame.with_columns(pl.col(pl.Float64).round(9))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.table)
def test_aggregations_identical_across_backends(sources: dict[str, Source], spec: AggregateSpec) -> None:
    results = {name: _rounded(source.aggregate(spec, Scope.everything())) for name, source in sources.items()}
    assert results["duckdb"].height > 0
    assert_frame_equal(results["duckdb"], results["sqlite"])
    assert_frame_equal(results["duckdb"], results["postgresql"])


@pytest.fixture(scope="module")
def spark_and_duckdb(spark_small_demo: str, small_demo_url: str) -> dict[str, Source]:
    """Spark has its own xdist group (one worker owns the cluster), so it is compared with the
    small_demo_url DuckDB file: the same generator call as the three-backend data."""
    opened = {"duckdb": open_source(small_demo_url), "spark": open_source(spark_small_demo)}
    yield opened
    for source in opened.values():
        source.engine.dispose()


@on_spark
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.table)
def test_aggregations_identical_on_spark(spark_and_duckdb: dict[str, Source], spec: AggregateSpec) -> None:
    results = {name: _rounded(source.aggregate(spec, Scope.everything())) for name, source in spark_and_duckdb.items()}
    assert results["duckdb"].height > 0
    assert_frame_equal(results["duckdb"], results["spark"])


def _report(source: Source) -> dict:
    return report_json(ScopedAccess(source, Scope.everything()), REQUEST, Settings(), by="country_code")


@on_spark
def test_metrics_report_identical_on_spark(spark_and_duckdb: dict[str, Source]) -> None:
    expected = json.loads(json.dumps(_report(spark_and_duckdb["duckdb"]), sort_keys=True))
    actual = json.loads(json.dumps(_report(spark_and_duckdb["spark"]), sort_keys=True))
    assert len(expected["metrics"]) >= 24
    assert_json_close(actual, expected)


def test_metrics_report_identical_across_backends(sources: dict[str, Source]) -> None:
    reports = {
        name: json.dumps(
            report_json(ScopedAccess(source, Scope.everything()), REQUEST, Settings(), by="country_code"),
            sort_keys=True,
        )
        for name, source in sources.items()
    }
    assert reports["duckdb"] == reports["sqlite"]
    assert reports["duckdb"] == reports["postgresql"]
    parsed = json.loads(reports["duckdb"])
    assert len(parsed["metrics"]) >= 24
    values = {m["id"]: m["value"] for m in parsed["metrics"]}
    assert values["appeals.overturn_rate"] is not None and 0 < values["appeals.overturn_rate"] < 1
    assert values["vendors.cases"] > 0
    assert {row["key"] for row in parsed["breakdown"]["rows"]} >= {"US", "DE", "ID"}
