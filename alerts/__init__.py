"""Alerts, scheduled reports and their delivery, run by `cli.py alerts run` / `cli.py reports run` from cron.

No Streamlit here: the CLI, the tests and the Alerts page use the same code. Rules and report
subscriptions come from a TOML file (alerts.rules), delivery targets from a separate TOML file whose
secrets are names of environment variables (alerts.delivery). What happened is kept in the state
database (state.alerts_store).
"""
