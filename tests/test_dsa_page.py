"""The DSA page under AppTest on the small demo (synthetic statements), for admin and a regional user,
and the DSA metrics on hand-made statements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from connectors.dsa_import import COLUMNS_2025, import_statements
from connectors.scope import Scope
from connectors.source import ScopedAccess, open_source
from metrics import dsa
from metrics.base import Period
from app_login import log_in

EUROPE = {"GB", "DE", "FR", "ES", "IT", "IE"}


@pytest.fixture()
def app_env(demo_app_env: None) -> None:
    """app.py on the small demo (conftest.demo_app_env)."""


def run_dsa_page(username: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    log_in(username)
    at.run()
    at.switch_page("app_pages/dsa.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    """The first shown table that has `column`, as pandas."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a '{column}' column: {[list(f.value.columns) for f in at.dataframe]}")


def test_admin_sees_every_synthetic_platform(app_env: None, small_demo_url: str) -> None:
    at = run_dsa_page("admin")
    source = open_source(small_demo_url)
    try:
        expected = dsa.by_platform(ScopedAccess(source, Scope.everything()), dsa.DsaFilter())
    finally:
        source.engine.dispose()
    shown = table(at, "fully_automated_share")
    assert sorted(shown["platform_name"]) == sorted(expected["platform_name"].to_list())
    assert int(shown["statements"].sum()) == int(expected["statements"].sum()) == 300
    states = table(at, "country_code")
    assert len(set(states["country_code"])) == 30  # the synthetic scopes cover the EU/EEA


def test_regional_user_sees_no_out_of_scope_territory(app_env: None, small_demo_url: str) -> None:
    at = run_dsa_page("europe")
    states = table(at, "country_code")
    assert set(states["country_code"]) <= EUROPE and {"DE", "FR"} <= set(states["country_code"])
    source = open_source(small_demo_url)
    try:
        scoped = ScopedAccess(source, Scope.of(EUROPE))
        expected = dsa.by_platform(scoped, dsa.DsaFilter())
        everything = dsa.by_platform(ScopedAccess(source, Scope.everything()), dsa.DsaFilter())
    finally:
        source.engine.dispose()
    shown = table(at, "fully_automated_share")
    assert int(shown["statements"].sum()) == int(expected["statements"].sum())
    # the synthetic scopes AT..NO (none of these markets) exist, so the regional count is smaller
    assert int(expected["statements"].sum()) < int(everything["statements"].sum())


# ---- golden: the DSA metrics on four hand-made statements -----------------------------------------
#
#   A  P1  SCAMS_AND_FRAUD             FULLY          detection Yes  own initiative  scope DE, FR
#      content 07-01 00:00 -> applied 00:30 (0.5 h: "< 1 h") -> created 03:00 (2.5 h: "1-6 h")
#      content types PRODUCT, TEXT
#   B  P1  PORNOGRAPHY_OR_SEXUALIZED (retired; normalised OTHER_VIOLATION_TC) NOT_AUTOMATED  No  notice  DE
#      content 06-28 -> applied 07-01 (72 h: "3-7 days") -> created 07-02 (24 h: "1-3 days"); IMAGE
#   C  P2  SCAMS_AND_FRAUD             FULLY          Yes  own initiative  NL
#      no content date (not in the moderation delay) -> applied 07-01 -> created 01:00 (1 h: "1-6 h")
#   D  P2  SCAMS_AND_FRAUD             PARTIALLY      Yes  own initiative  FR, NL
#      content 07-01 00:00 -> applied 05:00 (5 h: "1-6 h") -> created 05:00 (0 h: "< 1 h"); PRODUCT
#   Our cases decided in the week of 2025-07-01: DE algo, llm, human, human (automated 2/4);
#   FR algo (1/1); GB algo x3 (not EU: never compared).

