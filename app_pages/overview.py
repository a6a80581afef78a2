"""Overview: the four programs side by side, then a market-by-metric table coloured by target status."""

from types import ModuleType

import polars as pl
import streamlit as st

import data
from metrics import appeals, creators, escalations, mix, vendors
from metrics.base import KpiValue
from metrics.domain import domain_trend
from metrics.registry import get
from metrics.report import combined_breakdown
from metrics.vendor_scorecard import market_contract_targets
from ui import frame, kpis, layout, status_tables
from ui.context import page_context

ctx = page_context()
request = ctx.request
frame.header(ctx, "Overview", "Each card: the period's value, its change against the comparison period, "
             "the target status as colour (green on target, red off target, grey no target) and the trend "
             "over both periods.")

PROGRAMS = [  # column title, then (domain module, KPI ids) per block in that column
    ("Appeals", [(appeals, appeals.KPI_IDS)]),
    ("Vendor SLA & mix", [(vendors, vendors.KPI_IDS[:3]), (mix, mix.KPI_IDS[:1])]),
    ("Creator risk", [(creators, creators.KPI_IDS)]),
    ("Escalations", [(escalations, escalations.KPI_IDS)]),
]
MARKET_METRICS = [  # per program, the first two KPIs that have a target
    metric_id for module in (appeals, vendors, creators, escalations)
    for metric_id in [i for i in module.KPI_IDS if ctx.settings.target(get(i)) is not None][:2]
]


def program(module: ModuleType) -> tuple[list[KpiValue], pl.DataFrame | None]:
    """A program's KPIs and their daily trend (one chain of queries: both read the same daily spec)."""
    values = module.kpis(ctx.data, request, ctx.settings)
    return values, domain_trend(module, ctx.data, request, "day", ctx.settings) if values else None


pending = data.loads_in_parallel(
    {module: (lambda m=module: program(m)) for _, blocks in PROGRAMS for module, _ in blocks}
    | {"markets": lambda: combined_breakdown(ctx.data, request, "country_code", ctx.settings),
       "contracts": lambda: market_contract_targets(ctx.data, request)}
)
loaded = {
    module: layout.load(f"{title} KPIs", pending[module].result) or (None, None)
    for title, blocks in PROGRAMS for module, _ in blocks
}

if not any(kpis.has_data(values) for values, _ in loaded.values() if values):
    layout.empty_state(layout.no_data_message(ctx, "governance events"))
else:
    for column, (title, blocks) in zip(st.columns(4, gap="medium"), PROGRAMS):
        with column:
            st.subheader(title, anchor=False)
            for module, ids in blocks:
                values, trend = loaded[module]
                if values is not None:  # no sparklines on a slide: every program's cards fit one screen
                    kpis.kpi_stack(values, ids, request.period, None if ctx.presentation else trend,
                                   key=f"overview-{module.__name__}")

    st.subheader("Markets against targets", anchor=False)
    with layout.section("The market table"):
        by_market = pending["markets"].result()
        by_market = (
            ctx.markets.join(by_market, on="country_code", how="inner")
            .with_columns(market=pl.format("{} ({})", "country_name", "country_code"))
            .sort("region", "country_name")
        )
        status_tables.show_status_table(
            ctx, by_market, MARKET_METRICS, "overview", "markets", leading=("market", "region"),
            labels={m: get(m).header for m in MARKET_METRICS}, row_targets=pending["contracts"].result(),
            caption="Cells: green on target, red off target, no colour without a target or data. Vendor TAT "
                    "and AHT are judged against the contracts of the sites that served the market (weighted by "
                    "its cases there); other cells against the market's own target where the config sets one.",
        )
