"""A regional user learns nothing about markets outside their scope, or about a vendor site that serves
none of theirs (issue 11, finding 8): the data source page, "data as of", the catalog's target
overrides and trend annotations."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from app_login import log_in
from auth.users import DEMO_CREDENTIALS_PATH
from connectors.scope import Scope
from connectors.source import ScopedAccess
from metrics.targets import Settings
from tiny import T, backend_url, frame, load_frames, open_tiny

EUROPE = ("GB", "DE", "FR", "ES", "IT", "IE")


@pytest.fixture()
def app_env(monkeypatch: pytest.MonkeyPatch, small_demo_url: str) -> str:
    monkeypatch.setenv("GOVERNANCE_DB_URL", small_demo_url)
    monkeypatch.setenv("GOVERNANCE_CREDENTIALS", str(DEMO_CREDENTIALS_PATH))
    monkeypatch.setenv("GOVERNANCE_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("GOVERNANCE_LOGIN_SLEEP_SECONDS", "0")
    monkeypatch.delenv("GOVERNANCE_CONFIG", raising=False)
    return small_demo_url


def open_page(username: str, page: str) -> AppTest:
    log_in(username)
    at = AppTest.from_file("../app.py", default_timeout=90)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_data_as_of_is_the_latest_event_in_the_users_markets(tmp_path: Path) -> None:
    # DE's newest case is on 3 Nov, US's on 9 Nov: Europe must not learn that US data runs to the 9th
    url = backend_url("duckdb", tmp_path)
    load_frames(url, {"moderation_cases": frame("moderation_cases", [
        {"case_id": 1, "created_at": T(2026, 11, 3, 8), "country_code": "DE"},
        {"case_id": 2, "created_at": T(2026, 11, 9, 17), "country_code": "US"},
    ]), "appeals": frame("appeals", [
        {"appeal_id": 1, "case_id": 1, "submitted_at": T(2026, 11, 4, 9), "country_code": "DE"},
    ])})
    source = open_tiny(url)
    assert source.latest_event_time() == T(2026, 11, 9, 17)
    assert source.latest_event_time(Scope.of(("DE", "FR"))) == T(2026, 11, 4, 9)  # the DE appeal
    assert source.latest_event_time(Scope.of(("FR",))) is None
    source.engine.dispose()


def test_a_regional_user_sees_no_source_location_and_only_their_row_counts(app_env: str) -> None:
    at = open_page("europe", "app_pages/sources.py")
    text = "\n".join(m.value for m in at.markdown)
    assert ".duckdb" not in text and "shown to admins and global viewers" in text
    (counts,) = [d.value for d in at.dataframe]
    source = open_tiny(app_env)  # the oracle: plain SQL on the same file
    with source.engine.connect() as connection:
        europe_cases = connection.execute(sa.text(
            f"SELECT count(*) FROM moderation_cases WHERE country_code IN {EUROPE}")).scalar_one()
        all_cases = connection.execute(sa.text("SELECT count(*) FROM moderation_cases")).scalar_one()
    source.engine.dispose()
    rows = dict(zip(counts["table"], counts["rows"]))
    assert rows["moderation_cases"] == europe_cases < all_cases
    assert "vendor_sla_targets" not in rows  # no market column: nothing to count in their scope
    admin = open_page("admin", "app_pages/sources.py")
    assert any(".duckdb" in m.value for m in admin.markdown)  # the control


def test_settings_within_keeps_only_the_markets_and_sites_given() -> None:
    settings = Settings.from_sections({"targets": {
        "appeals.overturn_rate": 0.2,
        "by_country": {"US": {"appeals.overturn_rate": 0.1}, "DE": {"appeals.overturn_rate": 0.3}},
        "by_site": {"Meridian/Bogota": {"vendors.tat_adherence": 0.9}, "Atlas/Lisbon": {"vendors.tat_adherence": 0.97}},
    }})
    within = settings.within(["DE", "FR"], ["Atlas/Lisbon"])
    assert dict(within.by_country) == {"DE": {"appeals.overturn_rate": 0.3}}
    assert dict(within.by_site) == {"Atlas/Lisbon": {"vendors.tat_adherence": 0.97}}
    assert within.overrides == settings.overrides  # global targets are everyone's


def test_the_catalog_lists_only_the_regional_users_market_and_site_targets(
    app_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "governance.toml"
    config.write_text(
        '[targets.by_country.US]\n"appeals.overturn_rate" = 0.1\n'
        '[targets.by_country.DE]\n"appeals.overturn_rate" = 0.3\n'
        '[targets.by_site."Meridian/Bogota"]\n"vendors.tat_adherence" = 0.9\n'
        '[targets.by_site."Atlas/Lisbon"]\n"vendors.tat_adherence" = 0.97\n'
    )
    monkeypatch.setenv("GOVERNANCE_CONFIG", str(config))
    europe = open_page("europe", "app_pages/catalog.py")
    scopes = {s for d in europe.dataframe if "scope" in d.value.columns for s in d.value["scope"]}
    assert scopes == {"market DE", "vendor site Atlas/Lisbon"}
    admin = open_page("admin", "app_pages/catalog.py")
    scopes = {s for d in admin.dataframe if "scope" in d.value.columns for s in d.value["scope"]}
    assert scopes == {"market US", "market DE", "vendor site Meridian/Bogota", "vendor site Atlas/Lisbon"}


def test_a_site_annotation_reaches_only_the_markets_the_site_serves(small_demo_url: str) -> None:
    from metrics.base import MetricRequest, Period
    from ui.charts import annotations

    source = open_tiny(small_demo_url)
    request = MetricRequest(period=Period(dt.date(2026, 10, 1), dt.date(2026, 11, 15)))
    texts = {}
    for who, scope in {"all": Scope.everything(), "europe": Scope.of(EUROPE), "sea": Scope.of(("ID", "MY"))}.items():
        frame_ = annotations(ScopedAccess(source, scope), request, ["vendor_sla"])
        texts[who] = dict(zip(frame_["text"], frame_["country_code"]))
    bogota = next(t for t in texts["all"] if t.startswith("Meridian Bogota"))
    assert texts["all"][bogota] == "BR, MX, US"  # one event, with the markets it concerns
    assert bogota not in texts["europe"] and bogota not in texts["sea"]
    source.engine.dispose()
