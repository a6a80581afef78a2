"""The app's own writable database: login tokens, login attempts and the audit log.

The governance source stays read-only; what the app must remember lives here, through SQLAlchemy:
an embedded SQLite file by default, PostgreSQL (or any SQLAlchemy URL) via GOVERNANCE_STATE_URL.
The schema is versioned by Alembic (state/migrations) and upgraded at start and by
`cli.py state upgrade`.
"""
