"""Reads and writes of the state database: login tokens, login attempts, the audit log."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Mapping

import polars as pl
import sqlalchemy as sa

from connectors.config import REPO_ROOT
from connectors.engine import redact
from state import migrate
from state.schema import audit_log, login_attempts, login_tokens

STATE_URL_ENV_VAR = "GOVERNANCE_STATE_URL"
DEFAULT_STATE_PATH = REPO_ROOT / ".state" / "governance_state.sqlite"
AUDIT_ACTIONS = (
    "login", "login_failed", "lockout", "logout", "revocation", "page_view", "export",
    "view_saved", "view_shared", "view_deleted", "annotation_added", "annotation_deleted",
)


# what an unreachable, stopped or locked database raises; anything else is a bug and propagates
UNREACHABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


class StateUnavailable(RuntimeError):
    """The state database cannot be reached or written; the message names it (password hidden)."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def state_url() -> str:
    """$GOVERNANCE_STATE_URL, else an SQLite file under .state/ (gitignored) created on first use."""
    configured = os.environ.get(STATE_URL_ENV_VAR)
    if configured:
        return configured
    DEFAULT_STATE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_STATE_PATH}"


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 15})

        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_connection: Any, _record: Any) -> None:  # readers do not block the writer
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, connect_args=_connect_timeout(url))


