"""The demo-data generator: determinism, contract schemas, NULL rules, volumes, planted stories
(at their default and at relocated places) and loading into DuckDB and SQLite."""

from __future__ import annotations

import datetime as dt
import sqlite3

import duckdb
import polars as pl
import pytest

from connectors.contract import CONTRACT, NULLABLE, polars_schema
from sample_data import DEFAULT_END, SCALES, Stories, build_tables, ensure_demo_database, generate
from sample_data import reference as ref

OVERTURNED = ["reversed", "partially_reversed"]
RELOCATED = Stories(
    overturn_country="BR",
    overturn_policy="fraud_scam",
    slow_vendor="Northstar",
    slow_site="Cebu",
    spike_country="MX",
    spike_policy="undisclosed_promotion",
    p0_country="JP",
    recurring_root_cause="vendor_guideline_gap",
)


def at(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def days_before(end: dt.date, n: int) -> dt.datetime:
    """Midnight starting the day `n` days before `end`."""
    return at(end - dt.timedelta(days=n))


def week_index(column: str, end: dt.date) -> pl.Expr:
    """0 for the last 7 days up to end, 1 for the 7 days before, ..."""
    return (pl.lit(end) - pl.col(column).dt.date()).dt.total_days() // 7


@pytest.fixture(scope="module")
def small() -> dict[str, pl.DataFrame]:
    return build_tables(scale="small")


@pytest.fixture(scope="module")
def relocated() -> dict[str, pl.DataFrame]:
    return build_tables(scale="small", seed=11, stories=RELOCATED)


@pytest.fixture(scope="module", params=["default_stories", "relocated_stories"])
def story_case(request, small, relocated) -> tuple[dict[str, pl.DataFrame], Stories]:
    return (small, Stories()) if request.param == "default_stories" else (relocated, RELOCATED)


# ------------------------------------------------------------------------------------------------
# Determinism, schemas, time window, NULL rules, volumes
# ------------------------------------------------------------------------------------------------
def test_same_parameters_give_identical_frames(small):
    again = build_tables(scale="small")
    for name in CONTRACT:
        assert again[name].equals(small[name]), name


def test_different_seed_gives_different_data(small):
    other = build_tables(scale="small", seed=8)
    assert not other["moderation_cases"].equals(small["moderation_cases"])
    assert not other["appeals"].equals(small["appeals"])


def test_every_table_has_the_exact_contract_schema(small, relocated):
    for tables in (small, relocated):
        assert list(tables) == list(CONTRACT)
        for name, frame in tables.items():
            assert frame.schema == pl.Schema(polars_schema(name)), name


def test_non_nullable_columns_have_no_nulls(small):
    for name, frame in small.items():
        for column in frame.columns:
            if column in NULLABLE[name]:
                continue
            assert frame[column].null_count() == 0, f"{name}.{column}"


@pytest.mark.parametrize("end,days", [(DEFAULT_END, 180), (dt.date(2025, 3, 2), 90)])
def test_no_timestamp_after_end_and_events_inside_window(end, days):
    tables = build_tables(scale="small", end=end, days=days)
    last = dt.datetime.combine(end, dt.time(23, 59, 59, 999999))
    first = at(end - dt.timedelta(days=days - 1))
    for name, frame in tables.items():
        for column, dtype in frame.schema.items():
            if frame[column].null_count() == frame.height:
                continue
            if dtype == pl.Datetime("us"):
                assert frame[column].max() <= last, f"{name}.{column}"
            elif dtype == pl.Date:
                assert frame[column].max() <= end, f"{name}.{column}"
    starts = {"moderation_cases": "created_at", "appeals": "submitted_at",
              "creator_violations": "occurred_at", "escalations": "opened_at"}
    for name, column in starts.items():
        assert tables[name][column].min() >= first, f"{name}.{column}"
    assert tables["creators"]["onboarded_at"].min() < first  # population predates the window
    assert tables["vendor_sla_targets"]["effective_from"].max() < first.date()


def test_case_null_rules_and_value_ranges(small):
    cases = small["moderation_cases"]
    human = pl.col("channel") == "human"
    assert cases.filter(human & pl.col("vendor").is_null()).height == 0
    assert cases.filter(~human & (pl.col("vendor").is_not_null() | pl.col("site").is_not_null())).height == 0
    assert cases.filter((pl.col("outcome") == "approved") != pl.col("action").is_null()).height == 0
    assert cases.filter(~pl.col("qa_sampled") & pl.col("qa_agree").is_not_null()).height == 0
    assert cases.filter(pl.col("decided_at") < pl.col("created_at")).height == 0
    pending = cases.filter(pl.col("decided_at").is_null())
    assert 0 < pending.height < 0.02 * cases.height
    assert pending["created_at"].min() >= days_before(DEFAULT_END, 3)
    assert set(cases["channel"].unique()) == {"algo", "llm", "human"}
    assert set(cases["outcome"].unique()) == {"approved", "actioned"}
    assert set(cases["target_type"].unique()) == {"seller", "creator", "listing", "content"}
    handle = cases.group_by("channel").agg(lo=pl.col("handle_seconds").min(),
                                           hi=pl.col("handle_seconds").max())
    bounds = {r["channel"]: (r["lo"], r["hi"]) for r in handle.iter_rows(named=True)}
    assert bounds["algo"][1] <= 2 and bounds["llm"][0] >= 4 and bounds["human"][0] >= 30
    assert (cases["handle_seconds"] == cases["handle_seconds"].round()).all()
    human_cost = cases.filter(human)["cost_usd"]
    assert (human_cost == human_cost.round(2)).all()
    # The LLM share grows over the window and the human share shrinks.
    share = (cases.with_columns(w=week_index("created_at", DEFAULT_END))
             .group_by("w").agg(llm=(pl.col("channel") == "llm").mean(),
                                human=(pl.col("channel") == "human").mean()).sort("w"))
    newest, oldest = share.row(0, named=True), share.row(share.height - 1, named=True)
    assert oldest["llm"] < 0.16 and newest["llm"] > 0.28
    assert newest["human"] < oldest["human"] - 0.15


def test_appeals_are_consistent_with_their_cases(small):
    appeals, cases = small["appeals"], small["moderation_cases"]
    joined = appeals.join(cases, on="case_id", how="left", suffix="_case")
    assert joined["created_at"].null_count() == 0
    assert (joined["outcome_case"] == "actioned").all()
    assert (joined["country_code"] == joined["country_code_case"]).all()
    assert (joined["policy"] == joined["policy_case"]).all()
    assert (joined["original_action"] == joined["action"]).all()
    assert (joined["original_channel"] == joined["channel"]).all()
    assert (joined["submitted_at"] > joined["decided_at_case"]).all()
    pending = appeals["decided_at"].is_null()
    assert (pending == appeals["outcome"].is_null()).all()
    assert (pending == appeals["reviewer"].is_null()).all()
    assert appeals.filter(pending & pl.col("qa_score").is_not_null()).height == 0
    decided = appeals.filter(~pending)
    assert (decided["decided_at"] > decided["submitted_at"]).all()
    assert 0.1 < decided["qa_score"].is_not_null().mean() < 0.3
    assert decided["qa_score"].min() >= 0 and decided["qa_score"].max() <= 100
    assert 0.02 < appeals["is_reappeal"].mean() < 0.09
    assert set(appeals["sla_hours"].unique()) == {48.0, 72.0}
    # Pending: the most recent ones plus an aged backlog.
    aged = appeals.filter(pending & (pl.col("submitted_at") < days_before(DEFAULT_END, 14)))
    assert aged.height > 0
    by_channel = dict(decided.group_by("original_channel")
                      .agg(pl.col("outcome").is_in(OVERTURNED).mean()).iter_rows())
    assert by_channel["algo"] > by_channel["llm"] > by_channel["human"]


def test_escalation_status_matches_timestamps(small):
    e = small["escalations"]
    assert e.filter((pl.col("status") == "resolved") != pl.col("resolved_at").is_not_null()).height == 0
    contained = (pl.col("status") == "contained")
    assert e.filter(contained & (pl.col("contained_at").is_null() | pl.col("resolved_at").is_not_null())).height == 0
    assert e.filter((pl.col("status") == "open") & pl.col("contained_at").is_not_null()).height == 0
    assert e.filter(pl.col("resolved_at").is_not_null() & pl.col("contained_at").is_null()).height == 0
    assert e.filter(pl.col("contained_at").is_not_null() & pl.col("acknowledged_at").is_null()).height == 0
    assert e.filter(pl.col("acknowledged_at") < pl.col("opened_at")).height == 0
    assert e.filter(pl.col("contained_at") < pl.col("acknowledged_at")).height == 0
    assert e.filter(pl.col("resolved_at") < pl.col("contained_at")).height == 0
    assert e.filter((pl.col("status") == "resolved") & pl.col("root_cause").is_null()).height == 0
    assert e.filter(pl.col("recurrence_of") >= pl.col("escalation_id")).height == 0
    assert (e["escalation_id"] == pl.int_range(1, e.height + 1, eager=True)).all()
    # Time to resolve grows with the priority number.
    hours = (e.filter(pl.col("resolved_at").is_not_null())
             .group_by("priority").agg(((pl.col("resolved_at") - pl.col("opened_at"))
                                        .dt.total_hours()).median().alias("h")).sort("priority"))
    assert hours["h"].is_sorted()


def test_small_scale_volumes(small):
    rows = {name: frame.height for name, frame in small.items()}
    assert rows["countries"] == 16
    assert 30_000 <= rows["moderation_cases"] <= 40_000
    assert 2_500 <= rows["appeals"] <= 6_000
    assert rows["creators"] >= 500 and rows["creator_violations"] >= 400
    assert rows["escalations"] >= 100
    assert rows["annotations"] == 6 + len(ref.site_markets("Bogota"))  # six events, the slow site's once per market it serves
    assert rows["vendor_sla_targets"] == small["vendor_sla_targets"].select("vendor", "site", "queue").n_unique()
    regions = dict(small["countries"].group_by("region").len().iter_rows())
    assert regions == {"North America": 1, "Latin America": 2, "Europe": 6, "Southeast Asia": 6,
                       "East Asia": 1}


def test_a_float_scale_multiplies_volumes(small):
    assert SCALES["default"] == 1.0 and SCALES["small"] < 1 < SCALES["large"]
    double = build_tables(scale=0.02)
    ratio = double["moderation_cases"].height / small["moderation_cases"].height
    assert 1.8 < ratio < 2.1


def test_invalid_parameters_are_rejected():
    with pytest.raises(ValueError, match="scale"):
        build_tables(scale="huge")
    with pytest.raises(ValueError, match="scale"):
        build_tables(scale=0)
    with pytest.raises(ValueError, match="overturn_country"):
        build_tables(scale="small", stories=Stories(overturn_country="XX"))
    with pytest.raises(ValueError, match="slow_vendor"):
        build_tables(scale="small", stories=Stories(slow_vendor="Northstar", slow_site="Bogota"))
    with pytest.raises(ValueError, match="days"):
        build_tables(scale="small", days=30)


# ------------------------------------------------------------------------------------------------
# Planted stories, computed from the raw frames
# ------------------------------------------------------------------------------------------------
def test_story_overturn_jump(story_case):
    tables, stories = story_case
    appeals = tables["appeals"].filter(pl.col("decided_at").is_not_null())
    window = (pl.when(pl.col("decided_at") >= days_before(DEFAULT_END, 20)).then(pl.lit("cur"))
              .when(pl.col("decided_at") >= days_before(DEFAULT_END, 41)).then(pl.lit("prev")))
    cells = (appeals.with_columns(w=window).filter(pl.col("w").is_not_null())
             .group_by("country_code", "policy", "w")
             .agg(n=pl.len(), rate=pl.col("outcome").is_in(OVERTURNED).mean())
             .pivot("w", index=["country_code", "policy"], values=["n", "rate"])
             .fill_null(0)
             .with_columns(jump=pl.col("rate_cur") - pl.col("rate_prev")))
    story = cells.filter(country_code=stories.overturn_country, policy=stories.overturn_policy).row(0, named=True)
    assert story["n_prev"] >= 40 and story["n_cur"] >= 40
    assert story["rate_cur"] >= 2.5 * story["rate_prev"]
    assert story["rate_cur"] >= 0.4 and story["rate_prev"] <= 0.3
    comparable = cells.filter((pl.col("n_prev") >= 10) & (pl.col("n_cur") >= 10))
    top = comparable.sort("jump", descending=True).row(0, named=True)
    assert (top["country_code"], top["policy"]) == (stories.overturn_country, stories.overturn_policy)
    others = comparable.filter((pl.col("country_code") != stories.overturn_country)
                               | (pl.col("policy") != stories.overturn_policy))
    assert others["jump"].abs().max() < 0.15


def test_story_slow_vendor_site(story_case):
    tables, stories = story_case
    cases = (tables["moderation_cases"]
             .filter(pl.col("channel") == "human", pl.col("decided_at").is_not_null())
             .join(tables["vendor_sla_targets"], on=["vendor", "site", "queue"], how="left"))
    assert cases["aht_target_seconds"].null_count() == 0
    weekly = (cases.with_columns(w=week_index("decided_at", DEFAULT_END)).filter(pl.col("w") < 4)
              .group_by("vendor", "site", "w")
              .agg(tat=((pl.col("decided_at") - pl.col("created_at")).dt.total_microseconds()
                        <= pl.col("sla_hours") * 3_600_000_000).mean(),
                   target=pl.col("tat_adherence_target").first(),
                   aht=pl.col("handle_seconds").mean(), aht_target=pl.col("aht_target_seconds").mean()))
    is_slow = (pl.col("vendor") == stories.slow_vendor) & (pl.col("site") == stories.slow_site)
    slow = weekly.filter(is_slow)
    assert slow.height == 4
    assert (slow["tat"] <= slow["target"] - 0.07).all()
    assert (slow["aht"] > slow["aht_target"]).all()
    others = weekly.filter(~is_slow)
    assert (others["tat"] >= others["target"]).mean() >= 0.75
    assert (others["aht"] <= others["aht_target"]).mean() >= 0.75
    # Handling time of the slow site's cases created in the last 28 days is ~40 % higher
    # (relative to each queue's target, so the comparison does not depend on the queue mix).
    site = cases.filter(is_slow).with_columns(w=week_index("created_at", DEFAULT_END),
                                              rel=pl.col("handle_seconds") / pl.col("aht_target_seconds"))
    recent = site.filter(pl.col("w") < 4)["rel"].mean()
    before = site.filter(pl.col("w").is_between(4, 12))["rel"].mean()
    assert 1.3 <= recent / before <= 1.5


def test_story_creator_violation_spike(story_case):
    tables, stories = story_case
    weekly = (tables["creator_violations"].with_columns(w=week_index("occurred_at", DEFAULT_END))
              .filter(pl.col("w") < 10)
              .group_by("country_code", "policy", "w").len()
              .pivot("w", index=["country_code", "policy"], values="len").fill_null(0))
    for w in range(10):
        if str(w) not in weekly.columns:
            weekly = weekly.with_columns(pl.lit(0, dtype=pl.UInt32).alias(str(w)))
    weekly = weekly.with_columns(base=pl.mean_horizontal([pl.col(str(w)) for w in range(2, 10)]))
    spiking = weekly.filter((pl.col("0") >= 4 * pl.col("base")) & (pl.col("1") >= 4 * pl.col("base"))
                            & (pl.col("0") >= 25) & (pl.col("1") >= 25))
    assert spiking.select("country_code", "policy").rows() == [(stories.spike_country, stories.spike_policy)]


def test_story_open_p0_regulator_escalation(story_case):
    tables, stories = story_case
    e = tables["escalations"]
    open_p0 = e.filter(pl.col("priority") == "P0", pl.col("status") != "resolved")
    assert open_p0.height == 1
    p0 = open_p0.row(0, named=True)
    assert p0["source"] == "regulator" and p0["country_code"] == stories.p0_country
    assert p0["status"] == "open" and p0["contained_at"] is None and p0["resolved_at"] is None
    assert p0["opened_at"].date() == DEFAULT_END - dt.timedelta(days=4)
    assert p0["acknowledged_at"] - p0["opened_at"] == dt.timedelta(hours=1)
    assert p0["summary"].startswith("Regulator inquiry:")


def test_story_recurring_root_cause(story_case):
    tables, stories = story_case
    e = tables["escalations"]
    chain = e.filter(pl.col("root_cause") == stories.recurring_root_cause,
                     pl.col("recurrence_of").is_not_null())
    assert chain.height >= 5
    parents = e.join(chain.select("recurrence_of"), left_on="escalation_id", right_on="recurrence_of")
    assert (parents["root_cause"] == stories.recurring_root_cause).all()
    assert (parents["status"] == "resolved").all()
    # One unbroken chain: every link points at the previous escalation of the chain.
    links = chain.sort("escalation_id")
    firsts = set(e.filter(pl.col("root_cause") == stories.recurring_root_cause)["escalation_id"])
    first = min(set(links["recurrence_of"]) - set(links["escalation_id"]))
    assert first in firsts
    assert links["recurrence_of"].to_list() == [first, *links["escalation_id"].to_list()[:-1]]
    assert (links["status"] == "resolved").all()
    counts = (e.filter(pl.col("recurrence_of").is_not_null()).group_by("root_cause").len()
              .sort("len", descending=True))
    assert counts["root_cause"][0] == stories.recurring_root_cause
    assert counts.height == 1 or counts["len"][0] > counts["len"][1]


def test_story_annotations(story_case):
    tables, stories = story_case
    notes = tables["annotations"]
    assert notes.filter(pl.col("country_code").is_null() & pl.col("domain").is_null()).height >= 1
    assert notes.filter(pl.col("country_code").is_null()).height >= 2
    expected = [
        (DEFAULT_END - dt.timedelta(days=20), stories.overturn_country, "appeals"),
        (DEFAULT_END - dt.timedelta(days=13), stories.spike_country, "creator_risk"),
        (DEFAULT_END - dt.timedelta(days=4), stories.p0_country, "escalations"),
        # a site's event is written once per market the site serves (no null "every market" row)
        *((DEFAULT_END - dt.timedelta(days=27), market, "vendor_sla") for market in ref.site_markets(stories.slow_site)),
    ]
    rows = set(notes.select("day", "country_code", "domain").rows())
    for row in expected:
        assert row in rows
    site_notes = notes.filter(pl.col("text").str.contains(stories.slow_site))
    assert sorted(site_notes["country_code"]) == sorted(ref.site_markets(stories.slow_site))


# ------------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------------
def test_generate_round_trips_into_duckdb_and_sqlite(tmp_path, small):
    expected = {name: frame.height for name, frame in small.items()}
    duck_path, sqlite_path = tmp_path / "demo.duckdb", tmp_path / "demo.sqlite"
    assert generate(f"duckdb:///{duck_path}", scale="small") == expected
    assert generate(f"duckdb:///{duck_path}", scale="small") == expected  # replaces, not appends
    with duckdb.connect(str(duck_path), read_only=True) as con:
        for name, rows in expected.items():
            assert con.execute(f"SELECT COUNT(*) FROM {name}").fetchall()[0][0] == rows, name
        back = con.sql("SELECT * FROM appeals ORDER BY appeal_id").to_arrow_table()
        assert pl.from_arrow(back).equals(small["appeals"])
    assert generate(f"sqlite:///{sqlite_path}", scale="small") == expected
    con = sqlite3.connect(sqlite_path)
    try:
        for name, rows in expected.items():
            assert con.execute(f"SELECT COUNT(*) FROM {name}").fetchall()[0][0] == rows, name
        indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"ix_moderation_cases_created_at", "ix_appeals_country_code"} <= indexes
        first = con.execute("SELECT created_at FROM moderation_cases WHERE case_id = 1").fetchone()[0]
        assert first == small["moderation_cases"]["created_at"][0].strftime("%Y-%m-%d %H:%M:%S.%f")
    finally:
        con.close()


def test_ensure_demo_database(tmp_path, monkeypatch, capsys):
    import sample_data.generator as generator

    existing = tmp_path / "existing.duckdb"
    existing.write_bytes(b"")
    monkeypatch.setattr(generator, "generate", lambda *a, **k: pytest.fail("must not regenerate"))
    assert ensure_demo_database(existing) == existing

    calls = []

    def small_generate(url, **kwargs):
        calls.append(url)
        return generate(url, scale="small")

    monkeypatch.setattr(generator, "generate", small_generate)
    target = tmp_path / "sub" / "governance.duckdb"
    assert ensure_demo_database(target) == target
    assert target.exists() and len(calls) == 1 and str(target) not in calls[0]
    assert sorted(p.name for p in target.parent.iterdir()) == ["governance.duckdb"]
    assert "generating the demo database" in capsys.readouterr().err
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT COUNT(*) FROM countries").fetchall()[0][0] == 16
