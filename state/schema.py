"""The state database's tables, as SQLAlchemy Core metadata (the migrations create them)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

login_tokens = sa.Table(
    "login_tokens",
    metadata,
    sa.Column("jti", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(200), nullable=False, index=True),
    sa.Column("issued_at", sa.DateTime(), nullable=False),  # naive UTC throughout
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.Column("revoked_at", sa.DateTime(), nullable=True),
    sa.Column("revoked_reason", sa.String(200), nullable=True),
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False, index=True),
    sa.Column("username", sa.String(200), nullable=False, index=True),
    sa.Column("client", sa.String(100), nullable=False, index=True),
    sa.Column("succeeded", sa.Boolean(), nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(), nullable=False, index=True),
    sa.Column("username", sa.String(200), nullable=False, index=True),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("page", sa.String(100), nullable=False, server_default=""),
    sa.Column("detail", sa.Text(), nullable=False, server_default=""),  # JSON text
    sa.Column("client", sa.String(100), nullable=False, server_default=""),
)
