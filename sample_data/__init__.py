"""Deterministic generator of the governance demo database, with planted stories."""

from sample_data.generator import (
    DEFAULT_END,
    DEMO_DB_PATH,
    MIN_DAYS,
    SCALES,
    Stories,
    build_tables,
    ensure_demo_database,
    generate,
)

__all__ = [
    "DEFAULT_END",
    "DEMO_DB_PATH",
    "MIN_DAYS",
    "SCALES",
    "Stories",
    "build_tables",
    "ensure_demo_database",
    "generate",
]
