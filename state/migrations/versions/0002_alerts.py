"""Alert state, evaluations, deliveries (the outbox) and scheduled report runs.

Revision ID: 0002_alerts
Revises: 0001
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_alerts"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_status",
        sa.Column("rule", sa.String(200), primary_key=True),
        sa.Column("recipient", sa.String(200), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("consecutive", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("delta", sa.Float(), nullable=True),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("last_notified_at", sa.DateTime(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "alert_evaluations",
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
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("rule", "recipient", "period_key", name="uq_alert_evaluation_period"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False, index=True),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachment_name", sa.String(200), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("source", "rule", "recipient", "target", "period_key", "event", name="uq_delivery_once"),
    )
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report", sa.String(200), nullable=False, index=True),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("rendered_at", sa.DateTime(), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("report", "recipient", "period_key", name="uq_report_run_period"),
    )


def downgrade() -> None:
    op.drop_table("report_runs")
    op.drop_table("deliveries")
    op.drop_table("alert_evaluations")
    op.drop_table("alert_status")
