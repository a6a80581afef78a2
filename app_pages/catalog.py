"""Metric catalog: every registered metric with its definition, unit, direction and targets."""

import polars as pl
import streamlit as st

from metrics.registry import all_metrics
from metrics.report import DOMAIN_LABELS
from metrics import page_queries
from metrics.vendors import SITE_SEPARATOR
from ui import frame, layout, tables
from ui.context import page_context


ctx = page_context()
frame.header(ctx, "Metric catalog", "Every metric is declared once; the cards, charts, exports and the CLI "
             "read these definitions. The effective target is the config override where one is set, else "
             "the default.", dated=False)

catalog = pl.DataFrame(
    [
        {
            "program": DOMAIN_LABELS.get(m.domain, m.domain),
            "label": m.label,
            "id": m.id,
            "definition": m.definition,
            "unit": m.unit_format.name,
            "direction": m.direction_text,
            "default_target": m.display(m.target) if m.target is not None else "",
            "effective_target": m.display(t) if (t := ctx.settings.target(m)) is not None else "",
        }
        for m in all_metrics()
    ]
)
query = st.text_input("Search metrics", placeholder="e.g. overturn, SLA, P90, cost", key="catalog-search",
                      icon=":material/search:")
if query:
    needle = query.strip().lower()
    text = pl.concat_str("label", "id", "definition", "program", separator=" ").str.to_lowercase()
    catalog = catalog.filter(text.str.contains(needle, literal=True))
if catalog.is_empty():
    layout.empty_state(f"No metric matches '{query}'.")
else:
    tables.show_table(ctx, catalog, "catalog", "metrics", height=tables.fitted_height(catalog.height, 760),
                      labels={"label": "Metric", "id": "ID", "default_target": "Default target",
                              "effective_target": "Effective target"},
                      widths={"program": 110, "label": 190, "id": 200, "definition": 520, "unit": 90,
                              "direction": 130, "default_target": 90, "effective_target": 90},
                      caption=f"{catalog.height} metrics.")

settings = ctx.settings
if ctx.data.scope.countries is not None:  # a regional user reads the targets of their markets and sites only
    sites = [option.replace(SITE_SEPARATOR, "/") for option in page_queries.vendor_site_options(ctx.data)]
    settings = settings.within(ctx.markets["country_code"].to_list(), sites)
overrides = [
    {"scope": f"market {country}", "metric": metric_id, "target": value}
    for country, targets in settings.by_country.items() for metric_id, value in targets.items()
] + [
    {"scope": f"vendor site {site}", "metric": metric_id, "target": value}
    for site, targets in settings.by_site.items() for metric_id, value in targets.items()
]
if overrides:
    st.subheader("Market and vendor-site targets", anchor=False)
    tables.show_table(ctx, pl.DataFrame(overrides), "catalog", "target-overrides")