T = dt.datetime
STATEMENTS = [
    ("A", "P1", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "AUTOMATED_DECISION_FULLY", True, "SOURCE_VOLUNTARY",
     ("DE", "FR"), ("CONTENT_TYPE_PRODUCT", "CONTENT_TYPE_TEXT"), T(2025, 7, 1), T(2025, 7, 1, 0, 30), T(2025, 7, 1, 3)),
    ("B", "P1", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "AUTOMATED_DECISION_NOT_AUTOMATED", False,
     "SOURCE_ARTICLE_16", ("DE",), ("CONTENT_TYPE_IMAGE",), T(2025, 6, 28), T(2025, 7, 1), T(2025, 7, 2)),
    ("C", "P2", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "AUTOMATED_DECISION_FULLY", True, "SOURCE_VOLUNTARY",
     ("NL",), ("CONTENT_TYPE_PRODUCT",), None, T(2025, 7, 1), T(2025, 7, 1, 1)),
    ("D", "P2", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "AUTOMATED_DECISION_PARTIALLY", True, "SOURCE_VOLUNTARY",
     ("FR", "NL"), ("CONTENT_TYPE_PRODUCT",), T(2025, 7, 1), T(2025, 7, 1, 5), T(2025, 7, 1, 5)),
]
WEEK = Period(dt.date(2025, 6, 30), dt.date(2025, 7, 6))


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tiny import frame, load_frames, open_tiny

    statements, territories, values = [], [], []
    for uuid, platform, category, decision, detection, source_type, scope, content, posted, applied, created in STATEMENTS:
        statements.append(dict(uuid=uuid, platform_name=platform, platform_uid=uuid, schema_version=2, category=category,
                               category_original=category, category_mapping="2025-07", automated_detection=detection,
                               automated_decision=decision, source_type=source_type, content_date=posted,
                               application_date=applied, created_at=created, source_file="hand-made"))
        territories += [dict(uuid=uuid, country_code=c, platform_name=platform, category=category,
                             automated_detection=detection, automated_decision=decision, created_at=created) for c in scope]
        values += [dict(uuid=uuid, field="content_type", value=v, platform_name=platform, created_at=created)
                   for v in content]
    cases = [dict(case_id=i, created_at=T(2025, 7, 1), decided_at=T(2025, 7, 2), country_code=country, channel=channel)
             for i, (country, channel) in enumerate([("DE", "algo"), ("DE", "llm"), ("DE", "human"), ("DE", "human"),
                                                     ("FR", "algo"), ("GB", "algo"), ("GB", "algo"), ("GB", "algo")])]
    url = f"duckdb:///{tmp_path_factory.mktemp('dsa-golden') / 'golden.duckdb'}"
    load_frames(url, {"dsa_statements": frame("dsa_statements", statements),
                      "dsa_statement_territories": frame("dsa_statement_territories", territories),
                      "dsa_statement_values": frame("dsa_statement_values", values),
                      "moderation_cases": frame("moderation_cases", cases)})
    source = open_tiny(url)
    yield source
    source.engine.dispose()


def test_golden_by_platform_and_scope(golden) -> None:  # type: ignore[no-untyped-def]
    everything = dsa.by_platform(ScopedAccess(golden, Scope.everything()), dsa.DsaFilter())
    assert everything.select("platform_name", "statements", "fully_automated", "automated_detection",
                             "notice_share").rows() == [("P1", 2, 1, 1, 0.5), ("P2", 2, 1, 2, 0.0)]
    germany = dsa.by_platform(ScopedAccess(golden, Scope.of(["DE"])), dsa.DsaFilter())
    assert germany.select("platform_name", "statements").rows() == [("P1", 2)]
    netherlands = dsa.by_platform(ScopedAccess(golden, Scope.of(["NL"])), dsa.DsaFilter())
    assert netherlands.select("platform_name", "statements").rows() == [("P2", 2)]
    p2_only = dsa.by_platform(ScopedAccess(golden, Scope.everything()), dsa.DsaFilter(platforms=("P2",)))
    assert p2_only["statements"].to_list() == [2]


def test_golden_member_states_count_only_the_users_markets(golden) -> None:  # type: ignore[no-untyped-def]
    states = dsa.by_member_state(ScopedAccess(golden, Scope.everything()), dsa.DsaFilter())
    assert states.select("country_code", "platform_name", "statements", "automated_share").rows() == [
        ("DE", "P1", 2, 0.5), ("FR", "P1", 1, 1.0), ("FR", "P2", 1, 0.0), ("NL", "P2", 2, 0.5)]
    france = dsa.by_member_state(ScopedAccess(golden, Scope.of(["FR"])), dsa.DsaFilter())
    assert set(france["country_code"]) == {"FR"} and france["statements"].sum() == 2


