"""Validate a source against the data contract, naming the config key that fixes each problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import types as satypes
from sqlalchemy.exc import DBAPIError

from connectors.contract import CONTRACT, OPTIONAL_TABLES, LogicalType
from connectors.engine import redact
from connectors.errors import SourceUnavailable

if TYPE_CHECKING:
    from connectors.source import Source

# Reflected types accepted for each logical type; a float column may also be stored as an integer.
ACCEPTED_TYPES: dict[LogicalType, tuple[type[Any], ...]] = {
    "str": (satypes.String,),
    "timestamp": (satypes.DateTime,),
    "date": (satypes.Date,),
    "int": (satypes.Integer,),
    "float": (satypes.Float, satypes.Numeric, satypes.Integer),
    "bool": (satypes.Boolean,),
}


# DuckDB type names (information_schema.columns.data_type, parameters stripped) that the
# PostgreSQL-derived duckdb_engine dialect does not list in its ischema_names.
DUCKDB_TYPES: dict[str, type[Any]] = {
    "double": satypes.Float,
    "decimal": satypes.Numeric,
    "timestamp_us": satypes.DateTime,
}


@dataclass(frozen=True)
class Problem:
    table: str
    column: str | None
    config_key: str
    message: str
    optional: bool = False  # an optional table that is absent: a note, not a contract violation


def _type_matches(kind: LogicalType, reflected: Any) -> bool:
    return isinstance(reflected, ACCEPTED_TYPES[kind])


def _duckdb_type(name: str, dialect: Any) -> Any:
    """A reflected DuckDB type name as a SQLAlchemy type (NullType when unknown: not judged)."""
    base = name.split("(")[0].strip().lower()
    known = DUCKDB_TYPES.get(base) or dialect.ischema_names.get(base)
    return known() if known else satypes.NullType()


def _reflected_columns(inspector: Any, source: "Source", name: str, schema: str | None) -> dict[str, Any]:
    """Physical column name (lower case) -> reflected SQLAlchemy type.

    duckdb_engine reflects columns with SQLAlchemy 2.1's PostgreSQL catalog query, which DuckDB
    cannot run (it has no pg_catalog.pg_collation), so DuckDB columns come from information_schema.
    """
    if source.dialect != "duckdb":
        return {c["name"].lower(): c["type"] for c in inspector.get_columns(name, schema=schema)}
    query = sa.text(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE lower(table_name) = lower(:table) AND lower(table_schema) = lower(coalesce(:schema, current_schema()))"
    )
    with source.engine.connect() as connection:
        rows = connection.execute(query, {"table": name, "schema": schema}).all()
    return {str(column).lower(): _duckdb_type(str(kind), source.engine.dialect) for column, kind in rows}


def _table_problems(inspector: Any, source: "Source", canonical: str) -> list[Problem]:
    mapping = source.config.table(canonical)
    table_key = f"tables.{canonical}.name"
    if not inspector.has_table(mapping.name, schema=mapping.schema):
        if canonical in OPTIONAL_TABLES:
            return [
                Problem(
                    canonical, None, table_key,
                    f"table '{canonical}' ({mapping.qualified_name}) is absent: no DSA statements imported yet "
                    "(cli.py import-dsa creates it)",
                    optional=True,
                )
            ]
        return [
            Problem(
                canonical,
                None,
                table_key,
                f"table '{canonical}': physical table '{mapping.qualified_name}' not found; "
                f"create it or set {table_key} in the config file",
            )
        ]
    reflected = _reflected_columns(inspector, source, mapping.name, mapping.schema)
    problems = []
    for column, kind in CONTRACT[canonical].items():
        physical = mapping.physical_column(column)
        column_key = f"tables.{canonical}.columns.{column}"
        found = reflected.get(physical.lower())
        if found is None:
            problems.append(
                Problem(
                    canonical,
                    column,
                    column_key,
                    f"table '{canonical}' ({mapping.qualified_name}): column '{column}' "
                    f"(physical '{physical}') is missing; add it or map it with {column_key} = \"<physical name>\"",
                )
            )
        elif not isinstance(found, satypes.NullType) and not _type_matches(kind, found):
            problems.append(
                Problem(
                    canonical,
                    column,
                    column_key,
                    f"table '{canonical}' ({mapping.qualified_name}): column '{column}' "
                    f"(physical '{physical}') has type {found}, expected {kind}; map a column "
                    f"of the right type with {column_key}",
                )
            )
    return problems


def check_source(source: "Source") -> list[Problem]:
    """Every missing table or column and every wrong type; empty when the source meets the contract.
    Absent optional tables come back with optional=True (see contract.OPTIONAL_TABLES)."""
    try:
        inspector = sa.inspect(source.engine)
        return [p for canonical in CONTRACT for p in _table_problems(inspector, source, canonical)]
    except DBAPIError as error:
        raise SourceUnavailable(
            f"Cannot inspect the source {redact(source.url)}: {str(error.orig).strip().splitlines()[0]}"
        ) from error
