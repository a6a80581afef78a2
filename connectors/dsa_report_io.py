"""DSA transparency reports as files: write ours in the template's long CSV format, read published
ones (TikTok's are padded with empty columns and use Windows line endings) into
dsa_report_indicators, and read them back for the DSA page.

A re-imported report replaces its earlier rows: rows are keyed by service, reporting period,
section, indicator and scope.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import polars as pl
import sqlalchemy as sa

from connectors.contract import CONTRACT
from connectors.dsa_import import Problem, SA_TYPES

TEMPLATE_COLUMNS: tuple[str, ...] = ("Applicability", "Service", "Reporting period", "Section", "Indicator", "Scope",
                                     "Value", "Contextual Information")
COLUMN_KEYS = dict(zip(TEMPLATE_COLUMNS, ("applicability", "service", "reporting_period", "section", "indicator",
                                          "scope", "value", "contextual_information")))
PERIOD = re.compile(r"\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}")
TABLE = "dsa_report_indicators"


def file_name(service: str, period: str, section_file: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9]+", "_", service).strip("_")
    return f"DSA_Transparency_Report_{safe}_{period.replace('/', '_')} - {section_file}.csv"


def write_report(report: pl.DataFrame, out_dir: Path, files: dict[str, str], value_text: Any) -> list[Path]:
    """One CSV per section (`files`: section -> file suffix), in the template's columns; values as text."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for section, suffix in files.items():
        rows = report.filter(pl.col("Section") == section)
        if rows.is_empty():
            continue
        path = out_dir / file_name(rows["Service"][0], rows["Reporting period"][0], suffix)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(TEMPLATE_COLUMNS)
            for record in rows.iter_rows(named=True):
                writer.writerow([value_text(record[c]) if c == "Value" else record[c] for c in TEMPLATE_COLUMNS])
        written.append(path)
    return written


@dataclass
class ReportImport:
    files: int = 0
    rows: int = 0
    by_service: dict[str, int] = field(default_factory=dict)
    refused: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "rows": self.rows, "by_service": self.by_service,
                "refused_files": [p.as_dict() for p in self.refused], "problems": [p.as_dict() for p in self.problems]}


def _number(text: str) -> float | None:
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None
    if cleaned.endswith("%"):
        return float(cleaned[:-1]) / 100
    return float(cleaned)


def read_published(path: Path, summary: ReportImport) -> list[dict[str, Any]]:
    """The indicator rows of one published CSV; a wrong header refuses the file, a bad value the row."""
    if not path.is_file() or path.stat().st_size == 0:
        summary.refused.append(Problem(str(path), None, None, f"{path}: no such file, or empty"))
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [c.strip() for c in next(reader, [])]
        named = [c for c in header if c]
        if named != list(TEMPLATE_COLUMNS) or header[: len(TEMPLATE_COLUMNS)] != list(TEMPLATE_COLUMNS):
            missing = [c for c in TEMPLATE_COLUMNS if c not in named]
            unknown = [c for c in named if c not in TEMPLATE_COLUMNS]
            summary.refused.append(Problem(str(path), 1, None,
                                           f"{path}: not a DSA transparency report table (expected the columns "
                                           f"{', '.join(TEMPLATE_COLUMNS)}; missing: {', '.join(missing) or '-'}; "
                                           f"unknown: {', '.join(unknown) or '-'})"))
            return []
        rows = []
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            cells = dict(zip(TEMPLATE_COLUMNS, (c.strip() for c in record[: len(TEMPLATE_COLUMNS)])))
            if any(cell.strip() for cell in record[len(TEMPLATE_COLUMNS):]):
                summary.problems.append(Problem(str(path), line, None, "text beyond the template's eight columns"))
                continue
            if not PERIOD.fullmatch(cells.get("Reporting period", "")):
                summary.problems.append(Problem(str(path), line, "Reporting period",
                                                f"'{cells.get('Reporting period', '')}' is not YYYY-MM-DD/YYYY-MM-DD"))
                continue
            try:
                value = _number(cells.get("Value", ""))
            except ValueError:
                summary.problems.append(Problem(str(path), line, "Value", f"'{cells['Value']}' is not a number"))
                continue
            row = {COLUMN_KEYS[c]: (cells.get(c) or None) for c in TEMPLATE_COLUMNS}
            row |= {"value": value, "source_file": path.name}
            rows.append(row)
    summary.files += 1
    return rows


def report_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(TABLE, metadata, *(sa.Column(c, SA_TYPES[k]() if k in SA_TYPES else sa.Double()) for c, k in CONTRACT[TABLE].items()))
    return metadata


def import_reports(paths: Iterable[Path], url: str) -> ReportImport:
    """Read every file first; write nothing when any file is refused (a clear message, no change)."""
    summary = ReportImport()
    rows = [row for path in paths for row in read_published(Path(path), summary)]
    if summary.refused or not rows:
        return summary
    engine = sa.create_engine(url)
    try:
        table = report_metadata().tables[TABLE]
        table.metadata.create_all(engine, checkfirst=True)
        with engine.begin() as conn:
            keys = {(r["service"], r["reporting_period"], r["section"], r["indicator"], r["scope"]) for r in rows}
            for service, period, section, indicator, scope in keys:
                conn.execute(table.delete().where(
                    table.c.service == service, table.c.reporting_period == period, table.c.section == section,
                    table.c.indicator == indicator,
                    table.c.scope.is_(None) if scope is None else table.c.scope == scope))
            unique = {(r["service"], r["reporting_period"], r["section"], r["indicator"], r["scope"]): r for r in rows}
            conn.execute(table.insert(), list(unique.values()))
    finally:
        engine.dispose()
    summary.rows = len(unique)
    for row in unique.values():
        summary.by_service[row["service"]] = summary.by_service.get(row["service"], 0) + 1
    return summary
