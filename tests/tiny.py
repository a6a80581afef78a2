"""Hand-made fixtures: build contract tables from a few literal rows and load them anywhere.

Loading goes through plain SQLAlchemy inserts (not the generator's bulk path), so it is an
independent route into each backend. Missing columns are filled with nulls.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping, Sequence

import polars as pl
import sqlalchemy as sa

from connectors.config import SourceConfig, parse_config
from connectors.contract import CONTRACT, polars_schema
from connectors.engine import create_read_only_engine
from connectors.query import SQL_TYPES
from connectors.source import Source

T = dt.datetime


def frame(table: str, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """A contract-typed frame from dict rows; columns a row leaves out are null."""
    schema = polars_schema(table)
    return pl.DataFrame([{c: row.get(c) for c in schema} for row in rows], schema=schema)


def empty_tables() -> dict[str, pl.DataFrame]:
    return {table: frame(table, []) for table in CONTRACT}


def load_frames(url: str, frames: Mapping[str, pl.DataFrame]) -> None:
    """Create every contract table at `url` (replacing it) and insert the given rows."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    tables = {
        name: sa.Table(name, metadata, *(sa.Column(c, SQL_TYPES[k]()) for c, k in cols.items()))
        for name, cols in CONTRACT.items()
    }
    with engine.begin() as conn:
        metadata.drop_all(conn)
        metadata.create_all(conn)
        for name, data in {**empty_tables(), **frames}.items():
            if data.height:
                conn.execute(tables[name].insert(), data.to_dicts())
    engine.dispose()


def backend_url(backend: str, tmp_path: Path, postgres_url: str | None = None) -> str:
    if backend == "duckdb":
        return f"duckdb:///{tmp_path / 'tiny.duckdb'}"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'tiny.sqlite'}"
    assert postgres_url is not None
    return postgres_url


def open_tiny(url: str, config: SourceConfig | None = None) -> Source:
    chosen = config or parse_config({})
    return Source(engine=create_read_only_engine(url, chosen), config=chosen, url=url)


TINY_APPEALS = frame(
    "appeals",
    [
        # 24 h TAT, within a 48 h SLA, overturned
        dict(appeal_id=1, case_id=11, submitted_at=T(2026, 11, 2, 10), decided_at=T(2026, 11, 3, 10),
             country_code="US", appellant_type="seller", policy="counterfeit", original_action="remove",
             original_channel="algo", outcome="reversed", reviewer="r1", sla_hours=48.0, qa_score=80.0,
             is_reappeal=False),
        # 48 h 0 min 1 s: one second past its 48 h SLA; submitted one second before midnight
        dict(appeal_id=2, case_id=12, submitted_at=T(2026, 11, 2, 23, 59, 59), decided_at=T(2026, 11, 5, 0, 0, 0),
             country_code="US", appellant_type="creator", policy="spam", original_action="warn",
             original_channel="human", outcome="upheld", reviewer="r2", sla_hours=48.0, qa_score=None,
             is_reappeal=False),
        # pending: no decision, no outcome; submitted exactly at midnight
        dict(appeal_id=3, case_id=13, submitted_at=T(2026, 11, 3, 0, 0, 0), decided_at=None,
             country_code="DE", appellant_type="seller", policy="counterfeit", original_action="remove",
             original_channel="llm", outcome=None, reviewer=None, sla_hours=72.0, qa_score=None,
             is_reappeal=True),
        # 1.5 h TAT, partially reversed
        dict(appeal_id=4, case_id=14, submitted_at=T(2026, 11, 3, 12), decided_at=T(2026, 11, 3, 13, 30),
             country_code="DE", appellant_type="seller", policy="counterfeit", original_action="remove",
             original_channel="algo", outcome="partially_reversed", reviewer="r1", sla_hours=48.0,
             qa_score=90.0, is_reappeal=False),
        # exactly 48 h: on the SLA boundary, counts as within
        dict(appeal_id=5, case_id=15, submitted_at=T(2026, 11, 4, 8), decided_at=T(2026, 11, 6, 8),
             country_code="GB", appellant_type="creator", policy="hate_speech", original_action="remove",
             original_channel="human", outcome="upheld", reviewer="r3", sla_hours=48.0, qa_score=70.0,
             is_reappeal=False),
    ],
)
