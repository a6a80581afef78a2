"""The cookie signing key: from the environment or secrets; a random per-install key in demo mode."""

from __future__ import annotations

import math
import os
import secrets
from collections import Counter
from pathlib import Path

from auth.users import read_secrets
from connectors.config import DEFAULT_SECRETS_PATH, REPO_ROOT

COOKIE_KEY_ENV_VAR = "GOVERNANCE_COOKIE_KEY"
DEMO_KEY_PATH = REPO_ROOT / ".streamlit" / "cookie_key"
LIBRARY_DEFAULT_KEY = "some_key"
MIN_KEY_BYTES = 32
MIN_KEY_BITS = 128
GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


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
            f"The cookie key is {len(key.encode())} bytes; it must be at least {MIN_KEY_BYTES} bytes. "
            f"Generate one with {GENERATE_HINT}."
        )
    if repeating_unit(key) or estimated_bits(key) < MIN_KEY_BITS:
        raise InsecureConfiguration(
            f"The cookie key is not random enough (about {estimated_bits(key):.0f} bits, a repeated pattern "
            f"or few distinct characters; at least {MIN_KEY_BITS} bits are needed). "
            f"Generate one with {GENERATE_HINT}."
        )
    return key


def estimated_bits(key: str) -> float:
    """The key's length times the Shannon entropy of its characters: an upper bound on its
    randomness that is low for 'a'*32 (0), 32 spaces (0) and 'some_key'*4 (about 88)."""
    counts = Counter(key)
    per_character = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_character * len(key)


def repeating_unit(key: str) -> str | None:
    """The shortest unit the key repeats ('some_key' for 'some_key'*4), or None."""
    for size in range(1, len(key) // 2 + 1):
        if len(key) % size == 0 and key[:size] * (len(key) // size) == key:
            return key[:size]
    return None


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
