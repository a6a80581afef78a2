"""Every page of the app under AppTest: default filters, one market, and a filter that matches no data.

Each scenario asserts something concrete: KPI cards with the values the metric layer computes for
the same request, tables with rows, the empty-state message (not an error) when nothing matches.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from connectors.scope import Scope
from connectors.source import ScopedAccess, open_source
from metrics import appeals, appeals_views, creators, escalations, mix, vendors
from metrics.base import MetricRequest, Period
from metrics.registry import all_metrics
from metrics.targets import Settings
from ui.filters import preset_period
from app_login import log_in

DOMAIN_PAGES = {
    "app_pages/appeals.py": [appeals],
    "app_pages/vendors.py": [vendors, mix],
    "app_pages/creators.py": [creators],
    "app_pages/escalations.py": [escalations],
}
ALL_PAGES = ["app_pages/overview.py", *DOMAIN_PAGES, "app_pages/catalog.py", "app_pages/sources.py"]
BEFORE_THE_DATA = {"range": "Custom range", "start": dt.date(2025, 1, 6), "end": dt.date(2025, 1, 12)}


@pytest.fixture(autouse=True)
def app_env(demo_app_env: None) -> None:
    """Every test here runs app.py on the small demo (conftest.demo_app_env)."""


@pytest.fixture(scope="module")
def access(small_demo_url: str):
    source = open_source(small_demo_url)
    yield ScopedAccess(source, Scope.everything())
    source.engine.dispose()


def default_request(access: ScopedAccess, countries: tuple[str, ...] | None = None) -> MetricRequest:
    """What the app computes by default: the last complete week of the data."""
    as_of = access.source.latest_event_time()
    assert as_of is not None
    return MetricRequest(period=preset_period("Last complete week", as_of.date()), countries=countries)


def run_page(page: str, **state: object) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    log_in("admin")
    for key, value in state.items():
        at.session_state[key] = value
    at.run()  # the frame (app.py) runs the default page first, as a browser visit does
    if page != "app_pages/overview.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected_cards(access: ScopedAccess, request: MetricRequest, modules: list) -> dict[str, str]:
    expected = {}
    for module in modules:
        values = {k.metric.id: k for k in module.kpis(access, request, Settings())}
        for metric_id in module.KPI_IDS:
            kpi = values[metric_id]
            expected[kpi.metric.label] = kpi.metric.display(kpi.value)
    return expected


def test_overview_shows_every_program_with_the_metric_layer_values(access: ScopedAccess) -> None:
    at = run_page("app_pages/overview.py")
    shown = cards(at)
    request = default_request(access)
    programs = ((appeals, appeals.KPI_IDS), (vendors, vendors.KPI_IDS[:3]), (mix, mix.KPI_IDS[:1]),
                (creators, creators.KPI_IDS), (escalations, escalations.KPI_IDS))
    for module, ids in programs:
        values = {k.metric.id: k for k in module.kpis(access, request, Settings())}
        for metric_id in ids:
            kpi = values[metric_id]
            assert shown[kpi.metric.label] == kpi.metric.display(kpi.value), metric_id
    deltas = [m.delta for m in at.metric]
    assert any(d for d in deltas), "deltas against the comparison period are shown"
    previous = request.comparison
    named = f"vs {previous.start.day}-{previous.end.day} {previous.end:%b}"
    assert any(named in m.value for m in at.markdown), "the comparison period is named"
    market_table = at.dataframe[0].value
    assert len(market_table) == 16  # one row per market of the demo
    assert any("Data as of 15 Nov 2026" in m.value for m in at.markdown)


def test_overview_for_one_market(access: ScopedAccess) -> None:
    at = run_page("app_pages/overview.py", countries=["DE"])
    request = default_request(access, ("DE",))
    values = {k.metric.id: k for k in appeals.kpis(access, request, Settings())}
    overturn = values["appeals.overturn_rate"]
    assert cards(at)[overturn.metric.label] == overturn.metric.display(overturn.value)
    assert len(at.dataframe[0].value) == 1
    assert any("DE" in m.value for m in at.markdown if "vs" in m.value)


@pytest.mark.parametrize("page", list(DOMAIN_PAGES))
def test_domain_page_default_filters(page: str, access: ScopedAccess) -> None:
    at = run_page(page)
    shown = cards(at)
    for label, value in expected_cards(access, default_request(access), DOMAIN_PAGES[page]).items():
        assert shown[label] == value, label
    records = at.dataframe[-1].value
    assert 0 < len(records) <= 100
    assert any("limited to 100 rows" in c.value for c in at.caption)
    assert len(at.get("vega_lite_chart")) >= 2  # trend + breakdown at least


@pytest.mark.parametrize("page", list(DOMAIN_PAGES))
def test_domain_page_one_market(page: str, access: ScopedAccess) -> None:
    at = run_page(page, countries=["DE"])
    shown = cards(at)
    for label, value in expected_cards(access, default_request(access, ("DE",)), DOMAIN_PAGES[page]).items():
        assert shown[label] == value, label
    records = at.dataframe[-1].value
    if "country_code" in records.columns and len(records):
        assert set(records["country_code"]) == {"DE"}


@pytest.mark.parametrize("page", ["app_pages/overview.py", *DOMAIN_PAGES])
def test_a_filter_without_data_shows_an_empty_state(page: str) -> None:
    at = run_page(page, **BEFORE_THE_DATA)
    messages = [i.value for i in at.info]
    assert any("No " in m and "6 Jan 2025" in m for m in messages), messages
    assert not at.metric  # no cards of zeros


def test_page_filter_narrows_kpis_and_records(access: ScopedAccess) -> None:
    at = run_page("app_pages/appeals.py", policy=["counterfeit"])
    request = default_request(access)
    narrowed = MetricRequest(period=request.period, policies=("counterfeit",))
    values = {k.metric.id: k for k in appeals.kpis(access, narrowed, Settings())}
    overturn = values["appeals.overturn_rate"]
    assert cards(at)["Overturn rate"] == overturn.metric.display(overturn.value)
    records = at.dataframe[-1].value
    assert len(records) and set(records["policy"]) == {"counterfeit"}
    assert any("Policy: counterfeit" in m.value for m in at.markdown)


def test_presentation_mode_shows_the_filters_line_and_a_way_out() -> None:
    # The frame's own elements (filters, presentation bar, footer) are asserted on the default page:
    # after AppTest.switch_page only the page's elements are in the element tree.
    at = run_page("app_pages/overview.py", present=True, countries=["DE", "FR"])
    lines = [h.proto.body for h in at.get("html") if h.proto.body.startswith("<div class=\"gov-present-line")]
    assert len(lines) == 1 and " vs " in lines[0] and "DE, FR" in lines[0]
    styles = [h.proto.body for h in at.get("html")]
    # no sidebar and no pickers on a screen-share (issue 10)
    assert any('[data-testid="stSidebar"]' in body and "display: none" in body for body in styles)
    assert any('[data-testid="stMain"] [data-testid="stSelectbox"]' in body for body in styles)
    at.button(key="exit-presentation").click().run()
    assert at.session_state["present"] is False
    assert not at.exception


@pytest.mark.parametrize("state", [{}, {"countries": ["DE"]}, BEFORE_THE_DATA])
def test_catalog_lists_every_metric_and_searches(state: dict) -> None:
    at = run_page("app_pages/catalog.py", **state)
    assert len(at.dataframe[0].value) == len(all_metrics())
    # every metric reaches users as the page renders it: its id, label, sentence, unit and direction
    rendered = {row["id"]: row for row in at.dataframe[0].value.to_dict("records")}
    for metric in all_metrics():
        row = rendered[metric.id]
        assert (row["label"], row["definition"]) == (metric.label, metric.definition), metric.id
        assert (row["unit"], row["direction"]) == (metric.unit_format.name, metric.direction_text), metric.id
    at.text_input(key="catalog-search").input("overturn").run()
    found = at.dataframe[0].value
    assert 0 < len(found) < len(all_metrics())
    assert all("overturn" in " ".join(map(str, row)).lower() for row in found.itertuples())


@pytest.mark.parametrize("state", [{}, {"countries": ["DE"]}, BEFORE_THE_DATA])
def test_sources_page_shows_the_source_and_row_counts(state: dict) -> None:
    at = run_page("app_pages/sources.py", **state)
    counts = at.dataframe[0].value
    assert {"appeals", "moderation_cases", "escalations", "annotations"} <= set(counts["table"])
    assert (counts["rows"] > 0).all()
    assert any("duckdb" in m.value for m in at.markdown)


def test_the_run_that_logs_out_draws_no_data_and_shows_the_login_form() -> None:
    at = run_page("app_pages/overview.py")
    assert len(at.metric) > 0 and any("Signed in as" in c.value for c in at.caption)  # the control
    at.button(key="logout_button").click().run()
    assert not at.exception
    assert at.session_state["authentication_status"] is None
    assert len(at.metric) == 0
    assert not any("Signed in as" in c.value for c in at.caption)
    assert [t.label for t in at.text_input] == ["Username", "Password"]


@pytest.mark.parametrize("page", ["app_pages/overview.py", *DOMAIN_PAGES])
def test_the_pdf_report_holds_what_the_page_showed(page: str) -> None:
    from ui.exports import page_pdf_bytes

    at = run_page(page, countries=["DE"])
    report = at.session_state["_page_context"].report
    assert [(k.label, k.value) for k in report.kpis] == [(m.label, m.value) for m in at.metric]
    png_buttons = [b for b in at.get("download_button") if b.proto.label == "PNG"]
    assert len(report.charts) == len(png_buttons)
    assert len(report.tables) == len(at.dataframe)
    assert [b.proto.label for b in at.get("download_button")].count("PDF") == 1
    assert "DE" in report.filters
    document = page_pdf_bytes(at.session_state["_page_context"])
    assert document.startswith(b"%PDF-") and document.rstrip().endswith(b"%%EOF")


# ---- URL values a filter cannot apply are named, not dropped silently (issue 10) -----------------------


def url_page(page: str, query: dict[str, list[str]], username: str = "admin") -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    log_in(username)
    for key, values in query.items():  # the URL a browser opens: its values seed the widgets' first run
        at.query_params[key] = values
    if page != "app_pages/overview.py":
        at.switch_page(page)  # opened directly, as a shared link is
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def link_notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "The link named filters" in w.value]


def test_unknown_market_policy_and_date_in_the_url_get_one_notice_naming_them() -> None:
    at = url_page("app_pages/appeals.py", {"countries": ["DE", "ZZ"], "policy": ["counterfeit", "no_such_policy"],
                                      "range": ["Custom range"], "start": ["2026-13-40"]})
    assert link_notices(at) == [
        "The link named filters that do not apply here and were ignored: start date 2026-13-40 "
        "(not a date like 2026-11-15); market ZZ; policy no_such_policy."  # in the sidebar's order
    ]
    assert at.multiselect(key="countries").value == ["DE"]  # what is valid still applies
    assert at.multiselect(key="policy").value == ["counterfeit"]
    at.run()  # the notice stays while the view it came with lasts ...
    assert len(link_notices(at)) == 1
    at.multiselect(key="countries").set_value(["FR"]).run()  # ... and goes once the filters change
    assert link_notices(at) == []


def test_a_regional_user_is_told_a_foreign_market_in_the_link_was_ignored() -> None:
    at = url_page("app_pages/appeals.py", {"countries": ["US"]}, username="europe")
    assert link_notices(at) == ["The link named filters that do not apply here and were ignored: market US."]


def test_a_valid_link_gets_no_notice() -> None:
    at = url_page("app_pages/escalations.py", {"countries": ["DE"], "priority": ["P1"], "range": ["Last 28 days"]})
    assert link_notices(at) == []


def test_a_user_with_an_unknown_market_code_sees_no_data_and_the_code_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auth.users import add_user

    path = tmp_path / "users.yaml"
    add_user(path, "typo", "Typo", "", "a-long-password-1", "regional_viewer", ["DE", "XX"])
    monkeypatch.setenv("GOVERNANCE_CREDENTIALS", str(path))
    at = AppTest.from_file("../app.py", default_timeout=60)
    log_in("typo")
    at.run()
    assert not at.exception
    assert any("'XX'" in e.value and "countries table" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.metric  # DE alone is not shown either: the account is wrong until an admin fixes it


def picker_options(at: AppTest) -> dict[str, list[str]]:
    """Every picker the run drew (selectbox, multiselect, radio, segmented control): its label -> options."""
    pickers = {}
    for kind in ("selectbox", "multiselect", "radio", "button_group"):
        for widget in at.get(kind):
            options = [getattr(o, "content", o) for o in widget.options]
            pickers[f"{kind} {widget.key or widget.label}"] = [str(o) for o in options]
    return pickers


@pytest.mark.parametrize("page", [p for p in ALL_PAGES if p != "app_pages/overview.py"] + ["app_pages/review.py"])
def test_every_picker_offers_each_label_once(page: str) -> None:
    # The vendors page offers vendor and moderation-mix metrics in one picker: both had "QA accuracy".
    at = run_page(page, **({"range": "Last 28 days"}))
    pickers = picker_options(at)
    assert any("metric" in name for name in pickers) or page in ("app_pages/catalog.py", "app_pages/sources.py",
                                                                  "app_pages/review.py"), pickers
    for name, options in pickers.items():
        duplicates = sorted({o for o in options if options.count(o) > 1})
        assert not duplicates, f"{page}: {name} offers {duplicates} more than once"


def test_the_frame_pickers_offer_each_label_once() -> None:
    at = run_page("app_pages/overview.py")
    pickers = picker_options(at)
    assert "selectbox range" in pickers
    for name, options in pickers.items():
        assert len(options) == len(set(options)), f"{name}: {options}"


def test_the_vendor_scorecard_shows_the_aht_baseline_next_to_its_change(access: ScopedAccess) -> None:
    at = run_page("app_pages/vendors.py")
    scorecard = next(d.value for d in at.dataframe if "aht_change" in d.value.columns)
    columns = list(scorecard.columns)
    assert columns.index("aht_seconds_previous") == columns.index("aht_change") - 1
    previous = default_request(access).comparison
    baseline = f"{previous.start.day}-{previous.end.day} {previous.end:%b}"
    assert any(f"relative to the site's AHT in {baseline}" in c.value for c in at.caption)
    # the change is the change from that baseline: aht / aht_previous - 1 (scorecard values are percent)
    row = scorecard.dropna(subset=["aht_seconds_previous", "aht_change"]).iloc[0]
    assert row["aht_change"] == pytest.approx((row["aht_seconds"] / row["aht_seconds_previous"] - 1) * 100)


def date_lines(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if 'class="gov-filters"' in m.value]


@pytest.mark.parametrize("page", ["app_pages/catalog.py", "app_pages/sources.py"])
def test_pages_without_dates_show_no_date_line(page: str) -> None:
    # the catalog and the data source do not depend on the period or the markets
    assert not date_lines(run_page(page, countries=["DE"]))


def test_a_dated_page_shows_its_date_line() -> None:
    (line,) = date_lines(run_page("app_pages/appeals.py", countries=["DE"]))
    assert " vs " in line and "DE" in line


def test_the_custom_date_inputs_get_the_sidebar_width() -> None:
    # side by side in two sidebar columns the dates were cut off ("2026/10/1…")
    at = run_page("app_pages/overview.py", range="Custom range")
    assert [d.label for d in at.sidebar.date_input] == ["From", "To"]
    assert not at.sidebar.columns


def test_the_appeals_page_has_an_appeals_submitted_card_and_a_cohort_funnel(access: ScopedAccess) -> None:
    at = run_page("app_pages/appeals.py")
    values = {k.metric.id: k for k in appeals.kpis(access, default_request(access), Settings())}
    submitted = values["appeals.submitted"]
    assert cards(at)["Appeals submitted"] == submitted.metric.display(submitted.value)
    assert [m.label for m in at.metric][0] == "Appeals submitted"
    funnel = appeals_views.funnel(access, default_request(access))
    assert funnel["count"][1] == submitted.value  # the funnel starts from the card's appeals
    assert any("followed to its end" in c.value for c in at.caption)


def test_vendor_page_elements_that_ignore_the_site_filter_say_so() -> None:
    # issue 10: with Vendor site = Meridian / Bogota the mix cards and channel charts still showed every
    # site and market without a word
    filtered = run_page("app_pages/vendors.py", vendor_site=["Meridian / Bogota"])
    notes = [c.value for c in filtered.caption if "Not filtered by" in c.value]
    assert sum("Not filtered by Vendor site: algorithm and LLM decisions have no vendor site" in n
               for n in notes) >= 3  # the mix cards, "Decisions by channel", "Channel comparison"
    assert not any("human-reviewed cases only" in n for n in notes)  # vendor elements do follow it
    unfiltered = run_page("app_pages/vendors.py")
    assert not any("Not filtered by" in c.value for c in unfiltered.caption)
    with_channel = run_page("app_pages/vendors.py", channel=["llm"])
    assert any("Not filtered by Channel: vendor metrics count human-reviewed cases only." in c.value
               for c in with_channel.caption)


def test_fixing_the_dates_turns_the_preset_into_the_same_custom_range() -> None:
    # issue 10: presets are relative to the data's latest day, so a pasted link drifted on refresh
    # (that the URL then names the dates is checked in Chromium: tests/test_browser_links.py)
    at = run_page("app_pages/appeals.py", range="Last 28 days")
    shown = at.session_state["_page_context"].request.period
    assert shown == default_period_for(at, "Last 28 days")
    at.button(key="fix-dates").click().run()
    assert not at.exception
    assert at.session_state["range"] == "Custom range"
    assert at.session_state["_page_context"].request.period == shown
    assert not [b for b in at.button if b.key == "fix-dates"]  # a custom range is fixed already


def default_period_for(at: AppTest, preset: str) -> Period:
    from ui.filters import preset_period

    return preset_period(preset, at.session_state["_page_context"].data_as_of.date())
