"""The mix planner page under AppTest on the small demo data: projection as the metric layer gives it,
bad edits keep the last valid scenario, the scenario goes into the URL."""

from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from connectors.scope import Scope
from connectors.source import ScopedAccess, open_source
from metrics.base import MetricRequest
from metrics.planner.baseline import measure_baseline
from metrics.planner.projection import project
from metrics.planner.scenario import Move, Scenario
from ui.filters import preset_period
from app_login import log_in



@pytest.fixture(autouse=True)
def app_env(demo_app_env: None) -> None:
    """Every test here runs app.py on the small demo (conftest.demo_app_env)."""


def run_planner(**query: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=90)
    log_in("admin")
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/planner.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def expected_cost(small_demo_url: str, scenario: Scenario) -> str:
    source = open_source(small_demo_url)
    try:
        as_of = source.latest_event_time()
        assert as_of is not None
        request = MetricRequest(preset_period("Last complete week", as_of.date()))
        baseline = measure_baseline(ScopedAccess(source, Scope.everything()), request)
    finally:
        source.engine.dispose()
    return f"${project(baseline, scenario).totals['cost_per_week_usd']:,.0f}"


def projection_cell(at: AppTest, column: str, measure: str) -> str:
    frame = next(d.value for d in at.dataframe if "measure" in d.value.columns)
    return str(frame.loc[frame["measure"] == measure, column].iloc[0])


def test_default_scenario_matches_the_metric_layer(small_demo_url: str) -> None:
    at = run_planner()
    assert not at.error, [e.value for e in at.error]
    default = Scenario("LLM takes 10% of human", (Move("human", "llm", 0.10),))
    assert projection_cell(at, "LLM takes 10% of human", "Cost / week") == expected_cost(small_demo_url, default)
    assert projection_cell(at, "Baseline", "Cost / week") == expected_cost(small_demo_url, Scenario("b"))
    assert at.query_params["s1"] == "LLM takes 10% of human|human>llm:0.1::|"
    assert len(at.get("vega_lite_chart")) >= 1  # the frontier


def test_scenario_from_the_url(small_demo_url: str) -> None:
    at = run_planner(s2="Spam to LLM|human>llm:0.5:spam:|llm_price_per_1k=40")
    assert not at.error, [e.value for e in at.error]
    scenario = Scenario("Spam to LLM", (Move("human", "llm", 0.5, policy="spam"),))
    from dataclasses import replace

    from metrics.planner.scenario import Assumptions

    scenario = replace(scenario, assumptions=Assumptions(llm_price_per_1k=40.0))
    assert projection_cell(at, "Spam to LLM", "Cost / week") == expected_cost(small_demo_url, scenario)
    assert "s1" not in at.query_params  # only the URL's scenarios, no default added


def test_a_malformed_url_scenario_is_ignored_and_said_so() -> None:
    at = run_planner(s1="Broken|human>llm:1.7::|")
    notices = " ".join(w.value for w in at.warning)
    assert "ignored" in notices and "Broken" in notices
    assert "s1" not in at.query_params  # dropped from the URL, nothing projected for it
    assert list(next(d.value for d in at.dataframe if "measure" in d.value.columns).columns) == ["measure", "Baseline"]


def test_an_edit_goes_into_the_url() -> None:
    at = run_planner()
    at.number_input(key="plan1-shrinkage").set_value(0.25).run()
    at.text_input(key="plan1-name").set_value("Less shrinkage").run()
    assert not at.exception and not at.error
    assert at.query_params["s1"] == "Less shrinkage|human>llm:0.1::|shrinkage=0.25"
    # FTE falls with shrinkage 0.25 instead of 0.30: the scenario's human FTE is below the baseline's
    fte = projection_cell(at, "Less shrinkage", "Human FTE")
    assert float(fte.replace(",", "")) < float(projection_cell(at, "Baseline", "Human FTE").replace(",", ""))


