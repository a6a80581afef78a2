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
    # EU DSA Transparency Database statements of reasons (connectors/dsa_import.py loads them).
    # Free text is kept as published; list fields live in the two child tables.
    "dsa_statements": {
        "uuid": "str",
        "platform_name": "str",
        "platform_uid": "str",
        "schema_version": "int",
        "category": "str",
        "category_original": "str",
        "category_mapping": "str",
        "decision_visibility_other": "str",
        "end_date_visibility_restriction": "timestamp",
        "decision_monetary": "str",
        "decision_monetary_other": "str",
        "end_date_monetary_restriction": "timestamp",
        "decision_provision": "str",
        "end_date_service_restriction": "timestamp",
        "decision_account": "str",
        "end_date_account_restriction": "timestamp",
        "account_type": "str",
        "decision_ground": "str",
        "decision_ground_reference_url": "str",
        "illegal_content_legal_ground": "str",
        "illegal_content_explanation": "str",
        "incompatible_content_ground": "str",
        "incompatible_content_explanation": "str",
        "incompatible_content_illegal": "str",
        "category_specification_other": "str",
        "content_type_other": "str",
        "content_language": "str",
        "content_date": "timestamp",
        "content_id_ean": "str",
        "application_date": "timestamp",
        "decision_facts": "str",
        "source_type": "str",
        "source_identity": "str",
        "automated_detection": "bool",
        "automated_decision": "str",
        "created_at": "timestamp",
        "source_file": "str",
    },
    # One row per (statement, member state of its territorial scope). The statement's main
    # dimensions are repeated here so per-market views are single-table GROUP BYs with the
    # usual country_code scope.
    "dsa_statement_territories": {
        "uuid": "str",
        "country_code": "str",
        "platform_name": "str",
        "category": "str",
        "automated_detection": "bool",
        "automated_decision": "str",
        "created_at": "timestamp",
    },
    # The other list fields: one row per (statement, field, value), e.g. content_type, with the
    # platform and creation time repeated for filtering.
    "dsa_statement_values": {
        "uuid": "str",
        "field": "str",
        "value": "str",
        "platform_name": "str",
        "created_at": "timestamp",
    },
    # Published DSA transparency reports (ours or a peer's), one row per indicator and scope, as read
    # by cli.py import-dsa-report (connectors/dsa_report_io.py).
    "dsa_report_indicators": {
        "service": "str",
        "reporting_period": "str",
        "applicability": "str",
        "section": "str",
        "indicator": "str",
        "scope": "str",
        "value": "float",
        "contextual_information": "str",
        "source_file": "str",
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
    "dsa_statements": frozenset(
        set(CONTRACT["dsa_statements"]) - {"uuid", "platform_name", "platform_uid", "schema_version", "category",
                                           "category_original", "category_mapping", "automated_detection",
                                           "automated_decision", "created_at", "source_file"}
    ),
    "dsa_statement_territories": frozenset(),
    "dsa_statement_values": frozenset(),
    "dsa_report_indicators": frozenset({"value", "contextual_information", "applicability"}),
}

DSA_TABLES: Final[tuple[str, ...]] = ("dsa_statements", "dsa_statement_territories", "dsa_statement_values")
# Tables a source may lack (nothing imported yet): `check` notes them, the pages say how to fill them.
OPTIONAL_TABLES: Final[frozenset[str]] = frozenset({*DSA_TABLES, "dsa_report_indicators"})


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """The Polars schema of a canonical table, in contract column order."""
    return {column: POLARS_TYPES[kind] for column, kind in CONTRACT[table].items()}
