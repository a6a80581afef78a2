"""Errors that the app, the CLI and the tests show to people: each says what to fix."""

from __future__ import annotations


class GovernanceDataError(RuntimeError):
    """Base class: a clear, user-facing message and no traceback needed."""


class SourceUnavailable(GovernanceDataError):
    """The database cannot be reached or opened."""


class QueryTimeout(GovernanceDataError):
    """A query ran past the statement timeout."""


class RowLimitExceeded(GovernanceDataError):
    """A query would transfer more rows than the configured guard allows."""


class SchemaMismatch(GovernanceDataError):
    """A table or column the contract needs is missing or has the wrong type."""


class ReadOnlyViolation(GovernanceDataError):
    """A statement that could write was about to be sent to a source the app only reads."""
