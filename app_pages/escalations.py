"""Escalations: KPIs, open escalations, trend, clickable breakdown, speed by priority, root causes."""

import streamlit as st

from metrics import escalation_views, escalations, page_queries
from ui import charts, frame, kpis, layout, page_filters, sections, tables, view_charts
from ui.context import page_context

PAGE = "escalations"
FILTER_OF = {"priority": "priority"}
OPEN_LIMIT = 500  # the module returns the oldest open first; keep every open P0 even in a busy week
OPEN_COLUMNS = ["escalation_id", "priority", "age_hours", "past_target", "status", "country_code", "source",
                "domain", "summary", "opened_at", "acknowledged_at", "contained_at"]

ctx = page_context()
chosen, options = page_filters.sidebar_filters(ctx, {"priority": ("escalations", "priority")})
request = page_filters.request_for(ctx, chosen)
frame.header(ctx, "Escalations", "Incident response: what is open, how fast escalations are acknowledged, "
             "contained and resolved against per-priority targets, and why they happen.", chosen)

values = layout.load("Escalation KPIs", escalations.kpis, ctx.data, request, ctx.settings)
if values is not None and not kpis.has_data(values):
    layout.empty_state(layout.no_data_message(ctx, "escalations"))
elif values is not None:
    grain = page_queries.grain_for(request)
    trend = layout.load("The escalations trend", escalations.trend, ctx.data, request, grain, ctx.settings)
    kpis.kpi_row(values, escalations.KPI_IDS, request.period, trend, key=PAGE)

    with layout.section("Open escalations"):
        st.subheader("Open at period end", anchor=False)
        open_now = escalation_views.open_escalations(ctx.data, request, ctx.settings, limit=OPEN_LIMIT)
        tables.show_table(ctx, open_now.sort("priority", "age_hours", descending=[False, True]), PAGE, "open",
                          columns=OPEN_COLUMNS, widths={"summary": "large"},
                          empty="No escalation was open at the end of the period.",
                          caption=f"By priority, oldest first (up to {OPEN_LIMIT}). 'Past target' names the "
                                  "latest pending stage whose per-priority target the escalation's age has "
                                  "passed.")

    part = sections.PagePart(escalations, request, trend, "escalations")
    explored = sections.trend_and_breakdown(ctx, PAGE, [part], chosen, options, FILTER_OF, grain)

    with layout.section("Speed by priority"):
        st.subheader("Speed against targets by priority", anchor=False)
        tables.show_table(ctx, escalation_views.speed_by_priority(ctx.data, request, ctx.settings), PAGE,
                          "speed-by-priority", caption="Hours from opening; targets from the config.")
    pareto_column, recurrence_column = st.columns([3, 2], gap="large")
    with pareto_column, layout.section("Root causes"):
        st.subheader("Root causes of resolved escalations", anchor=False)
        pareto = escalation_views.root_cause_pareto(ctx.data, request)
        if pareto.is_empty():
            layout.empty_state("No escalation was resolved in this period.")
        else:
            chart = view_charts.pareto_chart(pareto, "root_cause", "resolved", "cumulative_share", "Root cause")
            charts.show_chart(ctx, chart, PAGE, "root-causes", title="Root causes of resolved escalations",
                              data=pareto, percent_columns=["share", "cumulative_share"])
    with recurrence_column, layout.section("Recurrence"):
        st.subheader("Recurrence by root cause", anchor=False)
        tables.show_table(ctx, escalation_views.recurrence_by_root_cause(ctx.data, request), PAGE, "recurrence",
                          caption="Escalations opened in the period, by root cause; those without a root "
                                  "cause yet are left out.")

    sections.records_section(ctx, PAGE, "The escalation records", explored, chosen)
