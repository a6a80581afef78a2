"""Tables: readable column names and number formats, CSV/XLSX export, the PDF copy of each table.

The market-by-metric table coloured by target status is in ui/status_tables.py."""

from __future__ import annotations

from typing import Literal, Mapping, Sequence

import polars as pl
import streamlit as st

from metrics.registry import MetricDef, all_metrics, hours_text
from ui import exports
from ui.context import PageContext

Kind = Literal[
    "ratio", "ratio_delta", "ratio_change", "hours", "seconds", "usd", "count", "number", "datetime", "date",
    "text", "bool",
]

WORDS: dict[str, str] = {
    "tat": "TAT", "aht": "AHT", "qa": "QA", "id": "ID", "sla": "SLA", "gmv": "GMV", "usd": "USD",
    "p50": "P50", "p90": "P90", "tta": "TTA", "ttc": "TTC", "ttr": "TTR", "llm": "LLM", "p0": "P0",
    "pp": "pp", "z": "z", "vs": "vs", "1k": "1k",
}
LABELS: dict[str, str] = {
    "country_code": "Market",
    "country_name": "Market name",
    "vendor_site": "Vendor site",
    "is_reappeal": "Re-appeal",
    "within_sla": "Within SLA",
    "tat_hours": "TAT (h)",
    "age_hours": "Age (h)",
    "handle_seconds": "Handling (s)",
    "sla_hours": "SLA (h)",
    "cost_usd": "Cost",
    "gmv_30d_usd": "GMV 30d",
    "gmv_usd": "GMV",
    "share_of_previous_stage": "Of previous stage",
    "ratio_to_baseline": "× baseline",
    "baseline_median": "Baseline (median)",
    "z": "Robust z",
    "past_target": "Past target",
    "recurrence_of": "Recurs",
    "qa_agree": "QA agree",
    "qa_sampled": "QA sampled",
}
RATIO_WORDS = ("rate", "share", "adherence", "accuracy")
UNIT_KINDS: dict[str, Kind] = {
    "ratio": "ratio", "hours": "hours", "seconds": "seconds", "usd": "usd", "count": "count",
}


def metrics_by_id() -> dict[str, MetricDef]:
    return {m.id: m for m in all_metrics()}


def metric_of(column: str) -> MetricDef | None:
    """The registered metric a column holds: '<id>' or '<id>.previous'."""
    return metrics_by_id().get(column.removesuffix(".previous"))


def column_label(column: str) -> str:
    """A readable header: metric labels from the registry, known names, else 'Snake case' words."""
    metric = metric_of(column)
    if metric is not None:
        return metric.label + (" (prev.)" if column.endswith(".previous") else "")
    if column in LABELS:
        return LABELS[column]
    previous = column.endswith("_previous") or column.startswith("previous_")
    core = column.removesuffix("_previous").removeprefix("previous_")
    target = ""
    for ending, word in (("_target", " target"), ("_met", " met")):
        if core.endswith(ending):
            core, target = core.removesuffix(ending), word
    suffix = ""
    for ending, unit in (("_hours", " (h)"), ("_seconds", " (s)"), ("_usd", "")):
        if core.endswith(ending):
            core, suffix = core.removesuffix(ending), unit
    words = [WORDS.get(w, w) for w in core.split("_") if w]
    text = " ".join(words)
    text = text[:1].upper() + text[1:]
    return text + target + suffix + (" (prev.)" if previous else "")


def column_kind(column: str, dtype: pl.DataType) -> Kind:
    """How a column is formatted, from the registry unit or the column name and type."""
    if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Date:
        return "date"
    if dtype == pl.Boolean:
        return "bool"
    if not dtype.is_numeric():
        return "text"
    metric = metric_of(column)
    if metric is not None:
        return UNIT_KINDS.get(metric.unit, "number")
    core = column.removesuffix("_previous").removeprefix("previous_").removesuffix("_target")
    last = core.rsplit("_", 1)[-1]
    if core.endswith("_id") or core == "id":
        return "text"
    if last == "change":  # a relative change: signed, so a rise and a fall read differently
        return "ratio_change"
    if last in RATIO_WORDS or core.startswith("share"):
        return "ratio"
    if last == "hours":
        return "hours"
    if last == "seconds":
        return "seconds"
    if "usd" in core or core.startswith("cost"):
        return "usd"
    if dtype.is_integer():
        return "count"
    return "number"


def column_kinds(frame: pl.DataFrame, overrides: Mapping[str, Kind] | None = None) -> dict[str, Kind]:
    kinds = {name: column_kind(name, dtype) for name, dtype in frame.schema.items()}
    kinds.update({k: v for k, v in (overrides or {}).items() if k in kinds})
    return kinds


