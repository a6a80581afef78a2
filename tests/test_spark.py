"""Spark SQL as a backend: a real standalone cluster, the CLI's answers equal DuckDB's, `check` works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from connectors.contract import CONTRACT
from spark_cluster import WORKERS, SparkCluster, on_spark

REPO = Path(__file__).resolve().parent.parent
PERIOD = ("--start", "2026-11-02", "--end", "2026-11-15")


@on_spark
def test_the_thrift_server_runs_on_both_workers(spark_server: SparkCluster, spark_small_demo: str) -> None:
    import contextlib

    with contextlib.closing(spark_server.connect()) as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT count(*) FROM small_demo.moderation_cases")
        assert cursor.fetchall()[0][0] > 0
    state = spark_server.master_state()
    assert state["aliveworkers"] == WORKERS
    (application,) = state["activeapps"]  # type: ignore[misc]
    assert application["cores"] == WORKERS  # one executor per worker, one core each


@on_spark
def test_check_passes_on_the_demo_tables(spark_small_demo: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--url", spark_small_demo]) == 0, capsys.readouterr()


@on_spark
def test_check_names_a_dropped_column(spark_server: SparkCluster, spark_small_demo: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    # a separate database over the same Parquet files, with appeals declared without qa_score
    import contextlib

    with contextlib.closing(spark_server.connect()) as connection:
        cursor = connection.cursor()
        cursor.execute("CREATE DATABASE IF NOT EXISTS broken_demo")
        for table, columns in CONTRACT.items():
            kept = {c: k for c, k in columns.items() if not (table == "appeals" and c == "qa_score")}
            spark_server.register(cursor, "broken_demo", table, spark_server.table_location("small_demo", table), kept)
    capsys.readouterr()
    assert cli.main(["check", "--url", spark_server.url("broken_demo")]) != 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert "qa_score" in text and "tables.appeals.columns.qa_score" in text
    assert text.count("is missing") == 1


SCOPES = {
    "all_markets": (),
    "one_market": ("--countries", "DE"),
    "regional_user": ("--user", "sea", "--credentials", str(REPO / "auth" / "demo_users.yaml")),
}


@on_spark
@pytest.mark.parametrize("scope", list(SCOPES))
def test_cli_metrics_json_equals_duckdb(spark_small_demo: str, small_demo_url: str, scope: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from parity_support import assert_json_close

    printed = {}
    for name, url in (("duckdb", small_demo_url), ("spark", spark_small_demo)):
        assert cli.main(["metrics", "--url", url, *PERIOD, *SCOPES[scope], "--format", "json"]) == 0
        printed[name] = json.loads(capsys.readouterr().out)
    assert_json_close(printed["spark"], printed["duckdb"])
    assert printed["duckdb"]["metrics"] and any(m["value"] for m in printed["duckdb"]["metrics"])


@on_spark
@pytest.mark.parametrize("statement", [
    "DROP TABLE appeals",
    "INSERT INTO appeals SELECT * FROM appeals",
    "  create table x (a int)",
    "TRUNCATE TABLE appeals",
    "SET spark.sql.ansi.enabled=false",
])
def test_the_spark_engine_refuses_writes(spark_small_demo: str, statement: str) -> None:
    import sqlalchemy as sa

    from connectors.errors import ReadOnlyViolation
    from connectors.source import open_source

    source = open_source(spark_small_demo)
    try:
        with pytest.raises(ReadOnlyViolation), source.engine.connect() as connection:
            connection.execute(sa.text(statement))
        with source.engine.connect() as connection:  # reads still work, the table is untouched
            assert connection.execute(sa.text("SELECT count(*) FROM appeals")).scalar() > 0
    finally:
        source.engine.dispose()
