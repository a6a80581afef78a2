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

# saved views and team annotations (migration 0003_views_annotations)

saved_views = sa.Table(
    "saved_views",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("owner", sa.String(200), nullable=False, index=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("page", sa.String(100), nullable=False),  # the page's url_path
    sa.Column("query", sa.Text(), nullable=False, server_default=""),  # the filters' query string
    sa.Column("markets", sa.Text(), nullable=True),  # JSON list of the markets it shows; null = all
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("owner", "name", name="uq_saved_views_owner_name"),
)

saved_view_shares = sa.Table(
    "saved_view_shares",
    metadata,
    sa.Column("view_id", sa.Integer(), sa.ForeignKey("saved_views.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("username", sa.String(200), primary_key=True),
    sa.Column("shared_at", sa.DateTime(), nullable=False),
)

team_annotations = sa.Table(  # one row per market of an event, like the source's annotations table
    "team_annotations",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False, index=True),
    sa.Column("day", sa.Date(), nullable=False, index=True),
    sa.Column("country_code", sa.String(8), nullable=True, index=True),  # null = every market
    sa.Column("domain", sa.String(60), nullable=True),  # null = every domain
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)