def test_the_pdf_prints_the_projection_with_its_assumptions() -> None:
    from test_pdf_export import build, pdf_text

    at = run_planner(s1="Cheap LLM|human>llm:0.2::|llm_price_per_1k=20")
    report = at.session_state["_page_context"].report
    assert report.title == "Mix planner"
    text = pdf_text(build(report))
    for expected in ("Mix planner", "Cost / week (Cheap LLM)", "Assumption: LLM price per 1,000 ($)", "20",
                     "20% human->llm (all policies, all queues)", "Atlas / Lisbon"):
        assert expected in text, expected
    assert [title for title, _ in report.charts] == ["Cost against expected QA accuracy as the moves grow to 100 %"]


def test_a_regional_user_plans_on_their_markets_only(small_demo_url: str) -> None:
    at = AppTest.from_file("../app.py", default_timeout=90)
    log_in("sea")
    at.run()
    at.switch_page("app_pages/planner.py")
    at.run()
    assert not at.exception and not at.error
    source = open_source(small_demo_url)
    try:
        as_of = source.latest_event_time()
        assert as_of is not None
        sea = Scope.of(["ID", "MY", "TH", "VN", "PH", "SG"])
        baseline = measure_baseline(ScopedAccess(source, sea), MetricRequest(preset_period("Last complete week", as_of.date())))
        everything = measure_baseline(ScopedAccess(source, Scope.everything()),
                                      MetricRequest(preset_period("Last complete week", as_of.date())))
    finally:
        source.engine.dispose()
    from metrics.planner.projection import baseline_scenario
    from metrics.planner.scenario import Assumptions

    own = project(baseline, baseline_scenario(Assumptions())).totals["cost_per_week_usd"]
    assert own < project(everything, baseline_scenario(Assumptions())).totals["cost_per_week_usd"]
    assert projection_cell(at, "Baseline", "Cost / week") == f"${own:,.0f}"


def test_a_period_without_data_shows_an_empty_state_not_an_error() -> None:
    import datetime as dt

    at = AppTest.from_file("../app.py", default_timeout=90)
    log_in("admin")
    for key, value in {"range": "Custom range", "start": dt.date(2025, 1, 6), "end": dt.date(2025, 1, 12)}.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app_pages/planner.py")
    at.run()
    assert not at.exception and not at.error
    messages = [i.value for i in at.info]
    assert any("No human decisions to plan staffing from" in m and "6 Jan 2025" in m for m in messages), messages
    assert not at.metric and not at.dataframe


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"edited_rows": {}, "added_rows": [{"from": "human", "to": "algo", "share_pct": 95.0}], "deleted_rows": []},
         "moves out of human in adult_content / content add up to 105%"),
        ({"edited_rows": {0: {"to": "human"}}, "added_rows": [], "deleted_rows": []},
         "Scenario 1.move[1].to: moving from human to itself"),
    ],
)
def test_a_bad_edit_names_the_problem_and_keeps_the_last_valid_scenario(edit: dict, message: str) -> None:
    at = run_planner()
    before = projection_cell(at, "LLM takes 10% of human", "Cost / week")
    at.session_state["plan1-moves"] = edit  # what the move table sends after the edit
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(message in e and "last valid version" in e for e in errors), errors
    assert projection_cell(at, "LLM takes 10% of human", "Cost / week") == before  # still on screen
    assert at.query_params["s1"] == "LLM takes 10% of human|human>llm:0.1::|"  # the URL keeps the valid one


def test_site_allocation_from_the_url_moves_human_work(small_demo_url: str) -> None:
    sites = "Atlas / Lisbon:0.5;Kestrel / Pune:0.5"
    at = run_planner(s1=f"All to two sites||site_allocation={sites}")
    assert not at.error, [e.value for e in at.error]
    frame = next(d.value for d in at.dataframe if "vendor_site" in d.value.columns and "All to two sites: FTE" in d.value.columns)
    fte = dict(zip(frame["vendor_site"], frame["All to two sites: FTE"]))
    # every human case goes to Lisbon or Pune: Lisbon needs more people than today, Manila none
    assert fte["Atlas / Lisbon"] > frame.loc[frame["vendor_site"] == "Atlas / Lisbon", "Baseline: FTE"].iloc[0]
    assert fte["Northstar / Manila"] == 0
    assert at.query_params["s1"] == f"All to two sites||site_allocation={sites}"
