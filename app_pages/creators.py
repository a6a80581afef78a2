"""Creator risk: KPIs, trend, clickable breakdown, emerging signals, risk tiers, riskiest creators."""

import streamlit as st

from metrics import creators, page_queries
from ui import charts, creator_sections, frame, kpis, layout, page_filters, sections, tables, view_charts
from ui.context import page_context

PAGE = "creators"
FILTER_OF = {"policy": "policy"}

ctx = page_context()
chosen, options = page_filters.sidebar_filters(ctx, {"policy": ("creator_violations", "policy")})
request = page_filters.request_for(ctx, chosen)
frame.header(ctx, "Creator risk", "Creator policy violations, 90-day risk points and tiers, repeat "
             "offenders, GMV at risk and emerging (market, policy) spikes.", chosen)

values = layout.load("Creator KPIs", creators.kpis, ctx.data, request, ctx.settings)
if values is not None and not kpis.has_data(values):
    layout.empty_state(layout.no_data_message(ctx, "creator violations"))
elif values is not None:
    grain = page_queries.grain_for(request)
    trend = layout.load("The creator trend", creators.trend, ctx.data, request, grain, ctx.settings)
    kpis.kpi_row(values, creators.KPI_IDS, request.period, trend, key=PAGE)

    part = sections.PagePart(creators, request, trend, "violations")
    explored = sections.trend_and_breakdown(ctx, PAGE, [part], chosen, options, FILTER_OF, grain)

    with layout.section("Emerging signals"):
        st.subheader("Emerging signals", anchor=False)
        signals = creators.emerging_signals(ctx.data, request, ctx.settings)
        tables.show_table(ctx, signals, PAGE, "emerging-signals", labels={"since": "Since", "week": "Week of"},
                          empty="No emerging signals in this period.",
                          caption="Every week in which a (market, policy) pair's violations beat that week's own "
                                  "trailing 8-week baseline by a robust z-score of 3 or more. Since: the pair's "
                                  "first such week in the range.")
    tiers_column, policy_column = st.columns(2, gap="large")
    with tiers_column, layout.section("Risk tiers"):
        st.subheader("Risk tiers at period end", anchor=False)
        tiers = creators.risk_tiers(ctx.data, request, ctx.settings)
        chart = view_charts.bar_chart(tiers, "tier", "creators", value_title="Creators", color="tier",
                                 color_scale=charts.TIER_SCALE,
                                 extra_tooltips=[("gmv_usd:Q", "GMV 30d", "$,.0f"),
                                                 ("share:Q", "Share", ".1%")])
        charts.show_chart(ctx, chart, PAGE, "risk-tiers", title="Risk tiers at period end", data=tiers,
                          percent_columns=["share"])
    with policy_column, layout.section("Violations by policy"):
        st.subheader("Violations by policy and severity", anchor=False)
        tables.show_table(ctx, creators.violations_by(ctx.data, request, ("policy", "severity")), PAGE,
                          "violations-by-policy", kinds={"delta": "count"}, height=380)

    creator_id = None
    with layout.section("Riskiest creators"):
        st.subheader("Riskiest creators (90-day points)", anchor=False)
        risky = creators.top_risky(ctx.data, request, 20)
        picked = tables.show_table(ctx, risky, PAGE, "top-risky", selectable=True,
                                   caption="Pick a creator to see their history.")
        creator_id = int(risky["creator_id"][picked]) if picked is not None else None
    creator_id = creator_id if creator_id is not None else creator_sections.linked_creator()
    if creator_id is not None:
        creator_sections.creator_history(ctx, request, creator_id, PAGE)

    sections.records_section(ctx, PAGE, "The violation records", explored, chosen)