def test_golden_delays_breakdown_and_content_types(golden) -> None:  # type: ignore[no-untyped-def]
    access = ScopedAccess(golden, Scope.everything())
    moderation = dsa.delay_distribution(access, dsa.DsaFilter(), "moderation").filter(pl_col_positive())
    assert moderation.select("platform_name", "delay", "statements").rows() == [
        ("P1", "< 1 h", 1), ("P1", "3-7 days", 1), ("P2", "1-6 h", 1)]
    reporting = dsa.delay_distribution(access, dsa.DsaFilter(), "reporting").filter(pl_col_positive())
    assert reporting.select("platform_name", "delay", "statements").rows() == [
        ("P1", "1-6 h", 1), ("P1", "1-3 days", 1), ("P2", "< 1 h", 1), ("P2", "1-6 h", 1)]
    categories = dsa.breakdown(access, dsa.DsaFilter(), "category")
    assert categories.select("platform_name", "category", "statements", "share").rows() == [
        ("P1", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", 1, 0.5), ("P1", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", 1, 0.5),
        ("P2", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", 2, 1.0)]
    content = dsa.list_values(access, dsa.DsaFilter(), "content_type")
    assert content.rows() == [("CONTENT_TYPE_PRODUCT", 3), ("CONTENT_TYPE_IMAGE", 1), ("CONTENT_TYPE_TEXT", 1)]
    july_2 = dsa.by_platform(access, dsa.DsaFilter(period=Period(dt.date(2025, 7, 2), dt.date(2025, 7, 2))))
    assert july_2.select("platform_name", "statements").rows() == [("P1", 1)]  # only B was created on 2 July


def test_golden_peer_comparison(golden) -> None:  # type: ignore[no-untyped-def]
    peers = dsa.peer_comparison(ScopedAccess(golden, Scope.everything()), dsa.DsaFilter(), WEEK)
    assert peers.select("country_code", "who", "decisions", "automated", "automated_share").rows() == [
        ("DE", dsa.OURS, 4, 2, 0.5), ("DE", "P1", 2, 1, 0.5),
        ("FR", dsa.OURS, 1, 1, 1.0), ("FR", "P1", 1, 1, 1.0), ("FR", "P2", 1, 0, 0.0)]
    germany = dsa.peer_comparison(ScopedAccess(golden, Scope.of(["DE", "GB"])), dsa.DsaFilter(), WEEK)
    assert set(germany["country_code"]) == {"DE"}


def pl_col_positive():  # type: ignore[no-untyped-def]
    import polars as pl

    return pl.col("statements") > 0


def test_report_section_shows_ours_beside_the_peer(app_env: None, small_demo_url: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import cli

    copy = tmp_path / "with-peer.duckdb"
    shutil.copy(small_demo_url.removeprefix("duckdb:///"), copy)
    peer_files = sorted(Path("/work/shared/data/dsa/tiktok-report").glob("*.csv"))
    assert cli.main(["import-dsa-report", *map(str, peer_files), "--url", f"duckdb:///{copy}"]) == 0
    monkeypatch.setenv("GOVERNANCE_DB_URL", f"duckdb:///{copy}")
    at = run_dsa_page("europe")
    peer = at.selectbox(key="dsa-peer")
    assert peer.options == ["Peer video app (demo)", "Tiktok"]  # the demo's synthetic report, then TikTok's
    peer.set_value("Tiktok").run()
    assert not at.exception, [e.message for e in at.exception]
    report = table(at, "value_peer")
    total = report[(report["scope"] == "Total number") & report["indicator"].str.startswith("Number of complaints")]
    assert list(total["value_peer"]) == [14589660]
    states = {s for s in report["scope"] if len(s) == 2}
    assert states and states <= EUROPE  # TikTok's AT, BE, ... rows are out of this user's scope
