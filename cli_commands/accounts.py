"""Users and the app's state database: `add-user`, `state upgrade`, `revoke-user`."""

from __future__ import annotations

import argparse
import json

from cli_commands.common import known_markets, open_source_of, source_args


def register(commands: argparse._SubParsersAction) -> None:
    user = commands.add_parser("add-user", help="add a user to a credentials YAML (bcrypt-hashed password)")
    user.add_argument("username")
    source_args(user)  # market codes are checked against this source's countries table
    user.add_argument("--credentials", required=True, help="path of the credentials YAML file")
    user.add_argument("--role", required=True, choices=("admin", "global_viewer", "regional_viewer", "editor"))
    user.add_argument("--countries", help="markets of a regional_viewer, e.g. DE,FR")
    user.add_argument("--name")
    user.add_argument("--email")
    user.add_argument("--password", help="omit to be prompted (keeps it out of the shell history)")
    user.set_defaults(handler=cmd_add_user)

    state = commands.add_parser("state", help="the app's own state database (logins, audit log)")
    state.add_argument("action", choices=("upgrade",), help="upgrade: migrate the schema to the newest revision")
    state.add_argument("--state-url", help="SQLAlchemy URL (default: $GOVERNANCE_STATE_URL, else .state/ SQLite)")
    state.set_defaults(handler=cmd_state)

    revoke = commands.add_parser("revoke-user", help="revoke every login token of a user (ends their sessions)")
    revoke.add_argument("username")
    revoke.add_argument("--state-url", help="SQLAlchemy URL (default: $GOVERNANCE_STATE_URL, else .state/ SQLite)")
    revoke.set_defaults(handler=cmd_revoke_user)


def cmd_add_user(args: argparse.Namespace) -> int:
    import getpass

    from auth.users import add_user

    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    if len(password) < 12:
        raise ValueError("use a password of at least 12 characters")
    countries = [c for c in (args.countries or "").split(",") if c.strip()]
    known = known_markets(open_source_of(args))
    add_user(
        args.credentials, args.username, args.name or args.username, args.email or "", password, args.role,
        countries, known_markets=known,
    )
    print(f"user '{args.username}' ({args.role}) written to {args.credentials} with a bcrypt password hash")
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    """The app's state database: `upgrade` migrates it to the newest schema (the app also does at start)."""
    from state import migrate
    from state.store import open_store

    store = open_store(args.state_url)  # open_store upgrades
    print(json.dumps({"state_url": store.url, "revision": migrate.current_revision(store.engine)}))
    return 0


def cmd_revoke_user(args: argparse.Namespace) -> int:
    """End every login of a user: their cookies stop working on the next rerun of any open tab."""
    import getpass

    from state.store import AuditEvent, open_store

    store = open_store(args.state_url)
    revoked = store.revoke_user(args.username, "revoked by an admin (cli.py revoke-user)")
    store.record(AuditEvent(getpass.getuser(), "revocation", detail={"user": args.username, "tokens": revoked},
                            client="cli"))
    print(f"revoked {revoked} login token(s) of '{args.username}'")
    return 0
