"""Data source: where the numbers come from (password hidden), the dialect, and rows per contract table."""

import streamlit as st

import data
from connectors.engine import redact
from ui import frame, layout, tables
from ui.context import page_context
from ui.kpis import format_day

ctx = page_context()
frame.header(ctx, "Data source", "The database this dashboard reads (read-only) and the canonical tables "
             "of the data contract it maps to.", dated=False)

regional = ctx.data.scope.countries is not None  # where the data lives and its totals are not theirs

with layout.section("The data source"):
    source = data.get_source(ctx.data.url, ctx.data.config_path)
    as_of = f"{format_day(ctx.data_as_of)} {ctx.data_as_of:%H:%M} UTC" if ctx.data_as_of else "—"
    mapping = f"`{ctx.data.config_path}`" if ctx.data.config_path else "none (canonical names)"
    location = "shown to admins and global viewers" if regional else f"`{redact(ctx.data.url)}`"
    st.markdown(
        "| Setting | Value |\n|---|---|\n"
        f"| **Source** | {location} |\n"
        f"| **Dialect** | {source.dialect} |\n"
        f"| **Mapping config** | {'configured' if regional and ctx.data.config_path else mapping} |\n"
        f"| **Latest event** | {as_of}{' (in your markets)' if regional else ''} |"
    )

with layout.section("The row counts"):
    st.subheader("Contract tables", anchor=False)
    if regional:
        tables.show_table(ctx, data.row_counts_in_scope(ctx.data), "source", "row-counts",
                          labels={"rows": "Rows in your markets"},
                          caption="Rows of the tables that hold market data, in your markets only.")
    else:
        counts = data.row_counts(ctx.data.url, ctx.data.config_path)
        tables.show_table(ctx, counts, "source", "row-counts",
                          labels={"physical_name": "Physical table", "rows": "Rows"},
                          caption="Rows in each table of the whole source (not limited to your markets).")