def _smallest(series: pl.Series) -> float | None:
    values = series.drop_nulls().abs()
    values = values.filter(values > 0)
    return None if values.is_empty() else float(values.min())


def _usd_format(series: pl.Series) -> str:
    """Dollars with cents; four decimals when some values are fractions of a cent-ish (e.g. algo decisions)."""
    smallest = _smallest(series)
    return "$%.4f" if smallest is not None and smallest < 0.1 else "dollar"


def has_sub_hour(series: pl.Series) -> bool:
    """True when an hours column holds a value below one hour (shown as seconds or minutes)."""
    smallest = _smallest(series)
    return smallest is not None and smallest < 1


def hours_text_expr(column: str) -> pl.Expr:
    """hours_text as a Polars expression: '36 s', '12 min', '4.5 h' (nulls stay null)."""
    value = pl.col(column).cast(pl.Float64)
    seconds, minutes = (value * 3600).round(0), (value * 60).round(0)
    return (
        pl.when(seconds.abs() < 60).then(pl.format("{} s", seconds.cast(pl.Int64)))
        .when(minutes.abs() < 60).then(pl.format("{} min", minutes.cast(pl.Int64)))
        .otherwise(pl.format("{} h", value.round(1)))
        .alias(column)
    )


def display_frame(frame: pl.DataFrame, kinds: Mapping[str, Kind]) -> pl.DataFrame:
    """What st.dataframe shows: ratios as percent numbers, lists joined, ids as text, sub-hour durations
    as seconds or minutes."""
    fixes = []
    for name, kind in kinds.items():
        dtype = frame.schema[name]
        if kind == "hours" and has_sub_hour(frame[name]):
            fixes.append(hours_text_expr(name))
        elif kind in ("ratio", "ratio_delta", "ratio_change"):
            fixes.append((pl.col(name) * 100).alias(name))
        elif isinstance(dtype, pl.List):
            fixes.append(pl.col(name).cast(pl.List(pl.String)).list.join(", ").alias(name))
        elif kind == "text" and dtype.is_numeric():
            fixes.append(pl.col(name).cast(pl.String).alias(name))
    return frame.with_columns(fixes) if fixes else frame


def column_config(
    frame: pl.DataFrame,
    kinds: Mapping[str, Kind],
    labels: Mapping[str, str] | None = None,
    widths: Mapping[str, str | int] | None = None,
) -> dict:
    """st.column_config per column: label, number format and width."""
    labels = labels or {}
    config: dict = {}
    for name, kind in kinds.items():
        label = labels.get(name) or column_label(name)
        help_text = None
        metric = metric_of(name)
        if metric is not None:
            help_text = metric.definition
        if kind == "ratio":
            config[name] = st.column_config.NumberColumn(label, format="%.1f%%", help=help_text)
        elif kind == "ratio_delta":
            config[name] = st.column_config.NumberColumn(label, format="%+.1f pp", help=help_text)
        elif kind == "ratio_change":
            config[name] = st.column_config.NumberColumn(label, format="%+.1f%%", help=help_text)
        elif kind == "hours" and has_sub_hour(frame[name]):  # each cell names its unit
            config[name] = st.column_config.TextColumn(label.removesuffix(" (h)"), help=help_text)
        elif kind == "hours":
            config[name] = st.column_config.NumberColumn(label, format="%.1f h", help=help_text)
        elif kind == "seconds":
            config[name] = st.column_config.NumberColumn(label, format="%.0f s", help=help_text)
        elif kind == "usd":
            usd = _usd_format(frame[name])
            config[name] = st.column_config.NumberColumn(label, format=usd, help=help_text)
        elif kind == "count":
            config[name] = st.column_config.NumberColumn(label, format="localized", help=help_text)
        elif kind == "number":
            config[name] = st.column_config.NumberColumn(label, format="%.2f", help=help_text)
        elif kind == "datetime":
            config[name] = st.column_config.DatetimeColumn(label, format="D MMM YYYY, HH:mm")
        elif kind == "date":
            config[name] = st.column_config.DateColumn(label, format="D MMM YYYY")
        elif kind == "bool":
            config[name] = st.column_config.CheckboxColumn(label)
        else:
            config[name] = st.column_config.TextColumn(label)
    for name, width in (widths or {}).items():
        if name in config:
            config[name]["width"] = width
    return config


