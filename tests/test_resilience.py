"""Resilience to database faults, against a real PostgreSQL and real (broken) DuckDB files.

- The database unreachable at start, and lost between two reruns: the real app (AppTest) shows an
  error banner, then the last good result marked stale with its time, and the next rerun after
  the server is back recovers with the same KPI values, without restarting the app.
- A query past the statement timeout: QueryTimeout from the connector, a banner in the app.
- A source missing a column: the message names the table, the column and the config key.
- An empty or corrupt DuckDB file: a clear message naming the file, never a traceback.

The stop/start tests use their own throwaway cluster, never the shared session one.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

import cli
from conftest import require_or_skip
from connectors.errors import QueryTimeout, SchemaMismatch, SourceUnavailable
from connectors.scope import Scope
from connectors.source import ScopedAccess, Source, open_source
from connectors.spec import AggregateSpec, Dim, Elapsed, Histogram
from metrics import appeals
from metrics.base import DURATION_EDGES_HOURS, MetricRequest, Period
from metrics.report import all_kpis
from metrics.targets import Settings
from pg_cluster import PgCluster, postgres_bin_dir, throwaway_postgres
from app_login import log_in

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("resilience")]

REPO = Path(__file__).resolve().parent.parent
APP = "../app.py"  # relative to this file
WEEK = MetricRequest(Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15)))
STALE = re.compile(r"Showing the last good result from (\d{2} \w{3} \d{4} \d{2}:\d{2}) UTC \(stale\)\.")
# A heavy GROUP BY: every moderation case, per day and market, into 36 duration buckets.
HEAVY = AggregateSpec(
    "moderation_cases",
    (Dim("created_at", grain="day"), Dim("country_code")),
    (Histogram("tat", Elapsed("created_at", end="decided_at"), DURATION_EDGES_HOURS),),
)


# ---- fixtures -------------------------------------------------------------------------------------


def create_database(server_url: str, name: str) -> str:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[tuple[str, PgCluster]]:
    """A throwaway cluster of this module's own (the tests stop it) with the small demo database."""
    require_or_skip(postgres_bin_dir() is not None, "PostgreSQL server (initdb)")
    from sample_data import generate

    with throwaway_postgres() as (server_url, cluster):
        url = create_database(server_url, "governance")
        generate(url, scale="small")
        yield url, cluster


@pytest.fixture()
def cluster_up(own_postgres: tuple[str, PgCluster]) -> Iterator[tuple[str, PgCluster]]:
    """The module's cluster, running again after the test whatever happened."""
    url, cluster = own_postgres
    try:
        yield url, cluster
    finally:
        if not (cluster.data_dir / "postmaster.pid").exists():
            cluster.start()


@pytest.fixture(scope="module")
def small_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sample_data import generate

    path = tmp_path_factory.mktemp("resilience") / "small.duckdb"
    generate(f"duckdb:///{path}", scale="small")
    return path


def app_env(monkeypatch: pytest.MonkeyPatch, db_url: str, config: Path | None = None) -> None:
    monkeypatch.setenv("GOVERNANCE_DB_URL", db_url)
    monkeypatch.setenv("GOVERNANCE_CREDENTIALS", str(REPO / "auth" / "demo_users.yaml"))
    monkeypatch.setenv("GOVERNANCE_COOKIE_KEY", secrets.token_urlsafe(36))  # 48 characters
    monkeypatch.setenv("GOVERNANCE_LOGIN_SLEEP_SECONDS", "0")
    monkeypatch.setenv("GOVERNANCE_CACHE_TTL_SECONDS", "0")
    if config is None:
        monkeypatch.delenv("GOVERNANCE_CONFIG", raising=False)
    else:
        monkeypatch.setenv("GOVERNANCE_CONFIG", str(config))


def logged_in_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    log_in("admin")
    return at


def rerun(at: AppTest) -> AppTest:
    """Run app.py again in the same session, as a browser rerun does, with an empty query cache."""
    st.cache_data.clear()  # the rerun must reach the database, whatever TTL data.py was imported with
    return at.run()


def kpi_values(at: AppTest) -> list[tuple[str, str]]:
    return [(metric.label, metric.value) for metric in at.metric]


def errors(at: AppTest) -> list[str]:
    return [element.value for element in at.error]


def warnings(at: AppTest) -> list[str]:
    return [element.value for element in at.warning]


def assert_frame_ran(at: AppTest) -> None:
    """The rerun went through app.py to its end (its footer is there), with no exception: the
    stale banner is drawn by app.py after the page, so a rerun of the page alone would not show it."""
    assert not at.exception, [e.value for e in at.exception]
    assert any("Data as of" in element.value for element in at.markdown)


