"""Read-only SQLAlchemy engines for each supported backend."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import registry
from sqlalchemy.engine import URL, Engine, make_url

from connectors.config import SourceConfig
from connectors.errors import ReadOnlyViolation, SourceUnavailable

# hive:// (the Spark Thrift server) resolves to PyHive's dialect with Spark's gaps shimmed; loaded
# only when such a URL is opened, so PyHive stays an optional dependency
registry.register("hive", "connectors.spark_dialect", "SparkDialect")


def _sqlite_read_only(url: URL) -> Engine:
    path = url.database
    if not path or path == ":memory:":
        raise SourceUnavailable("a read-only SQLite source needs a database file path")
    if not Path(path).is_file():
        raise SourceUnavailable(f"SQLite database file not found: {path}")
    uri = f"file:{Path(path).resolve()}?mode=ro"
    return sa.create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        pool_pre_ping=True,
    )


def _duckdb_read_only(url: URL) -> Engine:
    path = url.database
    if path and path != ":memory:" and not Path(path).is_file():
        raise SourceUnavailable(f"DuckDB database file not found: {path}")
    # No pre-ping: an embedded file has no connection to lose.
    return sa.create_engine(url, connect_args={"read_only": True})


def _postgres_read_only(url: URL, timeout_ms: int) -> Engine:
    options = f"-c default_transaction_read_only=on -c statement_timeout={int(timeout_ms)}"
    return sa.create_engine(
        url, connect_args={"options": options, "connect_timeout": 5}, pool_pre_ping=True
    )


READING_STATEMENT = re.compile(r"\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXPLAIN)\b", re.IGNORECASE)


def refuse_writes(conn: sa.Connection, cursor: object, statement: str, *args: object) -> None:
    """Spark's Thrift server has no read-only session, so the client refuses anything but a read.
    A second fence only: the account's grants (SELECT only) are what keep the source read-only."""
    if not READING_STATEMENT.match(statement):
        raise ReadOnlyViolation(f"refused a statement on a read-only source: {statement.split(None, 1)[0]} ...")


def _spark_read_only(url: URL) -> Engine:
    engine = sa.create_engine(url, pool_pre_ping=True)
    sa.event.listen(engine, "before_cursor_execute", refuse_writes)
    return engine


def create_read_only_engine(url: str, config: SourceConfig) -> Engine:
    """An engine that cannot write: DuckDB read_only, SQLite mode=ro, PostgreSQL read-only txns,
    Spark SQL (hive://) reads only by a client-side statement check."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_read_only(parsed)
    if backend == "duckdb":
        return _duckdb_read_only(parsed)
    if backend == "postgresql":
        return _postgres_read_only(parsed, config.statement_timeout_ms)
    if backend == "hive":
        return _spark_read_only(parsed)
    return sa.create_engine(parsed, pool_pre_ping=True)


SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|credential|key|auth|signature|sig$", re.IGNORECASE)
HIDDEN = "REDACTED"  # needs no URL encoding, unlike SQLAlchemy's *** for the password


def redact(url: str) -> str:
    """The URL with its password and every query parameter that may hold a secret hidden (Trino
    access_token, Snowflake private_key_file_pwd, BigQuery credentials_base64, ?password=...), safe
    for messages, logs and the Data source page."""
    parsed = make_url(url)
    hidden = {
        name: (HIDDEN if SECRET_PARAMETER.search(name) else value) for name, value in parsed.query.items()
    }
    return parsed.set(query=hidden).render_as_string(hide_password=True)


class _Deadline:
    """Interrupts a DuckDB connection once its time is up, unless the statement finished first."""

    def __init__(self, interrupt: Callable[[], object], seconds: float) -> None:
        self._interrupt = interrupt
        self._lock = threading.Lock()
        self._running = True
        self.fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if self._running:
                self.fired = True
                self._interrupt()

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._running = False
        self._timer.cancel()


@contextlib.contextmanager
def statement_deadline(connection: sa.Connection, timeout_ms: int) -> Iterator[None]:
    """DuckDB has no statement_timeout: interrupt the statement after `timeout_ms`, as PostgreSQL
    cancels one. DuckDB then raises "INTERRUPT Error", which translate_error reports as a timeout.
    A connection that was interrupted is discarded rather than reused. Other backends enforce
    their own timeout (PostgreSQL: statement_timeout in the connect options)."""
    if connection.dialect.name != "duckdb" or timeout_ms <= 0:
        yield
        return
    raw = connection.connection.dbapi_connection
    with _Deadline(raw.interrupt, timeout_ms / 1000) as deadline:  # type: ignore[union-attr]
        try:
            yield
        finally:
            if deadline.fired:
                connection.invalidate()
