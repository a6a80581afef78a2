"""Saved views, their shares, and team annotations.

Revision ID: 0003_views_annotations
Revises: 0002_alerts
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_views_annotations"
down_revision = "0002_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(200), nullable=False, index=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("page", sa.String(100), nullable=False),
        sa.Column("query", sa.Text(), nullable=False, server_default=""),
        sa.Column("markets", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("owner", "name", name="uq_saved_views_owner_name"),
    )
    op.create_table(
        "saved_view_shares",
        sa.Column("view_id", sa.Integer(), sa.ForeignKey("saved_views.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("username", sa.String(200), primary_key=True),
        sa.Column("shared_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "team_annotations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(32), nullable=False, index=True),
        sa.Column("day", sa.Date(), nullable=False, index=True),
        sa.Column("country_code", sa.String(8), nullable=True, index=True),
        sa.Column("domain", sa.String(60), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("team_annotations")
    op.drop_table("saved_view_shares")
    op.drop_table("saved_views")