def fitted_height(rows: int, most: int) -> int:
    """The pixel height that shows `rows` rows and the header without a scrollbar, up to `most`."""
    return min(38 + 35 * rows, most)


def show_table(
    ctx: PageContext,
    frame: pl.DataFrame,
    page: str,
    what: str,
    *,
    kinds: Mapping[str, Kind] | None = None,
    labels: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
    widths: Mapping[str, str | int] | None = None,
    caption: str | None = None,
    height: int | str = "auto",
    empty: str = "No rows for these filters.",
    selectable: bool = False,
) -> int | None:
    """A formatted table with its CSV and XLSX downloads (the export holds the raw values).

    selectable=True lets the user pick one row; the index of the picked row (in `frame`) is returned.
    """
    shown = frame.select(columns) if columns else frame
    if shown.is_empty():
        st.caption(empty)
        return None
    resolved = column_kinds(shown, kinds)
    selection = st.dataframe(
        display_frame(shown, resolved),
        column_config=column_config(shown, resolved, labels, widths),
        hide_index=True,
        height=height,
        key=f"table-{page}-{what}",
        placeholder="—",
        **({"on_select": "rerun", "selection_mode": "single-row"} if selectable else {}),
    )
    footer = st.container(horizontal=True, vertical_alignment="center", gap="small")
    with footer:
        if caption:
            st.caption(caption)
        ratios = [c for c, k in resolved.items() if k in ("ratio", "ratio_change")]
        exports.table_downloads(ctx, shown, page, what, ratios, labels)
    record_table(ctx, what, shown, resolved, labels)
    return selected_row(selection) if selectable else None


def selected_row(selection: object) -> int | None:
    """The index of the row picked in a selectable st.dataframe, or None."""
    rows = getattr(getattr(selection, "selection", None), "rows", None) or []
    return int(rows[0]) if rows else None


def cell_text(value: object, kind: Kind, metric: MetricDef | None = None) -> str:
    """One cell as the PDF report prints it: the metric's own format, else by the column kind."""
    if value is None:
        return "-"
    if metric is not None and isinstance(value, (int, float)):
        return metric.display(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and kind != "text":  # numeric IDs stay as they are
        number = float(value)
        formats = {
            "ratio": lambda: f"{number:.1%}",
            "ratio_delta": lambda: f"{number * 100:+.1f} pp",
            "ratio_change": lambda: f"{number:+.1%}",
            "hours": lambda: hours_text(number),
            "seconds": lambda: f"{number:,.0f} s",
            "usd": lambda: f"${number:,.0f}" if abs(number) >= 100 or number == 0 else f"${number:,.2f}",
            "count": lambda: f"{number:,.0f}",
        }
        return formats.get(kind, lambda: f"{number:,.2f}")()
    if kind == "datetime" and hasattr(value, "strftime"):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)


def text_frame(frame: pl.DataFrame, kinds: Mapping[str, Kind], labels: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The table as formatted text with readable, unique headers (for the PDF report)."""
    headers = {c: (labels or {}).get(c) or column_label(c) for c in frame.columns}
    headers = {c: h if list(headers.values()).count(h) == 1 else c for c, h in headers.items()}
    return pl.DataFrame({
        headers[c]: [cell_text(v, kinds.get(c, "text"), metric_of(c)) for v in frame.get_column(c).to_list()]
        for c in frame.columns
    }, schema={headers[c]: pl.String for c in frame.columns})


def record_table(
    ctx: PageContext,
    what: str,
    frame: pl.DataFrame,
    kinds: Mapping[str, Kind],
    labels: Mapping[str, str] | None = None,
    statuses: pl.DataFrame | None = None,
) -> None:
    """Add the table, formatted as shown, to this run's PDF report (with each metric cell's target status,
    row for row, when `statuses` is given)."""
    title = what.replace("-", " ").capitalize()
    text = text_frame(frame, kinds, labels)
    ctx.report.tables.append((title, text))
    if statuses is not None:
        ctx.report.table_statuses[title] = pl.DataFrame(
            [statuses[c] if c in statuses.columns else pl.Series(c, [None] * frame.height, pl.String)
             for c in frame.columns]
        ).rename(dict(zip(frame.columns, text.columns)))


def drilldown_caption(match: Mapping[str, str] | None, what: str, limit: int = 100) -> str:
    """'Newest first, limited to 100 rows' and the clicked breakdown key, if any."""
    text = f"Record-level {what}, newest first, limited to {limit} rows."
    if match:
        keys = ", ".join(f"{column_label(k)} = {v}" for k, v in match.items())
        text += f" Narrowed to {keys} (clicked in the breakdown)."
    return text
