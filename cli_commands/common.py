"""What the command groups share: the source and user options, opening the source, the user's scope."""

from __future__ import annotations

import argparse
import sys

from connectors.config import is_demo_url, resolve_url
from connectors.scope import Scope
from connectors.source import ScopedAccess, Source, open_source

def source_args(command: argparse.ArgumentParser) -> None:
    command.add_argument("--url", help="SQLAlchemy URL (default: $GOVERNANCE_DB_URL, secrets, demo DuckDB)")
    command.add_argument("--config", help="TOML file mapping contract tables/columns to physical names")


def user_args(command: argparse.ArgumentParser) -> None:
    command.add_argument("--user", help="apply this user's market scope (from the credentials file)")
    command.add_argument("--credentials", help="credentials YAML (default: the configured one)")


def filter_args(command: argparse.ArgumentParser) -> None:
    command.add_argument("--countries", help="comma-separated market codes, e.g. DE,FR")
    for name in ("policies", "channels", "vendors", "sites", "priorities"):
        command.add_argument(f"--{name}")


def open_source_of(args: argparse.Namespace) -> Source:
    url = resolve_url(args.url)
    if is_demo_url(url):
        from sample_data import ensure_demo_database

        ensure_demo_database()
    return open_source(url, args.config)


def known_markets(source: Source) -> list[str]:
    """Every market code of the source's countries table (for validating requests and accounts)."""
    from metrics.base import country_regions

    return country_regions(ScopedAccess(source, Scope.everything()))["country_code"].to_list()


def scope_for(args: argparse.Namespace, known: list[str]) -> Scope:
    """The --user's scope, from the credentials file that the app itself would use for this URL."""
    if not args.user:
        return Scope.everything()
    from auth.users import credentials_path, load_users, unknown_markets, unknown_markets_message, user_record

    path = args.credentials or credentials_path(is_demo_url(resolve_url(args.url)))
    if path is None:
        raise ValueError(
            "--user needs a credentials file for a database that is not the demo: "
            "pass --credentials or set GOVERNANCE_CREDENTIALS (the demo users apply to the demo database only)"
        )
    user = user_record(load_users(path), args.user)
    if user is None:
        raise ValueError(f"unknown user '{args.user}' in {path}")
    if user.scope.countries is not None and (unknown := unknown_markets(user.scope.countries, known)):
        raise ValueError(unknown_markets_message(user.username, unknown))
    return user.scope


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
