"""Audit log (admins only): logins, failed logins, lockouts, revocations, page views and exports."""

import datetime as dt

import polars as pl
import streamlit as st

import data
from state.store import AUDIT_ACTIONS
from ui import frame, layout, tables
from ui.context import page_context

PAGE = "audit"
ACTION_LABELS = {"login": "Login", "login_failed": "Failed login", "lockout": "Lockout", "logout": "Logout",
                 "revocation": "Revocation", "page_view": "Page view", "export": "Export",
                 "view_saved": "View saved", "view_shared": "View shared", "view_deleted": "View deleted",
                 "annotation_added": "Annotation added", "annotation_deleted": "Annotation deleted"}

ctx = page_context()
if ctx.role != "admin":  # the frame gives no one else the page; this holds if that ever changes
    st.error("The audit log is for admins.")
    st.stop()
frame.header(ctx, "Audit log", "Who logged in, failed or was locked out, whose logins were revoked, who viewed "
             "which page with which filters and who exported what, from the app's state database. Times UTC; "
             "the sidebar's filters (about the data) do not apply here.", dated=False)

today = dt.datetime.now(dt.UTC).date()
first, last, left, right = st.columns([1, 1, 2, 2])
since = first.date_input("From", value=today - dt.timedelta(days=6), max_value=today, key="audit-from")
until = last.date_input("To", value=today, max_value=today, key="audit-to")
if until < since:
    st.error(f"'To' ({until:%d %b %Y}) is before 'From' ({since:%d %b %Y}): nothing changed.")
    st.stop()
events = data.audit_events(dt.datetime.combine(since, dt.time()),
                           dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
users = sorted(events["username"].unique().to_list())
chosen_users = left.multiselect("Users", users, key="audit-users", placeholder="All users")
chosen_actions = right.multiselect("Actions", list(AUDIT_ACTIONS), key="audit-actions",
                                   format_func=lambda a: ACTION_LABELS.get(a, a), placeholder="All actions")
shown = events
if chosen_users:
    shown = shown.filter(pl.col("username").is_in(chosen_users))
if chosen_actions:
    shown = shown.filter(pl.col("action").is_in(chosen_actions))

counts = shown.group_by("action").len().sort("action")
with st.container(horizontal=True):
    for action in AUDIT_ACTIONS:
        count = counts.filter(pl.col("action") == action)["len"].sum()
        st.metric(ACTION_LABELS[action], f"{count:,}", border=True)

with layout.section("The audit events"):
    tables.show_table(ctx, shown.select("at", "username", "action", "page", "detail", "client"), PAGE, "events",
                      labels={"at": "Time (UTC)", "username": "User", "client": "Client address"},
                      widths={"detail": "large"}, empty="No audit events for these filters.",
                      caption=f"Newest first, up to {data.AUDIT_ROWS:,} events in the period.")
