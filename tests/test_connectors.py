"""Connector behaviour on a hand-made fixture, on DuckDB, SQLite and PostgreSQL (and its core on Spark SQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from sqlalchemy.engine import make_url

from connectors.config import parse_config
from connectors.engine import redact
from connectors.errors import RowLimitExceeded
from connectors.scope import Scope
from connectors.source import Source
from connectors.spec import (
    AggregateSpec,
    All,
    Count,
    Dim,
    Elapsed,
    ElapsedAtMost,
    Histogram,
    In,
    NotNull,
    RecordSpec,
    Sum,
)
from spark_cluster import on_spark
from tiny import TINY_APPEALS, backend_url, load_frames, open_tiny

BACKENDS = ["duckdb", "sqlite", "postgresql"]
TAT = Elapsed("submitted_at", end="decided_at")
DECIDED = NotNull("decided_at")

APPEALS_BY_DAY = AggregateSpec(
    table="appeals",
    dimensions=(Dim("country_code"), Dim("submitted_at", grain="day")),
    measures=(
        Count("submitted"),
        Count("decided", where=DECIDED),
        Count("overturned", where=In("outcome", ("reversed", "partially_reversed"))),
        Count("within_sla", where=All((DECIDED, ElapsedAtMost(TAT, "sla_hours")))),
        Sum("qa_score_sum", "qa_score"),
        Histogram("tat", TAT, edges_hours=(1.0, 24.0, 48.0)),
    ),
)

# Worked by hand from TINY_APPEALS (buckets: b0 < 1 h <= b1 < 24 h <= b2 < 48 h <= b3):
# DE 11-03: #3 pending, #4 decided in 1.5 h (b1), partially reversed, within SLA, qa 90
# GB 11-04: #5 decided in exactly 48 h -> within the 48 h SLA (<=), bucket b3, qa 70
# US 11-02: #1 24 h (b2, within, reversed, qa 80); #2 48 h + 1 s (b3, breached, qa null)
EXPECTED = pl.DataFrame(
    {
        "country_code": ["DE", "GB", "US"],
        "day": [dt.date(2026, 11, 3), dt.date(2026, 11, 4), dt.date(2026, 11, 2)],
        "submitted": [2, 1, 2],
        "decided": [1, 1, 2],
        "overturned": [1, 0, 1],
        "within_sla": [1, 1, 1],
        "qa_score_sum": [90.0, 70.0, 80.0],
        "tat_b0": [0, 0, 0],
        "tat_b1": [1, 0, 0],
        "tat_b2": [0, 0, 1],
        "tat_b3": [0, 1, 1],
    },
    schema_overrides={"day": pl.Date},
)


@pytest.fixture(params=BACKENDS)
def tiny_source(request: pytest.FixtureRequest, tmp_path: Path) -> Source:
    postgres_url = None
    if request.param == "postgresql":
        postgres_url = request.getfixturevalue("postgres_database")
    url = backend_url(request.param, tmp_path, postgres_url)
    load_frames(url, {"appeals": TINY_APPEALS})
    source = open_tiny(url)
    yield source
    source.engine.dispose()


def test_aggregation_equals_hand_computed_values(tiny_source: Source) -> None:
    result = tiny_source.aggregate(APPEALS_BY_DAY, Scope.everything())
    assert_frame_equal(result, EXPECTED)


def test_week_grain_starts_on_monday(tiny_source: Source) -> None:
    spec = AggregateSpec("appeals", (Dim("submitted_at", grain="week"),), (Count("n"),))
    result = tiny_source.aggregate(spec, Scope.everything())
    # 2026-11-02 is a Monday; all five appeals (Mon 2 .. Wed 4 Nov) fall in that ISO week
    assert result.to_dicts() == [{"week": dt.date(2026, 11, 2), "n": 5}]


def test_injection_string_is_a_literal_that_matches_nothing(tiny_source: Source) -> None:
    spec = AggregateSpec("appeals", (Dim("country_code"),), (Count("n"),), countries=("US') OR 1=1 --",))
    assert tiny_source.aggregate(spec, Scope.everything()).height == 0
    spec_policy = AggregateSpec(
        "appeals", (), (Count("n"),), where=(In("policy", ("x' OR '1'='1", "spam; DROP TABLE appeals")),)
    )
    assert tiny_source.aggregate(spec_policy, Scope.everything())["n"].to_list() == [0]
    # the table is still there
    assert tiny_source.aggregate(AggregateSpec("appeals", (), (Count("n"),)), Scope.everything())["n"][0] == 5


def test_scope_is_intersected_with_the_request(tiny_source: Source) -> None:
    spec = AggregateSpec("appeals", (Dim("country_code"),), (Count("n"),))
    assert tiny_source.aggregate(spec, Scope.of(["DE"]))["country_code"].to_list() == ["DE"]
    asks_us = AggregateSpec("appeals", (Dim("country_code"),), (Count("n"),), countries=("US", "DE"))
    assert tiny_source.aggregate(asks_us, Scope.of(["DE", "GB"]))["country_code"].to_list() == ["DE"]
    assert tiny_source.aggregate(spec, Scope.nothing()).height == 0


def test_records_are_newest_first_and_limited(tiny_source: Source) -> None:
    spec = RecordSpec("appeals", ("appeal_id", "submitted_at", "outcome"), order_by=("submitted_at",), limit=2)
    result = tiny_source.records(spec, Scope.everything())
    assert result["appeal_id"].to_list() == [5, 4]
    assert result.schema["submitted_at"] == pl.Datetime("us")


def test_row_guard_refuses_large_transfers(tmp_path: Path) -> None:
    url = backend_url("duckdb", tmp_path)
    load_frames(url, {"appeals": TINY_APPEALS})
    source = open_tiny(url, parse_config({"source": {"max_rows": 2}}))
    spec = AggregateSpec("appeals", (Dim("appeal_id"),), (Count("n"),))
    with pytest.raises(RowLimitExceeded, match="more than 2 rows"):
        source.aggregate(spec, Scope.everything())


def test_connections_are_read_only(tiny_source: Source) -> None:
    with pytest.raises(sa.exc.DBAPIError):
        with tiny_source.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM appeals"))


def test_compiled_sql_groups_and_binds_values(tiny_source: Source) -> None:
    spec = AggregateSpec(
        "appeals", (Dim("policy"),), (Count("n"),), where=(In("policy", ("counterfeit",)),), countries=("US",)
    )
    statement = tiny_source.builder.aggregate(spec, ("US",), 10)
    compiled = statement.compile(dialect=tiny_source.engine.dialect)
    sql = str(compiled)
    assert "GROUP BY" in sql
    assert "counterfeit" not in sql and "'US'" not in sql
    assert "counterfeit" in str(compiled.params) and "US" in str(compiled.params)


def test_elapsed_at_most_fixed_hours(tiny_source: Source) -> None:
    from connectors.spec import ElapsedAtMostHours

    spec = AggregateSpec(
        "appeals", (), (Count("within_24h", where=All((DECIDED, ElapsedAtMostHours(TAT, 24.0)))),)
    )
    # #1 exactly 24 h (<= 24 h, counts), #4 1.5 h counts; #2 48 h + 1 s, #5 48 h do not; #3 pending
    assert tiny_source.aggregate(spec, Scope.everything())["within_24h"].to_list() == [2]


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql+psycopg://reader:hunter2@db:5432/gov", "hunter2"),
        ("postgresql+psycopg://reader@db/gov?password=hunter2&sslmode=require", "hunter2"),
        ("trino://analyst@trino:8080/hive?access_token=eyJhbGciOi.abc", "eyJhbGciOi.abc"),
        ("snowflake://svc@acct/db/schema?private_key_file=/k.p8&private_key_file_pwd=s3cret", "s3cret"),
        ("bigquery://project/dataset?credentials_base64=ZXlKaGJHY2lPaUpT", "ZXlKaGJHY2lPaUpT"),
        ("postgresql+psycopg://db/gov?sslpassword=pw1&sslmode=verify-full", "pw1"),
    ],
)
def test_redact_hides_passwords_and_secret_query_parameters(url: str, secret: str) -> None:
    shown = redact(url)
    assert secret not in shown
    assert "***" in shown or "=REDACTED" in shown
    # what is not secret stays readable, so the message still says which database it is
    assert make_url(shown).host == make_url(url).host and make_url(shown).database == make_url(url).database
    if "sslmode" in url:
        assert "sslmode=" in shown


def test_sum_of_squares_for_mean_tests(tiny_source: Source) -> None:
    from connectors.spec import Sum

    spec = AggregateSpec("appeals", (Dim("country_code"),),
                         (Sum("qa_sq", "qa_score", squared=True), Sum("qa", "qa_score")))
    rows = {r["country_code"]: (r["qa_sq"], r["qa"]) for r in tiny_source.aggregate(spec, Scope.everything()).to_dicts()}
    # qa_score: DE 90 (and one null), GB 70, US 80 (and one null): squares 8100, 4900, 6400
    assert rows == {"DE": (8100.0, 90.0), "GB": (4900.0, 70.0), "US": (6400.0, 80.0)}


# ---- the same checks on Spark SQL (hive://) ---------------------------------------------------------


@pytest.fixture(scope="module")
def spark_tiny_source(spark_server) -> Source:  # type: ignore[no-untyped-def]
    from connectors.contract import CONTRACT

    spark_server.load_tables("tiny", {"appeals": TINY_APPEALS}, CONTRACT)
    source = open_tiny(spark_server.url("tiny"))
    yield source
    source.engine.dispose()


ON_SPARK = [
    test_aggregation_equals_hand_computed_values,
    test_week_grain_starts_on_monday,
    test_injection_string_is_a_literal_that_matches_nothing,
    test_scope_is_intersected_with_the_request,
    test_records_are_newest_first_and_limited,
    test_elapsed_at_most_fixed_hours,
]


@on_spark
@pytest.mark.parametrize("check", ON_SPARK, ids=lambda check: check.__name__.removeprefix("test_"))
def test_on_spark(spark_tiny_source: Source, check) -> None:  # type: ignore[no-untyped-def]
    check(spark_tiny_source)


# PyHive escapes values into the SQL text on the client, with backslash escapes (Spark's string
# literals honour them): quotes, backslashes and newlines must all come back as the same literal.
TRICKY = ["o'brien \\", "\\' OR 1=1 --", "x\\'); DROP TABLE appeals; --", "line\nbreak\t'tab'", "100% %s %(x)s"]


@on_spark
def test_escaped_values_round_trip_as_literals_on_spark(spark_server) -> None:  # type: ignore[no-untyped-def]
    from connectors.contract import CONTRACT
    from tiny import frame

    rows = [dict(appeal_id=i, submitted_at=dt.datetime(2026, 11, 2), country_code="US", policy=policy)
            for i, policy in enumerate(TRICKY)]
    spark_server.load_tables("tiny_quotes", {"appeals": frame("appeals", rows)}, CONTRACT)
    source = open_tiny(spark_server.url("tiny_quotes"))
    try:
        for policy in TRICKY:
            spec = AggregateSpec("appeals", (Dim("policy"),), (Count("n"),), where=(In("policy", (policy,)),))
            assert source.aggregate(spec, Scope.everything()).to_dicts() == [{"policy": policy, "n": 1}]
        hostile = AggregateSpec("appeals", (), (Count("n"),), countries=("\\' OR 1=1 --", "US\\"))
        assert source.aggregate(hostile, Scope.everything())["n"].to_list() == [0]
        everything = AggregateSpec("appeals", (), (Count("n"),))
        assert source.aggregate(everything, Scope.everything())["n"].to_list() == [len(TRICKY)]
    finally:
        source.engine.dispose()
