"""The page PDF report: what it prints, how it shortens long tables, and text the core font cannot draw."""

from __future__ import annotations

import datetime as dt
import re

import altair as alt
import polars as pl

from ui.context import PageReport, ReportKpi
from ui.pdf import COLUMNS_PER_PART, STATUS_FILL, TABLE_ROWS, column_parts, latin1, page_pdf

NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.timezone.utc)


def pdf_text(document: bytes) -> str:
    """Every string drawn with Tj in an uncompressed PDF, joined by newlines."""
    strings = re.findall(rb"\((.*?)(?<!\\)\) Tj", document)
    return "\n".join(s.replace(rb"\(", b"(").replace(rb"\)", b")").replace(rb"\\", b"\\").decode("latin-1")
                     for s in strings)


def page_count(document: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", document))


def sample_report(table_rows: int = 3, table_columns: int = 2) -> PageReport:
    report = PageReport(title="Appeals", filters="9-15 Nov 2026 vs 2-8 Nov 2026 · DE, FR")
    report.kpis += [
        ReportKpi("Appeals", "Overturn rate", "20.5%", "+1.0 pp vs 2-8 Nov", "Target ≤ 15.0%", "off_target"),
        ReportKpi("Appeals", "Appeal backlog", "3,011", "-58 (-1.9%) vs 2-8 Nov", "", "no_target"),
    ]
    report.charts.append(("Overturn rate", alt.Chart(pl.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line()
                          .encode(x="x:Q", y="y:Q")))
    report.tables.append(("Records", pl.DataFrame(
        {f"Column {c}": [f"r{r}c{c}" for r in range(table_rows)] for c in range(table_columns)}
    )))
    return report


def build(report: PageReport, rendered: list[str] | None = None) -> bytes:
    def render(chart: alt.TopLevelMixin, title: str) -> bytes:
        import vl_convert

        (rendered if rendered is not None else []).append(title)
        return vl_convert.vegalite_to_png(chart.to_json())

    return page_pdf(report, "15 Nov 2026 23:59 UTC", "sea", render, now=NOW, compress=False)


def test_the_report_prints_title_filters_kpis_with_status_and_every_chart() -> None:
    rendered: list[str] = []
    document = build(sample_report(), rendered)
    assert document.startswith(b"%PDF-")
    text = pdf_text(document)
    for expected in ("Appeals", "9-15 Nov 2026 vs 2-8 Nov 2026 · DE, FR", "Data as of 15 Nov 2026 23:59 UTC",
                     "Overturn rate", "20.5%", "+1.0 pp vs 2-8 Nov", "Off target", "Appeal backlog", "No target",
                     "r2c1", "exported 22 Nov 2026 09:30 UTC by sea"):
        assert expected in text, expected
    assert "Target <= 15.0%" in text  # ≤ is not in the core font's Latin-1: transliterated, not dropped
    assert rendered == ["Overturn rate"]
    assert document.count(b"/Subtype /Image") == 1
    assert "the CSV and XLSX exports hold all of them" not in text  # a short table is printed whole


def test_a_long_table_is_cut_with_a_note_and_a_wide_one_keeps_every_column() -> None:
    rows, columns = TABLE_ROWS + 12, 2 * COLUMNS_PER_PART + 3  # 42 rows, 27 columns
    text = pdf_text(build(sample_report(rows, columns)))
    assert f"r{TABLE_ROWS - 1}c0" in text and f"r{TABLE_ROWS}c0" not in text
    assert all(f"r0c{c}" in text for c in range(columns))  # every column is printed
    # 27 columns in parts of 12: c0-c11, then c0 + c12-c22, then c0 + c23-c26, so c0 leads all three
    assert text.count("r0c0") == 3
    assert f"Showing the first {TABLE_ROWS} of {rows} rows" in text


def test_column_parts_repeat_the_first_column() -> None:
    columns = [f"c{i}" for i in range(25)]
    parts = column_parts(columns)
    assert [len(p) for p in parts] == [12, 12, 3]  # c0..c11 | c0 + c12..c22 | c0 + c23, c24
    assert all(p[0] == "c0" for p in parts)
    assert sorted({c for p in parts for c in p}) == sorted(columns)
    assert column_parts(columns[:12]) == [columns[:12]]


def fill_operators(document: bytes) -> set[tuple[float, float, float]]:
    """The RGB fill colours set in an uncompressed PDF (`r g b rg`), in 0-255."""
    found = re.findall(rb"([0-9.]+) ([0-9.]+) ([0-9.]+) rg", document)
    return {tuple(round(float(v) * 255) for v in rgb) for rgb in found}  # type: ignore[misc]


def test_a_status_table_keeps_its_colours() -> None:
    report = PageReport(title="Overview")
    report.tables.append(("Markets", pl.DataFrame({"Market": ["DE", "FR"], "AHT": ["230 s", "260 s"]})))
    plain = fill_operators(build(report))
    report.table_statuses["Markets"] = pl.DataFrame({"Market": [None, None], "AHT": ["on_target", "off_target"]},
                                                    schema={"Market": pl.String, "AHT": pl.String})
    coloured = build(report)
    assert STATUS_FILL["on_target"] in fill_operators(coloured) - plain
    assert STATUS_FILL["off_target"] in fill_operators(coloured) - plain
    assert "green on target, red off target" in pdf_text(coloured)


def test_many_rows_flow_onto_more_pages() -> None:
    report = sample_report()
    for index in range(4):
        report.tables.append((f"Table {index}", pl.DataFrame({"a": [str(i) for i in range(TABLE_ROWS)]})))
    # four 30-row tables at 4.2 mm a row are over 500 mm; an A4 landscape page holds about 180 mm
    assert page_count(build(report)) >= 4
    assert page_count(build(PageReport(title="Empty"))) == 1


def test_latin1_transliterates_symbols_and_replaces_the_rest() -> None:
    assert latin1("Target ≥ 90% — P0 → closed…") == "Target >= 90% - P0 -> closed..."
    assert latin1("Côte d’Ivoire · ±0.0 pp") == "Côte d'Ivoire · ±0.0 pp"
    assert latin1("東京") == "??"
