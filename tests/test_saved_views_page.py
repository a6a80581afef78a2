"""Saved views and team annotations in the app (AppTest, logged in with a recorded cookie)."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pyarrow as pa
import pytest
from app_login import log_in
from streamlit.testing.v1 import AppTest

from connectors.scope import Scope
from state.store import open_store
from state.views_store import ViewsStore

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def app_env(demo_app_env: None) -> None:
    """Every test here runs app.py on the small demo (conftest.demo_app_env)."""


@pytest.fixture()
def views() -> ViewsStore:
    store = open_store()
    yield ViewsStore(store)
    store.engine.dispose()


def open_app(username: str, page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=90)
    log_in(username)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def submit(at: AppTest, form_label: str) -> AppTest:
    (button,) = [b for b in at.button if b.label == form_label]
    return button.click().run()


def test_save_the_current_page_with_its_filters(views: ViewsStore) -> None:
    name = f"DE appeals {secrets.token_hex(3)}"
    at = open_app("admin", "app_pages/appeals.py", countries="DE", policy="counterfeit")
    at.text_input(key="save-view-name").input(name)
    at = submit(at, "Save view")
    assert not at.exception, [e.message for e in at.exception]
    assert any(name in s.value for s in at.success), [s.value for s in at.success]
    (view,) = [v for v in views.views_for("admin") if v.name == name]
    assert view.page == "appeals" and view.markets == ("DE",)
    assert "countries=DE" in view.query and "policy=counterfeit" in view.query
    audit = views.store.audit_events(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1), ("admin",), ("view_saved",))
    assert name in audit["detail"].to_list()[0]


def test_a_regional_users_view_of_all_markets_names_their_markets(views: ViewsStore) -> None:
    name = f"SEA all {secrets.token_hex(3)}"
    at = open_app("sea", "app_pages/appeals.py")
    at.text_input(key="save-view-name").input(name)
    submit(at, "Save view")
    (view,) = [v for v in views.views_for("sea") if v.name == name]
    assert view.markets == ("ID", "MY", "PH", "SG", "TH", "VN")  # never "every market"


def test_saved_views_page_lists_shares_and_refuses_an_uncovered_share(views: ViewsStore) -> None:
    name = f"Thailand {secrets.token_hex(3)}"
    view = views.save_view("admin", name, "appeals", "countries=TH", ["TH"])
    at = open_app("admin", "app_pages/saved_views.py")
    assert any(name in m.value for m in at.markdown)
    at.selectbox(key=f"share-to-{view.id}").select("europe").run()
    at.button(key=f"share-{view.id}").click().run()
    assert any("may not see all of this view's markets (TH)" in e.value for e in at.error), [e.value for e in at.error]
    assert views.view(view.id).shared_with == ()
    at.selectbox(key=f"share-to-{view.id}").select("sea").run()
    at.button(key=f"share-{view.id}").click().run()
    assert any(f"Shared '{name}' with sea" in s.value for s in at.success)
    assert views.view(view.id).shared_with == ("sea",)
    # sea sees it as shared, without share or delete controls
    at = open_app("sea", "app_pages/saved_views.py")
    assert any(name in m.value and "shared by admin" in m.value for m in at.markdown)
    assert not [b for b in at.button if b.key == f"delete-{view.id}"]
    at = open_app("admin", "app_pages/saved_views.py")
    at.button(key=f"delete-{view.id}").click().run()
    assert views.view(view.id) is None
    assert not any(name in m.value for m in at.markdown)


def test_only_editors_get_the_annotation_form() -> None:
    for username, expected in (("admin", True), ("latam", True), ("viewer", False), ("sea", False)):
        at = open_app(username, "app_pages/appeals.py")
        has_form = any(t.key == "annotate-text-appeals" for t in at.text_area)
        assert has_form is expected, username


def trend_events(at: AppTest) -> list[dict]:
    """The event rows drawn on the page's charts (the orange rules' data: day_label, text, where)."""
    events = []
    for chart in at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all()
            if {"text", "where"} <= set(table.column_names):
                events += table.to_pylist()
    return events


def test_an_editors_annotation_is_drawn_for_their_markets_only(views: ViewsStore) -> None:
    text = f"Team note {secrets.token_hex(3)}"
    at = open_app("latam", "app_pages/appeals.py")
    at.multiselect(key="annotate-markets-appeals").select("BR")
    at.text_area(key="annotate-text-appeals").input(text)
    at = submit(at, "Add annotation")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(text in row["text"] and row["where"] == "BR" for row in trend_events(at))
    # a European user never sees a Brazilian annotation; a global viewer does
    assert not any(text in row["text"] for row in trend_events(open_app("europe", "app_pages/appeals.py")))
    assert any(text in row["text"] for row in trend_events(open_app("viewer", "app_pages/appeals.py")))
    audit = views.store.audit_events(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1), ("latam",), ("annotation_added",))
    assert text in audit["detail"].to_list()[0]


def test_an_editor_cannot_annotate_outside_their_markets(views: ViewsStore) -> None:
    # the picker offers only their markets; the store refuses the rest whatever the form sends
    at = open_app("latam", "app_pages/appeals.py")
    assert set(at.multiselect(key="annotate-markets-appeals").options) == {"BR", "MX"}
    text = f"Empty pick {secrets.token_hex(3)}"
    at.text_area(key="annotate-text-appeals").input(text)
    at = submit(at, "Add annotation")
    assert any("Pick at least one market" in e.value for e in at.error)
    assert text not in views.annotations(Scope.everything(), dt.date(2000, 1, 1), dt.date(2100, 1, 1))["text"].to_list()


def test_a_view_opens_only_within_the_openers_scope(views: ViewsStore) -> None:
    # an admin's DE+TH view shared with sea opens for sea on TH alone, with the ignored-filter notice
    view = views.save_view("admin", f"DE and TH {secrets.token_hex(3)}", "appeals", "countries=DE&countries=TH",
                           ["DE", "TH"])
    at = AppTest.from_file("../app.py", default_timeout=90)
    log_in("sea")
    for key, values in team_query(view.query).items():
        at.query_params[key] = values
    at.switch_page("app_pages/appeals.py")  # opened directly, as the view's link does
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.multiselect(key="countries").value == ["TH"]
    assert [w.value for w in at.warning if "The link named filters" in w.value] == [
        "The link named filters that do not apply here and were ignored: market DE."]


def team_query(query: str) -> dict[str, list[str]]:
    from ui.team import query_params_of

    return query_params_of(query)


def test_an_editor_deletes_their_own_annotation(views: ViewsStore) -> None:
    text = f"To delete {secrets.token_hex(3)}"
    at = open_app("latam", "app_pages/appeals.py", countries="MX")
    at.text_area(key="annotate-text-appeals").input(text)
    at = submit(at, "Add annotation")
    (event_id,) = [e for e, t in views.annotations_by("latam", dt.date(2000, 1, 1), dt.date(2100, 1, 1))
                   .select("event_id", "text").rows() if t == text]
    at.run()  # the next rerun lists it under "Your annotations in this window"
    assert any(text in row["text"] for row in trend_events(at))
    at.button(key=f"delete-annotation-appeals-{event_id}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not any(text in row["text"] for row in trend_events(at))
    assert text not in views.annotations(Scope.everything(), dt.date(2000, 1, 1), dt.date(2100, 1, 1))["text"].to_list()
    audit = views.store.audit_events(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1), ("latam",), ("annotation_deleted",))
    assert text in audit["detail"].to_list()[0]
    # another user (even an admin) gets no delete button for it
    assert not [b for b in open_app("admin", "app_pages/appeals.py").button if b.key == f"delete-annotation-appeals-{event_id}"]