def count_database_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, count the statements the app sends (or tries to send) to any source."""
    tries = [0]
    fetch = Source._fetch

    def counted(self: Source, statement: Any) -> Any:
        tries[0] += 1
        return fetch(self, statement)

    monkeypatch.setattr(Source, "_fetch", counted)
    return tries


# ---- unreachable and lost database: the real app ------------------------------------------------


def test_unreachable_at_start_shows_an_error_then_recovers(
    cluster_up: tuple[str, PgCluster], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cluster = cluster_up
    app_env(monkeypatch, url)
    cluster.stop()
    st.cache_data.clear()
    at = logged_in_app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(errors(at)) == 1
    assert errors(at)[0].startswith("The data source is not available. The database postgresql+psycopg://")
    assert "cannot be reached" in errors(at)[0] and f":{cluster.port}/governance" in errors(at)[0]
    assert warnings(at) == []  # nothing good to show yet, so nothing is marked stale
    assert kpi_values(at) == []

    cluster.start()
    rerun(at)
    assert_frame_ran(at)
    assert errors(at) == [] and warnings(at) == []
    assert len(kpi_values(at)) >= 10
    assert ("Appeal backlog", "34") in kpi_values(at)  # a known value of the small demo database


def test_lost_between_reruns_shows_the_last_good_result_as_stale_then_recovers(
    cluster_up: tuple[str, PgCluster], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cluster = cluster_up
    app_env(monkeypatch, url)
    st.cache_data.clear()
    before_good_run = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
    at = logged_in_app().run()
    assert_frame_ran(at)
    assert errors(at) == [] and warnings(at) == []
    good = kpi_values(at)
    assert len(good) >= 10

    cluster.stop()
    tries = count_database_round_trips(monkeypatch)
    rerun(at)
    assert tries == [1]  # one failed try per rerun, not one per query (each can wait for connect_timeout)
    assert_frame_ran(at)
    assert errors(at) == [
        f"The data source is not available. The database {url} cannot be reached: connection failed: "
        f'connection to server at "127.0.0.1", port {cluster.port} failed: Connection refused'
    ]
    assert len(warnings(at)) == 1
    stamp = STALE.fullmatch(warnings(at)[0])
    assert stamp, warnings(at)
    as_of = dt.datetime.strptime(stamp.group(1), "%d %b %Y %H:%M")
    assert before_good_run <= as_of <= dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert kpi_values(at) == good  # the last good result, not blanks

    cluster.start()
    rerun(at)
    assert_frame_ran(at)
    assert errors(at) == [] and warnings(at) == []
    assert kpi_values(at) == good  # fresh from the database again, same values


# ---- statement timeout --------------------------------------------------------------------------------


@pytest.fixture()
def tiny_timeout(tmp_path: Path) -> Path:
    config = tmp_path / "timeout.toml"
    config.write_text("[source]\nstatement_timeout_ms = 1\n")
    return config


def test_query_past_the_statement_timeout_raises_query_timeout(
    own_postgres: tuple[str, PgCluster], tiny_timeout: Path
) -> None:
    url, _ = own_postgres
    source = open_source(url, str(tiny_timeout))
    try:
        with pytest.raises(QueryTimeout) as raised:
            source.aggregate(HEAVY, Scope.everything())
    finally:
        source.engine.dispose()
    message = str(raised.value)
    assert message.startswith("The query ran longer than the statement timeout (1 ms) on postgresql+psycopg://")
    assert "raise [source] statement_timeout_ms" in message


def test_app_shows_a_statement_timeout_banner(
    own_postgres: tuple[str, PgCluster], tiny_timeout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = own_postgres
    app_env(monkeypatch, url, tiny_timeout)
    st.cache_data.clear()
    at = logged_in_app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("ran longer than the statement timeout (1 ms)" in message for message in errors(at)), errors(at)


# ---- a column missing from the source -------------------------------------------------------------------


def assert_names_table_column_and_key(message: str) -> None:
    assert "table 'appeals'" in message
    assert "column 'qa_score'" in message
    assert "tables.appeals.columns.qa_score" in message


def test_missing_column_on_postgres_names_table_column_and_config_key(
    own_postgres: tuple[str, PgCluster], capsys: pytest.CaptureFixture[str]
) -> None:
    from sample_data import generate

    _, cluster = own_postgres
    url = create_database(cluster.url("postgres"), "missing_column")
    generate(url, scale="small")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE appeals DROP COLUMN qa_score"))
    engine.dispose()

    source = open_source(url)
    try:
        with pytest.raises(SchemaMismatch) as raised:
            appeals.kpis(ScopedAccess(source, Scope.everything()), WEEK, Settings())
    finally:
        source.engine.dispose()
    assert_names_table_column_and_key(str(raised.value))

    assert cli.main(["check", "--url", url]) == 1
    out = capsys.readouterr().out
    assert_names_table_column_and_key(out)
    assert "1 problem(s)" in out


def test_missing_column_on_duckdb_names_table_column_and_config_key(
    small_duckdb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    path = tmp_path / "missing_column.duckdb"
    shutil.copy(small_duckdb, path)
    with duckdb.connect(str(path)) as conn:
        conn.execute("ALTER TABLE appeals DROP COLUMN qa_score")
    url = f"duckdb:///{path}"

    assert cli.main(["check", "--url", url]) == 1
    out = capsys.readouterr().out
    assert_names_table_column_and_key(out)
    assert "1 problem(s)" in out

    app_env(monkeypatch, url)
    st.cache_data.clear()
    at = logged_in_app().run()
    assert not at.exception, [e.value for e in at.exception]
    mismatch = [message for message in errors(at) if "does not match the data contract" in message]
    assert mismatch, errors(at)
    assert_names_table_column_and_key(mismatch[0])


def test_check_passes_on_an_intact_duckdb_file(small_duckdb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The contract check reflects DuckDB columns (and their types) without failing."""
    assert cli.main(["check", "--url", f"duckdb:///{small_duckdb}"]) == 0
    assert "OK: every contract table and column is present" in capsys.readouterr().out


