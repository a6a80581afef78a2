"""Spark SQL over its Thrift server (HiveServer2) through PyHive's `hive://` SQLAlchemy dialect.

PyHive's dialect was written for Apache Hive; Spark answers some of its catalog statements
differently. Every gap is shimmed here, in one subclass that `hive://` URLs resolve to once
`connectors.engine` is imported, so reflection (`cli.py check`), `has_table` and DDL type names work
without branching anywhere else. SQL function differences (day and week truncation, elapsed
seconds) are not here: they live in `connectors/dialects.py` with the other backends'.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from pyhive.sqlalchemy_hive import HiveDialect, HiveTypeCompiler
from sqlalchemy import types as satypes

# Spark's DESCRIBE type names (parameters stripped) -> SQLAlchemy types. PyHive's own map reflects
# DOUBLE as FLOAT, TIMESTAMP and DATE as string-based decorators, and does not know TIMESTAMP_NTZ.
SPARK_TYPES: dict[str, type[satypes.TypeEngine[Any]]] = {
    "boolean": satypes.Boolean,
    "tinyint": satypes.SmallInteger,
    "smallint": satypes.SmallInteger,
    "int": satypes.Integer,
    "integer": satypes.Integer,
    "bigint": satypes.BigInteger,
    "long": satypes.BigInteger,
    "float": satypes.Float,
    "real": satypes.Float,
    "double": satypes.Double,
    "decimal": satypes.Numeric,
    "string": satypes.String,
    "varchar": satypes.String,
    "char": satypes.String,
    "date": satypes.Date,
    "timestamp": satypes.DateTime,
    "timestamp_ltz": satypes.DateTime,
    "timestamp_ntz": satypes.DateTime,
    "binary": satypes.LargeBinary,
}


class SparkTypeCompiler(HiveTypeCompiler):
    """PyHive renders DATE as TIMESTAMP (Hive before 0.12 had no DATE); Spark has a real DATE."""

    def visit_DATE(self, type_: Any, **kw: Any) -> str:
        return "DATE"

    def visit_DOUBLE(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"


class SparkDialect(HiveDialect):
    """PyHive's Hive dialect, corrected for the Spark Thrift server."""

    type_compiler = SparkTypeCompiler
    type_compiler_cls = SparkTypeCompiler
    supports_statement_cache = False  # as PyHive's: its compiler was never checked for caching

    @classmethod
    def import_dbapi(cls) -> Any:
        from pyhive import hive

        return hive

    def get_table_names(self, connection: sa.Connection, schema: str | None = None, **kw: Any) -> list[str]:
        # Spark's SHOW TABLES returns (namespace, tableName, isTemporary); PyHive takes the first
        query = "SHOW TABLES" + (f" IN {self.identifier_preparer.quote_identifier(schema)}" if schema else "")
        rows = connection.execute(sa.text(query)).fetchall()
        return [str(row[1] if len(row) >= 2 else row[0]) for row in rows]

    def get_view_names(self, connection: sa.Connection, schema: str | None = None, **kw: Any) -> list[str]:
        query = "SHOW VIEWS" + (f" IN {self.identifier_preparer.quote_identifier(schema)}" if schema else "")
        return [str(row[1]) for row in connection.execute(sa.text(query)).fetchall()]

    def has_table(self, connection: sa.Connection, table_name: str, schema: str | None = None, **kw: Any) -> bool:
        # PyHive recognises a missing table by Hive's "Table not found" text; Spark words it
        # differently ([TABLE_OR_VIEW_NOT_FOUND]), so the catalog listing decides instead
        if schema is not None and schema.lower() not in {s.lower() for s in self.get_schema_names(connection)}:
            return False
        return table_name.lower() in {name.lower() for name in self.get_table_names(connection, schema)}

    def get_schema_names(self, connection: sa.Connection, **kw: Any) -> list[str]:
        return [str(row[0]) for row in connection.execute(sa.text("SHOW SCHEMAS")).fetchall()]

    def get_columns(self, connection: sa.Connection, table_name: str, schema: str | None = None,
                    **kw: Any) -> list[dict[str, Any]]:
        if not self.has_table(connection, table_name, schema):
            raise sa.exc.NoSuchTableError(f"{schema}.{table_name}" if schema else table_name)
        quote = self.identifier_preparer.quote_identifier
        name = f"{quote(schema)}.{quote(table_name)}" if schema else quote(table_name)
        columns = []
        for row in connection.execute(sa.text(f"DESCRIBE {name}")).fetchall():
            column, kind = (str(row[0] or "").strip(), str(row[1] or "").strip())
            if not column or column.startswith("#"):  # "# Partition Information" and what follows
                if column.startswith("#"):
                    break
                continue
            base = re.match(r"\w+", kind)
            known = SPARK_TYPES.get(base.group(0).lower()) if base else None
            columns.append({"name": column, "type": known() if known else satypes.NullType(),
                            "nullable": True, "default": None})
        return columns
