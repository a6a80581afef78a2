"""Load generated frames into any SQLAlchemy database, bulk where the backend allows.

Tables are (re)created from the contract through SQLAlchemy Core. DuckDB gets Arrow inserts
through its native connection, PostgreSQL (psycopg 3) gets COPY, SQLite gets executemany in
chunks, anything else SQLAlchemy executemany. PostgreSQL and SQLite also get indexes on the main
time columns and country_code.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import sqlalchemy as sa

from connectors.contract import CONTRACT

SA_TYPES = {
    "str": sa.String,
    "timestamp": sa.DateTime,
    "date": sa.Date,
    "int": sa.BigInteger,
    "float": sa.Double,
    "bool": sa.Boolean,
}
INDEXED_COLUMNS: dict[str, tuple[str, ...]] = {
    "moderation_cases": ("created_at", "decided_at", "country_code"),
    "appeals": ("submitted_at", "decided_at", "country_code", "case_id"),
    "creators": ("country_code", "onboarded_at"),
    "creator_violations": ("occurred_at", "country_code", "creator_id"),
    "escalations": ("opened_at", "country_code"),
}
CHUNK_ROWS = 200_000


def contract_metadata() -> sa.MetaData:
    """SQLAlchemy tables for every canonical table, typed from the contract (no constraints:
    the tables are loaded in bulk and read by aggregate queries)."""
    metadata = sa.MetaData()
    for table, columns in CONTRACT.items():
        sa.Table(table, metadata,
                 *(sa.Column(name, SA_TYPES[kind]()) for name, kind in columns.items()))
    return metadata


def load_tables(engine: sa.Engine, tables: dict[str, pl.DataFrame],
                progress: Callable[[str], None] | None = None) -> None:
    say = progress or (lambda _message: None)
    metadata = contract_metadata()
    selected = [metadata.tables[name] for name in tables]
    with engine.begin() as conn:
        metadata.drop_all(conn, tables=selected, checkfirst=True)
        metadata.create_all(conn, tables=selected)
    dialect = engine.dialect.name
    with engine.begin() as conn:
        driver = conn.connection.driver_connection
        for name, frame in tables.items():
            say(f"loading {name} ({frame.height:,} rows)")
            if dialect == "duckdb":
                _load_duckdb(driver, name, frame)
            elif dialect == "postgresql" and _is_psycopg3(driver):
                _load_postgres_copy(conn, driver, metadata.tables[name], frame)
            elif dialect == "sqlite":
                _load_sqlite(driver, name, frame)
            else:
                _load_generic(conn, metadata.tables[name], frame)
    if dialect in ("postgresql", "sqlite"):
        say("creating indexes")
        with engine.begin() as conn:
            for name, columns in INDEXED_COLUMNS.items():
                if name in tables:
                    for column in columns:
                        sa.Index(f"ix_{name}_{column}", metadata.tables[name].c[column]).create(conn)
            if dialect == "postgresql":
                conn.exec_driver_sql("ANALYZE")


def _is_psycopg3(driver: object) -> bool:
    return type(driver).__module__.startswith("psycopg")


def _load_duckdb(driver, name: str, frame: pl.DataFrame) -> None:
    view = f"__sample_data_{name}"
    driver.execute("SET enable_progress_bar = false")  # no progress bar on the app's console
    driver.register(view, frame.to_arrow())
    try:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        driver.execute(f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM "{view}"')
    finally:
        driver.unregister(view)


def _load_postgres_copy(conn: sa.Connection, driver, table: sa.Table, frame: pl.DataFrame) -> None:
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(c) for c in frame.columns)
    statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN (FORMAT csv)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in frame.iter_slices(CHUNK_ROWS):
            copy.write(chunk.write_csv(include_header=False,
                                       datetime_format="%Y-%m-%d %H:%M:%S%.6f"))


def _sqlite_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Values as SQLAlchemy's SQLite types store them: timestamps and dates as ISO text
    (microseconds always present), booleans as 0/1."""
    exprs = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Datetime("us"):
            column = column.dt.strftime("%Y-%m-%d %H:%M:%S%.6f")
        elif dtype == pl.Date:
            column = column.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Boolean:
            column = column.cast(pl.Int64)
        exprs.append(column)
    return frame.select(exprs)


def _load_sqlite(driver, name: str, frame: pl.DataFrame) -> None:
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    statement = f'INSERT INTO "{name}" ({columns}) VALUES ({marks})'
    cursor = driver.cursor()
    try:
        for chunk in _sqlite_rows(frame).iter_slices(CHUNK_ROWS):
            cursor.executemany(statement, chunk.iter_rows())
    finally:
        cursor.close()


def _load_generic(conn: sa.Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    for chunk in frame.iter_slices(20_000):
        conn.execute(table.insert(), chunk.to_dicts())
