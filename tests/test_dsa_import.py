"""The DSA statements importer on the real shared files and on bad input (issue 16).

Expected counts were worked out from the raw files, independently of the importer: each file read
with Python's csv.DictReader and tallied with collections.Counter (platform_name, category, every
code of json.loads(territorial_scope)), the duplicate found by comparing uuids across all 150 rows,
and the platform totals cross-checked with `grep -o ',TikTok,' ... | wc -l` (25 TikTok rows in the
2024 files, one of them the duplicate):

    2024-03-14 part 00000: 50 rows, 49 uuids (03b1b1c9-... twice, TikTok)
        Google Shopping 31, TikTok 8, AliExpress 6, Pinterest 5
    2024-03-14 part 00001: 50 rows, 50 uuids
        Google Shopping 32, TikTok 17, Pinterest 1
    2025-07-01 part 00000: 50 rows, 50 uuids (38 columns)
        Hotel Hideaway 39, Discord Netherlands B.V. 4, Idealo 3, Kleinanzeigen 2, Wallapop 1, Habbo 1

Imported: 149 distinct statements, TikTok 8 + 17 - 1 = 24, Google Shopping 63, Pinterest 6.
Categories as published (149 rows): SCOPE_OF_PLATFORM_SERVICE 75 (retired), ILLEGAL_OR_HARMFUL_SPEECH
42, PROTECTION_OF_MINORS 11, SCAMS_AND_FRAUD 8, PORNOGRAPHY_OR_SEXUALIZED_CONTENT 5 (retired),
INTELLECTUAL_PROPERTY_INFRINGEMENTS 2, CYBER_VIOLENCE 2, NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS 1,
SELF_HARM 1, VIOLENCE 1, OTHER_VIOLATION_TC 1. Normalised with dsa_categories.csv: OTHER_VIOLATION_TC =
75 + 5 + 1 = 81, the others unchanged.
Territories (statements whose scope lists the code): DE 143, FR 140, NL 140, ES 139, IT 139, LI 137,
NO 137, IS 114, and 138 for each other EU member state.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

import cli
from connectors import dsa_import
from connectors.dsa_import import COLUMNS_2024, COLUMNS_2025, import_statements

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dsa"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data/dsa")
FILE_2024_A = SHARED / "sor-global-2024-03-14-full-00000-00000.csv"
FILE_2024_B = SHARED / "sor-global-2024-03-14-full-00001-00001.csv"
FILE_2025 = SHARED / "sor-global-2025-07-01-full-00000-00000.csv"
REAL_FILES = [FILE_2024_A, FILE_2024_B, FILE_2025]
DUPLICATE_UUID = "03b1b1c9-a860-4bf6-afff-0d8f0d944871"
PLATFORMS = {
    "AliExpress": 6, "Discord Netherlands B.V.": 4, "Google Shopping": 63, "Habbo": 1, "Hotel Hideaway": 39,
    "Idealo": 3, "Kleinanzeigen": 2, "Pinterest": 6, "TikTok": 24, "Wallapop": 1,
}
NORMALISED = {
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC": 81, "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH": 42,
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS": 11, "STATEMENT_CATEGORY_SCAMS_AND_FRAUD": 8,
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS": 2, "STATEMENT_CATEGORY_CYBER_VIOLENCE": 2,
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": 1, "STATEMENT_CATEGORY_SELF_HARM": 1,
    "STATEMENT_CATEGORY_VIOLENCE": 1,
}
TERRITORIES = {"DE": 143, "FR": 140, "NL": 140, "ES": 139, "IT": 139, "LI": 137, "NO": 137, "IS": 114, "AT": 138,
               "PL": 138, "SK": 138}
FREE_TEXT = ("decision_visibility_other", "decision_monetary_other", "decision_ground_reference_url",
             "illegal_content_legal_ground", "illegal_content_explanation", "incompatible_content_ground",
             "incompatible_content_explanation", "category_specification_other", "content_type_other",
             "decision_facts", "source_identity", "platform_uid")


def url_for(tmp_path: Path, name: str = "dsa.duckdb") -> str:
    return f"duckdb:///{tmp_path / name}"


def scalar(url: str, sql: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def real_row(path: Path = FILE_2025, index: int = 0) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))[index]


def write_csv(path: Path, header: tuple[str, ...] | list[str], records: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for record in records:
            writer.writerow([record.get(c, "") for c in header])
    return path


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    url = url_for(tmp_path_factory.mktemp("dsa"))
    return url, import_statements(REAL_FILES, url).as_dict()


# ---- the real files ------------------------------------------------------------------------------


def test_real_files_summary(imported: tuple[str, dict]) -> None:
    _, summary = imported
    assert {k: summary[k] for k in ("files", "rows_read", "imported", "duplicates", "rejected")} == {
        "files": 3, "rows_read": 150, "imported": 149, "duplicates": 1, "rejected": 0}
    assert summary["by_platform"] == PLATFORMS
    assert summary["refused_files"] == [] and summary["problems"] == []


def test_counts_per_platform_category_and_territory(imported: tuple[str, dict]) -> None:
    url, _ = imported
    assert dict(rows(url, "SELECT platform_name, count(*) FROM dsa_statements GROUP BY 1")) == PLATFORMS
    assert dict(rows(url, "SELECT category, count(*) FROM dsa_statements GROUP BY 1")) == NORMALISED
    originals = dict(rows(url, "SELECT category_original, count(*) FROM dsa_statements GROUP BY 1"))
    assert originals["STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"] == 75
    assert originals["STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT"] == 5
    territories = dict(rows(url, "SELECT country_code, count(*) FROM dsa_statement_territories GROUP BY 1"))
    assert {code: territories[code] for code in TERRITORIES} == TERRITORIES
    assert len(territories) == 30


def test_the_exact_duplicate_is_stored_once(imported: tuple[str, dict]) -> None:
    url, _ = imported
    assert scalar(url, f"SELECT count(*) FROM dsa_statements WHERE uuid = '{DUPLICATE_UUID}'") == 1
    assert scalar(url, "SELECT count(DISTINCT uuid) FROM dsa_statements") == 149


def test_both_schema_versions(imported: tuple[str, dict]) -> None:
    url, _ = imported
    assert dict(rows(url, "SELECT schema_version, count(*) FROM dsa_statements GROUP BY 1")) == {1: 99, 2: 50}
    assert scalar(url, "SELECT count(*) FROM dsa_statements WHERE schema_version = 1 AND content_id_ean IS NOT NULL") == 0
    assert len(COLUMNS_2024) == 37 and len(COLUMNS_2025) == 38


def test_list_fields_become_child_rows(imported: tuple[str, dict]) -> None:
    url, _ = imported
    # content_type codes over the 149 statements, tallied from json.loads(content_type)
    content = dict(rows(url, "SELECT value, count(*) FROM dsa_statement_values WHERE field = 'content_type' GROUP BY 1"))
    assert content == {"CONTENT_TYPE_PRODUCT": 69, "CONTENT_TYPE_TEXT": 52, "CONTENT_TYPE_IMAGE": 13,
                       "CONTENT_TYPE_OTHER": 10, "CONTENT_TYPE_VIDEO": 8}
    first = real_row(FILE_2025, 0)  # Wallapop: ["DECISION_VISIBILITY_CONTENT_DISABLED"], 27 EU states
    assert rows(url, f"SELECT value FROM dsa_statement_values WHERE uuid = '{first['uuid']}' "
                     "AND field = 'decision_visibility'") == [("DECISION_VISIBILITY_CONTENT_DISABLED",)]
    assert scalar(url, f"SELECT count(*) FROM dsa_statement_territories WHERE uuid = '{first['uuid']}'") == 27


def test_free_text_is_kept_byte_for_byte(imported: tuple[str, dict]) -> None:
    url, _ = imported
    stored = {r[0]: r[1:] for r in rows(url, f"SELECT uuid, {', '.join(FREE_TEXT)} FROM dsa_statements")}
    compared = 0
    for path in REAL_FILES:
        with path.open(newline="", encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                expected = tuple(record[c] or None for c in FREE_TEXT)
                assert stored[record["uuid"]] == expected, record["uuid"]
                compared += 1
    assert compared == 150
    chinese = stored["7b593bbc-e015-4844-b1a6-ac96b510c6e7"][FREE_TEXT.index("incompatible_content_ground")]
    assert chinese == "商品信息质量-搜索作弊"


def test_commas_quotes_newlines_and_scripts_survive(tmp_path: Path) -> None:
    tricky = 'Line one, with "quotes";\r\nline two\nمرحبا — Привет — 你好 — 👍'
    record = real_row() | {"uuid": "11111111-1111-4111-8111-111111111111", "platform_uid": "tricky-1",
                           "decision_facts": tricky, "incompatible_content_explanation": '""'}
    path = write_csv(tmp_path / "tricky.csv", COLUMNS_2025, [record])
    url = url_for(tmp_path)
    assert import_statements([path], url).imported == 1
    facts, explanation = rows(url, "SELECT decision_facts, incompatible_content_explanation FROM dsa_statements")[0]
    assert facts.encode("utf-8") == tricky.encode("utf-8")
    assert explanation == '""'


def test_reimport_adds_nothing(imported: tuple[str, dict], tmp_path: Path) -> None:
    url, _ = imported
    tables = ("dsa_statements", "dsa_statement_territories", "dsa_statement_values")
    before = [scalar(url, f"SELECT count(*) FROM {t}") for t in tables]
    again = import_statements(REAL_FILES, url)
    assert (again.imported, again.skipped_files, again.rows_read) == (0, 3, 0)
    copy = shutil.copy(FILE_2025, tmp_path / "renamed-copy.csv")  # unknown to the progress table
    renamed = import_statements([copy], url)
    assert (renamed.rows_read, renamed.imported, renamed.duplicates) == (50, 0, 50)
    assert [scalar(url, f"SELECT count(*) FROM {t}") for t in tables] == before
    assert before[0] == 149


def test_same_platform_and_puid_with_a_new_uuid_is_a_duplicate(tmp_path: Path) -> None:
    url = url_for(tmp_path)
    import_statements([FILE_2025], url)
    resent = real_row() | {"uuid": "22222222-2222-4222-8222-222222222222"}
    summary = import_statements([write_csv(tmp_path / "resent.csv", COLUMNS_2025, [resent])], url)
    assert (summary.imported, summary.duplicates) == (0, 1)


def test_zip_of_zips_imports_like_the_csv_parts(tmp_path: Path) -> None:
    inner = tmp_path / "sor-global-2024-03-14-full-00000.csv.zip"
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(FILE_2024_A, FILE_2024_A.name)
        z.write(FILE_2024_B, FILE_2024_B.name)
    outer = tmp_path / "sor-global-2024-03-14-full.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, inner.name)
        z.write(FILE_2025, FILE_2025.name)
    url = url_for(tmp_path)
    summary = import_statements([outer], url)
    assert (summary.files, summary.rows_read, summary.imported, summary.duplicates) == (3, 150, 149, 1)
    assert summary.by_platform == PLATFORMS
    assert scalar(url, "SELECT count(*) FROM dsa_statements WHERE source_file LIKE '%.zip!%.zip!%00001-00001.csv'") == 50


def test_an_interrupted_import_resumes_after_its_last_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = url_for(tmp_path)
    original = dsa_import.Writer.write_batch
    calls = {"n": 0}

    def failing(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("interrupted")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(dsa_import.Writer, "write_batch", failing)
    with pytest.raises(KeyboardInterrupt):
        import_statements([FILE_2025], url, batch_rows=20)
    assert scalar(url, "SELECT count(*) FROM dsa_statements") == 40  # two committed batches of 20
    monkeypatch.setattr(dsa_import.Writer, "write_batch", original)
    resumed = import_statements([FILE_2025], url, batch_rows=20)
    assert (resumed.resumed_files, resumed.rows_read, resumed.imported, resumed.duplicates) == (1, 10, 10, 0)
    assert scalar(url, "SELECT count(*) FROM dsa_statements") == 50


# ---- bad input -------------------------------------------------------------------------------------


def test_truncated_file_keeps_complete_rows_and_reports_the_cut_row(tmp_path: Path) -> None:
    text = FILE_2025.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    cut = "".join(lines[:11]) + lines[11][: len(lines[11]) // 2]  # header, 10 rows, half of row 11
    path = tmp_path / "truncated.csv"
    path.write_text(cut, encoding="utf-8")
    url = url_for(tmp_path)
    summary = import_statements([path], url)
    assert (summary.rows_read, summary.imported, summary.rejected) == (11, 10, 1)
    problem = summary.problems[0]
    assert problem.file == str(path) and problem.line == 12 and problem.column is not None
    assert scalar(url, "SELECT count(*) FROM dsa_statements") == 10


def test_broken_quote_row_is_reported_with_line_and_column(tmp_path: Path) -> None:
    lines = FILE_2025.read_text(encoding="utf-8").splitlines(keepends=True)
    # row 3 (line 4): a closing quote followed by text in incompatible_content_ground
    broken = lines[3].replace('"Pornography or sexualised content"', '"Pornography or" sexualised content', 1)
    assert broken != lines[3]
    path = tmp_path / "broken.csv"
    path.write_text("".join(lines[:3] + [broken] + lines[4:]), encoding="utf-8")
    summary = import_statements([path], url_for(tmp_path))
    assert (summary.rows_read, summary.imported, summary.rejected) == (50, 49, 1)
    problem = summary.problems[0]
    assert (problem.line, problem.column) == (4, "incompatible_content_ground")
    assert "malformed CSV" in problem.message


def test_header_with_a_missing_column_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    header = [c for c in COLUMNS_2025 if c != "platform_uid"]
    path = write_csv(tmp_path / "missing.csv", header, [real_row()])
    url = url_for(tmp_path)
    summary = import_statements([path], url)
    assert summary.imported == 0 and len(summary.refused) == 1
    assert "missing columns: platform_uid" in summary.refused[0].message
    assert scalar(url, "SELECT count(*) FROM dsa_statements") == 0


def test_header_with_an_unknown_column_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "unknown.csv", [*COLUMNS_2025, "shoe_size"], [real_row()])
    summary = import_statements([path], url_for(tmp_path))
    assert summary.imported == 0 and "unknown columns: shoe_size" in summary.refused[0].message


def test_unknown_category_rejects_the_row_naming_the_value(tmp_path: Path) -> None:
    good, bad = real_row(FILE_2025, 0), real_row(FILE_2025, 1) | {"category": "STATEMENT_CATEGORY_MADE_UP"}
    path = write_csv(tmp_path / "category.csv", COLUMNS_2025, [good, bad])
    summary = import_statements([path], url_for(tmp_path))
    assert (summary.imported, summary.rejected) == (1, 1)
    problem = summary.problems[0]
    assert (problem.line, problem.column) == (3, "category") and "STATEMENT_CATEGORY_MADE_UP" in problem.message


def test_bad_values_are_rejected_naming_the_column(tmp_path: Path) -> None:
    records = [
        real_row(FILE_2025, 0) | {"territorial_scope": '["DE",'},
        real_row(FILE_2025, 1) | {"created_at": "yesterday"},
        real_row(FILE_2025, 2) | {"automated_detection": "Maybe"},
    ]
    summary = import_statements([write_csv(tmp_path / "values.csv", COLUMNS_2025, records)], url_for(tmp_path))
    assert [(p.line, p.column) for p in summary.problems] == [
        (2, "territorial_scope"), (3, "created_at"), (4, "automated_detection")]
    assert summary.rejected == 3 and summary.imported == 0


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    url = url_for(tmp_path)
    summary = import_statements([path, FILE_2025], url)
    assert summary.imported == 0 and "empty" in summary.refused[0].message
    assert not (tmp_path / "dsa.duckdb").exists() or scalar(url, "SELECT count(*) FROM dsa_statements") == 0


def test_zip_with_a_non_csv_member_is_refused_and_imports_nothing_from_it(tmp_path: Path) -> None:
    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(FILE_2025, FILE_2025.name)
        z.writestr("readme.txt", "not a statement")
    url = url_for(tmp_path)
    summary = import_statements([archive], url)
    assert summary.imported == 0 and "readme.txt" in summary.refused[0].message
    assert scalar(url, "SELECT count(*) FROM dsa_statements") == 0


# ---- the command line and the contract check -----------------------------------------------------


def test_cli_prints_the_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["import-dsa", str(FILE_2024_A), "--url", url_for(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {k: out[k] for k in ("files", "rows_read", "imported", "duplicates", "rejected")} == {
        "files": 1, "rows_read": 50, "imported": 49, "duplicates": 1, "rejected": 0}
    assert out["by_platform"] == {"Google Shopping": 31, "TikTok": 7, "AliExpress": 6, "Pinterest": 5}


def test_cli_exit_code_and_stderr_on_bad_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = real_row() | {"category": "STATEMENT_CATEGORY_MADE_UP"}
    path = write_csv(tmp_path / "bad.csv", COLUMNS_2025, [bad])
    code = cli.main(["import-dsa", str(path), "--url", url_for(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1 and json.loads(captured.out)["rejected"] == 1
    assert f"{path}:2 column 'category'" in captured.err


def test_check_notes_absent_dsa_tables_and_validates_present_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sample_data import generate

    url = url_for(tmp_path, "demo.duckdb")
    generate(url, scale="small", days=70)  # writes the dsa_* tables too (test_cli checks a complete source)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE dsa_statements DROP COLUMN automated_decision"))
        conn.execute(sa.text("DROP TABLE dsa_statement_values"))
    engine.dispose()
    assert cli.main(["check", "--url", url]) == 1
    out = capsys.readouterr().out
    assert "ERROR table 'dsa_statements'" in out and "'automated_decision'" in out
    assert "NOTE table 'dsa_statement_values'" in out and "1 problem(s)" in out


def test_regional_scope_sees_statements_whose_territory_meets_its_markets(imported: tuple[str, dict]) -> None:
    from connectors.scope import Scope
    from connectors.source import open_source
    from connectors.spec import AggregateSpec, Count, Dim

    url, _ = imported
    source = open_source(url)
    spec = AggregateSpec("dsa_statements", (Dim("platform_name"),), (Count("statements"),))
    try:
        everything = dict(source.aggregate(spec, Scope.everything()).iter_rows())
        iceland = dict(source.aggregate(spec, Scope.of(["IS"])).iter_rows())
        nowhere = source.aggregate(spec, Scope.nothing())
    finally:
        source.engine.dispose()
    assert everything == PLATFORMS
    assert sum(iceland.values()) == 114 and nowhere.is_empty()


def test_postgresql_import_gives_the_same_counts(postgres_database: str) -> None:
    url = postgres_database
    summary = import_statements(REAL_FILES, url)
    assert (summary.imported, summary.duplicates, summary.by_platform) == (149, 1, PLATFORMS)
    assert dict(rows(url, "SELECT category, count(*) FROM dsa_statements GROUP BY 1")) == NORMALISED
    territories = dict(rows(url, "SELECT country_code, count(*) FROM dsa_statement_territories GROUP BY 1"))
    assert {code: territories[code] for code in TERRITORIES} == TERRITORIES
    assert import_statements(REAL_FILES, url).imported == 0
    chinese = scalar(url, "SELECT incompatible_content_ground FROM dsa_statements "
                          "WHERE uuid = '7b593bbc-e015-4844-b1a6-ac96b510c6e7'")
    assert chinese == "商品信息质量-搜索作弊"
    from connectors.scope import Scope
    from connectors.source import open_source
    from connectors.spec import AggregateSpec, Count, Dim

    source = open_source(url)
    try:
        iceland = source.aggregate(AggregateSpec("dsa_statements", (Dim("platform_name"),), (Count("n"),)), Scope.of(["IS"]))
    finally:
        source.engine.dispose()
    assert iceland["n"].sum() == 114  # the territorial-scope EXISTS filter on PostgreSQL