def _connect_timeout(url: str) -> dict[str, Any]:
    return {"connect_timeout": 5} if url.startswith("postgresql") else {}


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failed logins allowed within the window, per account and per client address, before a lockout."""

    max_failures_per_user: int = 5
    max_failures_per_client: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Lockout:
    reason: str  # "account" or "address"
    retry_at: dt.datetime

    def message(self, now: dt.datetime) -> str:
        minutes = max(1, math.ceil((self.retry_at - now).total_seconds() / 60))
        whom = "this account" if self.reason == "account" else "this address"
        return (f"Too many failed logins for {whom}. Try again after {self.retry_at:%H:%M} UTC "
                f"(in about {minutes} min).")


@dataclass(frozen=True)
class AuditEvent:
    username: str
    action: str
    page: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    client: str = ""


@dataclass(frozen=True)
class StateStore:
    engine: sa.Engine

    @property
    def url(self) -> str:
        return redact(self.engine.url.render_as_string(hide_password=False))

    def _write(self, statement: sa.Executable) -> sa.CursorResult:
        try:
            with self.engine.begin() as connection:
                return connection.execute(statement)
        except UNREACHABLE as error:
            raise StateUnavailable(f"The app's state database ({self.url}) is not available: "
                                   f"{type(error).__name__}.") from error

    def _read(self, statement: sa.Executable) -> list[sa.Row]:
        try:
            with self.engine.connect() as connection:
                return list(connection.execute(statement))
        except UNREACHABLE as error:
            raise StateUnavailable(f"The app's state database ({self.url}) is not available: "
                                   f"{type(error).__name__}.") from error

    # login tokens

    def issue_token(self, username: str, max_age: dt.timedelta, now: dt.datetime | None = None) -> str:
        """Record a new random token id for the user and return it."""
        issued = now or utc_now()
        jti = secrets.token_urlsafe(24)
        self._write(login_tokens.insert().values(
            jti=jti, username=username, issued_at=issued, expires_at=issued + max_age,
        ))
        return jti

    def token_valid(self, jti: str, username: str, max_age: dt.timedelta, now: dt.datetime | None = None) -> bool:
        """The token was issued to this user, is not revoked, and is younger than the server's maximum
        age now (also when the maximum was lowered after it was issued)."""
        moment = now or utc_now()
        rows = self._read(sa.select(login_tokens).where(login_tokens.c.jti == jti))
        if not rows:
            return False
        token = rows[0]
        return (token.username == username and token.revoked_at is None
                and moment < token.expires_at and moment < token.issued_at + max_age)

    def revoke_token(self, jti: str, reason: str, now: dt.datetime | None = None) -> bool:
        result = self._write(login_tokens.update()
                             .where(login_tokens.c.jti == jti, login_tokens.c.revoked_at.is_(None))
                             .values(revoked_at=now or utc_now(), revoked_reason=reason))
        return result.rowcount > 0

    def revoke_user(self, username: str, reason: str, now: dt.datetime | None = None) -> int:
        """Revoke every unrevoked token of the user; returns how many."""
        result = self._write(login_tokens.update()
                             .where(login_tokens.c.username == username, login_tokens.c.revoked_at.is_(None))
                             .values(revoked_at=now or utc_now(), revoked_reason=reason))
        return int(result.rowcount)

    # login attempts

    def record_attempt(self, username: str, client: str, succeeded: bool, now: dt.datetime | None = None) -> None:
        self._write(login_attempts.insert().values(
            at=now or utc_now(), username=username, client=client, succeeded=succeeded,
        ))

    def lockout(self, username: str, client: str, policy: ThrottlePolicy,
                now: dt.datetime | None = None) -> Lockout | None:
        """A lockout when the account or the address has too many failures within the window.

        It lasts until the oldest of the failures that reached the limit leaves the window."""
        moment = now or utc_now()
        since = moment - policy.window
        for reason, column, value, limit in (
            ("account", login_attempts.c.username, username, policy.max_failures_per_user),
            ("address", login_attempts.c.client, client, policy.max_failures_per_client),
        ):
            if not value:
                continue
            # the account's own successful login clears its count; an address's count runs on, so one
            # good password does not reopen guessing at every other account
            last_success = self._last_success(username, since) if reason == "account" else None
            failures = self._read(
                sa.select(login_attempts.c.at)
                .where(column == value, login_attempts.c.at > (last_success or since),
                       login_attempts.c.succeeded.is_(False))
                .order_by(login_attempts.c.at.desc()).limit(limit)
            )
            if len(failures) >= limit:
                return Lockout(reason, failures[-1].at + policy.window)
        return None

    def _last_success(self, username: str, since: dt.datetime) -> dt.datetime | None:
        rows = self._read(sa.select(sa.func.max(login_attempts.c.at)).where(
            login_attempts.c.username == username, login_attempts.c.succeeded.is_(True),
            login_attempts.c.at > since))
        return rows[0][0] if rows and rows[0][0] is not None else None

    # the audit log

    def record(self, event: AuditEvent, now: dt.datetime | None = None) -> None:
        if event.action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {event.action!r} (actions: {', '.join(AUDIT_ACTIONS)})")
        self._write(audit_log.insert().values(
            at=now or utc_now(), username=event.username, action=event.action, page=event.page,
            detail=json.dumps(dict(event.detail), sort_keys=True, default=str, ensure_ascii=False), client=event.client,
        ))

    def audit_events(self, start: dt.datetime, end: dt.datetime, usernames: tuple[str, ...] = (),
                     actions: tuple[str, ...] = (), limit: int = 10_000) -> pl.DataFrame:
        """Audit events with start <= at < end, newest first, optionally of some users and actions."""
        query = sa.select(audit_log).where(audit_log.c.at >= start, audit_log.c.at < end)
        if usernames:
            query = query.where(audit_log.c.username.in_(usernames))
        if actions:
            query = query.where(audit_log.c.action.in_(actions))
        rows = self._read(query.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit))
        schema = {"id": pl.Int64, "at": pl.Datetime("us"), "username": pl.String, "action": pl.String,
                  "page": pl.String, "detail": pl.String, "client": pl.String}
        return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row")


def open_store(url: str | None = None) -> StateStore:
    """Connect to the state database and bring its schema up to date."""
    engine = _engine(url or state_url())
    store = StateStore(engine)
    try:
        migrate.upgrade(engine)
    except UNREACHABLE as error:
        raise StateUnavailable(f"The app's state database ({store.url}) is not available: "
                               f"{type(error).__name__}.") from error
    return store


