"""The cookie signing key: from the environment or secrets; a random per-install key in demo mode."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from auth.users import read_secrets
from connectors.config import DEFAULT_SECRETS_PATH, REPO_ROOT

COOKIE_KEY_ENV_VAR = "GOVERNANCE_COOKIE_KEY"
DEMO_KEY_PATH = REPO_ROOT / ".streamlit" / "cookie_key"
LIBRARY_DEFAULT_KEY = "some_key"
MIN_KEY_BYTES = 32


class InsecureConfiguration(RuntimeError):
    """The app must not start like this; the message says what to set."""


def configured_cookie_key(secrets_path: Path = DEFAULT_SECRETS_PATH) -> str | None:
    return os.environ.get(COOKIE_KEY_ENV_VAR) or read_secrets(secrets_path).get("auth", {}).get("cookie_key")


def validate_cookie_key(key: str | None) -> str:
    if not key:
        raise InsecureConfiguration(
            f"No cookie key is configured. Set {COOKIE_KEY_ENV_VAR} or [auth] cookie_key in "
            ".streamlit/secrets.toml to a random value of at least 32 bytes "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if key == LIBRARY_DEFAULT_KEY:
        raise InsecureConfiguration("The cookie key is the library default 'some_key'; set a random key.")
    if len(key.encode()) < MIN_KEY_BYTES:
        raise InsecureConfiguration(
            f"The cookie key is {len(key.encode())} bytes; it must be at least {MIN_KEY_BYTES} bytes."
        )
    return key


def demo_cookie_key(path: Path = DEMO_KEY_PATH) -> str:
    """A random key generated once per install (gitignored), so demo cookies differ per machine."""
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def cookie_key(demo: bool) -> str:
    configured = configured_cookie_key()
    if configured or not demo:
        return validate_cookie_key(configured)
    return demo_cookie_key()
