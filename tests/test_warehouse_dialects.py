"""The scale path: the same queries compile with the Trino, Snowflake, BigQuery and Databricks dialects
(and the Databricks SQL runs on the local Spark cluster)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from spark_cluster import on_spark

from connectors.config import parse_config
from connectors.query import QueryBuilder
from connectors.spec import (
    AggregateSpec,
    All,
    Between,
    Count,
    Dim,
    Elapsed,
    ElapsedAtMost,
    EntityRollupSpec,
    Histogram,
    In,
    NotNull,
    RecordSpec,
    Sum,
    TopEntitiesSpec,
)

DIALECTS = {
    "trino": ("trino.sqlalchemy.dialect", "TrinoDialect"),
    "snowflake": ("snowflake.sqlalchemy.snowdialect", "SnowflakeDialect"),
    "bigquery": ("sqlalchemy_bigquery.base", "BigQueryDialect"),
    "databricks": ("databricks.sqlalchemy", "DatabricksDialect"),
}
START, END = dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 8)
TAT = Elapsed("submitted_at", end="decided_at")
AGGREGATE = AggregateSpec(
    "appeals",
    (Dim("submitted_at", grain="day"), Dim("submitted_at", grain="week", name="week"), Dim("policy")),
    (
        Count("n"),
        Count("within", where=All((NotNull("decided_at"), ElapsedAtMost(TAT, "sla_hours")))),
        Sum("qa", "qa_score"),
        Histogram("tat", TAT, (1.0, 24.0)),
        Histogram("age", Elapsed("submitted_at", at=END), (24.0,)),
    ),
    where=(Between("submitted_at", START, END), In("policy", ("spam",))),
    countries=("DE",),
)
ROLLUP = EntityRollupSpec(
    "creator_violations", "creator_id", "points", (5.0, 15.0), dimensions=("country_code",),
    entity_table="creators", entity_key="creator_id", attribute="gmv_30d_usd",
)
TOP = TopEntitiesSpec(
    "creator_violations", "creator_id", "points", entity_table="creators", entity_key="creator_id",
    entity_columns=("country_code", "status"),
)


def dialect(name: str):  # type: ignore[no-untyped-def]
    module_name, class_name = DIALECTS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        from conftest import require_or_skip

        require_or_skip(False, f"the {name} SQLAlchemy dialect (requirements-dev.txt)")
    return getattr(module, class_name)()


@pytest.mark.parametrize("name", list(DIALECTS))
def test_every_query_shape_compiles(name: str) -> None:
    target = dialect(name)
    builder = QueryBuilder(parse_config({}), name)
    statements = [
        builder.aggregate(AGGREGATE, ("DE",), 200_001),
        *(builder.histogram(AGGREGATE, m, ("DE",), 200_001) for m in AGGREGATE.measures if isinstance(m, Histogram)),
        builder.records(RecordSpec("appeals", ("appeal_id", "submitted_at"), ("submitted_at",), 100), ("DE",)),
        builder.entity_rollup(ROLLUP, ("DE",), 200_001),
        builder.top_entities(TOP, ("DE",)),
    ]
    for statement in statements:
        sql = str(statement.compile(dialect=target))
        assert "'spam'" not in sql and "'DE'" not in sql  # values stay bound parameters
        assert "LIMIT" in sql.upper()
    assert all("GROUP BY" in str(s.compile(dialect=target)).upper() for s in statements[:3])  # + 2 histograms


@on_spark
def test_databricks_sql_runs_on_spark_with_the_same_answers(spark_server, spark_small_demo: str) -> None:  # type: ignore[no-untyped-def]
    """What databricks-sqlalchemy writes is Spark SQL: run on the local cluster (values inlined, as
    the Databricks connector would bind them) it returns the rows the hive:// dialect's SQL returns."""
    import contextlib

    import sqlalchemy as sa

    from connectors.engine import create_read_only_engine

    period = (Between("submitted_at", dt.datetime(2026, 10, 1), dt.datetime(2026, 11, 16)),)
    spec = AggregateSpec(AGGREGATE.table, AGGREGATE.dimensions, AGGREGATE.measures, where=period, countries=("DE",))
    statements = {
        name: [builder.aggregate(spec, ("DE",), 200_001),
               *(builder.histogram(spec, m, ("DE",), 200_001) for m in spec.measures if isinstance(m, Histogram)),
               builder.top_entities(TOP, ("DE",))]
        for name, builder in (("databricks", QueryBuilder(parse_config({}), "databricks")),
                              ("hive", QueryBuilder(parse_config({}), "hive")))
    }
    engine = create_read_only_engine(spark_small_demo, parse_config({}))
    with contextlib.closing(spark_server.connect("small_demo")) as connection, engine.connect() as hive:
        cursor = connection.cursor()
        for databricks_statement, hive_statement in zip(statements["databricks"], statements["hive"]):
            sql = str(databricks_statement.compile(dialect=dialect("databricks"), compile_kwargs={"literal_binds": True}))
            cursor.execute(sql)
            ours = rounded(hive.execute(hive_statement).fetchall())
            assert ours, sql
            assert rounded(cursor.fetchall()) == ours, sql
    engine.dispose()


def rounded(rows) -> list[tuple]:  # type: ignore[no-untyped-def]
    # Spark merges partial float sums in the order its tasks finish: the last bits may differ
    return sorted((tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows), key=repr)
