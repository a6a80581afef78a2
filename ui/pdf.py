"""The PDF report of one page: title, filters, KPI cards as a table, every chart, the tables' first rows.

Built with fpdf2 from what the page showed in this run (ui.context.PageReport); charts are rendered
with vl-convert, so no browser is needed. The built-in Helvetica font covers Latin-1 only: other
characters are transliterated (≥ becomes >=) or replaced with '?'.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Callable, Sequence

import polars as pl
from fpdf import FPDF
from fpdf.fonts import FontFace

from ui.context import PageReport, ReportKpi

MARGIN_MM = 12.0
TABLE_ROWS = 30  # the PDF shows a table's first rows; the CSV/XLSX exports hold all of them
COLUMNS_PER_PART = 12  # a wider table continues in parts below, each repeating the first column
STATUS_TEXT = {"on_target": "On target", "off_target": "Off target", "no_target": "No target", "no_data": "No data"}
STATUS_FILL = {"on_target": (230, 244, 234), "off_target": (252, 232, 230)}
HEADER_FILL = (241, 243, 244)
GREY = (95, 99, 104)
LATIN1_FALLBACKS = {"≥": ">=", "≤": "<=", "—": "-", "–": "-", "→": "->", "…": "...", "’": "'", "‘": "'",
                    "“": '"', "”": '"', "•": "·", "\u2009": " ", "\u202f": " "}


def latin1(text: str) -> str:
    """Text the PDF core fonts can draw: known symbols transliterated, anything else as '?'."""
    for symbol, plain in LATIN1_FALLBACKS.items():
        text = text.replace(symbol, plain)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def table_rows(frame: pl.DataFrame) -> list[list[str]]:
    """Header plus the first TABLE_ROWS rows of every column, as Latin-1 text."""
    shown = frame.head(TABLE_ROWS)
    rows = [[latin1(c) for c in shown.columns]]
    rows += [[latin1("-" if v is None else str(v)) for v in record] for record in shown.iter_rows()]
    return rows


def column_parts(columns: Sequence[str]) -> list[list[str]]:
    """The columns in parts of at most COLUMNS_PER_PART, each part after the first led by the first column
    (the row's name), so every column is printed and each row can still be read across."""
    if len(columns) <= COLUMNS_PER_PART:
        return [list(columns)]
    first, rest = columns[0], list(columns[1:])
    step = COLUMNS_PER_PART - 1
    return [[first, *rest[i:i + step]] for i in range(0, len(rest), step)]


class ReportPdf(FPDF):
    """A4 landscape pages with the report title and a page number in the footer."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.footer_text = latin1(footer_text)
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM + 4)

    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font("Helvetica", size=7)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text} · page {self.page_no()}/{{nb}}", align="R")


def _heading(pdf: ReportPdf, text: str, size: float = 12) -> None:
    pdf.set_font("Helvetica", style="B", size=size)
    pdf.set_text_color(32, 33, 36)
    pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _kpi_table(pdf: ReportPdf, kpis: Sequence[ReportKpi]) -> None:
    _heading(pdf, "KPIs")
    pdf.set_font("Helvetica", size=8.5)
    heading = FontFace(emphasis="BOLD", fill_color=HEADER_FILL)
    with pdf.table(col_widths=(30, 52, 26, 70, 40, 24), headings_style=heading, line_height=5.5,
                   text_align=("LEFT", "LEFT", "RIGHT", "LEFT", "LEFT", "LEFT")) as table:
        table.row(["Program", "Metric", "Value", "Change", "Target", "Status"])
        for kpi in kpis:
            row = table.row()
            for text in (kpi.program, kpi.label, kpi.value, kpi.change, kpi.target):
                row.cell(latin1(text))
            row.cell(STATUS_TEXT.get(kpi.status, kpi.status), style=FontFace(fill_color=STATUS_FILL.get(kpi.status)))
    pdf.ln(4)


def _chart(pdf: ReportPdf, png: bytes) -> None:
    from PIL import Image

    width_px, height_px = Image.open(io.BytesIO(png)).size
    width = min(pdf.epw, 200.0)
    height = width * height_px / width_px
    usable = pdf.eph - 4
    if height > usable:  # a tall chart is shrunk to one page
        width, height = width * usable / height, usable
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
    pdf.ln(4)


def _table(pdf: ReportPdf, title: str, frame: pl.DataFrame, statuses: pl.DataFrame | None = None) -> None:
    if pdf.get_y() > pdf.h - pdf.b_margin - 30:
        pdf.add_page()
    _heading(pdf, title, size=10)
    pdf.set_font("Helvetica", size=7)
    for part in column_parts(frame.columns):
        rows = table_rows(frame.select(part))
        fills = None if statuses is None else statuses.select(part).head(TABLE_ROWS).rows()
        with pdf.table(headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL), line_height=4.2,
                       text_align="LEFT") as table:
            table.row(rows[0])
            for index, cells in enumerate(rows[1:]):
                row = table.row()
                for position, text in enumerate(cells):
                    fill = STATUS_FILL.get(fills[index][position]) if fills else None
                    row.cell(text, style=FontFace(fill_color=fill) if fill else None)
        pdf.ln(2)
    if frame.height > TABLE_ROWS:
        pdf.set_font("Helvetica", size=7)
        pdf.set_text_color(*GREY)
        pdf.cell(0, 5, f"Showing the first {TABLE_ROWS} of {frame.height:,} rows; the CSV and XLSX exports hold "
                 "all of them.", new_x="LMARGIN", new_y="NEXT")
    if statuses is not None:
        pdf.set_font("Helvetica", size=7)
        pdf.set_text_color(*GREY)
        pdf.cell(0, 5, "Cells: green on target, red off target, no colour without a target or data.",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def page_pdf(
    report: PageReport,
    data_as_of: str,
    exported_by: str,
    render_chart: Callable[[Any, str], bytes],
    now: dt.datetime | None = None,
    compress: bool = True,
) -> bytes:
    """The page as a PDF (tables arrive formatted as text). render_chart(chart, title) returns a PNG (exports.png_bytes in the app)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    footer = f"Governance dashboard · {report.title} · exported {now:%d %b %Y %H:%M} UTC by {exported_by}"
    pdf = ReportPdf(footer)
    pdf.set_compression(compress)
    pdf.set_title(latin1(f"{report.title} - governance dashboard"))
    pdf.add_page()
    _heading(pdf, report.title, size=18)
    pdf.set_font("Helvetica", size=9.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 5, latin1(f"{report.filters}\nData as of {data_as_of}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if report.kpis:
        _kpi_table(pdf, report.kpis)
    for title, chart in report.charts:
        _chart(pdf, render_chart(chart, title))
    for title, frame in report.tables:
        _table(pdf, title, frame, report.table_statuses.get(title))
    return bytes(pdf.output())
