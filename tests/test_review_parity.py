"""`cli.py review` prints the same JSON on DuckDB, SQLite, PostgreSQL and Spark SQL for the same generated data."""

from __future__ import annotations

import json

import pytest

import cli
from parity_support import assert_json_close
from spark_cluster import on_spark

ARGS = [
    ("--weeks", "3", "--end", "2026-11-15"),
    ("--start", "2026-11-09", "--end", "2026-11-15", "--countries", "DE,FR,ID",
     "--metric", "appeals.overturn_rate", "--metric", "vendors.aht_seconds", "--metric", "appeals.tat_p90_hours",
     "--metric", "escalations.p0_open", "--metric", "creators.violations_per_1k"),
]


pytestmark = pytest.mark.xdist_group("parity")  # shares the three-backend data with test_parity


@pytest.mark.parametrize("args", ARGS, ids=["weeks", "metrics"])
def test_review_json_identical_across_backends(small_demo_on_every_backend: dict[str, str], args: tuple[str, ...],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    printed = {}
    for name, url in small_demo_on_every_backend.items():
        assert cli.main(["review", "--url", url, *args]) == 0
        printed[name] = capsys.readouterr().out
    assert printed["duckdb"] == printed["sqlite"]
    assert printed["duckdb"] == printed["postgresql"]
    report = json.loads(printed["duckdb"])
    assert report["moved"] and all(item["drivers"] for item in report["moved"])


@on_spark
@pytest.mark.parametrize("args", ARGS, ids=["weeks", "metrics"])
def test_review_json_identical_on_spark(spark_small_demo: str, small_demo_url: str, args: tuple[str, ...],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    # Spark's own xdist group: compared with small_demo_url, the same generator call as the shared data
    printed = {}
    for name, url in (("duckdb", small_demo_url), ("spark", spark_small_demo)):
        assert cli.main(["review", "--url", url, *args]) == 0
        printed[name] = json.loads(capsys.readouterr().out)
    assert printed["duckdb"]["moved"]
    assert_json_close(printed["spark"], printed["duckdb"])
