"""Our DSA transparency report (cli.py dsa-report), published reports (cli.py import-dsa-report), and
the round trip: our CSV read back matches our metrics for the period (issue 16)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

import cli
from connectors.scope import Scope
from connectors.source import ScopedAccess, open_source
from metrics import appeals, mix
from metrics.base import MetricRequest, Period
from metrics.dsa_report import side_by_side
from metrics.targets import Settings

TIKTOK = Path("/work/shared/data/dsa/tiktok-report")
TIKTOK_FILES = sorted(TIKTOK.glob("*.csv"))
WEEK = ("2026-11-09", "2026-11-15")
EUROPE_EU = {"DE", "FR", "ES", "IT", "IE"}
DEMO_USERS = str(Path(__file__).resolve().parent.parent / "auth" / "demo_users.yaml")  # the demo 'europe' user's markets that are EU member states


def read_back(url: str) -> pl.DataFrame:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT service, reporting_period, section, indicator, scope, value, "
                                        "contextual_information FROM dsa_report_indicators")).all()
    finally:
        engine.dispose()
    return pl.DataFrame([tuple(r) for r in rows], orient="row", schema=[
        "service", "reporting_period", "section", "indicator", "scope", "value", "contextual_information"])


def value(frame: pl.DataFrame, indicator: str, scope: str) -> float | None:
    match = frame.filter((pl.col("indicator") == indicator) & (pl.col("scope") == scope))
    assert match.height == 1, (indicator, scope, match)
    return match["value"][0]


@pytest.fixture(scope="module")
def round_trip(small_demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, list[Path]]:
    folder = tmp_path_factory.mktemp("report")
    assert cli.main(["dsa-report", "--url", small_demo_url, "--start", WEEK[0], "--end", WEEK[1],
                     "--countries", "DE,FR,GB", "--out", str(folder / "out")]) == 0
    files = sorted((folder / "out").glob("*.csv"))
    url = f"duckdb:///{folder / 'reports.duckdb'}"
    assert cli.main(["import-dsa-report", *map(str, files), "--url", url]) == 0
    return read_back(url), files


def test_report_files_use_the_template_columns(round_trip: tuple[pl.DataFrame, list[Path]]) -> None:
    _, files = round_trip
    assert [f.name.rsplit(" - ", 1)[1] for f in files] == ["7_appeals_and_recidivism.csv", "8_automated_means.csv"]
    with files[0].open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["Applicability", "Service", "Reporting period", "Section", "Indicator", "Scope", "Value",
                      "Contextual Information"]


def test_round_trip_matches_our_metrics(round_trip: tuple[pl.DataFrame, list[Path]], small_demo_url: str) -> None:
    report, _ = round_trip
    assert set(report["reporting_period"]) == {"2026-11-09/2026-11-15"}
    assert set(report["scope"]) == {"Total number", "Decisions upheld", "Decisions partially reversed",
                                    "Decisions reversed", "Median time", "total", "DE", "FR"}  # GB is not EU
    source = open_source(small_demo_url)
    try:
        access = ScopedAccess(source, Scope.everything())
        request = MetricRequest(Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15)), countries=("DE", "FR"))
        kpi = {k.metric.id: k.value for k in appeals.kpis(access, request, Settings())}
        automated = MetricRequest(request.period, countries=("DE", "FR"), channels=("algo", "llm"))
        by_market = mix.breakdown(access, automated, ("country_code",))
        with source.engine.connect() as conn:
            measures = dict(conn.execute(sa.text(
                "SELECT country_code, count(*) FROM moderation_cases WHERE outcome = 'actioned' "
                "AND channel IN ('algo', 'llm') AND decided_at >= '2026-11-09' AND decided_at < '2026-11-16' "
                "AND country_code IN ('DE', 'FR') GROUP BY 1")).all())
    finally:
        source.engine.dispose()
    indicator = "Number of complaints submitted to the internal-complaints mechanism"
    assert value(report, indicator, "Total number") == kpi["appeals.submitted"] > 0
    upheld, partial, reversed_ = (value(report, indicator, s) for s in
                                  ("Decisions upheld", "Decisions partially reversed", "Decisions reversed"))
    assert upheld + partial + reversed_ == kpi["appeals.decided"]
    assert (partial + reversed_) / kpi["appeals.decided"] == pytest.approx(kpi["appeals.overturn_rate"], abs=1e-12)
    assert value(report, indicator, "Median time") * 24 == pytest.approx(kpi["appeals.tat_p50_hours"], abs=1e-6)
    for market in ("DE", "FR"):
        expected = by_market.filter(pl.col("country_code") == market)["mix.qa_accuracy"][0]
        assert value(report, "Accuracy of the automated means - Accuracy", market) == pytest.approx(expected, abs=1e-9)
        assert value(report, "Number of measures solely taken by automated means", market) == measures[market]


def test_regional_user_report_has_no_out_of_scope_territory(small_demo_url: str, tmp_path: Path) -> None:
    assert cli.main(["dsa-report", "--url", small_demo_url, "--start", WEEK[0], "--end", WEEK[1],
                     "--user", "europe", "--credentials", DEMO_USERS, "--out", str(tmp_path)]) == 0
    with next(tmp_path.glob("*8_automated_means.csv")).open(newline="", encoding="utf-8") as handle:
        scopes = {row["Scope"] for row in csv.DictReader(handle)}
    assert scopes == EUROPE_EU | {"total"}
    assert cli.main(["dsa-report", "--url", small_demo_url, "--start", WEEK[0], "--end", WEEK[1],
                     "--user", "sea", "--credentials", DEMO_USERS, "--out", str(tmp_path / "sea")]) == 2  # no EU market in scope: refused
    assert not (tmp_path / "sea").exists()


def test_tiktok_report_imports_with_its_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"duckdb:///{tmp_path / 'peer.duckdb'}"
    assert cli.main(["import-dsa-report", *map(str, TIKTOK_FILES), "--url", url]) == 0
    summary = json.loads(capsys.readouterr().out)
    # 47 + 142 data rows (csv.reader over both files, header excluded; no blank or repeated keys)
    assert (summary["files"], summary["rows"], summary["by_service"]) == (2, 189, {"Tiktok": 189})
    report = read_back(url)
    indicator = "Number of complaints submitted to the internal-complaints mechanism"
    assert value(report, indicator, "Total number") == 14589660
    assert value(report, indicator, "Median time") == pytest.approx(0.428916667)
    assert value(report, indicator, "Decisions partially reversed") is None  # published empty
    assert value(report, "Accuracy of the automated means - Accuracy", "total") == 0.92
    assert value(report, "Number of measures solely taken by automated means", "DE") == 26758813
    note = report.filter((pl.col("indicator") == indicator) & (pl.col("scope") == "Total number"))
    assert note["contextual_information"][0] == ("Total number of complaints received across all enforcment "
                                                 "actions relevant to this section")  # the publisher's typo kept
    assert cli.main(["import-dsa-report", *map(str, TIKTOK_FILES), "--url", url]) == 0  # re-import replaces
    assert read_back(url).height == 189


def test_import_report_refuses_a_wrong_header_and_reports_bad_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"duckdb:///{tmp_path / 'bad.duckdb'}"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Service,Indicator,Value\nX,Y,1\n", encoding="utf-8")
    good_lines = next(iter(TIKTOK_FILES)).read_text(encoding="utf-8").splitlines()
    assert cli.main(["import-dsa-report", str(wrong), str(TIKTOK_FILES[0]), "--url", url]) == 1
    err = capsys.readouterr().err
    assert "wrong.csv" in err and "missing: Applicability" in err
    assert not (tmp_path / "bad.duckdb").exists()  # refused before anything was written
    bad = tmp_path / "bad-value.csv"
    bad.write_text("\n".join([good_lines[0], good_lines[1].replace(",14589660,", ",fourteen,")]) + "\n", encoding="utf-8")
    assert cli.main(["import-dsa-report", str(bad), "--url", url]) == 1
    assert f"{bad}:2 column 'Value': 'fourteen' is not a number" in capsys.readouterr().err


def test_side_by_side_matches_indicators_ignoring_case() -> None:
    columns = ["Section", "Indicator", "Scope", "Value", "Contextual Information"]
    ours = pl.DataFrame([("S", "Accuracy", "total", 0.9, ""), ("S", "Accuracy", "DE", 0.8, "")], orient="row",
                        schema=columns)
    peer = pl.DataFrame([("S", "Accuracy", "Total", 0.92, "peer note"), ("S", "Accuracy", "AT", 0.83, "")],
                        orient="row", schema=columns)
    joined = side_by_side(ours, peer)
    assert joined.select("scope", "value_ours", "value_peer", "context_peer").rows() == [
        ("AT", None, 0.83, ""), ("DE", 0.8, None, ""), ("total", 0.9, 0.92, "peer note")]
