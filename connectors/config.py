"""Source configuration: where the data lives and how canonical names map to physical ones.

The connection URL is resolved in this order: explicit value (CLI flag), the environment variable
GOVERNANCE_DB_URL, `.streamlit/secrets.toml` `[connections.governance] url`, else the embedded
demo DuckDB file. A TOML file maps canonical tables and columns to physical names:

    [source]
    max_rows = 200000
    statement_timeout_ms = 30000

    [tables.appeals]
    name = "gov.appeal_events"          # schema-qualified physical name
    [tables.appeals.columns]
    submitted_at = "created_ts"         # canonical = physical

Other top-level sections (`[targets]`, `[risk]`, ...) are kept verbatim for the metric layer.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from connectors.contract import CONTRACT

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_DB_PATH = REPO_ROOT / "sample_data" / "governance.duckdb"
DEFAULT_SECRETS_PATH = REPO_ROOT / ".streamlit" / "secrets.toml"
URL_ENV_VAR = "GOVERNANCE_DB_URL"
CONFIG_ENV_VAR = "GOVERNANCE_CONFIG"
DEFAULT_MAX_ROWS = 200_000
DEFAULT_STATEMENT_TIMEOUT_MS = 30_000


class ConfigError(ValueError):
    """The configuration file is malformed or names something outside the contract."""


@dataclass(frozen=True)
class TableMapping:
    name: str
    schema: str | None
    columns: Mapping[str, str]

    def physical_column(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class SourceConfig:
    tables: Mapping[str, TableMapping]
    max_rows: int = DEFAULT_MAX_ROWS
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS
    sections: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def table(self, canonical: str) -> TableMapping:
        return self.tables[canonical]


def demo_url() -> str:
    return f"duckdb:///{DEMO_DB_PATH}"


def _url_from_secrets(secrets_path: Path) -> str | None:
    if not secrets_path.is_file():
        return None
    with secrets_path.open("rb") as handle:
        secrets = tomllib.load(handle)
    return secrets.get("connections", {}).get("governance", {}).get("url")


def resolve_url(explicit: str | None = None, secrets_path: Path = DEFAULT_SECRETS_PATH) -> str:
    """The connection URL by precedence: explicit, environment, secrets file, embedded demo."""
    return (
        explicit
        or os.environ.get(URL_ENV_VAR)
        or _url_from_secrets(secrets_path)
        or demo_url()
    )


def is_demo_url(url: str) -> bool:
    return url == demo_url()


def _split_qualified(name: str) -> tuple[str | None, str]:
    schema, _, table = name.rpartition(".")
    return (schema or None), table


def _table_mapping(canonical: str, raw: Mapping[str, Any]) -> TableMapping:
    unknown = set(raw) - {"name", "columns"}
    if unknown:
        raise ConfigError(f"tables.{canonical}: unknown keys {sorted(unknown)}")
    columns = dict(raw.get("columns", {}))
    for column in columns:
        if column not in CONTRACT[canonical]:
            raise ConfigError(
                f"tables.{canonical}.columns.{column}: '{column}' is not a column of the "
                f"contract table '{canonical}' (known: {', '.join(CONTRACT[canonical])})"
            )
    schema, name = _split_qualified(str(raw.get("name", canonical)))
    return TableMapping(name=name, schema=schema, columns=columns)


def parse_config(raw: Mapping[str, Any], path: Path | None = None) -> SourceConfig:
    raw_tables = raw.get("tables", {})
    for canonical in raw_tables:
        if canonical not in CONTRACT:
            raise ConfigError(
                f"tables.{canonical}: unknown table (contract tables: {', '.join(CONTRACT)})"
            )
    tables = {
        canonical: _table_mapping(canonical, raw_tables.get(canonical, {}))
        for canonical in CONTRACT
    }
    source = raw.get("source", {})
    sections = {key: value for key, value in raw.items() if key not in {"tables", "source"}}
    return SourceConfig(
        tables=tables,
        max_rows=int(source.get("max_rows", DEFAULT_MAX_ROWS)),
        statement_timeout_ms=int(source.get("statement_timeout_ms", DEFAULT_STATEMENT_TIMEOUT_MS)),
        sections=sections,
        path=path,
    )


def load_config(path: str | Path | None = None) -> SourceConfig:
    """Read the TOML config at `path` (or $GOVERNANCE_CONFIG); canonical names when there is none."""
    chosen = path or os.environ.get(CONFIG_ENV_VAR)
    if not chosen:
        return parse_config({})
    config_path = Path(chosen)
    try:
        with config_path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as error:
        raise ConfigError(f"config file not found: {config_path}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {config_path} is not valid TOML: {error}") from error
    return parse_config(raw, config_path)
