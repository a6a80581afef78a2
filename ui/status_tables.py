"""The market-by-metric table with each cell coloured by its target status (the Overview's), and the
statuses the PDF report paints the same way."""

from __future__ import annotations

from typing import Mapping, Sequence

import polars as pl
import streamlit as st

from metrics.base import target_status
from metrics.targets import Settings
from ui import exports
from ui.context import PageContext
from ui.kpis import STATUS_FILLS
from ui.tables import column_kinds, column_label, fitted_height, metric_of, metrics_by_id, record_table


def status_frame(
    frame: pl.DataFrame, metric_ids: Sequence[str], settings: Settings, key: str = "country_code",
    row_targets: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Target status per cell ('on_target', 'off_target', ...) for each metric column, per market row.

    `row_targets` (key column plus metric id columns) holds targets that win over the configured ones where
    set, such as the contract targets of the vendor sites that served each market.
    """
    metrics = metrics_by_id()
    specific = {} if row_targets is None else {r[key]: r for r in row_targets.iter_rows(named=True)}
    rows = []
    for row in frame.select(key, *metric_ids).iter_rows(named=True):
        country = row[key]
        statuses = {}
        for m in metric_ids:
            target = specific.get(country, {}).get(m)
            if target is None:
                target = settings.target(metrics[m], country=country)
            statuses[m] = target_status(metrics[m], row[m], target)
        rows.append({key: country, **statuses})
    return pl.DataFrame(rows, schema={key: pl.String, **{m: pl.String for m in metric_ids}})


def status_styler(frame: pl.DataFrame, metric_ids: Sequence[str], statuses: pl.DataFrame):
    """A pandas Styler: each metric cell in its display format, filled by its target status."""
    metrics = metrics_by_id()
    table = frame.to_pandas()
    fills = statuses.to_pandas()

    def paint(column):  # type: ignore[no-untyped-def]
        if column.name not in metric_ids:
            return [""] * len(column)
        colours = [STATUS_FILLS.get(s, "") for s in fills[column.name]]
        return [f"background-color: {c}" if c else "" for c in colours]

    styler = table.style.apply(paint, axis=0)
    return styler.format(
        {m: (lambda v, m=m: metrics[m].display(None if v is None or v != v else v)) for m in metric_ids},
        na_rep="—",
    )


def show_status_table(
    ctx: PageContext,
    frame: pl.DataFrame,
    metric_ids: Sequence[str],
    page: str,
    what: str,
    *,
    leading: Sequence[str] = ("country_code", "region"),
    labels: Mapping[str, str] | None = None,
    caption: str | None = None,
    row_targets: pl.DataFrame | None = None,
) -> None:
    """Rows = markets (with country_code), a column per metric, each cell coloured by its target status
    (against `row_targets` where they are set, see status_frame)."""
    labels = dict(labels or {})
    present = [m for m in metric_ids if m in frame.columns]
    statuses = status_frame(frame, present, ctx.settings, row_targets=row_targets)
    shown = frame.select(*[c for c in leading if c in frame.columns], *present)
    config = {}
    for column in shown.columns:
        metric = metric_of(column)
        config[column] = st.column_config.Column(
            labels.get(column) or column_label(column), help=metric.definition if metric else None
        )
    st.dataframe(
        status_styler(shown, present, statuses),
        hide_index=True,
        column_config=config,
        key=f"table-{page}-{what}",
        height=fitted_height(shown.height, 640),
        placeholder="—",
    )
    export = frame.select(*dict.fromkeys(["country_code", *shown.columns]))
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        if caption:
            st.caption(caption)
        ratios = [m for m in present if metric_of(m).unit == "ratio"]
        exports.table_downloads(ctx, export, page, what, ratios, labels)
    record_table(ctx, what, shown, column_kinds(shown), labels, statuses=statuses)
