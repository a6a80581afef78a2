"""The state tables of alerts, scheduled reports and deliveries (migration 0002_alerts creates them)."""

from __future__ import annotations

import sqlalchemy as sa

from state.schema import metadata

alert_status = sa.Table(
    "alert_status",
    metadata,
    sa.Column("rule", sa.String(200), primary_key=True),
    sa.Column("recipient", sa.String(200), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),  # ok, pending, firing, no_data, error
    sa.Column("consecutive", sa.Integer(), nullable=False),  # evaluations in a row with the condition met
    sa.Column("period_key", sa.String(40), nullable=False),
    sa.Column("evaluated_at", sa.DateTime(), nullable=False),
    sa.Column("value", sa.Float(), nullable=True),
    sa.Column("threshold", sa.Float(), nullable=True),
    sa.Column("delta", sa.Float(), nullable=True),
    sa.Column("since", sa.DateTime(), nullable=False),  # when the current state began
    sa.Column("last_notified_at", sa.DateTime(), nullable=True),
    sa.Column("message", sa.Text(), nullable=False, server_default=""),
)

alert_evaluations = sa.Table(
    "alert_evaluations",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String(200), nullable=False, index=True),
    sa.Column("recipient", sa.String(200), nullable=False),
    sa.Column("period_key", sa.String(40), nullable=False),
    sa.Column("evaluated_at", sa.DateTime(), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("previous_state", sa.String(20), nullable=True),
    sa.Column("value", sa.Float(), nullable=True),
    sa.Column("threshold", sa.Float(), nullable=True),
    sa.Column("delta", sa.Float(), nullable=True),
    sa.Column("detail", sa.Text(), nullable=False, server_default=""),  # JSON: drivers, message, error
    sa.UniqueConstraint("rule", "recipient", "period_key", name="uq_alert_evaluation_period"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(10), nullable=False),  # alert or report
    sa.Column("rule", sa.String(200), nullable=False, index=True),
    sa.Column("recipient", sa.String(200), nullable=False),
    sa.Column("target", sa.String(100), nullable=False),
    sa.Column("period_key", sa.String(40), nullable=False),
    sa.Column("event", sa.String(20), nullable=False),  # firing, reminder, resolved, report
    sa.Column("subject", sa.Text(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("attachment_name", sa.String(200), nullable=True),
    sa.Column("attachment", sa.LargeBinary(), nullable=True),
    sa.Column("status", sa.String(10), nullable=False),  # pending, sent, failed
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
    sa.Column("sent_at", sa.DateTime(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
    sa.UniqueConstraint("source", "rule", "recipient", "target", "period_key", "event", name="uq_delivery_once"),
)

report_runs = sa.Table(
    "report_runs",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("report", sa.String(200), nullable=False, index=True),
    sa.Column("recipient", sa.String(200), nullable=False),
    sa.Column("period_key", sa.String(40), nullable=False),
    sa.Column("rendered_at", sa.DateTime(), nullable=False),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False, server_default=""),
    sa.UniqueConstraint("report", "recipient", "period_key", name="uq_report_run_period"),
)
