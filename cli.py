"""Command line: generate demo data, check a source, print row counts and metrics.

    python cli.py generate --url duckdb:///demo.duckdb --scale small
    python cli.py check --url postgresql+psycopg://reader@db/gov --config governance.toml
    python cli.py metrics --start 2026-11-09 --end 2026-11-15 --countries DE,FR --by policy
    python cli.py state upgrade            # the app's own state database
    python cli.py revoke-user europe       # end every login of a user
    python cli.py alerts run --rules alerts.toml [--now 2026-11-30T08:00:00+08:00] [--dry-run]
    python cli.py reports run --due --rules alerts.toml

The commands live in cli_commands/, one module per group.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from cli_commands import accounts, alerting, analysis, dsa, sources
from connectors.config import ConfigError
from connectors.errors import GovernanceDataError
from state.store import StateUnavailable

GROUPS = (sources, analysis, dsa, accounts, alerting)  # in the order `cli.py --help` lists them


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="cli.py", description="Marketplace governance dashboard tools")
    commands = main.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(commands)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (GovernanceDataError, ConfigError, ValueError, StateUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
