"""Data source: where the numbers come from (password hidden), the dialect, and rows per contract table."""

import streamlit as st

import data
from connectors.engine import redact
from ui import layout, tables
from ui.context import page_context
from ui.kpis import format_day

ctx = page_context()
layout.header(ctx, "Data source", "The database this dashboard reads (read-only) and the canonical tables "
              "of the data contract it maps to.", dated=False)

with layout.section("The data source"):
    source = data.get_source(ctx.data.url, ctx.data.config_path)
    as_of = f"{format_day(ctx.data_as_of)} {ctx.data_as_of:%H:%M} UTC" if ctx.data_as_of else "—"
    mapping = f"`{ctx.data.config_path}`" if ctx.data.config_path else "none (canonical names)"
    st.markdown(
        "| Setting | Value |\n|---|---|\n"
        f"| **Source** | `{redact(ctx.data.url)}` |\n"
        f"| **Dialect** | {source.dialect} |\n"
        f"| **Mapping config** | {mapping} |\n"
        f"| **Latest event** | {as_of} |"
    )

with layout.section("The row counts"):
    st.subheader("Contract tables", anchor=False)
    counts = data.row_counts(ctx.data.url, ctx.data.config_path)
    tables.show_table(ctx, counts, "source", "row-counts",
                      labels={"physical_name": "Physical table", "rows": "Rows"},
                      caption="Rows in each table of the whole source (not limited to your markets).")
