"""Import EU DSA Transparency Database statements of reasons into the contract's dsa_* tables.

    summary = import_statements(["sor-global-2025-07-01-full.zip"], "duckdb:///gov.duckdb")

Inputs are CSV files or zips of them, nested as the Commission publishes the daily dumps (a zip
of zips of CSV parts). Rows are read with the csv module (strict quoting) and written in batches,
each batch in one transaction together with the file's progress, so memory stays flat and an
interrupted import resumes after its last committed batch. A statement already in the database
(same uuid, or same platform_name and platform_uid) is counted as a duplicate and not written.

Refused before any of its rows are read: an input that is missing, empty, not a CSV or zip, a zip
holding anything but CSV or zip members, a CSV whose header has unknown or missing columns.
Rejected and reported with file, line and column: a row that cannot be parsed or validated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Callable, Final

import polars as pl
import sqlalchemy as sa

from connectors.contract import CONTRACT, DSA_TABLES, polars_schema

BATCH_ROWS: Final = 5_000
MAX_REPORTED_PROBLEMS: Final = 200
FIELD_SIZE_LIMIT: Final = 1 << 20  # a runaway quote swallows at most 1 MiB before it is reported
CATEGORY_MAP_PATH: Final = Path(__file__).with_name("dsa_categories.csv")

COLUMNS_2024: Final[tuple[str, ...]] = (
    "uuid", "decision_visibility", "decision_visibility_other", "end_date_visibility_restriction",
    "decision_monetary", "decision_monetary_other", "end_date_monetary_restriction", "decision_provision",
    "end_date_service_restriction", "decision_account", "end_date_account_restriction", "account_type",
    "decision_ground", "decision_ground_reference_url", "illegal_content_legal_ground",
    "illegal_content_explanation", "incompatible_content_ground", "incompatible_content_explanation",
    "incompatible_content_illegal", "category", "category_addition", "category_specification",
    "category_specification_other", "content_type", "content_type_other", "content_language", "content_date",
    "territorial_scope", "application_date", "decision_facts", "source_type", "source_identity",
    "automated_detection", "automated_decision", "platform_name", "platform_uid", "created_at",
)
# July 2025: content_id_ean added after content_date.
COLUMNS_2025: Final[tuple[str, ...]] = (
    *COLUMNS_2024[: COLUMNS_2024.index("content_date") + 1], "content_id_ean",
    *COLUMNS_2024[COLUMNS_2024.index("content_date") + 1:],
)
SCHEMA_VERSIONS: Final[dict[frozenset[str], int]] = {frozenset(COLUMNS_2024): 1, frozenset(COLUMNS_2025): 2}

LIST_FIELDS: Final = ("decision_visibility", "category_addition", "category_specification", "content_type")
TERRITORY_FIELD: Final = "territorial_scope"
TIMESTAMP_FIELDS: Final = frozenset(
    name for name, kind in CONTRACT["dsa_statements"].items() if kind == "timestamp"
)
REQUIRED_FIELDS: Final = ("uuid", "platform_name", "platform_uid", "category", "created_at",
                          "automated_detection", "automated_decision")
AUTOMATED_DECISIONS: Final = frozenset(
    {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
)
YES_NO: Final = {"Yes": True, "No": False}
COUNTRY_CODE: Final = re.compile(r"[A-Z]{2}")


class InputRefused(ValueError):
    """A whole input (file or zip member) that is not imported at all, and why."""


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message}


@dataclass
class Summary:
    files: int = 0
    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    by_platform: Counter[str] = field(default_factory=Counter)
    resumed_files: int = 0
    skipped_files: int = 0  # already fully imported by an earlier run
    refused: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problems_not_shown: int = 0

    def report(self, problem: Problem) -> None:
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_not_shown += 1

    @property
    def ok(self) -> bool:
        return not self.refused and self.rejected == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "by_platform": dict(sorted(self.by_platform.items())),
            "resumed_files": self.resumed_files,
            "skipped_files": self.skipped_files,
            "refused_files": [p.as_dict() for p in self.refused],
            "problems": [p.as_dict() for p in self.problems],
            "problems_not_shown": self.problems_not_shown,
        }


# ---- the category mapping --------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryMap:
    version: str
    categories: dict[str, str]  # as published -> normalised


@cache
def category_map(path: Path = CATEGORY_MAP_PATH) -> CategoryMap:
    """The versioned mapping of every published category (current and retired) onto one taxonomy."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    versions = {row["mapping_version"] for row in rows}
    if len(versions) != 1:
        raise ValueError(f"{path}: expected one mapping_version, found {sorted(versions)}")
    return CategoryMap(versions.pop(), {row["source_category"]: row["category"] for row in rows})


