"""Scheduled report documents without a browser: Markdown, CSV of a table, and a PDF (fpdf2).

The weekly review comes from metrics.review (its Markdown is the one `cli.py review --format md`
prints); the overview is every registered KPI from metrics.report; a domain page is its KPI cards and
its KPIs by market.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import polars as pl
from fpdf import FPDF

from metrics import appeals, creators, escalations, mix, registry, vendors
from metrics.base import DataAccess, KpiValue, MetricRequest
from metrics.domain import DomainModule, domain_breakdown
from metrics.report import DOMAIN_LABELS, all_kpis, clean_number
from metrics.review import Review, build_review, review_markdown, segment_label
from metrics.targets import Settings

# The domain pages a report can render: the modules whose KPI cards the page shows, and its title.
REPORT_PAGE_MODULES: dict[str, tuple[DomainModule, ...]] = {
    "appeals": (appeals,), "vendors": (vendors, mix), "creators": (creators,), "escalations": (escalations,)}
REPORT_PAGE_TITLES = {"appeals": "Appeals", "vendors": "Vendors & moderation mix", "creators": "Creator risk",
                      "escalations": "Escalations"}
PLAIN = {"→": "->", "—": "-", "–": "-", "≥": ">=", "≤": "<=", "…": "...", "’": "'", "\u2009": " ", "\u202f": " "}


@dataclass(frozen=True)
class Rendered:
    title: str
    summary: str  # a few lines for the message body
    markdown: str
    table: pl.DataFrame  # what the CSV holds


Renderer = Callable[[DataAccess, MetricRequest, Settings, tuple[str, ...]], Rendered]


def _markets(request: MetricRequest) -> str:
    return ", ".join(request.countries) if request.countries else "all markets"


def render_review(data: DataAccess, request: MetricRequest, settings: Settings, metric_ids: tuple[str, ...]) -> Rendered:
    review = build_review(data, request, settings, metric_ids or None)
    title = f"Weekly review: {request.period.label()} vs {request.comparison.label()}"
    moved = [item.sentence for item in review.moved[:5]]
    summary = "\n".join([f"Markets: {_markets(request)}", "", "What moved:" if moved else "No KPI moved beyond noise.",
                         *(f"- {sentence}" for sentence in moved)])
    return Rendered(title, summary, review_markdown(review), _review_table(review))


def _review_table(review: Review) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for item in review.moved:
        total = item.analysis.totals
        base = {"metric": item.metric.id, "label": item.metric.label, "value": clean_number(total.value),
                "previous": clean_number(total.previous), "delta": clean_number(total.delta), "moved": True}
        rows += [{**base, "driver": segment_label(d), "contribution": clean_number(d.contribution)}
                 for d in item.drivers] or [{**base, "driver": None, "contribution": None}]
    for metric in review.stable:
        value, previous = review.stable_values[metric.id]
        delta = None if value is None or previous is None else value - previous
        rows.append({"metric": metric.id, "label": metric.label, "value": clean_number(value),
                     "previous": clean_number(previous), "delta": clean_number(delta), "moved": False,
                     "driver": None, "contribution": None})
    schema = {"metric": pl.String, "label": pl.String, "value": pl.Float64, "previous": pl.Float64,
              "delta": pl.Float64, "moved": pl.Boolean, "driver": pl.String, "contribution": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _kpi_frame(kpis: Sequence[KpiValue]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"program": DOMAIN_LABELS[k.metric.domain], "metric": k.metric.id, "label": k.metric.label,
          "value": clean_number(k.value), "previous": clean_number(k.previous), "delta": clean_number(k.delta),
          "target": clean_number(k.target), "status": k.status} for k in kpis],
        schema={"program": pl.String, "metric": pl.String, "label": pl.String, "value": pl.Float64,
                "previous": pl.Float64, "delta": pl.Float64, "target": pl.Float64, "status": pl.String}, orient="row")


def _kpi_lines(kpis: Sequence[KpiValue]) -> list[str]:
    lines = ["| Program | Metric | Value | Previous | Change | Target | Status |", "|---|---|---:|---:|---:|---:|---|"]
    return lines + [
        f"| {DOMAIN_LABELS[k.metric.domain]} | {k.metric.label} | {k.metric.display(k.value)} | "
        f"{k.metric.display(k.previous)} | {k.metric.change_text(k.delta)} | "
        f"{k.metric.display(k.target) if k.target is not None else ''} | {k.status.replace('_', ' ')} |" for k in kpis]


def _off_target_summary(request: MetricRequest, kpis: Sequence[KpiValue]) -> str:
    off = [k for k in kpis if k.status == "off_target"]
    return "\n".join([f"Markets: {_markets(request)}",
                      f"{len(off)} of {len(kpis)} KPIs off target" + (":" if off else "."),
                      *(f"- {k.metric.label}: {k.metric.display(k.value)} (target {k.metric.display(k.target)})"
                        for k in off[:10])])


def render_overview(data: DataAccess, request: MetricRequest, settings: Settings, metric_ids: tuple[str, ...]) -> Rendered:
    kpis = [k for k in all_kpis(data, request, settings) if not metric_ids or k.metric.id in metric_ids]
    title = f"KPI overview: {request.period.label()} vs {request.comparison.label()}"
    lines = [f"# {title}", "", f"Markets: {_markets(request)}", "", *_kpi_lines(kpis)]
    return Rendered(title, _off_target_summary(request, kpis), "\n".join(lines) + "\n", _kpi_frame(kpis))


def _by_market_lines(module: DomainModule, frame: pl.DataFrame, metric_ids: Sequence[str]) -> list[str]:
    metrics = [registry.get(i) for i in metric_ids]
    lines = [f"## {DOMAIN_LABELS[module.METRICS[0].domain]} by market", "",
             "| Market | " + " | ".join(m.label for m in metrics) + " |", "|---|" + "---:|" * len(metrics)]
    for row in frame.iter_rows(named=True):
        lines.append(f"| {row['country_code']} | " + " | ".join(m.display(row[m.id]) for m in metrics) + " |")
    return [*lines, ""]


def page_renderer(page: str) -> Renderer:
    """A domain page as a document: its KPI cards (the modules' KPI_IDS, or the subscription's `metrics`)
    for the whole scope and by market; the CSV holds the cards."""
    modules, label = REPORT_PAGE_MODULES[page], REPORT_PAGE_TITLES[page]

    def render(data: DataAccess, request: MetricRequest, settings: Settings, metric_ids: tuple[str, ...]) -> Rendered:
        wanted = [(module, [i for i in module.KPI_IDS if not metric_ids or i in metric_ids]) for module in modules]
        shown = {i for _, ids in wanted for i in ids}
        kpis = [k for module in modules for k in module.kpis(data, request, settings) if k.metric.id in shown]
        title = f"{label}: {request.period.label()} vs {request.comparison.label()}"
        lines = [f"# {title}", "", f"Markets: {_markets(request)}", "", *_kpi_lines(kpis), ""]
        for module, ids in wanted:
            if ids:
                frame = domain_breakdown(module, data, request, ("country_code",), settings).sort("country_code")
                lines += _by_market_lines(module, frame, ids)
        return Rendered(title, _off_target_summary(request, kpis), "\n".join(lines), _kpi_frame(kpis))

    return render


def plain(text: str) -> str:
    """Text the PDF core font can draw (Latin-1): common symbols spelled out, anything else '?'."""
    for symbol, replacement in PLAIN.items():
        text = text.replace(symbol, replacement)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def markdown_pdf(markdown: str, footer: str, now: dt.datetime) -> bytes:
    """The Markdown as an A4 PDF: headings in bold, table rows as aligned text lines."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(plain(markdown.splitlines()[0].lstrip("# ") if markdown else "Report"))
    pdf.set_creation_date(now.replace(tzinfo=dt.UTC))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    for line in markdown.splitlines():
        if line.startswith("|---"):
            continue
        level = len(line) - len(line.lstrip("#"))
        if level and line[level:level + 1] == " ":
            pdf.set_font("Helvetica", style="B", size={1: 16, 2: 13}.get(level, 11))
            pdf.multi_cell(0, 7, plain(line[level + 1:]), new_x="LMARGIN", new_y="NEXT")
            continue
        pdf.set_font("Helvetica", size=8.5 if line.startswith("|") else 10)
        text = "   ".join(cell.strip() for cell in line.strip("|").split(" | ")) if line.startswith("|") else line
        pdf.multi_cell(0, 5, plain(text) or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=7)
    pdf.multi_cell(0, 5, plain(footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


RENDERERS: dict[str, Renderer] = {"review": render_review, "overview": render_overview,
                                  **{page: page_renderer(page) for page in REPORT_PAGE_MODULES}}


def document(rendered: Rendered, form: str, footer: str, now: dt.datetime) -> bytes:
    if form == "pdf":
        return markdown_pdf(rendered.markdown, footer, now)
    if form == "md":
        return (rendered.markdown + "\n" + footer + "\n").encode()
    return rendered.table.write_csv().encode()
