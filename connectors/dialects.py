"""Every SQL difference between backends lives here: day and week truncation, elapsed seconds.

Spark SQL has two names: "hive" (the Thrift server through PyHive) and "databricks" (a Databricks
SQL warehouse through databricks-sqlalchemy); both speak the same Spark SQL.

Each function takes SQLAlchemy column expressions and the dialect name and returns an
expression; nothing else in the project branches on the dialect when building queries.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

Expr = ColumnElement[Any]
SPARK = frozenset({"hive", "databricks"})


def day(expr: Expr, dialect: str) -> Expr:
    """The UTC calendar day of a timestamp, as a DATE (SQLite: 'YYYY-MM-DD' text)."""
    if dialect == "sqlite":
        return sa.func.date(expr)
    if dialect in SPARK:
        # to_date, not CAST: PyHive's type compiler writes CAST(x AS DATE) as CAST(x AS TIMESTAMP)
        return sa.func.to_date(expr)
    return sa.cast(expr, sa.Date)


def week(expr: Expr, dialect: str) -> Expr:
    """The Monday that starts the ISO week of a timestamp."""
    if dialect == "sqlite":
        # 'weekday 0' moves forward to Sunday (or stays), then back six days to Monday.
        return sa.func.date(expr, "weekday 0", "-6 days")
    if dialect == "bigquery":
        return sa.func.date_trunc(sa.cast(expr, sa.Date), sa.literal_column("WEEK(MONDAY)"))
    if dialect in SPARK:
        # Spark's date_trunc takes the unit first and its weeks start on Monday, as ISO's
        return sa.func.to_date(sa.func.date_trunc(sa.literal_column("'WEEK'"), expr))
    return sa.cast(sa.func.date_trunc("week", expr), sa.Date)


def elapsed_seconds(start: Expr, end: Expr, dialect: str) -> Expr:
    """Whole seconds from start to end, counted as second boundaries crossed.

    floor(end) - floor(start) is exact on every backend (no float drift), so a duration equal to
    an SLA or a bucket edge lands on the same side everywhere.
    """
    if dialect == "sqlite":
        return sa.cast(sa.func.strftime("%s", end), sa.BigInteger) - sa.cast(
            sa.func.strftime("%s", start), sa.BigInteger
        )
    if dialect == "postgresql":
        return sa.cast(
            sa.extract("epoch", sa.func.date_trunc("second", end))
            - sa.extract("epoch", sa.func.date_trunc("second", start)),
            sa.BigInteger,
        )
    if dialect == "bigquery":
        return sa.func.timestamp_diff(
            sa.func.timestamp_trunc(end, sa.literal_column("SECOND")),
            sa.func.timestamp_trunc(start, sa.literal_column("SECOND")),
            sa.literal_column("SECOND"),
        )
    if dialect in SPARK:
        # unix_timestamp floors to whole seconds. The CASTs make a bound datetime (PyHive writes it
        # as a string literal, which unix_timestamp would parse with a pattern without fractions) a
        # TIMESTAMP; TIMESTAMP, not DateTime, which databricks-sqlalchemy writes as TIMESTAMP_NTZ
        return sa.func.unix_timestamp(sa.cast(end, sa.TIMESTAMP())) - sa.func.unix_timestamp(
            sa.cast(start, sa.TIMESTAMP())
        )
    if dialect == "snowflake":
        return sa.func.datediff(sa.literal_column("second"), start, end)
    # duckdb and trino: date_diff counts unit boundaries crossed
    return sa.func.date_diff("second", start, end)
