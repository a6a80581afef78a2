"""The command line: check, metrics (JSON contract, bad input, --user scope), generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import cli
from auth.users import add_user
from sample_data import generate

DEMO_USERS = Path(__file__).resolve().parent.parent / "auth" / "demo_users.yaml"


@pytest.fixture(scope="module")
def duckdb_copy(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('cli') / 'cli.duckdb'}"
    generate(url, scale="small")
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_passes_on_a_complete_source(duckdb_copy: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--url", duckdb_copy)
    assert code == 0 and out.startswith("OK")


def test_check_names_table_column_and_config_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"duckdb:///{tmp_path / 'broken.duckdb'}"
    generate(url, scale="small", days=70)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE appeals DROP COLUMN qa_score"))
        conn.execute(sa.text("DROP TABLE annotations"))
    engine.dispose()
    code, out, _ = run(capsys, "check", "--url", url)
    assert code == 1
    assert "table 'appeals'" in out and "'qa_score'" in out and "tables.appeals.columns.qa_score" in out
    assert "table 'annotations'" in out and "tables.annotations.name" in out
    assert "2 problem(s)" in out


def test_check_follows_the_config_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"duckdb:///{tmp_path / 'renamed.duckdb'}"
    generate(url, scale="small", days=70)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE appeals RENAME COLUMN submitted_at TO created_ts"))
        conn.execute(sa.text("ALTER TABLE escalations RENAME TO incident_log"))
    engine.dispose()
    config = tmp_path / "governance.toml"
    assert run(capsys, "check", "--url", url)[0] == 1
    config.write_text(
        '[tables.appeals.columns]\nsubmitted_at = "created_ts"\n\n[tables.escalations]\nname = "incident_log"\n'
    )
    code, out, _ = run(capsys, "check", "--url", url, "--config", str(config))
    assert code == 0, out


def test_metrics_json_contract(duckdb_copy: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "metrics", "--url", duckdb_copy, "--start", "2026-11-09", "--end", "2026-11-15",
        "--countries", "DE,FR", "--by", "country_code",
    )
    assert code == 0
    report = json.loads(out)
    assert report["period"] == {"start": "2026-11-09", "end": "2026-11-15"}
    assert report["comparison"] == {"start": "2026-11-02", "end": "2026-11-08"}
    assert report["filters"] == {"countries": ["DE", "FR"]}
    ids = {m["id"] for m in report["metrics"]}
    required = {
        "appeals.submitted", "appeals.appeal_rate", "appeals.overturn_rate", "appeals.tat_p50_hours",
        "appeals.tat_p90_hours", "appeals.sla_adherence", "appeals.backlog", "appeals.qa_score",
        "vendors.cases", "vendors.aht_seconds", "vendors.tat_adherence", "vendors.qa_accuracy",
        "vendors.cost_per_case", "mix.automated_share", "mix.llm_share", "creators.active",
        "creators.violations_per_1k", "creators.repeat_offender_rate", "creators.gmv_at_risk_usd",
        "escalations.opened", "escalations.open_at_end", "escalations.tta_p50_hours",
        "escalations.ttc_p50_hours", "escalations.ttr_p50_hours",
    }
    assert required <= ids
    for metric in report["metrics"]:
        assert set(metric) == {"id", "label", "unit", "value", "previous", "delta", "target", "status"}
        if metric["unit"] == "ratio" and metric["value"] is not None:
            assert 0 <= metric["value"] <= 1, metric
        if metric["value"] is not None and metric["previous"] is not None:
            assert metric["delta"] == pytest.approx(metric["value"] - metric["previous"], abs=1e-8)
    assert report["breakdown"]["dimension"] == "country_code"
    assert [row["key"] for row in report["breakdown"]["rows"]] == ["DE", "FR"]


def test_metrics_table_prints_each_number_in_its_metrics_format(duckdb_copy: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("metrics", "--url", duckdb_copy, "--start", "2026-11-09", "--end", "2026-11-15")
    _, out, _ = run(capsys, *args)
    report = {m["id"]: m for m in json.loads(out)["metrics"]}
    code, table, _ = run(capsys, *args, "--format", "table")
    assert code == 0
    rows = {line.split()[0]: line for line in table.splitlines()[2:]}
    overturn = report["appeals.overturn_rate"]
    # a ratio reads as a percent and its change in points (it printed 0.2050 and 0.0000 before)
    assert f"{overturn['value']:.1%}" in rows["appeals.overturn_rate"]
    assert f"{overturn['delta'] * 100:+.1f} pp" in rows["appeals.overturn_rate"]
    assert "15.0%" in rows["appeals.overturn_rate"]  # the target
    aht = report["vendors.aht_seconds"]
    assert f"{aht['value']:,.0f} s" in rows["vendors.aht_seconds"]
    assert f"{report['appeals.submitted']['value']:,.0f}" in rows["appeals.submitted"]


def test_metrics_user_scope(duckdb_copy: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "metrics", "--url", duckdb_copy, "--start", "2026-10-19", "--end", "2026-11-15",
        "--by", "country_code", "--user", "sea", "--credentials", str(DEMO_USERS),
    )
    assert code == 0
    keys = {row["key"] for row in json.loads(out)["breakdown"]["rows"]}
    assert keys and keys <= {"ID", "MY", "TH", "VN", "PH", "SG"}
    code, out, _ = run(
        capsys, "metrics", "--url", duckdb_copy, "--start", "2026-10-19", "--end", "2026-11-15",
        "--countries", "US", "--user", "sea", "--credentials", str(DEMO_USERS),
    )
    values = {m["id"]: m["value"] for m in json.loads(out)["metrics"]}
    assert code == 0 and values["appeals.submitted"] == 0 and values["appeals.overturn_rate"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start", "2026-11-15", "--end", "2026-11-09"), "before the start date"),
        (("--start", "2026-13-01", "--end", "2026-11-09"), "not a date"),
        (("--start", "2026-11-09", "--end", "2026-11-15", "--countries", "US') OR 1=1 --"), "not a two-letter"),
        (("--start", "2026-11-09", "--end", "2026-11-15", "--countries", "ZZ"), "unknown market"),
        (("--start", "2026-11-09", "--end", "2026-11-15", "--policies", "x'; DROP TABLE appeals"), "invalid policies"),
    ],
)
def test_bad_input_gets_a_clear_message(
    duckdb_copy: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, "metrics", "--url", duckdb_copy, *args)
    assert code == 2 and out == "" and message in err


def test_metrics_user_on_a_real_database_needs_its_credentials(
    duckdb_copy: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: the demo users' scopes were applied to any database when no credentials were given
    monkeypatch.delenv("GOVERNANCE_CREDENTIALS", raising=False)
    code, out, err = run(
        capsys, "metrics", "--url", duckdb_copy, "--start", "2026-11-09", "--end", "2026-11-15", "--user", "sea"
    )
    assert code == 2 and out == "" and "needs a credentials file" in err


def test_metrics_user_with_an_unknown_market_code_is_refused(
    duckdb_copy: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "users.yaml"
    add_user(path, "star", "Star", "", "a-long-password-1", "regional_viewer", ["*"])  # written by hand before
    code, out, err = run(
        capsys, "metrics", "--url", duckdb_copy, "--start", "2026-11-09", "--end", "2026-11-15",
        "--user", "star", "--credentials", str(path),
    )
    assert code == 2 and out == "" and "'*'" in err and "not in the source's countries table" in err


@pytest.mark.parametrize("codes", ["*", "DE,XX", "de;fr"])
def test_add_user_refuses_market_codes_the_source_does_not_have(
    duckdb_copy: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, codes: str
) -> None:
    path = tmp_path / "users.yaml"
    code, _, err = run(
        capsys, "add-user", "eve", "--url", duckdb_copy, "--credentials", str(path), "--role", "regional_viewer",
        "--countries", codes, "--password", "a-long-password-1",
    )
    assert code == 2 and "unknown market code" in err and not path.exists()


def test_add_user_writes_the_credentials_file_readable_by_its_owner_only(
    duckdb_copy: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "users.yaml"
    path.write_text("credentials:\n  usernames: {}\n")
    path.chmod(0o644)
    code, _, _ = run(
        capsys, "add-user", "eu", "--url", duckdb_copy, "--credentials", str(path), "--role", "regional_viewer",
        "--countries", "DE,fr", "--password", "a-long-password-1",
    )
    assert code == 0 and path.stat().st_mode & 0o777 == 0o600
    assert "- FR" in path.read_text()
