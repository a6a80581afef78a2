"""At default scale every query the metric layer issues returns a bounded, aggregated result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl
import pytest

from connectors.scope import Scope
from connectors.source import ScopedAccess, open_source
from metrics import appeals_views, creators, escalation_views, mix, vendor_scorecard
from metrics.base import MetricRequest, Period
from metrics.domain import domain_breakdown, domain_trend
from metrics.report import DOMAINS, all_kpis
from metrics.targets import Settings

MAX_ROWS_PER_QUERY = 100_000
END = dt.date(2026, 11, 15)


@dataclass
class RecordingAccess:
    """Wraps a DataAccess and records how many rows each query returned."""

    inner: ScopedAccess
    rows: list[tuple[str, int]] = field(default_factory=list)

    def _record(self, kind: str, frame: pl.DataFrame) -> pl.DataFrame:
        self.rows.append((kind, frame.height))
        return frame

    def aggregate(self, spec):  # type: ignore[no-untyped-def]
        return self._record(f"aggregate {spec.table}", self.inner.aggregate(spec))

    def records(self, spec):  # type: ignore[no-untyped-def]
        return self._record(f"records {spec.table}", self.inner.records(spec))

    def entity_rollup(self, spec):  # type: ignore[no-untyped-def]
        return self._record(f"rollup {spec.events_table}", self.inner.entity_rollup(spec))

    def top_entities(self, spec):  # type: ignore[no-untyped-def]
        return self._record(f"top {spec.events_table}", self.inner.top_entities(spec))


@pytest.fixture(scope="module")
def default_scale(tmp_path_factory: pytest.TempPathFactory) -> RecordingAccess:
    from sample_data import generate

    url = f"duckdb:///{tmp_path_factory.mktemp('default') / 'default.duckdb'}"
    counts = generate(url, scale="default")
    assert counts["moderation_cases"] >= 3_000_000
    source = open_source(url)
    yield RecordingAccess(ScopedAccess(source, Scope.everything()))
    source.engine.dispose()


def test_every_view_transfers_aggregates_only(default_scale: RecordingAccess) -> None:
    settings = Settings()
    whole = MetricRequest(Period(END - dt.timedelta(days=179), END))  # the whole 180 days
    data = default_scale
    statement_rows: list[int] = []  # every SQL statement, long-format histograms included
    source = data.inner.source
    read_frame = source._frame

    def recording_frame(statement, schema):  # type: ignore[no-untyped-def]
        frame = read_frame(statement, schema)
        statement_rows.append(frame.height)
        return frame

    source._frame = recording_frame  # type: ignore[method-assign]
    all_kpis(data, whole, settings)
    for domain in DOMAINS:
        for grain in ("day", "week"):
            domain_trend(domain, data, whole, grain, settings)
        for dimension in domain.BREAKDOWN_DIMENSIONS:
            domain_breakdown(domain, data, whole, (dimension,), settings)
        domain_breakdown(domain, data, whole, ("country_code", "policy") if "policy" in domain.BREAKDOWN_DIMENSIONS
                         else ("country_code",), settings)
        domain.drilldown(data, whole, limit=100)
    appeals_views.funnel(data, whole)
    appeals_views.backlog_aging(data, whole)
    appeals_views.overturn_movers(data, whole)
    vendor_scorecard.scorecard(data, whole)
    vendor_scorecard.weekly_breaches(data, whole)
    mix.by_channel(data, whole)
    mix.channel_share_trend(data, whole, "day")
    creators.risk_tiers(data, whole, settings)
    creators.emerging_signals(data, whole, settings)
    creators.top_risky(data, whole, 20)
    escalation_views.open_escalations(data, whole, settings, 100)
    escalation_views.root_cause_pareto(data, whole)
    escalation_views.speed_by_priority(data, whole, settings)

    assert len(data.rows) > 50
    largest = max(data.rows, key=lambda item: item[1])
    assert largest[1] <= MAX_ROWS_PER_QUERY, largest
    assert len(statement_rows) > len(data.rows)  # the histograms are statements of their own
    assert max(statement_rows) <= MAX_ROWS_PER_QUERY, max(statement_rows)
    drilldowns = [rows for kind, rows in data.rows if kind.startswith(("records", "top"))]
    assert drilldowns and max(drilldowns) <= 100
