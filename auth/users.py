"""Server-side user records: roles and market scopes, read from a YAML credentials file.

The file uses streamlit-authenticator's layout plus two fields per user, `role` and `countries`:

    credentials:
      usernames:
        sea:
          name: Sari (Southeast Asia)
          email: sea@example.com
          password: $2b$12$...          # bcrypt hash only, never plain text
          role: regional_viewer           # admin | global_viewer | regional_viewer | editor
          countries: [ID, MY, TH, VN, PH, SG]

Deny by default: an unknown role, or a regional viewer or editor with no markets, sees nothing.
An editor sees the markets of `countries` like a regional viewer and may also add team annotations
for them; admins are editors of every market.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Iterable

import bcrypt
import yaml

from connectors.config import DEFAULT_SECRETS_PATH, REPO_ROOT
from connectors.scope import Scope

ROLES_WITH_ALL_MARKETS = frozenset({"admin", "global_viewer"})
REGIONAL_ROLE = "regional_viewer"
EDITOR_ROLE = "editor"
ROLES_WITH_LISTED_MARKETS = frozenset({REGIONAL_ROLE, EDITOR_ROLE})
EDITOR_ROLES = frozenset({"admin", EDITOR_ROLE})  # who may add team annotations
ROLES = (*sorted(ROLES_WITH_ALL_MARKETS), REGIONAL_ROLE, EDITOR_ROLE)
DEMO_CREDENTIALS_PATH = REPO_ROOT / "auth" / "demo_users.yaml"
CREDENTIALS_ENV_VAR = "GOVERNANCE_CREDENTIALS"


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    countries: tuple[str, ...]

    @property
    def scope(self) -> Scope:
        if self.role in ROLES_WITH_ALL_MARKETS:
            return Scope.everything()
        if self.role in ROLES_WITH_LISTED_MARKETS and self.countries:
            return Scope.of(self.countries)
        return Scope.nothing()


def read_secrets(path: Path = DEFAULT_SECRETS_PATH) -> dict[str, Any]:
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def credentials_path(demo: bool, secrets_path: Path = DEFAULT_SECRETS_PATH) -> Path | None:
    """$GOVERNANCE_CREDENTIALS, else secrets [auth] credentials_path, else the demo users in demo mode."""
    configured = os.environ.get(CREDENTIALS_ENV_VAR) or read_secrets(secrets_path).get("auth", {}).get(
        "credentials_path"
    )
    if configured:
        return Path(configured)
    return DEMO_CREDENTIALS_PATH if demo else None


def load_users(path: str | Path | None = None) -> dict[str, Any]:
    """The raw credentials mapping ({"usernames": {...}}) from the YAML file."""
    chosen = Path(path) if path else (credentials_path(demo=True) or DEMO_CREDENTIALS_PATH)
    with chosen.open() as handle:
        document = yaml.safe_load(handle) or {}
    credentials = document.get("credentials") or {}
    credentials.setdefault("usernames", {})
    return credentials


def user_record(credentials: dict[str, Any], username: str | None) -> User | None:
    """The user's server-side record, or None for an unknown user."""
    entry = (credentials.get("usernames") or {}).get(username or "")
    if not isinstance(entry, dict):
        return None
    countries = entry.get("countries") or []
    return User(
        username=str(username),
        name=str(entry.get("name") or username),
        role=str(entry.get("role") or ""),
        countries=tuple(str(code).upper() for code in countries) if isinstance(countries, list) else (),
    )


def unknown_markets(codes: Iterable[str], known: Collection[str]) -> tuple[str, ...]:
    """The codes that name no market of the source (a typo, "*", "DE,FR" as one code), sorted."""
    return tuple(sorted({code for code in codes if code not in known}))


def unknown_markets_message(username: str, unknown: Iterable[str]) -> str:
    names = ", ".join(repr(code) for code in unknown)
    return (
        f"The account '{username}' lists market codes that are not in the source's countries table: {names}. "
        "No data is shown until an admin fixes the account (cli.py add-user --countries)."
    )




def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def add_user(
    path: str | Path,
    username: str,
    name: str,
    email: str,
    password: str,
    role: str,
    countries: Iterable[str] = (),
    known_markets: Collection[str] | None = None,
) -> None:
    """Add or replace a user in the YAML file, storing only the bcrypt hash of the password.

    The file is written readable by its owner only (0600): it holds password hashes.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
    markets = [code.strip().upper() for code in countries if code.strip()]
    if role in ROLES_WITH_LISTED_MARKETS and not markets:
        raise ValueError(f"{'an' if role == EDITOR_ROLE else 'a'} {role} needs at least one market (--countries)")
    if known_markets is not None and (unknown := unknown_markets(markets, known_markets)):
        raise ValueError(
            f"unknown market code(s) {', '.join(repr(code) for code in unknown)}: "
            f"use codes of the source's countries table ({', '.join(sorted(known_markets))})"
        )
    target = Path(path)
    document: dict[str, Any] = {}
    if target.is_file():
        document = yaml.safe_load(target.read_text()) or {}
    users = document.setdefault("credentials", {}).setdefault("usernames", {})
    users[username] = {
        "name": name,
        "email": email,
        "password": hash_password(password),
        "role": role,
        "countries": markets,
    }
    _write_private(target, yaml.safe_dump(document, sort_keys=False))


def _write_private(target: Path, text: str) -> None:
    """Write through a 0600 temporary file and rename it, so the file is never readable by others."""
    temporary = target.with_name(f".{target.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.chmod(temporary, 0o600)  # os.open applies the umask; state the mode exactly
    os.replace(temporary, target)