# ---- empty and corrupt DuckDB files ----------------------------------------------------------------------


def broken_file(kind: str, good: Path, folder: Path) -> Path:
    path = folder / f"{kind}.duckdb"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "not_duckdb":
        path.write_bytes(b"country_code,rows\nDE,1\n" * 1000)
    elif kind == "truncated":
        path.write_bytes(good.read_bytes()[:8192])
    elif kind == "corrupt_blocks":  # the header and catalog survive, the data blocks do not
        content = bytearray(good.read_bytes())
        start = len(content) // 8
        pattern = bytes(range(256)) * (len(content) // 256 + 1)
        content[start : len(content) * 7 // 8] = pattern[: len(content) * 7 // 8 - start]
        path.write_bytes(bytes(content))
    return path


@pytest.mark.parametrize("kind", ["empty", "not_duckdb", "truncated", "corrupt_blocks"])
def test_broken_duckdb_file_is_a_clear_source_unavailable(kind: str, small_duckdb: Path, tmp_path: Path) -> None:
    path = broken_file(kind, small_duckdb, tmp_path)
    source = open_source(f"duckdb:///{path}")
    try:
        with pytest.raises(SourceUnavailable) as raised:
            all_kpis(ScopedAccess(source, Scope.everything()), WEEK, Settings())
    finally:
        source.engine.dispose()
    message = str(raised.value)
    assert str(path) in message
    assert "cannot be read: it is empty, truncated, corrupt or not a duckdb database" in message


@pytest.mark.parametrize("kind", ["empty", "not_duckdb", "truncated"])
def test_cli_check_on_a_broken_duckdb_file_fails_naming_the_file(
    kind: str, small_duckdb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = broken_file(kind, small_duckdb, tmp_path)
    assert cli.main(["check", "--url", f"duckdb:///{path}"]) != 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.startswith(f"error: Cannot inspect the source duckdb:///{path}: ")


def test_app_on_an_empty_duckdb_file_shows_an_error_banner(
    small_duckdb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = broken_file("empty", small_duckdb, tmp_path)
    app_env(monkeypatch, f"duckdb:///{path}")
    st.cache_data.clear()
    at = logged_in_app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(errors(at)) == 1
    assert errors(at)[0].startswith(f"The data source is not available. The database file of duckdb:///{path} cannot be read")


# ---- DuckDB has no statement_timeout: the deadline interrupts the statement -----------------------------

LONG = sa.text("SELECT sum(hash(i)) FROM range(5000000000) t(i)")  # about 15-20 s on 2 cores without the deadline


def test_duckdb_query_past_the_timeout_is_interrupted_and_the_source_recovers(
    small_duckdb: Path, tmp_path: Path
) -> None:
    config = tmp_path / "timeout.toml"
    config.write_text("[source]\nstatement_timeout_ms = 300\n")
    source = open_source(f"duckdb:///{small_duckdb}", str(config))
    try:
        started = dt.datetime.now()
        with pytest.raises(QueryTimeout) as raised:
            source._fetch(LONG)
        waited = (dt.datetime.now() - started).total_seconds()
        assert 0.25 <= waited < 10, waited  # interrupted near the deadline, not after minutes
        assert str(raised.value).startswith("The query ran longer than the statement timeout (300 ms) on duckdb:///")
        # the next statements run normally: the interrupted connection was not handed out again
        for _ in range(3):
            assert source._fetch(sa.text("SELECT 42 AS answer")) == (["answer"], [(42,)])
    finally:
        source.engine.dispose()


def test_duckdb_deadline_does_not_touch_statements_that_finish_in_time(small_duckdb: Path, tmp_path: Path) -> None:
    config = tmp_path / "timeout.toml"
    config.write_text("[source]\nstatement_timeout_ms = 50\n")
    source = open_source(f"duckdb:///{small_duckdb}", str(config))
    try:
        for _ in range(5):  # each returns well before 50 ms; waiting past the deadline must not hit the next one
            assert source._fetch(sa.text("SELECT 1 AS one")) == (["one"], [(1,)])
            time.sleep(0.08)
    finally:
        source.engine.dispose()
