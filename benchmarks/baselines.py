"""What the benchmark compares our data path with, and the DataAccess wrappers it measures through.

- `CountingAccess` counts queries and the rows of every frame the DataAccess returns.
- `MemoAccess` is a dict memo keyed by (method, spec): it stands in for st.cache_data.
- `capture_statements` records the SQL and parameters our specs compile to; `run_floor` replays
  them on the raw driver (DuckDB: fetched as Arrow) with no Python post-processing: the floor.
- `naive_kpis` is the naive dashboard: the fact tables loaded whole into pandas with read_sql and
  the appeals, vendor SLA and moderation mix KPIs computed in pandas.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import polars as pl
import sqlalchemy as sa

from connectors.spec import AggregateSpec, EntityRollupSpec, RecordSpec, TopEntitiesSpec
from metrics.base import DURATION_EDGES_HOURS, DataAccess, MetricRequest, Period

Statement = tuple[str, Any]  # (SQL text as sent to the driver, driver parameters)


# ---- DataAccess wrappers ------------------------------------------------------------------------


@dataclass
class CountingAccess:
    """Counts queries and rows transferred (rows of every frame returned) through a DataAccess."""

    inner: DataAccess
    queries: int = 0
    rows: int = 0
    largest: int = 0

    def _count(self, frame: pl.DataFrame) -> pl.DataFrame:
        self.queries += 1
        self.rows += frame.height
        self.largest = max(self.largest, frame.height)
        return frame

    def aggregate(self, spec: AggregateSpec) -> pl.DataFrame:
        return self._count(self.inner.aggregate(spec))

    def records(self, spec: RecordSpec) -> pl.DataFrame:
        return self._count(self.inner.records(spec))

    def entity_rollup(self, spec: EntityRollupSpec) -> pl.DataFrame:
        return self._count(self.inner.entity_rollup(spec))

    def top_entities(self, spec: TopEntitiesSpec) -> pl.DataFrame:
        return self._count(self.inner.top_entities(spec))


@dataclass
class MemoAccess:
    """A dict memo keyed by spec, standing in for st.cache_data (whose key also holds the spec)."""

    inner: DataAccess
    memo: dict[tuple[str, Any], pl.DataFrame] = field(default_factory=dict)
    hits: int = 0

    def _cached(self, method: str, spec: Any, run: Callable[[Any], pl.DataFrame]) -> pl.DataFrame:
        key = (method, spec)
        if key in self.memo:
            self.hits += 1
            return self.memo[key]
        frame = run(spec)
        self.memo[key] = frame
        return frame

    def aggregate(self, spec: AggregateSpec) -> pl.DataFrame:
        return self._cached("aggregate", spec, self.inner.aggregate)

    def records(self, spec: RecordSpec) -> pl.DataFrame:
        return self._cached("records", spec, self.inner.records)

    def entity_rollup(self, spec: EntityRollupSpec) -> pl.DataFrame:
        return self._cached("entity_rollup", spec, self.inner.entity_rollup)

    def top_entities(self, spec: TopEntitiesSpec) -> pl.DataFrame:
        return self._cached("top_entities", spec, self.inner.top_entities)


# ---- the floor: the same SQL on the raw driver ---------------------------------------------------


def capture_statements(engine: sa.Engine, run: Callable[[], None]) -> list[Statement]:
    """The statements (and driver parameters) `run` sends through `engine`, in order."""
    captured: list[Statement] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        captured.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return captured


def floor_connection(url: str) -> Any:
    """A raw driver connection: duckdb read-only, or psycopg for PostgreSQL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "duckdb":
        import duckdb

        return duckdb.connect(parsed.database, read_only=True)
    import psycopg

    return psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
        dbname=parsed.database, autocommit=True,
    )


def is_duckdb(connection: Any) -> bool:
    import duckdb

    return isinstance(connection, duckdb.DuckDBPyConnection)


def run_floor(connection: Any, statements: list[Statement]) -> int:
    """Execute every statement and fetch its result (DuckDB: as Arrow); return the rows fetched."""
    rows = 0
    if is_duckdb(connection):
        # execute() + Arrow: ~13 % faster than con.sql(...).to_arrow_table() on these statements
        # (sql() binds a relation first); the "extra copy" DuckDB warns about is of <= 2k rows.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for statement, parameters in statements:
                rows += connection.execute(statement, list(parameters)).to_arrow_table().num_rows
        return rows
    with connection.cursor() as cursor:
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            rows += len(cursor.fetchall())
    return rows


# ---- the naive baseline: whole fact tables in pandas ----------------------------------------------

NAIVE_TABLES = ("moderation_cases", "appeals")


def naive_load(engine: sa.Engine) -> dict[str, Any]:
    """Every row and column of the fact tables the KPIs read, through pandas.read_sql."""
    import pandas as pd

    with engine.connect() as connection:
        return {table: pd.read_sql(f"SELECT * FROM {table}", connection) for table in NAIVE_TABLES}


def _between(series: Any, period: Period) -> Any:
    return (series >= period.start_ts) & (series < period.end_ts)


def _share(numerator: float, denominator: float) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def _quantile(values: Any, q: float) -> float | None:
    return float(np.quantile(values, q)) if len(values) else None


def _seconds(end: Any, start: Any) -> Any:
    """Whole seconds crossed (floor(end) - floor(start)), the same rule as the SQL; end may be a scalar."""
    end_floor = end.floor("s") if not hasattr(end, "dt") else end.dt.floor("s")
    return (end_floor - start.dt.floor("s")).dt.total_seconds()


