"""'Export all records' (issue 10): every record matching the filters and the user's scope, streamed
from the database in chunks, up to a cap that the file names when it binds."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa

import data
from connectors.scope import Scope
from metrics import appeals, creators
from metrics.base import MetricRequest, Period
from ui.exports import all_records_csv

NOV = Period(dt.date(2026, 10, 19), dt.date(2026, 11, 15))  # the last 28 days of the small demo
HALF_YEAR = Period(dt.date(2026, 5, 20), dt.date(2026, 11, 15))  # all of the small demo
SEA = ("ID", "MY", "TH", "VN", "PH", "SG")


def access(url: str, scope: Scope) -> data.CachedAccess:
    return data.CachedAccess(url, None, scope)


def oracle(url: str, sql: str) -> int:
    """Plain SQL through the app's own read-only engine (DuckDB allows one configuration per file)."""
    with data.get_source(url, None).engine.connect() as connection:
        return int(connection.execute(sa.text(sql)).scalar_one())


def test_every_violation_in_id_is_exported_not_the_first_100(small_demo_url: str) -> None:
    request = MetricRequest(HALF_YEAR, countries=("ID",))
    drill = lambda d: creators.drilldown(d, request)  # noqa: E731
    chunks = list(data.all_records(access(small_demo_url, Scope.everything()), drill, chunk_rows=100))
    exported = pl.concat(chunks)
    expected = oracle(small_demo_url, "SELECT count(*) FROM creator_violations WHERE country_code = 'ID' "
                      "AND occurred_at >= '2026-05-20' AND occurred_at < '2026-11-16'")
    assert expected > 100  # the page's table stops at 100 rows
    assert exported.height == expected and len(chunks) == -(-expected // 100)  # ceil: chunk by chunk
    assert exported["violation_id"].n_unique() == expected
    assert exported.columns == creators.drilldown(access(small_demo_url, Scope.everything()), request).columns


def test_the_export_holds_only_the_users_markets(small_demo_url: str) -> None:
    request = MetricRequest(NOV)
    drill = lambda d: appeals.drilldown(d, request)  # noqa: E731
    exported = pl.concat(data.all_records(access(small_demo_url, Scope.of(SEA)), drill))
    assert set(exported["country_code"]) <= set(SEA) and exported.height > 100
    assert "tat_hours" in exported.columns  # the drill-down's derived columns, chunk by chunk


def test_a_binding_cap_is_named_in_the_file(small_demo_url: str) -> None:
    request = MetricRequest(NOV)
    drill = lambda d: appeals.drilldown(d, request)  # noqa: E731
    text = all_records_csv(data.all_records(access(small_demo_url, Scope.everything()), drill, cap=50,
                                            chunk_rows=20), cap=50).decode()
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 50 + 1  # header, 50 rows, the note
    assert lines[0].startswith("Appeal ID,Case ID,")  # labelled headers, written once
    assert lines[-1] == '"Export stopped at the cap of 50 rows: narrow the filters for the rest."'
    small = all_records_csv(iter([pl.DataFrame({"appeal_id": [1, 2]})]), cap=50).decode()
    assert "Export stopped" not in small
