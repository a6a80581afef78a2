"""The review on the small demo data: the planted stories are the top drivers, quiet weeks stay quiet,
and `cli.py review` prints the issue's JSON shape and Markdown."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import cli
from connectors.scope import Scope
from connectors.source import ScopedAccess, open_source
from metrics.base import MetricRequest, Period
from metrics.drivers import ALPHA
from metrics.review import build_review, last_complete_week, review_json, weeks_period
from metrics.targets import Settings
from sample_data import DEFAULT_END, Stories, generate

REPO = Path(__file__).resolve().parent.parent
RELOCATED = Stories(
    overturn_country="BR", overturn_policy="fraud_scam", slow_vendor="Northstar", slow_site="Cebu",
    spike_country="MX", spike_policy="undisclosed_promotion", p0_country="JP",
)
SCENARIOS = {"default": Stories(), "relocated": RELOCATED}


@pytest.fixture(scope="module", params=list(SCENARIOS))
def story_data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    stories = SCENARIOS[request.param]
    url = f"duckdb:///{tmp_path_factory.mktemp('review') / f'{request.param}.duckdb'}"
    generate(url, scale="small", stories=stories)
    source = open_source(url)
    yield stories, ScopedAccess(source, Scope.everything())
    source.engine.dispose()


def _moved(data: ScopedAccess, weeks: int, metric: str) -> dict[str, Any]:
    report = review_json(build_review(data, MetricRequest(weeks_period(DEFAULT_END, weeks)), Settings(), [metric]))
    (item,) = report["moved"]
    assert item["metric"] == metric
    return item


def test_overturn_rise_is_driven_by_the_planted_cell(story_data) -> None:  # type: ignore[no-untyped-def]
    stories, data = story_data
    item = _moved(data, 3, "appeals.overturn_rate")
    assert item["delta"] > 0 and item["significant"]
    top = item["drivers"][0]
    assert top["dimensions"] == {"country_code": stories.overturn_country, "policy": stories.overturn_policy}
    assert top["significant"] and top["value"] > top["previous"] + 0.2
    assert f"{stories.overturn_country} × {stories.overturn_policy} explains" in item["sentence"]


@pytest.mark.parametrize("metric, sign", [("vendors.aht_seconds", 1), ("vendors.tat_adherence", -1)])
def test_slow_site_drives_aht_and_tat_adherence(story_data, metric: str, sign: int) -> None:  # type: ignore[no-untyped-def]
    stories, data = story_data
    item = _moved(data, 4, metric)
    assert item["delta"] * sign > 0
    top = item["drivers"][0]
    assert top["dimensions"] == {"vendor_site": f"{stories.slow_vendor} / {stories.slow_site}"}
    assert top["contribution"] * sign > 0
    assert top["rate_effect"] is not None and top["mix_effect"] is not None


def test_violation_spike_drives_violations(story_data) -> None:  # type: ignore[no-untyped-def]
    stories, data = story_data
    item = _moved(data, 2, "creators.violations")
    assert item["significant"] and item["delta"] > 0
    top = item["drivers"][0]
    assert top["dimensions"] == {"country_code": stories.spike_country, "policy": stories.spike_policy}
    assert top["significant"] and top["contribution"] > 0.7 * item["delta"]


def test_open_p0_is_explained_by_its_market(story_data) -> None:  # type: ignore[no-untyped-def]
    stories, data = story_data
    item = _moved(data, 1, "escalations.p0_open")
    assert (item["previous"], item["value"]) == (0, 1)
    assert item["drivers"][0]["dimensions"] == {"country_code": stories.p0_country}
    assert item["drivers"][0]["contribution"] == 1
    assert not item["significant"]  # one escalation is not evidence of a changed rate, and says so
    assert "within noise" in item["sentence"]


def test_every_breakdown_of_every_additive_metric_adds_up_to_its_change(story_data) -> None:  # type: ignore[no-untyped-def]
    from metrics.driver_sources import DRIVER_DEFS, component_tables
    from metrics.drivers import breakdowns, segment_drivers, totals

    _, data = story_data
    tables = component_tables(data, MetricRequest(weeks_period(DEFAULT_END, 3)), Settings())
    checked = 0
    for definition in DRIVER_DEFS:
        if definition.kind == "percentile":
            continue  # not additive by construction (see metrics/drivers.py)
        table = tables[definition.table]
        delta = totals(definition, table).delta
        if delta is None:
            continue
        for keys in breakdowns(table, definition):
            drivers = segment_drivers(definition, table, keys)
            assert abs(sum(d.contribution for d in drivers) - delta) < 1e-9 * max(1.0, abs(delta)), (definition, keys)
            checked += 1
    assert checked > 500


# ---- no planted change: quiet weeks stay quiet -------------------------------------------------

QUIET_WEEKS_BACK = (42, 56)  # weeks ending 6 and 8 weeks before the end: no story, no rollout step
SEEDS = range(1, 7)


def test_quiet_weeks_report_no_more_moves_than_the_error_rate_allows(tmp_path: Path) -> None:
    reviews, with_moves, tested, significant = 0, 0, 0, 0
    for seed in SEEDS:
        url = f"duckdb:///{tmp_path / f's{seed}.duckdb'}"
        generate(url, scale="small", seed=seed)
        source = open_source(url)
        data = ScopedAccess(source, Scope.everything())
        for back in QUIET_WEEKS_BACK:
            end = DEFAULT_END - dt.timedelta(days=back)
            review = build_review(data, MetricRequest(Period(end - dt.timedelta(days=6), end)), Settings())
            reviews += 1
            tested += len(review.moved) + len(review.stable)
            significant += sum(item.significant for item in review.moved)
            with_moves += bool(review.moved)
        source.engine.dispose()
    # BH at FDR alpha controls P(any KPI reported) <= alpha per review when nothing changed; over 12
    # reviews, 4 or more with a move would have probability < 0.3 % (binomial 12, 0.05)
    assert with_moves <= 3, f"{with_moves} of {reviews} quiet reviews reported a move"
    assert significant / tested <= ALPHA
    assert tested >= reviews * 40


def test_last_complete_week() -> None:
    assert last_complete_week(dt.date(2026, 11, 15)) == Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert last_complete_week(dt.date(2026, 11, 18)) == Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    with pytest.raises(ValueError, match="at least 1"):
        weeks_period(DEFAULT_END, 0)


# ---- command line --------------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["review", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_review_json_shape(small_demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "--url", small_demo_url, "--weeks", "3", "--end", "2026-11-15")
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"period", "comparison", "filters", "moved", "stable"}
    assert report["period"] == {"start": "2026-10-26", "end": "2026-11-15"}
    assert report["comparison"] == {"start": "2026-10-05", "end": "2026-10-25"}
    assert report["moved"], "the planted stories move KPIs"
    for item in report["moved"]:
        assert set(item) == {"metric", "label", "value", "previous", "delta", "significant", "p_value",
                             "sentence", "drivers"}
        assert item["significant"] is True  # without --metric only KPIs that moved are listed
        sizes = [abs(d["contribution"]) for d in item["drivers"] if d["significant"]]
        assert sizes == sorted(sizes, reverse=True)
        for driver in item["drivers"]:
            assert set(driver) == {"dimensions", "contribution", "rate_effect", "mix_effect", "value", "previous",
                                   "volume", "previous_volume", "significant"}
    moved = {item["metric"] for item in report["moved"]}
    assert "appeals.overturn_rate" in moved and "creators.violations" in moved
    assert not moved & set(report["stable"])


def test_cli_review_metric_is_reported_even_when_stable(small_demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "--url", small_demo_url, "--start", "2026-10-01", "--end", "2026-10-07",
                        "--metric", "escalations.opened", "--countries", "DE,FR")
    report = json.loads(out)
    assert code == 0 and [m["metric"] for m in report["moved"]] == ["escalations.opened"]
    assert report["filters"] == {"countries": ["DE", "FR"]}
    assert report["comparison"] == {"start": "2026-09-24", "end": "2026-09-30"}
    for driver in report["moved"][0]["drivers"]:
        assert driver["dimensions"].get("country_code", "DE") in {"DE", "FR"}


def test_cli_review_markdown(small_demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "--url", small_demo_url, "--weeks", "3", "--end", "2026-11-15", "--format", "md")
    assert code == 0
    assert out.startswith("# Weekly review: 26 Oct - 15 Nov 2026 vs 5-25 Oct 2026")
    assert "## What moved" in out and "## Did not move" in out
    assert "| Market × Policy |" in out and "DE × counterfeit" in out
    assert "Events: 26 Oct" in out  # the overturn story's annotation, named in text


@pytest.mark.parametrize("args, message", [
    (("--weeks", "2", "--start", "2026-11-01", "--end", "2026-11-15"), "not both"),
    (("--end", "2026-11-15"), "--weeks N"),
    (("--weeks", "2", "--end", "2026-11-15", "--metric", "appeals.nope"), "unknown metric id(s) appeals.nope"),
    (("--start", "2026-11-15", "--end", "2026-11-01"), "before the start date"),
    (("--weeks", "2", "--end", "2026-11-15", "--countries", "XX"), "unknown market(s): XX"),
])
def test_cli_review_bad_input(small_demo_url: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                              message: str) -> None:
    code, out, err = _cli(capsys, "--url", small_demo_url, *args)
    assert code == 2 and out == "" and message in err


SEA = {"ID", "MY", "TH", "VN", "PH", "SG"}


def test_cli_review_applies_the_users_scope(small_demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "--url", small_demo_url, "--weeks", "3", "--end", "2026-11-15", "--user", "sea",
                        "--credentials", str(REPO / "auth" / "demo_users.yaml"),
                        "--metric", "appeals.overturn_rate", "--metric", "creators.violations")
    report = json.loads(out)
    assert code == 0
    markets = {d["dimensions"]["country_code"] for m in report["moved"] for d in m["drivers"]
               if "country_code" in d["dimensions"]}
    assert markets and markets <= SEA  # DE's overturn story is outside the scope
    violations = next(m for m in report["moved"] if m["metric"] == "creators.violations")
    assert violations["drivers"][0]["dimensions"] == {"country_code": "ID", "policy": "misleading_claims"}
