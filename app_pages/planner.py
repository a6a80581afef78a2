"""Mix planner: what if volume moves between the algorithm, the LLM and people, and what it costs in quality and FTE."""

import polars as pl
import streamlit as st

import data
from metrics.planner.baseline import segment_table, site_table
from metrics.planner.projection import FRONTIER_SCHEMA, baseline_scenario, project, scaled_frontier
from metrics.planner.scenario import Assumptions
from ui import charts, frame, layout, planner_parts, tables
from ui.context import page_context

PAGE = "planner"

ctx = page_context()
frame.header(ctx, "Mix planner", "The date filter is the measured baseline. Each scenario moves shares of a channel's "
             "volume to another channel, globally or per policy and queue; moved decisions take the measured cost, QA "
             "accuracy and appeal rates of the channel that now handles them. The scenarios live in the URL.")
baseline = layout.load("The baseline", data.cached_plan_baseline, ctx.data, ctx.request)
if baseline is not None and baseline.human_decisions == 0:
    layout.empty_state(layout.no_data_message(ctx, "human decisions to plan staffing from"))
    baseline = None
if baseline is not None:
    projections = [project(baseline, baseline_scenario(Assumptions()))]
    scenarios = []
    for slot, tab in enumerate(st.tabs([f"Scenario {i}" for i in range(1, planner_parts.SLOTS + 1)]), start=1):
        with tab:
            planned = planner_parts.scenario_slot(slot, baseline, [p.name for p in projections])
        if planned is not None:
            scenarios.append(planned[0])
            projections.append(planned[1])
    shown = [None, *scenarios]
    st.subheader("Baseline and scenarios, per week", anchor=False)
    planner_parts.projection_cards(ctx, projections)
    comparison = planner_parts.comparison_table(projections, shown)
    tables.show_table(ctx, comparison, PAGE, "projection", height=(comparison.height + 1) * 35 + 3,
                      caption="Expected values from the measured rates; QA accuracy with its 95 % interval.")
    thin = sorted({s for p in projections for s in p.thin_qa})
    if thin:
        st.caption(f"QA accuracy rests on fewer than 30 QA verdicts in {len(thin)} segment(s): {', '.join(thin[:12])}"
                   + (" ..." if len(thin) > 12 else ""))
    with layout.section("Cost against quality"):
        curves = pl.concat([scaled_frontier(baseline, s) for s in scenarios if s.moves] or
                           [pl.DataFrame(schema=FRONTIER_SCHEMA)])
        points = pl.DataFrame([{"scenario": p.name, "cost_per_week_usd": p.totals["cost_per_week_usd"],
                                "qa_accuracy": p.totals["qa_accuracy"]} for p in projections])
        charts.show_chart(ctx, planner_parts.frontier_chart(curves, points), PAGE, "frontier", data=curves,
                          title="Cost against expected QA accuracy as the moves grow to 100 %",
                          alt_text="Frontier of weekly cost and expected QA accuracy")
    st.subheader("Human FTE per vendor site", anchor=False)
    tables.show_table(ctx, planner_parts.sites_table(projections), PAGE, "sites",
                      caption="FTE = cases x AHT / paid hours / occupancy / (1 - shrinkage); the live queue (4 h SLA) "
                              "needs round-the-clock Erlang C agents. Capacity = baseline FTE + 10 %.")
    with st.expander("Short-SLA queues staffed by Erlang C"):
        tables.show_table(ctx, planner_parts.short_sla_table(projections), PAGE, "erlang",
                          caption="Agents on shift round the clock so that 90 % of items start within the queue's SLA "
                                  "at no more than the assumed occupancy (Erlang C); FTE = agents x 168 h / paid hours "
                                  "/ (1 - shrinkage).")
    with st.expander("Measured baseline: per policy, queue and channel; human work per vendor site"):
        tables.show_table(ctx, segment_table(baseline), PAGE, "baseline",
                          caption="QA accuracy with its 95 % Wilson interval; appeal rate = appeals / actioned decisions.")
        tables.show_table(ctx, site_table(baseline), PAGE, "baseline-sites")