def naive_period_kpis(tables: dict[str, Any], period: Period) -> dict[str, float | None]:
    """The appeals, vendor SLA and moderation mix KPIs for one period, computed in pandas.

    Percentiles are exact here (np.quantile) and bucket-interpolated in the app, so they are
    compared with a tolerance; every count and ratio must match the app exactly.
    """
    cases, appeals = tables["moderation_cases"], tables["appeals"]
    end = period.end_ts
    submitted = appeals[_between(appeals["submitted_at"], period)]
    decided = appeals[_between(appeals["decided_at"], period)]
    tat = _seconds(decided["decided_at"], decided["submitted_at"])
    backlog = appeals[(appeals["submitted_at"] < end) & (appeals["decided_at"].isna() | (appeals["decided_at"] >= end))]
    backlog_age = _seconds(pd_timestamp(end), backlog["submitted_at"])
    decided_cases = cases[_between(cases["decided_at"], period)]
    actioned = int((decided_cases["outcome"] == "actioned").sum())
    qa_scored = decided["qa_score"].notna()
    human = decided_cases[decided_cases["channel"] == "human"]
    human_tat = _seconds(human["decided_at"], human["created_at"])
    human_verdicts = human[(human["qa_sampled"] == True) & human["qa_agree"].notna()]  # noqa: E712
    handled = human["handle_seconds"].notna()
    verdicts = decided_cases[(decided_cases["qa_sampled"] == True) & decided_cases["qa_agree"].notna()]  # noqa: E712
    channel = decided_cases["channel"]
    case_tat = _seconds(decided_cases["decided_at"], decided_cases["created_at"]) / 3600
    return {
        "appeals.submitted": float(len(submitted)),
        "appeals.appeal_rate": _share(len(submitted), actioned),
        "appeals.decided": float(len(decided)),
        "appeals.overturn_rate": _share(decided["outcome"].isin(["reversed", "partially_reversed"]).sum(), len(decided)),
        "appeals.tat_p50_hours": _quantile(tat / 3600, 0.5),
        "appeals.tat_p90_hours": _quantile(tat / 3600, 0.9),
        "appeals.sla_adherence": _share((tat <= decided["sla_hours"] * 3600).sum(), len(decided)),
        "appeals.backlog": float(len(backlog)),
        "appeals.backlog_breached": float((backlog_age > backlog["sla_hours"] * 3600).sum()),
        "appeals.qa_score": _share(decided.loc[qa_scored, "qa_score"].sum(), qa_scored.sum()),
        "appeals.reappeal_rate": _share(submitted["is_reappeal"].sum(), len(submitted)),
        "vendors.cases": float(len(human)),
        "vendors.aht_seconds": _share(human["handle_seconds"].sum(), handled.sum()),
        "vendors.tat_adherence": _share((human_tat <= human["sla_hours"] * 3600).sum(), len(human)),
        "vendors.qa_accuracy": _share((human_verdicts["qa_agree"] == True).sum(), len(human_verdicts)),  # noqa: E712
        "vendors.cost_per_case": _share(human["cost_usd"].sum(), len(human)),
        "vendors.productivity": _share(handled.sum(), human["handle_seconds"].sum() / 3600),
        "mix.decisions": float(len(decided_cases)),
        "mix.automated_share": _share(channel.isin(["algo", "llm"]).sum(), len(decided_cases)),
        "mix.llm_share": _share((channel == "llm").sum(), len(decided_cases)),
        "mix.human_share": _share((channel == "human").sum(), len(decided_cases)),
        "mix.qa_accuracy": _share((verdicts["qa_agree"] == True).sum(), len(verdicts)),  # noqa: E712
        "mix.cost_per_decision": _share(decided_cases["cost_usd"].sum(), len(decided_cases)),
        "mix.tat_p50_hours": _quantile(case_tat, 0.5),
        "mix.tat_p90_hours": _quantile(case_tat, 0.9),
    }


def pd_timestamp(value: dt.datetime) -> Any:
    import pandas as pd

    return pd.Timestamp(value)


def naive_kpis(tables: dict[str, Any], request: MetricRequest) -> dict[str, dict[str, float | None]]:
    """The naive KPIs for the period and the comparison period."""
    return {
        "value": naive_period_kpis(tables, request.period),
        "previous": naive_period_kpis(tables, request.comparison),
    }


def bucket_width(hours: float) -> float:
    """The width of the duration histogram bucket holding `hours` (the last, open one: its lower edge)."""
    lows = [0.0, *DURATION_EDGES_HOURS]
    highs = [*DURATION_EDGES_HOURS, DURATION_EDGES_HOURS[-1] * 2]
    return next((high - low for low, high in zip(lows, highs) if hours < high), DURATION_EDGES_HOURS[-1])


PERCENTILE_IDS = ("appeals.tat_p50_hours", "appeals.tat_p90_hours", "mix.tat_p50_hours", "mix.tat_p90_hours")


def compare_with_ours(
    naive: dict[str, dict[str, float | None]], ours: dict[str, dict[str, float | None]]
) -> dict[str, Any]:
    """Which naive KPI values agree with ours: exactly (1e-9 relative) for counts and ratios, and
    within the width of the exact value's histogram bucket for percentiles (ours interpolate
    inside fixed buckets, DESIGN.md: "exact to one bucket")."""
    agree, differ = 0, []
    for side in ("value", "previous"):
        for metric_id, expected in naive[side].items():
            got = ours[side].get(metric_id)
            if expected is None or got is None:
                same = expected is None and got is None
            elif metric_id in PERCENTILE_IDS:
                same = abs(got - expected) <= bucket_width(expected)
            else:
                same = abs(got - expected) <= 1e-9 * max(abs(expected), 1e-12)
            if same:
                agree += 1
            else:
                differ.append({"metric": metric_id, "side": side, "naive": expected, "ours": got})
    return {"agree": agree, "differ": differ}
