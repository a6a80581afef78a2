"""Appeals: KPIs, trend with target and events, clickable breakdown, funnel, backlog aging, movers."""

import streamlit as st

from metrics import appeals, appeals_views, page_queries
from ui import charts, frame, kpis, layout, page_filters, sections, tables, view_charts
from ui.context import page_context

PAGE = "appeals"
FILTER_OF = {"policy": "policy", "original_channel": "channel"}  # breakdown dimension -> page filter
CARDS = ("appeals.submitted", *appeals.KPI_IDS)  # the volume first: the funnel and the rates start there

ctx = page_context()
chosen, options = page_filters.sidebar_filters(ctx, {"policy": ("appeals", "policy"),
                                                     "channel": ("appeals", "original_channel")})
request = page_filters.request_for(ctx, chosen)
frame.header(ctx, "Appeals", "Seller and creator appeals against moderation decisions: volume, overturns, "
             "turnaround against SLA, backlog and review quality.", chosen)

values = layout.load("Appeal KPIs", appeals.kpis, ctx.data, request, ctx.settings)
if values is not None and not kpis.has_data(values):
    layout.empty_state(layout.no_data_message(ctx, "appeals"))
elif values is not None:
    grain = page_queries.grain_for(request)
    trend = layout.load("The appeals trend", appeals.trend, ctx.data, request, grain)
    kpis.kpi_row(values, CARDS, request.period, trend, key=PAGE)

    part = sections.PagePart(appeals, request, trend, "appeals submitted or decided")
    explored = sections.trend_and_breakdown(ctx, PAGE, [part], chosen, options, FILTER_OF, grain)

    funnel_column, aging_column = st.columns(2, gap="large")
    with funnel_column, layout.section("The appeal funnel"):
        st.subheader("Funnel of the period's appeals", anchor=False)
        funnel = appeals_views.funnel(ctx.data, request)
        chart = view_charts.bar_chart(funnel, "stage", "count", value_title="Count",
                                 extra_tooltips=[("share_of_previous_stage:Q", "Of previous stage", ".1%")])
        charts.show_chart(ctx, chart, PAGE, "funnel", title="Appeal funnel", data=funnel,
                          percent_columns=["share_of_previous_stage"])
        st.caption("The appeals submitted in the period, followed to its end; the first bar is the actioned "
                   "cases decided in the period (appeal rate = submitted / actioned). The metric 'Appeals "
                   "decided' also counts appeals submitted earlier, so it can exceed these stages.")
    with aging_column, layout.section("Backlog aging"):
        st.subheader("Backlog aging at period end", anchor=False)
        aging = appeals_views.backlog_aging(ctx.data, request)
        chart = view_charts.bar_chart(aging, "bucket", "count", value_title="Open appeals", horizontal=False,
                                 extra_tooltips=[("breached:Q", "Past SLA", None)])
        charts.show_chart(ctx, chart, PAGE, "backlog-aging", title="Backlog aging at period end", data=aging)

    with layout.section("Overturn movers"):
        st.subheader("Biggest overturn-rate movers (market × policy)", anchor=False)
        tables.show_table(ctx, appeals_views.overturn_movers(ctx.data, request), PAGE, "overturn-movers",
                          kinds={"delta": "ratio_delta"},
                          caption="Cells with 20+ decided appeals in both periods, largest rise first.",
                          empty="No market × policy cell has 20+ decided appeals in both periods.")

    sections.records_section(ctx, PAGE, "The appeal records", explored, chosen)
