"""DSA transparency: statements of reasons by platform, category, decision, automation, delay and
member state, and our automated share beside the platforms' (metrics in metrics/dsa.py)."""

import polars as pl
import streamlit as st

import data
from connectors.contract import DSA_TABLES
from metrics import dsa, dsa_report
from ui import charts, dsa_charts, filters, frame, layout, tables, view_charts
from ui.context import page_context

PAGE = "dsa"
ALL, IN_RANGE = "All imported statements", "Created in the selected date range"

ctx = page_context()
frame.header(ctx, "DSA transparency", "Statements of reasons from the EU DSA Transparency Database "
             "(imported with cli.py import-dsa), and how our automation compares.")
if not data.tables_present(ctx.data.url, ctx.data.config_path, DSA_TABLES):
    layout.empty_state("No DSA statements have been imported into this source yet. Load the Commission's "
                       "daily dumps with `python cli.py import-dsa FILE_OR_ZIP... --url URL`.")
    st.stop()
options = layout.load("The platforms", dsa.platforms, ctx.data) or []
platforms = filters.domain_filter("Platforms", "dsa_platforms", options)
scope = st.radio("Statements", (ALL, IN_RANGE), horizontal=True, key="dsa-range", bind="query-params")
selection = dsa.DsaFilter(ctx.request.period if scope == IN_RANGE else None, platforms)
overview = layout.load("Statements by platform", dsa.by_platform, ctx.data, selection)
if overview is not None and overview.is_empty():
    layout.empty_state("No statement meets these filters in your markets.")
elif overview is not None:
    with layout.section("Platforms"):
        st.subheader("Statements by platform", anchor=False)
        tables.show_table(ctx, overview, PAGE, "platforms", kinds={"share": "ratio", "fully_automated_share": "ratio",
                          "automated_detection_share": "ratio", "notice_share": "ratio"},
                          caption="A statement counts once however many member states it covers.")
    left, right = st.columns(2, gap="large")
    with left, layout.section("Automation"):
        st.subheader("Automated detection × automated decision", anchor=False)
        matrix = dsa.automation_matrix(ctx.data, selection).with_columns(dsa_charts.short_code("automated_decision"))
        tables.show_table(ctx, matrix.select("detection", "automated_decision", "statements", "share"), PAGE,
                          "automation", kinds={"share": "ratio"})
    with right, layout.section("Decision types"):
        st.subheader("Decisions by type", anchor=False)
        decisions = dsa.decision_types(ctx.data, selection).with_columns(dsa_charts.short_code("decision"))
        tables.show_table(ctx, decisions, PAGE, "decision-types",
                          caption="A statement can restrict visibility, money, the service and the account at once.")
    with layout.section("Peer comparison"):
        st.subheader("Automated share by EU market: ours beside the platforms'", anchor=False)
        peers = dsa.peer_comparison(ctx.data, selection, ctx.request.period)
        if peers.is_empty():
            layout.empty_state("None of your markets is an EU/EEA member state with our decisions in this period.")
        else:
            charts.show_chart(ctx, dsa_charts.peer_chart(peers), PAGE, "peers", title="Automated share by EU market",
                              data=peers, percent_columns=["automated_share"])
            st.caption(f"Ours: moderation cases decided {ctx.request.period.start:%d %b %Y}–"
                       f"{ctx.request.period.end:%d %b %Y} by the algorithm or the LLM reviewer. Platforms: "
                       "statements with AUTOMATED_DECISION_FULLY among those valid in the market.")
    dimension = st.segmented_control("Break down by", list(dsa.BREAKDOWNS), default="category",
                                     format_func=dsa.BREAKDOWNS.get, key="dsa-dimension") or "category"
    with layout.section("The breakdown"):
        frame = dsa.breakdown(ctx.data, selection, dimension).with_columns(dsa_charts.short_code(dimension))
        tables.show_table(ctx, frame, PAGE, f"by-{dimension}", kinds={"share": "ratio"},
                          caption="Share: of the platform's statements. Categories retired in 2025 are mapped "
                                  "onto the current ones (connectors/dsa_categories.csv).")
    content_column, states_column = st.columns([2, 3], gap="large")
    with content_column, layout.section("Content types"):
        st.subheader("Content types", anchor=False)
        content = dsa.list_values(ctx.data, selection, "content_type").with_columns(dsa_charts.short_code("value"))
        st.altair_chart(view_charts.bar_chart(content, "value", "statements", value_title="Statements"),
                        width="stretch")
    with states_column, layout.section("Member states"):
        st.subheader("Statements per member state of the territorial scope", anchor=False)
        states = dsa.by_member_state(ctx.data, selection)
        st.altair_chart(dsa_charts.member_state_chart(states), width="stretch")
        tables.show_table(ctx, states, PAGE, "member-states", kinds={"automated_share": "ratio"}, height=300,
                          caption=("Your markets only. " if ctx.data.scope.countries is not None else "")
                          + "A statement valid in several member states counts in each of them.")
    for column, (delay, (title, _)) in zip(st.columns(2, gap="large"), dsa.DELAYS.items()):
        with column, layout.section(title):
            st.subheader(title, anchor=False)
            st.altair_chart(dsa_charts.delay_chart(dsa.delay_distribution(ctx.data, selection, delay)), width="stretch")

with layout.section("Our transparency report"):
    st.subheader("Our transparency report beside a peer's", anchor=False)
    if not data.tables_present(ctx.data.url, ctx.data.config_path, ("dsa_report_indicators",)):
        layout.empty_state("No published report imported yet: `python cli.py import-dsa-report FILE.csv --url URL`.")
    else:
        markets = ctx.markets["country_code"].to_list()
        reports = dsa_report.within_markets(dsa_report.published(ctx.data), markets)
        services = sorted(set(reports["Service"].to_list()))
        peer = st.selectbox("Peer", services, key="dsa-peer", bind="query-params") if services else None
        try:
            ours = dsa_report.build_report(ctx.data, ctx.request, dsa_report.OUR_SERVICE)
        except ValueError as error:
            layout.empty_state(str(error))
        else:
            theirs = reports.filter(pl.col("Service") == peer)
            compared = dsa_report.side_by_side(ours, theirs)
            if not st.toggle("Every indicator the peer publishes", key="dsa-all-indicators"):
                compared = compared.filter(pl.col("value_ours").is_not_null())
            periods = ", ".join(sorted(set(theirs["Reporting period"].to_list()))) or "—"
            tables.show_table(ctx, compared, PAGE, "report",
                              labels={"value_ours": "Ours", "value_peer": peer or "Peer", "context_peer": "Peer's note"},
                              kinds={"value_ours": "number", "value_peer": "number"}, widths={"context_peer": "large"},
                              caption=f"Ours: {ctx.request.period.start:%d %b %Y}–{ctx.request.period.end:%d %b %Y}, "
                                      f"EU/EEA markets in your filter (cli.py dsa-report writes the same rows). "
                                      f"{peer or 'Peer'}: {periods}, as published.")
