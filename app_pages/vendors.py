"""Vendors & moderation mix: SLA KPIs, trend, clickable breakdown, scorecard, weekly breaches, channels."""

import streamlit as st

from metrics import mix, page_queries, vendor_scorecard, vendors
from ui import charts, frame, kpis, layout, page_filters, sections, tables, view_charts
from ui.context import page_context

PAGE = "vendors"
FILTER_OF = {"vendor_site": "vendor_site", "policy": "policy", "channel": "channel"}
VENDOR_FILTERS, MIX_FILTERS = ("vendor_site", "policy"), ("policy", "channel")  # the mix compares channels
MIX_IGNORES = "algorithm and LLM decisions have no vendor site, so the mix compares every channel in your markets."
VENDOR_IGNORES = "vendor metrics count human-reviewed cases only."
SCORECARD = ["vendor_site", "cases", "tat_adherence", "tat_adherence_target", "aht_seconds",
             "aht_seconds_target", "aht_seconds_previous", "aht_change", "qa_accuracy", "qa_accuracy_target",
             "cost_per_case", "cost_per_case_target", "missed", "weeks_breached", "weeks"]

ctx = page_context()
chosen, options = page_filters.sidebar_filters(ctx, {
    "vendor_site": "vendor_site",
    "policy": ("moderation_cases", "policy"),
    "channel": ("moderation_cases", "channel"),
})
vendor_request = page_filters.request_for(ctx, chosen, VENDOR_FILTERS)
mix_request = page_filters.request_for(ctx, chosen, MIX_FILTERS)
frame.header(ctx, "Vendors & moderation mix", "Vendor (BPO) sites against their contract SLAs, and how "
             "decisions split between algorithms, LLMs and human reviewers. Vendor metrics count "
             "human-reviewed cases.", chosen)

vendor_kpis = layout.load("Vendor KPIs", vendors.kpis, ctx.data, vendor_request, ctx.settings)
mix_kpis = layout.load("Moderation-mix KPIs", mix.kpis, ctx.data, mix_request, ctx.settings)
if not kpis.has_data([*(vendor_kpis or []), *(mix_kpis or [])]):
    if vendor_kpis is not None or mix_kpis is not None:
        layout.empty_state(layout.no_data_message(ctx, "moderation cases"))
else:
    grain = page_queries.grain_for(ctx.request)
    vendor_trend = layout.load("The vendor trend", vendors.trend, ctx.data, vendor_request, grain)
    mix_trend = layout.load("The mix trend", mix.trend, ctx.data, mix_request, grain)
    kpis.kpi_row(vendor_kpis or [], vendors.KPI_IDS, ctx.request.period, vendor_trend, key=f"{PAGE}-sla")
    page_filters.note_ignored(chosen, VENDOR_FILTERS, VENDOR_IGNORES)
    kpis.kpi_row(mix_kpis or [], mix.KPI_IDS, ctx.request.period, mix_trend, key=f"{PAGE}-mix")
    page_filters.note_ignored(chosen, MIX_FILTERS, MIX_IGNORES)

    parts = [
        sections.PagePart(vendors, vendor_request, vendor_trend, "human-reviewed cases decided", vendor_kpis or (),
                          VENDOR_FILTERS, VENDOR_IGNORES),
        sections.PagePart(mix, mix_request, mix_trend, "moderation cases decided", mix_kpis or (),
                          MIX_FILTERS, MIX_IGNORES),
    ]
    explored = sections.trend_and_breakdown(ctx, PAGE, parts, chosen, options, FILTER_OF, grain)

    baseline = kpis.short_period(ctx.request.period.previous())  # the comparison period of the AHT change
    with layout.section("The vendor scorecard"):
        st.subheader("Vendor site scorecard", anchor=False)
        page_filters.note_ignored(chosen, VENDOR_FILTERS, VENDOR_IGNORES)
        tables.show_table(ctx, vendor_scorecard.scorecard(ctx.data, vendor_request), PAGE, "scorecard",
                          columns=SCORECARD,
                          labels={"missed": "Targets missed", "weeks": "Weeks judged",
                                  "aht_seconds_previous": f"AHT {baseline}",
                                  "aht_change": f"AHT change vs {baseline}"},
                          caption="Contract targets in force at the period end, weighted by site queues. "
                                  f"AHT change: relative to the site's AHT in {baseline}, the comparison "
                                  "period.")
    weekly_column, mix_column = st.columns(2, gap="large")
    with weekly_column, layout.section("Weekly breaches"):
        st.subheader("Weekly SLA breaches", anchor=False)
        page_filters.note_ignored(chosen, VENDOR_FILTERS, VENDOR_IGNORES)
        weekly = vendor_scorecard.weekly_breaches(ctx.data, vendor_request)
        if weekly.is_empty():
            layout.empty_state("No vendor weeks in this period.")
        else:
            charts.show_chart(ctx, view_charts.breach_heatmap(weekly), PAGE, "weekly-breaches",
                              title="Weekly SLA breaches", data=weekly)
    with mix_column, layout.section("The channel mix"):
        st.subheader("Decisions by channel", anchor=False)
        page_filters.note_ignored(chosen, MIX_FILTERS, MIX_IGNORES)
        share = mix.channel_share_trend(ctx.data, mix_request, grain)
        charts.show_chart(ctx, view_charts.share_trend_chart(share, "date", "channel", "share", grain), PAGE,
                          "channel-share", title="Decisions by channel", data=share,
                          percent_columns=["share"])
    with layout.section("The channel table"):
        st.subheader("Channel comparison", anchor=False)
        page_filters.note_ignored(chosen, MIX_FILTERS, MIX_IGNORES)
        tables.show_table(ctx, mix.by_channel(ctx.data, mix_request), PAGE, "by-channel",
                          caption="Appeal overturns are counted by the channel of the original decision.")

    sections.records_section(ctx, PAGE, "The case records", explored, chosen)
