"""Password checks that cost the same for unknown users and stop after repeated failures.

streamlit-authenticator answers an unknown username without running bcrypt, so response times
tell which usernames exist, and it has no limit across sessions. This check replaces its
`check_credentials`: a lockout (per account and per client address, counted in the state
database across sessions and processes) is refused before any password is checked, and an
unknown user's password is checked against a dummy hash of the same cost.
"""

from __future__ import annotations

from typing import Any, Callable

import bcrypt

from state.store import AuditEvent, Lockout, StateStore, ThrottlePolicy, utc_now

# the cost of the hashes add-user writes (bcrypt.gensalt() default), so both paths take as long
_DUMMY_HASH = bcrypt.hashpw(b"no user has this password", bcrypt.gensalt(rounds=12))


class LoginLocked(Exception):
    def __init__(self, lockout: Lockout) -> None:
        super().__init__(lockout.message(utc_now()))
        self.lockout = lockout


def password_matches(credentials: dict[str, Any], username: str, password: str) -> bool:
    entry = (credentials.get("usernames") or {}).get(username)
    stored = entry.get("password") if isinstance(entry, dict) else None
    candidate = (password or "").encode()
    if not isinstance(stored, str) or not stored.startswith("$2"):
        bcrypt.checkpw(candidate, _DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(candidate, stored.encode())
    except ValueError:  # a malformed hash in the file
        return False


def guarded_check(
    store: StateStore, credentials: dict[str, Any], client: str, policy: ThrottlePolicy = ThrottlePolicy()
) -> Callable[[str, str], bool]:
    """A drop-in for the library's check_credentials(username, password)."""

    def check(username: str, password: str) -> bool:
        now = utc_now()
        locked = store.lockout(username, client, policy, now)
        if locked is not None:
            store.record(AuditEvent(username, "lockout", detail={"reason": locked.reason,
                                                                 "retry_at": locked.retry_at}, client=client))
            raise LoginLocked(locked)
        matches = password_matches(credentials, username, password)
        store.record_attempt(username, client, matches, now)
        if not matches:
            store.record(AuditEvent(username, "login_failed", client=client))
        return matches

    return check
