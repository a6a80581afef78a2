"""CSV / XLSX of tables and PNG of charts, generated only when a download button is clicked."""

from __future__ import annotations

import io
import re
from typing import Any, Callable, Iterable, Mapping, Sequence

import altair as alt
import polars as pl
import streamlit as st

from ui.context import PageContext

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG_MIME = "image/png"
PDF_MIME = "application/pdf"


def exportable(frame: pl.DataFrame) -> pl.DataFrame:
    """Flatten what CSV cannot hold: list columns become '; '-joined text, structs become JSON."""
    fixes = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            fixes.append(pl.col(name).cast(pl.List(pl.String)).list.join("; ").alias(name))
        elif isinstance(dtype, pl.Struct):
            fixes.append(pl.col(name).struct.json_encode().alias(name))
        elif isinstance(dtype, pl.Object):  # in this thread: a Polars callback would need the GIL (issue 9)
            fixes.append(pl.Series(name, [str(value) for value in frame[name].to_list()], dtype=pl.String))
    return frame.with_columns(fixes) if fixes else frame


def header_labels(columns: Sequence[str], labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """Column -> the header a PM reads ("Overturn rate", not overturn_rate), each unique."""
    from ui.tables import column_label  # ui.tables imports this module

    headers: dict[str, str] = {}
    for column in columns:
        label = (labels or {}).get(column) or column_label(column)
        headers[column] = label if label not in headers.values() else f"{label} ({column})"
    return headers


def for_export(frame: pl.DataFrame, labels: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The frame as a file holds it: flattened, floats rounded to 4 decimals (a ratio 0.0409 is
    4.09 %), headers labelled."""
    flat = exportable(frame)
    floats = [c for c, dtype in flat.schema.items() if dtype.is_float()]
    return flat.with_columns(pl.col(floats).round(4)).rename(header_labels(flat.columns, labels))


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a header row (timestamps ISO 8601, UTC)."""
    return exportable(frame).write_csv().encode("utf-8")


def xlsx_bytes(frame: pl.DataFrame, percent_columns: Sequence[str] = (), sheet: str = "data") -> bytes:
    """The frame as an .xlsx workbook; ratio columns formatted as percentages."""
    buffer = io.BytesIO()
    flat = exportable(frame)
    formats = {c: "0.0%" for c in percent_columns if c in flat.columns}
    flat.write_excel(
        buffer,
        worksheet=sheet[:31],
        column_formats=formats or None,
        dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm:ss", pl.Date: "yyyy-mm-dd"},
        autofit=True,
        float_precision=4,
    )
    return buffer.getvalue()


PNG_WIDTH = 760


def png_bytes(
    chart: alt.TopLevelMixin, scale: float = 2.0, title: str | None = None,
    subtitle: str | Sequence[str] | None = None,
) -> bytes:
    """The chart rendered to PNG with vl-convert (no browser needed), titled for a slide; a list of
    subtitle lines prints one under the other (the filters, then each annotation)."""
    import vl_convert

    props: dict = {}
    if getattr(chart, "width", alt.Undefined) is alt.Undefined:
        props["width"] = PNG_WIDTH
    if title:
        props["title"] = alt.TitleParams(text=title, subtitle=subtitle or "", anchor="start", fontSize=16,
                                         subtitleColor="#5f6368")
    exported = chart.properties(**props) if props else chart
    return vl_convert.vegalite_to_png(exported.to_json(), scale=scale)


def _button(label: str, data: Callable[[], bytes], name: str, mime: str, key: str, icon: str) -> None:
    st.download_button(
        label, data=data, file_name=name, mime=mime, key=key, on_click="ignore", icon=icon, type="tertiary"
    )


def table_downloads(
    ctx: PageContext, frame: pl.DataFrame, page: str, what: str, percent_columns: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
) -> None:
    """CSV and XLSX buttons for one table (the data is built only when clicked), with labelled headers."""
    headers = header_labels(frame.columns, labels)
    percent_columns = [headers[c] for c in percent_columns if c in headers]
    frame = for_export(frame, labels)
    with st.container(horizontal=True, gap="small", key=f"dl-{page}-{what}"):
        _button("CSV", ctx.audited_export(page, "csv", what, frame.height, lambda: csv_bytes(frame)),
                ctx.export_name(page, what, "csv"), CSV_MIME, f"csv-{page}-{what}", ":material/download:")
        _button("XLSX", ctx.audited_export(page, "xlsx", what, frame.height,
                                           lambda: xlsx_bytes(frame, percent_columns, what)),
                ctx.export_name(page, what, "xlsx"), XLSX_MIME, f"xlsx-{page}-{what}", ":material/table_view:")


def chart_download(
    ctx: PageContext, chart: alt.TopLevelMixin, page: str, what: str, title: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    """A PNG button for one chart (rendered with vl-convert only when clicked), titled with the filters.

    The chart also goes into this run's PDF report.
    """
    ctx.report.charts.append((title or what.replace("-", " ").capitalize(), chart))
    _button("PNG", ctx.audited_export(page, "png", what, None,
                                      lambda: png_bytes(chart, title=title, subtitle=[ctx.filters_line, *notes])),
            ctx.export_name(page, what, "png"), PNG_MIME, f"png-{page}-{what}", ":material/image:")


def page_pdf_bytes(ctx: PageContext) -> bytes:
    """This run's page as a PDF report (KPIs, charts rendered with vl-convert, first rows of tables)."""
    from ui.kpis import as_of_text as data_as_of_text
    from ui.pdf import page_pdf

    as_of = ctx.data_as_of
    as_of_text = data_as_of_text(as_of)
    return page_pdf(ctx.report, as_of_text, ctx.username,
                    lambda chart, title: png_bytes(chart, title=title, subtitle=ctx.filters_line))


def page_pdf_download(ctx: PageContext) -> None:
    """Fill the header slot with a PDF button once the page has run (built only when clicked)."""
    report = ctx.report
    if report.slot is None or report.is_empty:
        return
    page = re.sub(r"[^a-z0-9]+", "-", report.title.lower()).strip("-") or "page"
    with report.slot.container(horizontal_alignment="right"):
        build = ctx.audited_export(page, "pdf", "report", None, lambda: page_pdf_bytes(ctx))
        st.download_button("PDF", data=build, file_name=ctx.export_name(page, "report", "pdf"),
                           mime=PDF_MIME, key="pdf-report", on_click="ignore", icon=":material/picture_as_pdf:",
                           help="The page as a PDF: KPIs, charts and the first rows of each table.")


def all_records_csv(chunks: Iterable[pl.DataFrame], cap: int, labels: Mapping[str, str] | None = None) -> bytes:
    """One CSV written chunk by chunk; when the cap binds, a last line says so."""
    buffer = io.BytesIO()
    rows = 0
    for chunk in chunks:
        buffer.write(for_export(chunk, labels).write_csv(include_header=rows == 0).encode("utf-8"))
        rows += chunk.height
    if rows >= cap:
        buffer.write(f'"Export stopped at the cap of {cap:,} rows: narrow the filters for the rest."\n'.encode())
    return buffer.getvalue()


def all_records_download(ctx: PageContext, page: str, drilldown: Callable[[Any], pl.DataFrame]) -> None:
    """'Export all records': every record matching the filters and the user's scope, streamed from the
    database in chunks (built only when clicked), up to the configured cap."""
    import data

    cap = data.EXPORT_ALL_CAP
    build = ctx.audited_export(page, "csv", "all records", None,
                               lambda: all_records_csv(data.all_records(ctx.data, drilldown, cap), cap))
    st.download_button("Export all records", data=build, file_name=ctx.export_name(page, "all-records", "csv"),
                       mime=CSV_MIME, key=f"all-records-{page}", on_click="ignore", icon=":material/dataset:",
                       type="tertiary", help=f"Every record matching the filters, up to {cap:,} rows (CSV).")

