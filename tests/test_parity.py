"""The same generated dataset gives identical answers on DuckDB, SQLite and PostgreSQL."""

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
