"""The command groups of cli.py; each module's `register` adds its subcommands."""
