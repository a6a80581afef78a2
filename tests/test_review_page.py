"""The weekly review page under AppTest on the small demo data."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from app_login import log_in

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def app_env(demo_app_env: None) -> None:
    """Every test here runs app.py on the small demo (conftest.demo_app_env)."""


def run_review(username: str = "admin", **state: object) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=90)
    log_in(username)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app_pages/review.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_review_is_second_in_the_navigation() -> None:
    source = (REPO / "app.py").read_text()
    pages = [line.split('"')[1] for line in source.splitlines() if line.strip().startswith("st.Page(")]
    assert pages[:2] == ["app_pages/overview.py", "app_pages/review.py"]


def test_three_week_review_names_the_overturn_story() -> None:
    at = run_review(compare="Last 3 weeks vs 3 before")
    headers = [s.value for s in at.subheader]
    assert any(h.startswith("What moved (") for h in headers) and any(h.startswith("Did not move (") for h in headers)
    text = _text(at)
    assert "#### Overturn rate:" in text
    assert "DE × counterfeit explains" in text
    assert "Events near the period:** 26 Oct:" in text  # the story's annotation named in text
    assert "(appeals?range=Custom+range&start=2026-10-26&end=2026-11-15&countries=DE&policy=counterfeit)" in text
    assert len(at.get("vega_lite_chart")) >= 2  # a waterfall per moved KPI


def test_presentation_shows_one_kpi_per_slide() -> None:
    at = run_review(compare="Last 3 weeks vs 3 before", present=True)
    shown = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert len(shown) == 1
    assert not any(s.value.startswith("Did not move") for s in at.subheader)
    assert at.get("button_group"), "a slide picker"
    at.session_state["review-slide"] = "Did not move"
    at.run()
    assert not [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert any(s.value.startswith("Did not move") for s in at.subheader)


def test_waterfall_goes_from_previous_to_current_and_links_filter_the_driver() -> None:
    import datetime as dt

    from metrics.drivers import ComponentTable, analyse
    from metrics.driver_sources import BY_METRIC
    from metrics.base import Period
    from metrics.review import _item
    from ui.review_parts import driver_link, waterfall_frame
    import polars as pl

    # DE x counterfeit 40/200 -> 120/200, every other cell 40/200: 20 % -> 30 % (see test_drivers)
    keys = {"country_code": ["DE", "DE", "FR", "FR"], "policy": ["counterfeit", "spam", "counterfeit", "spam"]}
    table = ComponentTable(
        ("country_code", "policy"),
        pl.DataFrame({**keys, "overturned": [120, 40, 40, 40], "decided": [200] * 4}),
        pl.DataFrame({**keys, "overturned": [40] * 4, "decided": [200] * 4}),
    )
    item = _item("appeals.overturn_rate", analyse(BY_METRIC["appeals.overturn_rate"], table), True)
    frame = waterfall_frame(item)
    assert frame["step"].to_list()[0] == "Previous" and frame["step"].to_list()[-1] == "Current"
    assert frame["end"][0] == pytest.approx(0.2) and frame["end"][-1] == pytest.approx(0.3)
    steps = frame.filter(pl.col("kind") != "total")
    assert steps["step"][0] == "DE × counterfeit" and steps["end"][-1] == pytest.approx(0.3)
    label, url = driver_link(item, item.drivers[0], Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15)))
    assert label == "Open Appeals filtered to DE × counterfeit"
    assert url == "appeals?range=Custom+range&start=2026-11-09&end=2026-11-15&countries=DE&policy=counterfeit"


def test_review_pdf_prints_the_sentences_waterfalls_and_stable_kpis() -> None:
    import vl_convert

    from test_pdf_export import pdf_text
    from ui.context import CONTEXT_KEY
    from ui.pdf import page_pdf

    at = run_review(compare="Last 3 weeks vs 3 before")
    report = at.session_state[CONTEXT_KEY].report
    assert report.title == "Weekly review"
    rendered: list[str] = []

    def render(chart, title: str) -> bytes:  # type: ignore[no-untyped-def]
        rendered.append(title)
        return vl_convert.vegalite_to_png(chart.to_json())

    text = pdf_text(page_pdf(report, "15 Nov 2026", "admin", render, compress=False))
    assert "What moved and why" in text and "Overturn rate" in text
    assert "Overturn rate: what moved it" in rendered
    assert "Appeals submitted" in text  # the did-not-move table


def test_a_period_before_the_data_moves_nothing_and_says_so() -> None:
    import datetime as dt

    at = run_review(range="Custom range", start=dt.date(2025, 1, 6), end=dt.date(2025, 1, 12))
    assert any(s.value == "What moved (0)" for s in at.subheader)
    assert any("No KPI moved beyond noise" in i.value for i in at.info)


def test_a_regional_user_sees_only_their_markets_as_drivers() -> None:
    at = run_review(compare="Last 3 weeks vs 3 before", username="sea")
    text = _text(at)
    assert "DE × counterfeit" not in text
    assert "ID × misleading_claims explains" in text
