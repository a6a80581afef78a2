"""A configured, read-only data source: runs specs and returns Polars frames with fixed dtypes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, NoSuchTableError, OperationalError, ProgrammingError

from connectors.config import SourceConfig, load_config, resolve_url
from connectors.contract import CONTRACT, OPTIONAL_TABLES, POLARS_TYPES
from connectors.engine import create_read_only_engine, redact, statement_deadline
from connectors.errors import QueryTimeout, RowLimitExceeded, SchemaMismatch, SourceUnavailable
from connectors.query import BUCKET, BUCKET_COUNT, QueryBuilder
from connectors.scope import Scope, effective_countries
from connectors.spec import (
    AggregateSpec,
    Count,
    EntityRollupSpec,
    Histogram,
    RecordSpec,
    Sum,
    TopEntitiesSpec,
)

CORRUPT_MARKERS = (
    "not a valid duckdb database",
    "corrupt database file",
    "could not read enough bytes",
    "file is not a database",
    "database disk image is malformed",
)
TIMEOUT_MARKERS = ("statement timeout", "canceling statement", "query was interrupted", "interrupt")
CONNECTION_MARKERS = (
    "could not connect",
    "connection refused",
    "server closed the connection",
    "connection is closed",
    "terminating connection",
    "unable to open database",
    "connection failed",
    "no such host",
    "io error",
    "could not set lock",
)


@dataclass
class Source:
    engine: Engine
    config: SourceConfig
    url: str
    builder: QueryBuilder = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # one builder per source: its table definitions are built once, then only read
        self.builder = QueryBuilder(self.config, self.dialect)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # ---- execution ------------------------------------------------------------------------------

    def _fetch(self, statement: sa.Executable) -> tuple[list[str], list[Sequence[Any]]]:
        try:
            with self.engine.connect() as connection:
                with statement_deadline(connection, self.config.statement_timeout_ms):
                    result = connection.execute(statement)
                    return list(result.keys()), result.fetchall()
        except DBAPIError as error:
            raise translate_error(error, self) from error

    def _frame(self, statement: sa.Executable, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        names, rows = self._fetch(statement)
        return to_frame(names, rows, schema)

    def _guarded(self, statement: sa.Executable, schema: dict[str, pl.DataType], what: str) -> pl.DataFrame:
        frame = self._frame(statement, schema)
        if frame.height > self.config.max_rows:
            raise RowLimitExceeded(
                f"The {what} query would return more than {self.config.max_rows:,} rows. Narrow the "
                "filters (dates, markets) or raise [source] max_rows in the config file."
            )
        return frame

    # ---- public queries -------------------------------------------------------------------------

    def aggregate(self, spec: AggregateSpec, scope: Scope) -> pl.DataFrame:
        """Counts and sums in one GROUP BY; each duration histogram in its own long-format query."""
        countries = effective_countries(spec.countries, scope)
        limit = self.config.max_rows + 1
        schema = aggregate_schema(spec)
        keys = [d.output for d in spec.dimensions]
        histograms = [m for m in spec.measures if isinstance(m, Histogram)]
        frame = (
            self._guarded(self.builder.aggregate(spec, countries, limit),
                          {k: v for k, v in schema.items() if k not in histogram_names(histograms)},
                          f"{spec.table} aggregation")
            if keys or len(histograms) < len(spec.measures)
            else pl.DataFrame({"_row": [0]})  # only histograms and no dimensions: one row of buckets
        )
        for hist in histograms:
            long_schema = {k: schema[k] for k in keys} | {BUCKET: pl.Int64(), BUCKET_COUNT: pl.Int64()}
            long = self._guarded(self.builder.histogram(spec, hist, countries, limit), long_schema,
                                 f"{spec.table} {hist.name} histogram")
            frame = join_buckets(frame, bucket_columns(long, keys, hist), keys, hist.columns())
        return frame.select(list(schema))

    def records(self, spec: RecordSpec, scope: Scope) -> pl.DataFrame:
        countries = effective_countries(spec.countries, scope)
        limit = min(spec.limit, self.config.max_rows)
        statement = self.builder.records(
            RecordSpec(spec.table, spec.columns, spec.order_by, limit, spec.descending, spec.where),
            countries,
        )
        types = CONTRACT[spec.table]
        return self._frame(statement, {c: POLARS_TYPES[types[c]] for c in spec.columns})

    def stream_records(self, spec: RecordSpec, scope: Scope, chunk_rows: int = 50_000) -> Iterator[pl.DataFrame]:
        """The spec's records (up to spec.limit, not max_rows) in chunks read from a server-side
        cursor, so an export of every record never holds them all in one frame."""
        countries = effective_countries(spec.countries, scope)
        statement = self.builder.records(spec, countries)
        types = CONTRACT[spec.table]
        schema = {c: POLARS_TYPES[types[c]] for c in spec.columns}
        try:
            with self.engine.connect() as connection:
                result = connection.execution_options(stream_results=True, yield_per=chunk_rows).execute(statement)
                names = list(result.keys())
                for rows in result.partitions(chunk_rows):
                    yield to_frame(names, rows, schema)
        except DBAPIError as error:
            raise translate_error(error, self) from error

    def entity_rollup(self, spec: EntityRollupSpec, scope: Scope) -> pl.DataFrame:
        countries = effective_countries(spec.countries, scope)
        statement = self.builder.entity_rollup(spec, countries, self.config.max_rows + 1)
        types = CONTRACT[spec.events_table]
        schema: dict[str, pl.DataType] = {d: POLARS_TYPES[types[d]] for d in spec.dimensions}
        schema |= {
            "tier": pl.Int64(),
            "entities": pl.Int64(),
            "repeaters": pl.Int64(),
            "events": pl.Int64(),
            "attribute_sum": pl.Float64(),
        }
        return self._guarded(statement, schema, f"{spec.events_table} rollup")

    def top_entities(self, spec: TopEntitiesSpec, scope: Scope) -> pl.DataFrame:
        countries = effective_countries(spec.countries, scope)
        statement = self.builder.top_entities(spec, countries)
        events = CONTRACT[spec.events_table]
        schema: dict[str, pl.DataType] = {
            spec.entity_column: POLARS_TYPES[events[spec.entity_column]],
            "score": POLARS_TYPES[events[spec.score_column]],
            "events": pl.Int64(),
        }
        if spec.entity_table:
            entity_types = CONTRACT[spec.entity_table]
            schema |= {
                c: POLARS_TYPES[entity_types[c]] for c in spec.entity_columns if c != spec.entity_key
            }
        return self._frame(statement, schema)

    def row_counts(self) -> pl.DataFrame:
        """Rows per canonical table (the foundation page and `cli.py check` show these)."""
        counts = []
        for canonical in CONTRACT:
            table = self.builder.table(canonical)
            if canonical in OPTIONAL_TABLES and not self.has_table(table):
                continue
            _, rows = self._fetch(sa.select(sa.func.count()).select_from(table))
            counts.append({"table": canonical, "physical_name": table.fullname, "rows": int(rows[0][0])})
        return pl.DataFrame(counts, schema={"table": pl.String, "physical_name": pl.String, "rows": pl.Int64})

    def has_table(self, table: sa.Table) -> bool:
        with self.engine.connect() as conn:
            return sa.inspect(conn).has_table(table.name, schema=table.schema)

    def latest_event_time(self, scope: Scope | None = None) -> dt.datetime | None:
        """The newest event in the source ("data as of"), in the scope's markets: a regional user
        learns nothing about the others, not even how fresh their data is."""
        builder = self.builder
        countries = effective_countries(None, scope or Scope.everything())
        cases = builder.table("moderation_cases")
        appeals = builder.table("appeals")
        _, rows = self._fetch(
            sa.select(sa.func.max(cases.c.created_at))
            .where(*builder.country_filter(cases, "moderation_cases", countries))
            .union_all(sa.select(sa.func.max(appeals.c.submitted_at))
                       .where(*builder.country_filter(appeals, "appeals", countries)))
        )
        values = [to_datetime(r[0]) for r in rows if r[0] is not None]
        return max(values) if values else None


def aggregate_schema(spec: AggregateSpec) -> dict[str, pl.DataType]:
    types = CONTRACT[spec.table]
    schema: dict[str, pl.DataType] = {}
    for dim in spec.dimensions:
        schema[dim.output] = pl.Date() if dim.grain else POLARS_TYPES[types[dim.column]]
    for measure in spec.measures:
        if isinstance(measure, Count):
            schema[measure.name] = pl.Int64()
        elif isinstance(measure, Sum):
            schema[measure.name] = pl.Int64() if types[measure.column] == "int" else pl.Float64()
        elif isinstance(measure, Histogram):
            schema |= {name: pl.Int64() for name in measure.columns()}
    return schema


def histogram_names(histograms: Sequence[Histogram]) -> set[str]:
    return {name for hist in histograms for name in hist.columns()}


def bucket_columns(long: pl.DataFrame, keys: list[str], hist: Histogram) -> pl.DataFrame:
    """Long (keys, bucket, count) rows as one Int64 column per bucket, zero where a bucket is empty."""
    counts = [
        pl.col(BUCKET_COUNT).filter(pl.col(BUCKET) == index).sum().alias(name)
        for index, name in enumerate(hist.columns())
    ]
    return long.group_by(keys, maintain_order=True).agg(counts) if keys else long.select(counts)


def join_buckets(frame: pl.DataFrame, buckets: pl.DataFrame, keys: list[str], columns: list[str]) -> pl.DataFrame:
    """The main aggregate with a histogram's bucket columns; groups without durations get zeros."""
    if not keys:
        return pl.concat([frame, buckets], how="horizontal")
    joined = frame.join(buckets, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return joined.with_columns(pl.col(columns).fill_null(0))


def to_datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _column(values: list[Any], dtype: pl.DataType) -> pl.Series:
    """One result column in its contract dtype, whatever the driver returned."""
    if dtype == pl.Date():
        return pl.Series(
            [dt.date.fromisoformat(v) if isinstance(v, str) else (v.date() if isinstance(v, dt.datetime) else v) for v in values],
            dtype=pl.Date(),
        )
    if dtype == pl.Datetime("us"):
        return pl.Series([None if v is None else to_datetime(v) for v in values], dtype=pl.Datetime("us"))
    if dtype == pl.Boolean():
        return pl.Series([None if v is None else bool(v) for v in values], dtype=pl.Boolean())
    if dtype == pl.Int64():
        return pl.Series([None if v is None else int(v) for v in values], dtype=pl.Int64())
    if dtype == pl.Float64():
        return pl.Series([None if v is None else float(v) for v in values], dtype=pl.Float64())
    return pl.Series([None if v is None else str(v) for v in values], dtype=pl.String())


def to_frame(names: list[str], rows: list[Sequence[Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    columns = list(zip(*rows)) if rows else [() for _ in names]
    return pl.DataFrame(
        [_column(list(values), schema[name]).alias(name) for name, values in zip(names, columns)]
    )


def translate_error(error: DBAPIError, source: Source) -> Exception:
    """A database error as a message a person can act on."""
    text = str(error.orig or error).lower()
    where = redact(source.url)
    if any(marker in text for marker in CORRUPT_MARKERS):
        return SourceUnavailable(
            f"The database file of {where} cannot be read: it is empty, truncated, corrupt or not a "
            f"{source.dialect} database ({first_line(error.orig)}). Restore or regenerate the file "
            "(cli.py generate), or point GOVERNANCE_DB_URL at a valid database."
        )
    if any(marker in text for marker in TIMEOUT_MARKERS):
        return QueryTimeout(
            f"The query ran longer than the statement timeout ({source.config.statement_timeout_ms:,} ms) "
            f"on {where}. Narrow the date range or markets, or raise [source] statement_timeout_ms."
        )
    if isinstance(error, (OperationalError,)) and any(m in text for m in CONNECTION_MARKERS):
        return SourceUnavailable(f"The database {where} cannot be reached: {first_line(error.orig)}")
    if isinstance(error, (ProgrammingError, OperationalError)) or "does not exist" in text or "no such" in text:
        from connectors.schema_check import check_source  # late: it imports this module

        problems = [p for p in check_source(source) if not p.optional]
        if problems:
            return SchemaMismatch("The source does not match the data contract:\n" + "\n".join(p.message for p in problems))
    if isinstance(error, OperationalError):
        return SourceUnavailable(f"The database {where} failed: {first_line(error.orig)}")
    return error


def first_line(value: object) -> str:
    return str(value).strip().splitlines()[0] if str(value).strip() else type(value).__name__


def open_source(url: str | None = None, config_path: str | None = None) -> Source:
    """Resolve the URL and config, and open a read-only source."""
    config = load_config(config_path)
    resolved = resolve_url(url)
    try:
        engine = create_read_only_engine(resolved, config)
    except (NoSuchTableError, DBAPIError) as error:
        raise SourceUnavailable(f"Cannot open {redact(resolved)}: {first_line(error)}") from error
    return Source(engine=engine, config=config, url=resolved)



@dataclass(frozen=True)
class ScopedAccess:
    """A source bound to one user's scope: the DataAccess the metric layer receives."""

    source: Source
    scope: Scope

    def aggregate(self, spec: AggregateSpec) -> pl.DataFrame:
        return self.source.aggregate(spec, self.scope)

    def records(self, spec: RecordSpec) -> pl.DataFrame:
        return self.source.records(spec, self.scope)

    def entity_rollup(self, spec: EntityRollupSpec) -> pl.DataFrame:
        return self.source.entity_rollup(spec, self.scope)

    def top_entities(self, spec: TopEntitiesSpec) -> pl.DataFrame:
        return self.source.top_entities(spec, self.scope)
