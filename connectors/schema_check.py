"""Validate a source against the data contract, naming the config key that fixes each problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import types as satypes
from sqlalchemy.exc import DBAPIError

from connectors.contract import CONTRACT, LogicalType
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


@dataclass(frozen=True)
class Problem:
    table: str
    column: str | None
    config_key: str
    message: str


def _type_matches(kind: LogicalType, reflected: Any) -> bool:
    return isinstance(reflected, ACCEPTED_TYPES[kind])


def _table_problems(inspector: Any, source: "Source", canonical: str) -> list[Problem]:
    mapping = source.config.table(canonical)
    table_key = f"tables.{canonical}.name"
    if not inspector.has_table(mapping.name, schema=mapping.schema):
        return [
            Problem(
                canonical,
                None,
                table_key,
                f"table '{canonical}': physical table '{mapping.qualified_name}' not found; "
                f"create it or set {table_key} in the config file",
            )
        ]
    reflected = {c["name"].lower(): c["type"] for c in inspector.get_columns(mapping.name, schema=mapping.schema)}
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
    """Every missing table or column and every wrong type; empty when the source meets the contract."""
    try:
        inspector = sa.inspect(source.engine)
        return [p for canonical in CONTRACT for p in _table_problems(inspector, source, canonical)]
    except DBAPIError as error:
        raise SourceUnavailable(f"Cannot inspect the source: {str(error.orig).strip().splitlines()[0]}") from error
