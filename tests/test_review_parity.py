"""`cli.py review` prints the same JSON on DuckDB, SQLite and PostgreSQL for the same generated data."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

import cli

ARGS = [
    ("--weeks", "3", "--end", "2026-11-15"),
    ("--start", "2026-11-09", "--end", "2026-11-15", "--countries", "DE,FR,ID",
     "--metric", "appeals.overturn_rate", "--metric", "vendors.aht_seconds", "--metric", "appeals.tat_p90_hours",
     "--metric", "escalations.p0_open", "--metric", "creators.violations_per_1k"),
]


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory, postgres_server: str) -> dict[str, str]:
    from sample_data import generate

    folder = tmp_path_factory.mktemp("review-parity")
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS review_parity WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE review_parity"))
    admin.dispose()
    found = {
        "duckdb": f"duckdb:///{folder / 'p.duckdb'}",
        "sqlite": f"sqlite:///{folder / 'p.sqlite'}",
        "postgresql": postgres_server.rsplit("/", 1)[0] + "/review_parity",
    }
    for url in found.values():
        generate(url, scale="small")
    return found


@pytest.mark.parametrize("args", ARGS, ids=["weeks", "metrics"])
def test_review_json_identical_across_backends(urls: dict[str, str], args: tuple[str, ...],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    printed = {}
    for name, url in urls.items():
        assert cli.main(["review", "--url", url, *args]) == 0
        printed[name] = capsys.readouterr().out
    assert printed["duckdb"] == printed["sqlite"]
    assert printed["duckdb"] == printed["postgresql"]
    report = json.loads(printed["duckdb"])
    assert report["moved"] and all(item["drivers"] for item in report["moved"])
