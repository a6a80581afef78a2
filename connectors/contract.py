"""The canonical data contract: every table and column the dashboard reads, with its logical type.

Logical types map to one Polars dtype each, so every backend returns the same frame schema.
Timestamps are naive and mean UTC.
"""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

LogicalType = Literal["str", "timestamp", "date", "int", "float", "bool"]

POLARS_TYPES: Final[dict[LogicalType, pl.DataType]] = {
    "str": pl.String(),
    "timestamp": pl.Datetime("us"),
    "date": pl.Date(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
}

CONTRACT: Final[dict[str, dict[str, LogicalType]]] = {
    "countries": {
        "country_code": "str",
        "country_name": "str",
        "region": "str",
    },
    "moderation_cases": {
        "case_id": "int",
        "created_at": "timestamp",
        "decided_at": "timestamp",
        "country_code": "str",
        "queue": "str",
        "target_type": "str",
        "policy": "str",
        "outcome": "str",
        "action": "str",
        "channel": "str",
        "vendor": "str",
        "site": "str",
        "handle_seconds": "float",
        "sla_hours": "float",
        "cost_usd": "float",
        "qa_sampled": "bool",
        "qa_agree": "bool",
    },
    "vendor_sla_targets": {
        "vendor": "str",
        "site": "str",
        "queue": "str",
        "tat_adherence_target": "float",
        "aht_target_seconds": "float",
        "accuracy_target": "float",
        "cost_per_case_target": "float",
        "effective_from": "date",
        "effective_to": "date",
    },
    "appeals": {
        "appeal_id": "int",
        "case_id": "int",
        "submitted_at": "timestamp",
        "decided_at": "timestamp",
        "country_code": "str",
        "appellant_type": "str",
        "policy": "str",
        "original_action": "str",
        "original_channel": "str",
        "outcome": "str",
        "reviewer": "str",
        "sla_hours": "float",
        "qa_score": "float",
        "is_reappeal": "bool",
    },
    "creators": {
        "creator_id": "int",
        "country_code": "str",
        "onboarded_at": "timestamp",
        "follower_tier": "str",
        "category": "str",
        "status": "str",
        "gmv_30d_usd": "float",
    },
    "creator_violations": {
        "violation_id": "int",
        "creator_id": "int",
        "occurred_at": "timestamp",
        "country_code": "str",
        "policy": "str",
        "severity": "str",
        "points": "int",
        "action": "str",
        "detection": "str",
    },
    "escalations": {
        "escalation_id": "int",
        "opened_at": "timestamp",
        "acknowledged_at": "timestamp",
        "contained_at": "timestamp",
        "resolved_at": "timestamp",
        "priority": "str",
        "source": "str",
        "domain": "str",
        "country_code": "str",
        "root_cause": "str",
        "status": "str",
        "recurrence_of": "int",
        "summary": "str",
    },
    "annotations": {
        "day": "date",
        "country_code": "str",
        "domain": "str",
        "text": "str",
    },
}

# Columns that may be null by design (pending, not yet acknowledged, not applicable).
NULLABLE: Final[dict[str, frozenset[str]]] = {
    "moderation_cases": frozenset({"decided_at", "vendor", "site", "action", "qa_agree"}),
    "appeals": frozenset({"decided_at", "outcome", "reviewer", "qa_score"}),
    "escalations": frozenset(
        {"acknowledged_at", "contained_at", "resolved_at", "recurrence_of", "root_cause"}
    ),
    "vendor_sla_targets": frozenset({"effective_to"}),
    "annotations": frozenset({"country_code", "domain"}),
    "creators": frozenset(),
    "creator_violations": frozenset(),
    "countries": frozenset(),
}


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """The Polars schema of a canonical table, in contract column order."""
    return {column: POLARS_TYPES[kind] for column, kind in CONTRACT[table].items()}
