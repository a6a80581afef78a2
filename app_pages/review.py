"""Weekly review: the KPIs that moved beyond noise, why (drivers, waterfall, events), and what did not move."""

from dataclasses import replace

import streamlit as st

import data
from metrics.review import annotations_for, review_markdown, weeks_period
from ui import charts, frame, layout, review_parts, tables
from ui.context import ReportKpi, page_context

PAGE = "review"
STABLE_SLIDE = "Did not move"
COMPARISONS = {"Preceding period": None, "Last 3 weeks vs 3 before": 3, "Last 4 weeks vs 4 before": 4}

ctx = page_context()
st.sidebar.caption("Page filters")
comparison = st.sidebar.selectbox("Comparison", list(COMPARISONS), key="compare", bind="query-params")
weeks = COMPARISONS[comparison]
request = ctx.request if weeks is None else ctx.request.with_period(weeks_period(ctx.request.period.end, weeks))
if weeks:  # the header names the periods compared, not the date filter's
    ctx = replace(ctx, filters_line=ctx.filters_line.replace(
        f"{ctx.request.period.label()} vs {ctx.request.comparison.label()}",
        f"{request.period.label()} vs {request.comparison.label()}", 1))
frame.header(ctx, "Weekly review", "What moved beyond noise, what drove it, and what held steady. A KPI moved "
             "when its test is significant after Benjamini-Hochberg over all KPIs (false discovery rate 5 %).",
             {"comparison": (comparison,) if weeks else None})

review = layout.load("The review", data.cached_review, ctx.data, request, ctx.settings)
if review is not None:
    items = list(review.moved)
    show_stable = True
    if ctx.presentation:  # one KPI per slide, then what did not move
        slides = [i.metric.label for i in items] + [STABLE_SLIDE]
        slide = st.segmented_control("Slide", slides, default=slides[0], key="review-slide",
                                     label_visibility="collapsed") or slides[0]
        show_stable = slide == STABLE_SLIDE
        items = [i for i in items if i.metric.label == slide]
    if items or not ctx.presentation:
        st.subheader(f"What moved ({len(review.moved)})", anchor=False)
    if not items and not ctx.presentation:
        layout.empty_state("No KPI moved beyond noise in this period: see what held steady below.")
    for item in items:
        metric, total = item.metric, item.analysis.totals
        ctx.report.kpis.append(ReportKpi(metric.domain, metric.label, metric.display(total.value),
                                         metric.change_text(total.delta), "", "no_target"))
        with layout.section(metric.label), st.container(border=True):
            st.markdown(f"#### {metric.label}: {metric.display(total.previous)} → {metric.display(total.value)} "
                        f"({metric.change_text(total.delta)})")
            st.markdown(item.sentence)
            events = annotations_for(review, metric)
            if events:
                st.markdown("**Events near the period:** " + "; ".join(
                    f"{e['day']:%d %b}: {e['text']}" for e in events))
            frame = review_parts.waterfall_frame(item)
            chart = review_parts.waterfall_chart(frame, metric.label, metric.unit, metric.direction)
            charts.show_chart(ctx, chart, PAGE, f"waterfall-{metric.id}", title=f"{metric.label}: what moved it",
                              data=frame.drop("order"))
            if item.drivers:
                link = review_parts.driver_link(item, item.drivers[0], request.period)
                if link:
                    st.markdown(f"[{link[0]}]({link[1]})")
                tables.show_table(ctx, review_parts.drivers_table(item), PAGE, f"drivers-{metric.id}",
                                  caption="Largest contributions first; small segments (too little volume to "
                                          "test) last.")

    if show_stable:
        st.subheader(f"Did not move ({len(review.stable)})", anchor=False)
        tables.show_table(ctx, review_parts.stable_table(review), PAGE, "stable",
                          empty="Every KPI moved.", caption="Changes within noise (or without enough volume).")
    ctx.report.tables.insert(0, ("What moved and why", review_parts.moved_summary(review.moved)))
    markdown = ctx.audited_export(PAGE, "md", "review", None, lambda: review_markdown(review))
    st.download_button("Markdown", data=markdown, file_name=ctx.export_name(PAGE, "review", "md"),
                       mime="text/markdown", key="review-md", on_click="ignore", icon=":material/description:",
                       help="The review as Markdown, for a document or a chat.")
