"""Vendors & moderation mix: SLA KPIs, trend, clickable breakdown, scorecard, weekly breaches, channels."""

import streamlit as st

from metrics import mix, vendor_scorecard, vendors
from ui import charts, exports, kpis, layout, sections, tables, team, view_charts
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
chosen, options = layout.page_filters(ctx, {
    "vendor_site": "vendor_site",
    "policy": ("moderation_cases", "policy"),
    "channel": ("moderation_cases", "channel"),
})
vendor_request = layout.request_for(ctx, chosen, VENDOR_FILTERS)
mix_request = layout.request_for(ctx, chosen, MIX_FILTERS)
layout.header(ctx, "Vendors & moderation mix", "Vendor (BPO) sites against their contract SLAs, and how "
              "decisions split between algorithms, LLMs and human reviewers. Vendor metrics count "
              "human-reviewed cases.", chosen)

vendor_kpis = layout.load("Vendor KPIs", vendors.kpis, ctx.data, vendor_request, ctx.settings)
mix_kpis = layout.load("Moderation-mix KPIs", mix.kpis, ctx.data, mix_request, ctx.settings)
if not kpis.has_data([*(vendor_kpis or []), *(mix_kpis or [])]):
    if vendor_kpis is not None or mix_kpis is not None:
        layout.empty_state(layout.no_data_message(ctx, "moderation cases"))
else:
    grain = charts.grain_for(ctx.request)
    vendor_trend = layout.load("The vendor trend", vendors.trend, ctx.data, vendor_request, grain)
    mix_trend = layout.load("The mix trend", mix.trend, ctx.data, mix_request, grain)
    kpis.kpi_row(vendor_kpis or [], vendors.KPI_IDS, ctx.request.period, vendor_trend, key=f"{PAGE}-sla")
    layout.note_ignored_filters(chosen, VENDOR_FILTERS, VENDOR_IGNORES)
    kpis.kpi_row(mix_kpis or [], mix.KPI_IDS, ctx.request.period, mix_trend, key=f"{PAGE}-mix")
    layout.note_ignored_filters(chosen, MIX_FILTERS, MIX_IGNORES)

    left, right = st.columns([3, 2], gap="large")
    with left, layout.section("The trend"):
        metric = sections.metric_picker([*vendors.METRICS, *mix.METRICS], vendors.KPI_IDS[0],
                                      key=f"{PAGE}-metric")
        is_vendor = metric.domain == "vendors"
        module, request, trend, page_keys = (
            (vendors, vendor_request, vendor_trend, VENDOR_FILTERS) if is_vendor
            else (mix, mix_request, mix_trend, MIX_FILTERS)
        )
        team.annotation_form(ctx, PAGE)  # before the events load, so a new one is drawn
        events = charts.annotations(ctx.data, request, charts.PAGE_EVENT_DOMAINS[PAGE])
        if trend is not None:
            card_target = next((k.target for k in [*(vendor_kpis or []), *(mix_kpis or [])]
                                if k.metric.id == metric.id and k.target_source), None)
            sections.trend_section(ctx, trend, metric, request, events, PAGE, grain, target=card_target)
        layout.note_ignored_filters(chosen, page_keys, VENDOR_IGNORES if is_vendor else MIX_IGNORES)
    match = None
    with right, layout.section("The breakdown"):
        dimensions = module.BREAKDOWN_DIMENSIONS
        dimension = sections.dimension_picker(dimensions, key=f"{PAGE}-{metric.domain}-dimension",
                                            request=ctx.request)
        filter_key = FILTER_OF.get(dimension)
        unfiltered = layout.request_for(ctx, layout.without(chosen, filter_key), page_keys)
        frame = module.breakdown(ctx.data, unfiltered, (dimension,))
        match = sections.breakdown_section(ctx, frame, dimension, dimensions[dimension], metric, PAGE,
                                         filter_key=filter_key, options=options)
        layout.note_ignored_filters(layout.without(chosen, filter_key), page_keys,
                                    VENDOR_IGNORES if is_vendor else MIX_IGNORES)

    baseline = kpis.short_period(ctx.request.period.previous())  # the comparison period of the AHT change
    with layout.section("The vendor scorecard"):
        st.subheader("Vendor site scorecard", anchor=False)
        layout.note_ignored_filters(chosen, VENDOR_FILTERS, VENDOR_IGNORES)
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
        layout.note_ignored_filters(chosen, VENDOR_FILTERS, VENDOR_IGNORES)
        weekly = vendor_scorecard.weekly_breaches(ctx.data, vendor_request)
        if weekly.is_empty():
            layout.empty_state("No vendor weeks in this period.")
        else:
            charts.show_chart(ctx, view_charts.breach_heatmap(weekly), PAGE, "weekly-breaches",
                              title="Weekly SLA breaches", data=weekly)
    with mix_column, layout.section("The channel mix"):
        st.subheader("Decisions by channel", anchor=False)
        layout.note_ignored_filters(chosen, MIX_FILTERS, MIX_IGNORES)
        share = mix.channel_share_trend(ctx.data, mix_request, grain)
        charts.show_chart(ctx, view_charts.share_trend_chart(share, "date", "channel", "share", grain), PAGE,
                          "channel-share", title="Decisions by channel", data=share,
                          percent_columns=["share"])
    with layout.section("The channel table"):
        st.subheader("Channel comparison", anchor=False)
        layout.note_ignored_filters(chosen, MIX_FILTERS, MIX_IGNORES)
        tables.show_table(ctx, mix.by_channel(ctx.data, mix_request), PAGE, "by-channel",
                          caption="Appeal overturns are counted by the channel of the original decision.")

    st.subheader("Records", anchor=False)
    with layout.section("The case records"):
        layout.note_ignored_filters(chosen, page_keys, VENDOR_IGNORES if is_vendor else MIX_IGNORES)
        records = module.drilldown(ctx.data, request, limit=100, match=match)
        what = "human-reviewed cases decided" if is_vendor else "moderation cases decided"
        tables.show_table(ctx, records, PAGE, "records", caption=tables.drilldown_caption(match, what))
        exports.all_records_download(ctx, PAGE, lambda data: module.drilldown(data, request, match=match))
