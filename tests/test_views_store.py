"""Saved views and team annotations in the state database (state/views_store.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from connectors.scope import Scope
from state import migrate
from state.store import open_store
from state.views_store import Refused, ViewsStore

SEA = Scope.of(["ID", "MY", "TH"])
EUROPE = Scope.of(["DE", "FR"])


@pytest.fixture(params=["sqlite", "postgresql"])
def views(tmp_path: Path, request: pytest.FixtureRequest) -> ViewsStore:
    url = (f"sqlite:///{tmp_path / 'state.sqlite'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_database"))
    store = open_store(url)
    yield ViewsStore(store)
    store.engine.dispose()


def test_migration_0003_is_the_head_and_creates_the_tables(views: ViewsStore) -> None:
    assert migrate.current_revision(views.store.engine) == "0003_views_annotations"
    import sqlalchemy as sa
    tables = set(sa.inspect(views.store.engine).get_table_names())
    assert {"saved_views", "saved_view_shares", "team_annotations"} <= tables


def test_save_list_and_replace_by_name(views: ViewsStore) -> None:
    first = views.save_view("ada", " DE appeals ", "appeals", "?range=Last+28+days&countries=DE", ["DE"])
    assert (first.name, first.page, first.query, first.markets) == ("DE appeals", "appeals",
                                                                   "range=Last+28+days&countries=DE", ("DE",))
    again = views.save_view("ada", "DE appeals", "vendors", "countries=DE&policy=spam", ["DE"])
    assert again.id == first.id and again.page == "vendors"  # same owner and name: replaced, not doubled
    assert [v.name for v in views.views_for("ada")] == ["DE appeals"]
    assert views.views_for("sari") == []


@pytest.mark.parametrize("name, message", [("  ", "Give the view a name"), ("x" * 121, "at most 120")])
def test_bad_names_are_refused_and_nothing_is_saved(views: ViewsStore, name: str, message: str) -> None:
    with pytest.raises(Refused, match=message):
        views.save_view("ada", name, "appeals", "", None)
    assert views.views_for("ada") == []


def test_share_only_with_a_user_whose_scope_covers_the_view(views: ViewsStore) -> None:
    view = views.save_view("ada", "Thailand", "appeals", "countries=TH", ["TH"])
    everything = views.save_view("ada", "Everything", "appeals", "", None)
    with pytest.raises(Refused, match=r"'eva' may not see all of this view's markets \(TH\); their markets: DE, FR"):
        views.share_view(view.id, "ada", "eva", EUROPE)
    with pytest.raises(Refused, match="every market"):
        views.share_view(everything.id, "ada", "sari", SEA)
    with pytest.raises(Refused, match="'ghost' is not a user"):
        views.share_view(view.id, "ada", "ghost", None)
    with pytest.raises(Refused, match="Only the owner"):
        views.share_view(view.id, "sari", "glen", Scope.everything())
    assert views.views_for("eva") == [] and views.view(view.id).shared_with == ()
    shared = views.share_view(view.id, "ada", "sari", SEA)
    assert shared.shared_with == ("sari",)
    assert [v.name for v in views.views_for("sari")] == ["Thailand"]
    assert views.share_view(everything.id, "ada", "glen", Scope.everything()).shared_with == ("glen",)


def test_only_the_owner_deletes_and_the_shares_go_with_the_view(views: ViewsStore) -> None:
    view = views.save_view("ada", "Thailand", "appeals", "countries=TH", ["TH"])
    views.share_view(view.id, "ada", "sari", SEA)
    with pytest.raises(Refused, match="Only the owner"):
        views.delete_view(view.id, "sari")
    assert views.view(view.id) is not None
    views.delete_view(view.id, "ada")
    assert views.view(view.id) is None and views.views_for("sari") == []


DAY = dt.date(2026, 11, 3)


def test_annotations_are_read_only_within_the_readers_scope(views: ViewsStore) -> None:
    # one event for TH and DE (written by an admin), one for every market, one for FR only
    views.add_annotation("ada", Scope.everything(), DAY, ["TH", "DE"], "appeals", "Policy change")
    views.add_annotation("ada", Scope.everything(), DAY, None, None, "Holiday")
    views.add_annotation("eva", EUROPE, DAY + dt.timedelta(days=1), ["FR"], "appeals", "FR vendor outage")
    sea = views.annotations(SEA, DAY, DAY + dt.timedelta(days=7))
    # SEA sees the TH copy of the shared event and the every-market one, never DE or FR
    assert sea.select("country_code", "text").rows() == [("TH", "Policy change"), (None, "Holiday")]
    europe = views.annotations(EUROPE, DAY, DAY + dt.timedelta(days=7), countries=("FR",))
    assert europe.select("country_code", "text").rows() == [(None, "Holiday"), ("FR", "FR vendor outage")]
    assert views.annotations(Scope.everything(), DAY, DAY).height == 3  # TH, DE, every market
    assert views.annotations(Scope.nothing(), DAY, DAY + dt.timedelta(days=7)).select("country_code").rows() == [(None,)]
    assert views.annotations(SEA, DAY + dt.timedelta(days=2), DAY + dt.timedelta(days=9)).is_empty()


@pytest.mark.parametrize("scope, markets, text, message", [
    (SEA, ["TH", "DE"], "x", "Markets outside your scope: DE"),
    (SEA, None, "x", "Only a user who sees every market"),
    (Scope.nothing(), ["TH"], "x", "Markets outside your scope: TH"),
    (SEA, [], "x", "Pick at least one market"),
    (SEA, ["TH"], "   ", "Write what happened"),
    (SEA, ["TH"], "y" * 501, "at most 500"),
])
def test_bad_annotations_are_refused_and_nothing_is_written(views: ViewsStore, scope: Scope, markets, text: str,
                                                            message: str) -> None:
    with pytest.raises(Refused, match=message):
        views.add_annotation("sari", scope, DAY, markets, None, text)
    assert views.annotations(Scope.everything(), DAY, DAY).is_empty()


def test_the_editor_role_sees_its_listed_markets_and_admins_count_as_editors(tmp_path: Path) -> None:
    from auth.users import User, add_user, load_users, user_record

    assert User("lara", "Lara", "editor", ("BR", "MX")).scope == Scope.of(["BR", "MX"])
    assert User("lara", "Lara", "editor", ()).scope.is_empty  # deny by default
    path = tmp_path / "users.yaml"
    with pytest.raises(ValueError, match="an editor needs at least one market"):
        add_user(path, "lara", "Lara", "", "pw-123456", "editor", [])
    add_user(path, "lara", "Lara", "", "pw-123456", "editor", ["br", "mx"])
    assert user_record(load_users(path), "lara").scope == Scope.of(["BR", "MX"])


def test_the_weekly_review_lists_team_annotations_of_the_readers_markets() -> None:
    import polars as pl

    import data
    from metrics.base import MetricRequest, Period
    from metrics.review import Review

    store = open_store()
    try:
        marker = f"Team review note {dt.datetime.now():%H%M%S%f}"
        ViewsStore(store).add_annotation("ada", Scope.everything(), dt.date(2026, 11, 10), ["TH", "DE"], "appeals",
                                         marker)
        ViewsStore(store).add_annotation("ada", Scope.everything(), dt.date(2026, 9, 1), ["TH"], "appeals",
                                         marker + " (outside the window)")
    finally:
        store.engine.dispose()
    source = pl.DataFrame({"day": [dt.date(2026, 11, 9)], "country_code": [None], "domain": ["appeals"],
                           "text": ["Source event"]}, schema_overrides={"country_code": pl.String})
    # the window is the comparison week 2-8 Nov and the period 9-15 Nov
    review = Review(MetricRequest(Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))), (), (), {}, source)
    shown = data.with_team_annotations(review, Scope.of(["TH"])).annotations
    assert shown.select("day", "country_code", "text").rows() == [
        (dt.date(2026, 11, 9), None, "Source event"), (dt.date(2026, 11, 10), "TH", marker)]  # DE's copy not seen
    europe = data.with_team_annotations(review, Scope.of(["FR"])).annotations
    assert europe["text"].to_list() == ["Source event"]


def test_only_the_author_deletes_an_annotation_with_all_its_markets(views: ViewsStore) -> None:
    event = views.add_annotation("eva", EUROPE, DAY, ["DE", "FR"], "appeals", "Strike")
    views.add_annotation("ada", Scope.everything(), DAY, ["DE"], None, "Other")
    mine = views.annotations_by("eva", DAY, DAY)
    assert mine.select("event_id", "markets", "text").rows() == [(event, "DE, FR", "Strike")]
    with pytest.raises(Refused, match="Only the author"):
        views.delete_annotation(event, "ada")
    assert views.annotations(Scope.everything(), DAY, DAY).height == 3
    assert views.delete_annotation(event, "eva") == 2
    assert views.annotations(Scope.everything(), DAY, DAY)["text"].to_list() == ["Other"]
