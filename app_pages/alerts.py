"""Alerts: every rule with its state, last evaluation and value, its history and its deliveries.

Admins see every rule and recipient; other users the rules they receive, with their own rows only.
"""

import polars as pl
import streamlit as st

import data
from alerts.overview import alerts_view, rule_deliveries, rule_history
from alerts.states import STATE_LABELS
from ui import frame, layout, tables
from ui.context import page_context

PAGE = "alerts"

ctx = page_context()
is_admin = ctx.role == "admin"
frame.header(ctx, "Alerts", "The alert rules " + ("of the rules file" if is_admin else "you receive") +
             ", evaluated by `cli.py alerts run` (cron): state, last evaluation and value, history and "
             "deliveries, from the app's state database. Times UTC; the sidebar's filters do not apply here.",
             dated=False)
store = data.alert_store()
view = alerts_view(store, ctx.username, is_admin)
if not view.configured:
    st.info("No rules file is configured: set GOVERNANCE_ALERT_RULES to the rules TOML "
            "(README: Alerts and scheduled reports).", icon=":material/notifications_off:")
    st.stop()
if view.problem:
    st.error(view.problem)
    st.stop()
if view.rules.is_empty():
    st.info("You receive no alert rules." if not is_admin else "The rules file has no [[alert]] rules.")
    st.stop()

with st.container(horizontal=True):
    for state in STATE_LABELS.values():
        st.metric(state, f"{view.status.filter(pl.col('state') == state).height:,}", border=True)

status = view.rules.join(view.status, on="rule", how="left").select(
    "rule", "recipient", "state", "value", "threshold", "delta", "last_evaluated", "since", "metric", "condition",
    "period", "deliver", "message")
with layout.section("The rules"):
    tables.show_table(ctx, status, PAGE, "rules",
                      labels={"last_evaluated": "Last evaluation (UTC)", "since": "State since (UTC)",
                              "message": "Error"},
                      empty="No rules.", caption="One row per rule and recipient; a rule not yet run has no state.")

chosen = st.selectbox("Rule", view.rules["rule"].to_list(), key="alert-rule")
metric_id = view.rules.filter(pl.col("rule") == chosen)["metric"].item()
with layout.section("The rule's history"):
    st.subheader("History")
    tables.show_table(ctx, rule_history(store, chosen, metric_id, ctx.username, is_admin), PAGE, "history",
                      labels={"evaluated_at": "Evaluated (UTC)"}, empty="Not evaluated yet.",
                      caption="Every evaluation, newest first: one per period and recipient.")
with layout.section("The rule's deliveries"):
    st.subheader("Deliveries")
    deliveries = rule_deliveries(store, chosen, ctx.username, is_admin)
    failed = deliveries.filter(pl.col("status") == "failed").height
    if failed:
        st.error(f"{failed} deliver{'y' if failed == 1 else 'ies'} failed after every attempt; see the last error.")
    tables.show_table(ctx, deliveries, PAGE, "deliveries", labels={"created_at": "Queued (UTC)", "sent_at": "Sent (UTC)"},
                      empty="Nothing delivered yet.",
                      caption="Pending deliveries are retried with backoff on later runs.")
