"""The Creator risk page's creator history: onboarding date in the riskiest list, and a creator's profile,
risk points and violations opened from a link (`?creator=`), within the viewer's markets."""

from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from connectors.scope import Scope
from connectors.source import ScopedAccess, open_source
from metrics import creators
from metrics.base import MetricRequest
from ui.filters import preset_period
from app_login import log_in

PAGE = "app_pages/creators.py"


@pytest.fixture(autouse=True)
def app_env(demo_app_env: None) -> None:
    """Every test here runs app.py on the small demo (conftest.demo_app_env)."""


@pytest.fixture(scope="module")
def riskiest(small_demo_url: str):
    """The demo's riskiest creators for the default week, as the page computes them."""
    source = open_source(small_demo_url)
    access = ScopedAccess(source, Scope.everything())
    as_of = source.latest_event_time()
    request = MetricRequest(period=preset_period("Last complete week", as_of.date()))
    yield creators.top_risky(access, request, 20)
    source.engine.dispose()


def creators_page(user: str, creator: str | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    log_in(user)
    at.run()
    if creator is not None:
        at.query_params["creator"] = creator
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_riskiest_creators_show_their_onboarding_date(riskiest) -> None:  # type: ignore[no-untyped-def]
    at = creators_page("admin")
    tables = [frame.value for frame in at.dataframe if "onboarded_at" in frame.value.columns]
    assert tables, "the riskiest creators table has an onboarding date"
    assert [str(c) for c in tables[0]["creator_id"]][:5] == [str(c) for c in riskiest["creator_id"].to_list()[:5]]


def test_a_link_to_a_creator_opens_their_history(riskiest) -> None:  # type: ignore[no-untyped-def]
    top = riskiest.row(0, named=True)
    at = creators_page("admin", str(top["creator_id"]))
    assert f"Creator {top['creator_id']}: history" in [h.value for h in at.subheader]
    profile = next(m.value for m in at.markdown if m.value.startswith("Market **"))
    assert f"**{top['country_code']}**" in profile and f"**{top['status']}**" in profile
    assert f"onboarded {top['onboarded_at']:%-d %b %Y}" in profile
    history = next(frame.value for frame in at.dataframe if "violation_id" in frame.value.columns)
    # every violation in the 90 days to the period end is in the history, so it holds at least the
    # riskiest list's count for the creator
    assert len(history) >= top["violations"]


def test_a_regional_user_cannot_open_a_creator_of_another_market(riskiest) -> None:  # type: ignore[no-untyped-def]
    outside = riskiest.filter(~riskiest["country_code"].is_in(["ID", "MY", "PH", "SG", "TH", "VN"])).row(0, named=True)
    at = creators_page("sea", str(outside["creator_id"]))
    assert f"Creator {outside['creator_id']} is not in your markets." in [c.value for c in at.caption]
    assert not any(frame.value.columns.tolist()[:1] == ["occurred_at"] for frame in at.dataframe)


def test_a_creator_link_that_is_not_an_id_is_named() -> None:
    at = creators_page("admin", "1;DROP TABLE creators")
    assert any("'1;DROP TABLE creators' is not a creator id" in w.value for w in at.warning)
