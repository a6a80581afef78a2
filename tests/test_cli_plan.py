"""cli.py plan: the JSON contract of the issue, cross-checked against SQL; scope; bad scenario files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import cli
from connectors.source import open_source

DEMO_USERS = Path(__file__).resolve().parent.parent / "auth" / "demo_users.yaml"
SEA = ("ID", "MY", "TH", "VN", "PH", "SG")

GOOD = """
[baseline]
start = "2026-10-19"
end = "2026-11-15"

[[scenario]]
name = "LLM takes 10% of human spam"
[[scenario.move]]
from = "human"
to = "llm"
share = 0.10
policy = "spam"
queue = "listings"
[scenario.assumptions]
llm_price_per_1k = 35.0

[[scenario]]
name = "nothing moves"
[[scenario.move]]
from = "human"
to = "llm"
share = 0.0
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return str(path)


def sql_week_totals(url: str, countries: tuple[str, ...] | None = None) -> tuple[float, float]:
    """Decisions and cost per week of the 4 baseline weeks, straight from SQL (independent of the planner)."""
    where = "decided_at >= TIMESTAMP '2026-10-19' AND decided_at < TIMESTAMP '2026-11-16'"
    if countries:
        where += " AND country_code IN (" + ", ".join(f"'{c}'" for c in countries) + ")"
    engine = open_source(url).engine  # read-only, like the CLI's own (DuckDB refuses a second configuration)
    with engine.connect() as conn:
        n, cost = conn.execute(sa.text(f"SELECT count(*), sum(cost_usd) FROM moderation_cases WHERE {where}")).one()
    engine.dispose()
    return n / 4, cost / 4


def test_plan_json_has_the_issue_shape_and_the_measured_baseline(
    small_demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "plan", "--url", small_demo_url, "--scenario", write(tmp_path, GOOD))
    assert code == 0
    report = json.loads(out)
    assert [s["name"] for s in report["scenarios"]] == ["LLM takes 10% of human spam", "nothing moves"]
    for item in (report["baseline"], *report["scenarios"]):
        for key in ("decisions_per_week", "cost_per_week_usd", "cost_per_decision_usd", "qa_accuracy",
                    "expected_overturns_per_week", "human_fte", "sites"):
            assert key in item, key
        assert item["sites"] and {"vendor_site", "fte"} <= set(item["sites"][0])
        assert item["human_fte"] == pytest.approx(sum(s["fte"] for s in item["sites"]))
    decisions, cost = sql_week_totals(small_demo_url)
    assert report["baseline"]["decisions_per_week"] == pytest.approx(decisions)
    assert report["baseline"]["cost_per_week_usd"] == pytest.approx(cost)
    moved, still = report["scenarios"]
    assert moved["cost_per_week_usd"] < report["baseline"]["cost_per_week_usd"]  # a human case costs > $0.035
    assert moved["human_fte"] < report["baseline"]["human_fte"]
    assert moved["scenario"]["assumptions"] == {"llm_price_per_1k": 35.0}  # assumptions printed with it
    assert {k: still[k] for k in ("cost_per_week_usd", "qa_accuracy", "human_fte")} == {
        k: report["baseline"][k] for k in ("cost_per_week_usd", "qa_accuracy", "human_fte")
    }
    assert still["change_vs_baseline"]["cost_per_week_usd"] == 0


def test_plan_respects_countries_and_user_scope(
    small_demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)
    code, out, _ = run(capsys, "plan", "--url", small_demo_url, "--scenario", path, "--countries", "DE,FR")
    assert code == 0
    assert json.loads(out)["baseline"]["decisions_per_week"] == pytest.approx(sql_week_totals(small_demo_url, ("DE", "FR"))[0])
    code, out, _ = run(capsys, "plan", "--url", small_demo_url, "--scenario", path, "--user", "sea",
                       "--credentials", str(DEMO_USERS))
    assert code == 0
    assert json.loads(out)["baseline"]["decisions_per_week"] == pytest.approx(sql_week_totals(small_demo_url, SEA)[0])


def test_plan_table(small_demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--url", small_demo_url, "--scenario", write(tmp_path, GOOD), "--format", "table")
    assert code == 0
    header = out.splitlines()[0]
    assert "Baseline" in header and "LLM takes 10% of human spam" in header
    assert "Human FTE" in out and "FTE per vendor site" in out


BAD = [
    ('[[scenario.mix]]\npolicy = "spam"\nalgo = 0.5\nllm = 0.2\nhuman = 0.2\n', "scenario[1].mix[1]: the shares"),
    ('[[scenario.move]]\nfrom = "human"\nto = "llm"\nshare = -0.1\n', "scenario[1].move[1].share"),
    ('[[scenario.move]]\nfrom = "human"\nto = "llm"\nshare = 1.2\n', "scenario[1].move[1].share"),
    ('[[scenario.move]]\nfrom = "human"\nto = "llm"\nshare = 0.1\npolicy = "gambling"\n', "policy: unknown policy 'gambling'"),
    ('[[scenario.move]]\nfrom = "human"\nto = "llm"\nshare = 0.1\nqueue = "phone"\n', "queue: unknown queue 'phone'"),
    ('[scenario.assumptions]\nllm_price_per_1k = "cheap"\n', "scenario[1].assumptions.llm_price_per_1k: expected a number"),
]


@pytest.mark.parametrize("body, message", BAD)
def test_bad_scenario_names_the_field_and_exits_non_zero(
    small_demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    text = '[baseline]\nstart = "2026-10-19"\nend = "2026-11-15"\n[[scenario]]\nname = "bad"\n' + body
    code, out, err = run(capsys, "plan", "--url", small_demo_url, "--scenario", write(tmp_path, text))
    assert code == 2 and out == ""
    assert message in err


def test_a_period_without_human_volume_is_a_clear_error(
    small_demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace("2026-10-19", "2020-01-01").replace("2026-11-15", "2020-01-31")
    code, out, err = run(capsys, "plan", "--url", small_demo_url, "--scenario", write(tmp_path, text))
    assert code == 2 and out == "" and "baseline: no human decisions" in err


def test_unreadable_or_malformed_files(small_demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plan", "--url", small_demo_url, "--scenario", str(tmp_path / "missing.toml"))
    assert code == 2 and "--scenario: cannot read" in err
    code, _, err = run(capsys, "plan", "--url", small_demo_url, "--scenario", write(tmp_path, "[baseline\n"))
    assert code == 2 and "is not valid TOML" in err