# ---- tables ----------------------------------------------------------------------------------


SA_TYPES: Final[dict[str, Any]] = {
    "str": sa.Text, "timestamp": sa.DateTime, "int": sa.BigInteger, "bool": sa.Boolean,
}


def dsa_metadata() -> sa.MetaData:
    """The dsa_* contract tables with the keys the importer relies on, plus its progress table."""
    metadata = sa.MetaData()
    for name in DSA_TABLES:
        columns = [sa.Column(column, SA_TYPES[kind]()) for column, kind in CONTRACT[name].items()]
        sa.Table(name, metadata, *columns)
    statements = metadata.tables["dsa_statements"]
    statements.append_constraint(sa.PrimaryKeyConstraint("uuid"))
    statements.append_constraint(sa.UniqueConstraint("platform_name", "platform_uid"))
    sa.Index("ix_dsa_statement_territories_uuid", metadata.tables["dsa_statement_territories"].c.uuid)
    sa.Index("ix_dsa_statement_values_uuid", metadata.tables["dsa_statement_values"].c.uuid)
    sa.Table(
        "dsa_import_progress", metadata,
        sa.Column("input_key", sa.Text, primary_key=True),
        sa.Column("records_done", sa.BigInteger, nullable=False),
        sa.Column("finished", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    return metadata


# ---- inputs: CSV files and (nested) zips -----------------------------------------------------


@dataclass(frozen=True)
class CsvInput:
    name: str  # as shown in messages: outer.zip!inner.zip!part.csv
    key: str  # progress key: the name and the member's size, so a changed file is imported afresh
    open_binary: Callable[[], Any]


def _check_zip_members(zip_file: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    members = [m for m in zip_file.infolist() if not m.is_dir()]
    if not members:
        raise InputRefused(f"{name}: the zip holds no CSV file")
    wrong = [m.filename for m in members if not m.filename.lower().endswith((".csv", ".zip"))]
    if wrong:
        raise InputRefused(f"{name}: the zip holds members that are neither CSV nor zip: {', '.join(wrong)}")
    return sorted(members, key=lambda m: m.filename)


def _zip_inputs(zip_file: zipfile.ZipFile, name: str, spool_dir: Path) -> Iterator[CsvInput]:
    for member in _check_zip_members(zip_file, name):
        member_name = f"{name}!{member.filename}"
        if member.filename.lower().endswith(".csv"):
            yield CsvInput(member_name, f"{member_name}:{member.file_size}:{member.CRC}",
                           lambda member=member: zip_file.open(member))
            continue
        # An inner zip needs random access: spool it to disk (flat memory) and read that.
        spooled = spool_dir / f"inner-{abs(hash(member_name))}.zip"
        with zip_file.open(member) as source, spooled.open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        try:
            with _open_zip(spooled, member_name) as inner:
                yield from _zip_inputs(inner, member_name, spool_dir)
        finally:
            spooled.unlink(missing_ok=True)


@contextmanager
def _open_zip(path: Path, name: str) -> Iterator[zipfile.ZipFile]:
    try:
        zip_file = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise InputRefused(f"{name}: not a readable zip file ({error})") from error
    with zip_file:
        yield zip_file


def check_input_path(path: Path) -> None:
    """Refuse what cannot be an input, before anything is imported."""
    if not path.is_file():
        raise InputRefused(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputRefused(f"{path}: the file is empty (no header)")
    if path.suffix.lower() not in (".csv", ".zip"):
        raise InputRefused(f"{path}: not a .csv or .zip file")


def csv_inputs(path: Path, spool_dir: Path) -> Iterator[CsvInput]:
    """The CSV files of one input path, in name order inside zips."""
    check_input_path(path)
    if path.suffix.lower() == ".csv":
        yield CsvInput(str(path), f"{path.resolve()}:{path.stat().st_size}", lambda: path.open("rb"))
        return
    with _open_zip(path, str(path)) as zip_file:
        yield from _zip_inputs(zip_file, str(path), spool_dir)


# ---- parsing and validation ------------------------------------------------------------------


class _LineTracker:
    """Feeds csv.reader line by line and remembers the physical lines of the current record."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.record_lines: list[str] = []
        self.lines_read = 0
        self.record_started = True

    def __iter__(self) -> "_LineTracker":
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if self.record_started:
            self.record_lines = []
            self.record_started = False
        self.record_lines.append(line)
        self.lines_read += 1
        return line


def _broken_field_index(record_text: str) -> int:
    """The 0-based field where a quoting error sits: a closing quote followed by neither a comma
    nor the end of the line, or a quote never closed."""
    index, in_quotes, position = 0, False, 0
    field_start = True
    while position < len(record_text):
        char = record_text[position]
        if in_quotes:
            if char == '"':
                following = record_text[position + 1: position + 2]
                if following == '"':
                    position += 1
                elif following not in (",", "\r", "\n", ""):
                    return index
                else:
                    in_quotes = False
        elif char == '"' and field_start:
            in_quotes = True
        elif char == ",":
            index += 1
            field_start = True
            position += 1
            continue
        field_start = False
        position += 1
    return index


def _timestamp(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo is None else value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _json_list(text: str) -> list[str]:
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("not a JSON list of strings")
    return value


@dataclass
class ParsedRow:
    statement: dict[str, Any]
    territories: list[str]
    values: list[tuple[str, str]]


class RowError(ValueError):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column


def parse_row(record: dict[str, str], schema_version: int, source_file: str, categories: CategoryMap) -> ParsedRow:
    """One CSV record as a statement row plus its child rows; RowError names the bad column."""
    for name in REQUIRED_FIELDS:
        if not record[name]:
            raise RowError(name, f"'{name}' is empty")
    original = record["category"]
    if original not in categories.categories:
        raise RowError("category", f"unknown category '{original}' (not in {CATEGORY_MAP_PATH.name} "
                                   f"version {categories.version})")
    detection = YES_NO.get(record["automated_detection"])
    if detection is None:
        raise RowError("automated_detection", f"'{record['automated_detection']}' is not Yes or No")
    if record["automated_decision"] not in AUTOMATED_DECISIONS:
        raise RowError("automated_decision", f"unknown automated_decision '{record['automated_decision']}'")
    statement: dict[str, Any] = {}
    for name in CONTRACT["dsa_statements"]:
        text = record.get(name, "")
        if name in TIMESTAMP_FIELDS:
            try:
                statement[name] = _timestamp(text) if text else None
            except ValueError:
                raise RowError(name, f"'{text}' is not a date and time (YYYY-MM-DD HH:MM:SS)") from None
        else:
            statement[name] = text or None  # free text exactly as published; empty means absent
    statement.update(
        schema_version=schema_version, category=categories.categories[original], category_original=original,
        category_mapping=categories.version, automated_detection=detection, source_file=source_file,
    )
    values: list[tuple[str, str]] = []
    for name in (*LIST_FIELDS, TERRITORY_FIELD):
        text = record[name]
        try:
            items = _json_list(text) if text else []
        except ValueError:
            raise RowError(name, f"'{text[:80]}' is not a JSON list of strings") from None
        if name == TERRITORY_FIELD:
            bad = [item for item in items if not COUNTRY_CODE.fullmatch(item)]
            if bad:
                raise RowError(name, f"not two-letter country codes: {', '.join(bad)}")
            territories = list(dict.fromkeys(items))
        else:
            values.extend((name, item) for item in dict.fromkeys(items))
    return ParsedRow(statement, territories, values)


def schema_version_of(header: list[str], name: str) -> int:
    """1 (2024, 37 columns) or 2 (July 2025, 38 columns); refuses any other header, naming columns."""
    version = SCHEMA_VERSIONS.get(frozenset(header))
    if version is not None and len(header) == len(set(header)):
        return version
    duplicated = sorted({c for c in header if header.count(c) > 1})
    unknown = [c for c in header if c not in COLUMNS_2025]
    closest = COLUMNS_2025 if "content_id_ean" in header else COLUMNS_2024
    missing = [c for c in closest if c not in header]
    parts = []
    if unknown:
        parts.append(f"unknown columns: {', '.join(unknown)}")
    if missing:
        parts.append(f"missing columns: {', '.join(missing)}")
    if duplicated:
        parts.append(f"repeated columns: {', '.join(duplicated)}")
    raise InputRefused(f"{name}: the header is not a DSA statements header ({'; '.join(parts)})")


# ---- writing ---------------------------------------------------------------------------------


class Writer:
    """Batched, deduplicated writes and the progress of each input, on one writable engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.metadata = dsa_metadata()
        self.metadata.create_all(engine, checkfirst=True)
        self.statements = self.metadata.tables["dsa_statements"]
        self.territories = self.metadata.tables["dsa_statement_territories"]
        self.values = self.metadata.tables["dsa_statement_values"]
        self.progress = self.metadata.tables["dsa_import_progress"]

    def progress_of(self, key: str) -> tuple[int, bool]:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(self.progress.c.records_done, self.progress.c.finished).where(self.progress.c.input_key == key)
            ).first()
        return (int(row[0]), bool(row[1])) if row else (0, False)

    def _existing(self, conn: sa.Connection, rows: list[ParsedRow]) -> tuple[set[str], set[tuple[str, str]]]:
        uuids = [r.statement["uuid"] for r in rows]
        puids = list({r.statement["platform_uid"] for r in rows})
        s = self.statements.c
        found_uuids = set(conn.execute(sa.select(s.uuid).where(s.uuid.in_(uuids))).scalars())
        found_puids = {
            (str(p), str(u))
            for p, u in conn.execute(sa.select(s.platform_name, s.platform_uid).where(s.platform_uid.in_(puids)))
        }
        return found_uuids, found_puids

    def write_batch(self, rows: list[ParsedRow], key: str, records_done: int, finished: bool) -> list[ParsedRow]:
        """Insert the rows not yet in the database and record the input's progress, atomically.
        Returns the rows written."""
        with self.engine.begin() as conn:
            fresh: list[ParsedRow] = []
            if rows:
                uuids, puids = self._existing(conn, rows)
                for row in rows:
                    identity = (row.statement["platform_name"], row.statement["platform_uid"])
                    if row.statement["uuid"] in uuids or identity in puids:
                        continue
                    uuids.add(row.statement["uuid"])
                    puids.add(identity)
                    fresh.append(row)
            if fresh:
                self._insert(conn, fresh)
            self._record_progress(conn, key, records_done, finished)
        return fresh

    def _insert(self, conn: sa.Connection, rows: list[ParsedRow]) -> None:
        self._insert_rows(conn, self.statements, [r.statement for r in rows])
        territory_rows = [
            {"uuid": r.statement["uuid"], "country_code": code, "platform_name": r.statement["platform_name"],
             "category": r.statement["category"], "automated_detection": r.statement["automated_detection"],
             "automated_decision": r.statement["automated_decision"], "created_at": r.statement["created_at"]}
            for r in rows for code in r.territories
        ]
        if territory_rows:
            self._insert_rows(conn, self.territories, territory_rows)
        value_rows = [
            {"uuid": r.statement["uuid"], "field": f, "value": v, "platform_name": r.statement["platform_name"],
             "created_at": r.statement["created_at"]}
            for r in rows for f, v in r.values
        ]
        if value_rows:
            self._insert_rows(conn, self.values, value_rows)

    @staticmethod
    def _insert_rows(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """SQLAlchemy executemany, except on DuckDB, whose executemany runs row by row (~300 rows/s):
        there the batch goes in as one Arrow table through the native connection."""
        if conn.dialect.name != "duckdb":
            conn.execute(table.insert(), rows)
            return
        frame = pl.DataFrame(rows, schema=polars_schema(table.name))
        driver = conn.connection.driver_connection
        view = f"__dsa_batch_{table.name}"
        driver.register(view, frame.to_arrow())
        try:
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            driver.execute(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{view}"')
        finally:
            driver.unregister(view)

    def _record_progress(self, conn: sa.Connection, key: str, records_done: int, finished: bool) -> None:
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        p = self.progress
        updated = conn.execute(
            p.update().where(p.c.input_key == key).values(records_done=records_done, finished=finished, updated_at=now)
        ).rowcount
        if not updated:
            conn.execute(p.insert().values(input_key=key, records_done=records_done, finished=finished, updated_at=now))


# ---- the import ------------------------------------------------------------------------------


def _records(handle: Any, source: CsvInput, summary: Summary) -> Iterator[tuple[int, int, dict[str, str] | None]]:
    """(record number, first line, record or None when malformed) for each data record."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    tracker = _LineTracker(text)
    reader = csv.reader(tracker, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputRefused(f"{source.name}: the file is empty (no header)") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise InputRefused(f"{source.name}: the header cannot be read ({error})") from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    yield 0, 1, {"__header__": header}  # type: ignore[misc]
    number = 0
    while True:
        first_line = tracker.lines_read + 1
        tracker.record_started = True
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            number += 1
            index = _broken_field_index("".join(tracker.record_lines))
            column = header[index] if index < len(header) else None
            summary.report(Problem(source.name, first_line, column, f"malformed CSV: {error}"))
            yield number, first_line, None
            continue
        except UnicodeDecodeError as error:
            number += 1
            summary.report(Problem(source.name, first_line, None, f"not UTF-8: {error}"))
            yield number, first_line, None
            return
        if not fields:
            continue  # a blank line is not a record
        number += 1
        if len(fields) != len(header):
            column = header[len(fields)] if len(fields) < len(header) else None
            summary.report(Problem(source.name, first_line, column,
                                   f"expected {len(header)} fields, found {len(fields)}"
                                   + (" (the file may be truncated)" if len(fields) < len(header) else "")))
            yield number, first_line, None
            continue
        yield number, first_line, dict(zip(header, fields))


def _import_one(source: CsvInput, writer: Writer, summary: Summary, categories: CategoryMap, batch_rows: int) -> None:
    done, finished = writer.progress_of(source.key)
    if finished:
        summary.skipped_files += 1
        return
    if done:
        summary.resumed_files += 1
    with source.open_binary() as handle:
        records = _records(handle, source, summary)
        _, _, header_record = next(records)
        version = schema_version_of(header_record["__header__"], source.name)  # type: ignore[index]
        summary.files += 1
        batch: list[ParsedRow] = []
        number = 0
        for number, line, record in records:
            if number <= done:
                continue
            summary.rows_read += 1
            if record is None:
                summary.rejected += 1
                continue
            try:
                batch.append(parse_row(record, version, source.name, categories))
            except RowError as error:
                summary.rejected += 1
                summary.report(Problem(source.name, line, error.column, str(error)))
            if len(batch) >= batch_rows:
                _flush(writer, batch, source.key, number, False, summary)
                batch = []
        _flush(writer, batch, source.key, max(number, done), True, summary)


def _flush(writer: Writer, batch: list[ParsedRow], key: str, records_done: int, finished: bool, summary: Summary) -> None:
    written = writer.write_batch(batch, key, records_done, finished)
    summary.imported += len(written)
    summary.duplicates += len(batch) - len(written)
    summary.by_platform.update(r.statement["platform_name"] for r in written)


def import_statements(paths: Iterable[str | Path], url: str, *, batch_rows: int = BATCH_ROWS) -> Summary:
    """Import every CSV of `paths` into the database at `url` (writable); see the module docstring."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("give at least one CSV or zip file of statements of reasons")
    summary = Summary()
    for path in paths:  # refuse unusable paths before writing anything
        try:
            check_input_path(path)
        except InputRefused as error:
            summary.refused.append(Problem(str(path), None, None, str(error)))
    if summary.refused:
        return summary
    categories = category_map()
    engine = sa.create_engine(url)
    try:
        writer = Writer(engine)
        with tempfile.TemporaryDirectory(prefix="dsa-import-") as spool:
            for path in paths:
                _import_path(path, Path(spool), writer, summary, categories, batch_rows)
    finally:
        engine.dispose()
    return summary


def _import_path(path: Path, spool: Path, writer: Writer, summary: Summary, categories: CategoryMap,
                 batch_rows: int) -> None:
    inputs = csv_inputs(path, spool)
    while True:
        try:
            source = next(inputs)
        except StopIteration:
            return
        except InputRefused as error:  # a zip (or inner zip) that cannot be read as a whole
            summary.refused.append(Problem(str(path), None, None, str(error)))
            return
        try:
            _import_one(source, writer, summary, categories, batch_rows)
        except InputRefused as error:
            summary.refused.append(Problem(source.name, 1, None, str(error)))
