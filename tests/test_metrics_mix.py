"""Moderation mix metrics: golden values on a hand-made dataset, backend parity, planted stories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

import polars as pl
import pytest

from connectors.scope import Scope
from connectors.source import ScopedAccess
from metrics import mix
from metrics.base import MetricRequest, Period
from metrics.targets import Settings
from tiny import T, backend_url, frame, load_frames, open_tiny

D = dt.date
WEEK = MetricRequest(Period(D(2026, 11, 9), D(2026, 11, 15)))  # Mon..Sun; comparison 2..8 Nov
EMPTY = MetricRequest(Period(D(2026, 12, 1), D(2026, 12, 7)))
H = 3600  # seconds per hour


def case(case_id: int, created: dt.datetime, decided: dt.datetime | None, *, channel: str = "human",
         queue: str = "listings", country: str = "PH", cost: float = 1.0, sampled: bool = False,
         agree: bool | None = None, policy: str = "counterfeit") -> dict[str, Any]:
    human = channel == "human"
    return dict(case_id=case_id, created_at=created, decided_at=decided, country_code=country, queue=queue,
                target_type="listing", policy=policy, outcome="actioned", action="remove_listing",
                channel=channel, vendor="Acme" if human else None, site="Manila" if human else None,
                handle_seconds=100.0 if human else 5.0, sla_hours=24.0, cost_usd=cost, qa_sampled=sampled,
                qa_agree=agree)


# TAT of each case decided 9..15 Nov, and its histogram bucket ([low, high) hours, DURATION_EDGES_HOURS)
CASES = frame("moderation_cases", [
    # 12 h (bucket [12, 16)); decided exactly at 00:00:00 of the first day: in the period
    case(1, T(2026, 11, 8, 12), T(2026, 11, 9, 0, 0, 0), cost=0.8, sampled=True, agree=True),
    # 24 h + 1 s (bucket [24, 30)); QA disagreed
    case(2, T(2026, 11, 10, 0), T(2026, 11, 11, 0, 0, 1), cost=1.2, sampled=True, agree=False),
    # exactly 24 h (bucket [24, 30)); QA verdict still due (null)
    case(3, T(2026, 11, 12, 10), T(2026, 11, 13, 10), queue="content", cost=0.3, sampled=True),
    # decided at 00:00:00 of the day after the period: out
    case(4, T(2026, 11, 15, 20), T(2026, 11, 16, 0, 0, 0), cost=0.3),
    # pending: never counts
    case(5, T(2026, 11, 14, 8), None, cost=0.5),
    case(13, T(2026, 11, 14, 9), None, channel="algo", cost=0.002),
    # 2 h (bucket [2, 3))
    case(6, T(2026, 11, 9, 8), T(2026, 11, 9, 10), country="US", cost=2.0),
    # algorithm: 5 s (bucket [0, 1 min)); not QA-sampled
    case(7, T(2026, 11, 10, 0), T(2026, 11, 10, 0, 0, 5), channel="algo", country="US", cost=0.003),
    # 1 h (bucket [1, 1.5)); human without vendor; qa_agree set but not sampled: no QA verdict
    case(10, T(2026, 11, 12, 0), T(2026, 11, 12, 1), country="DE", cost=0.5, agree=True),
    # LLM: 30 s (bucket [0, 1 min)), QA agreed
    case(12, T(2026, 11, 11, 10), T(2026, 11, 11, 10, 0, 30), channel="llm", queue="content", country="US",
         cost=0.03, sampled=True, agree=True),
    # -- comparison week 2..8 Nov: 3 human, 1 algo --
    case(8, T(2026, 11, 3, 10), T(2026, 11, 3, 12), cost=0.7, sampled=True, agree=True),
    case(9, T(2026, 11, 8, 20), T(2026, 11, 8, 23, 59, 59), cost=1.0),  # one second before the period
    case(11, T(2026, 11, 5, 10), T(2026, 11, 5, 11), queue="content", cost=0.4),
    case(14, T(2026, 11, 6, 10), T(2026, 11, 6, 10, 0, 2), channel="algo", cost=0.002),
])


def appeal(appeal_id: int, channel: str, decided: dt.datetime | None, outcome: str | None) -> dict[str, Any]:
    return dict(appeal_id=appeal_id, case_id=appeal_id, submitted_at=T(2026, 11, 8), decided_at=decided,
                country_code="US", appellant_type="seller", policy="counterfeit", original_action="remove",
                original_channel=channel, outcome=outcome, reviewer="r1" if decided else None, sla_hours=48.0,
                qa_score=None, is_reappeal=False)


APPEALS = frame("appeals", [
    appeal(1, "algo", T(2026, 11, 10), "reversed"),
    appeal(2, "algo", T(2026, 11, 12), "upheld"),
    appeal(3, "human", T(2026, 11, 15, 23, 59, 59), "partially_reversed"),  # last second of the period
    appeal(4, "llm", None, None),  # pending
    appeal(5, "human", T(2026, 11, 16, 0, 0, 0), "reversed"),  # the day after: out
])

COUNTRIES = frame("countries", [
    dict(country_code="PH", country_name="Philippines", region="Southeast Asia"),
    dict(country_code="US", country_name="United States", region="North America"),
    dict(country_code="DE", country_name="Germany", region="Europe"),
])


def tiny_access(url: str) -> ScopedAccess:
    load_frames(url, {"moderation_cases": CASES, "appeals": APPEALS, "countries": COUNTRIES})
    return ScopedAccess(open_tiny(url), Scope.everything())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScopedAccess]:
    access = tiny_access(backend_url("duckdb", tmp_path_factory.mktemp("mix")))
    yield access
    access.source.engine.dispose()


def kpi_map(access: ScopedAccess, request: MetricRequest) -> dict[str, Any]:
    return {k.metric.id: k for k in mix.kpis(access, request, Settings())}


# ---- golden values ------------------------------------------------------------------------------


def test_kpis_for_a_week_by_hand(tiny: ScopedAccess) -> None:
    k = kpi_map(tiny, WEEK)
    # decided 9..15 Nov: human 1, 2, 3, 6, 10; algo 7; llm 12 (4 decided 16 Nov; 5, 13 pending)
    assert k["mix.decisions"].value == 7
    assert k["mix.automated_share"].value == pytest.approx(2 / 7)  # algo 7 + llm 12
    assert k["mix.llm_share"].value == pytest.approx(1 / 7)
    assert k["mix.human_share"].value == pytest.approx(5 / 7)
    assert k["mix.qa_accuracy"].value == pytest.approx(2 / 3)  # verdicts: 1 agree, 2 disagree, 12 agree
    assert k["mix.cost_per_decision"].value == pytest.approx(4.833 / 7)  # (0.8+1.2+0.3+2.0+0.5+0.003+0.03)/7
    assert k["mix.total_cost_usd"].value == pytest.approx(4.833)  # the same sum, all channels
    assert k["mix.cost_per_1k_decisions"].value == pytest.approx(4833 / 7)  # 1,000 x 4.833 / 7
    # sorted TATs: 5 s, 30 s | 1 h | 2 h | 12 h | 24 h, 24 h+1 s; buckets b0:2, [1,1.5):1, [2,3):1,
    # [12,16):1, [24,30):2. P50 rank 3.5 falls in [2,3) after 3: 2 + 1 * 0.5/1 = 2.5 h
    assert k["mix.tat_p50_hours"].value == pytest.approx(2.5)
    # P90 rank 6.3 falls in [24,30) after 5: 24 + 6 * (6.3-5)/2 = 27.9 h
    assert k["mix.tat_p90_hours"].value == pytest.approx(27.9)
    # comparison 2..8 Nov: human 8, 9, 11; algo 14
    assert k["mix.decisions"].previous == 4
    assert k["mix.automated_share"].previous == pytest.approx(0.25)  # 1/4
    assert k["mix.llm_share"].previous == 0.0
    assert k["mix.qa_accuracy"].target == 0.92 and k["mix.automated_share"].target is None


def test_empty_period_gives_none_not_an_error(tiny: ScopedAccess) -> None:
    k = kpi_map(tiny, EMPTY)
    assert k["mix.decisions"].value == 0
    assert k["mix.total_cost_usd"].value == 0  # no decisions cost nothing: a sum, not a ratio
    for metric_id in set(mix.METRIC_IDS) - {"mix.decisions", "mix.total_cost_usd"}:
        assert k[metric_id].value is None, metric_id
    rows = mix.by_channel(tiny, EMPTY)
    assert rows["channel"].to_list() == ["algo", "llm", "human"]  # every channel, zero decisions
    assert rows["decisions"].to_list() == [0, 0, 0] and rows["share"].null_count() == 3
    assert rows["overturn_rate"].null_count() == 3


def test_by_channel_by_hand(tiny: ScopedAccess) -> None:
    rows = {r["channel"]: r for r in mix.by_channel(tiny, WEEK).to_dicts()}
    assert list(rows) == ["algo", "llm", "human"]
    algo, llm, human = rows["algo"], rows["llm"], rows["human"]
    assert (algo["decisions"], llm["decisions"], human["decisions"]) == (1, 1, 5)
    assert human["share"] == pytest.approx(5 / 7) and human["share_previous"] == pytest.approx(3 / 4)
    assert llm["share_previous"] == 0.0 and llm["decisions_previous"] == 0
    assert human["qa_accuracy"] == pytest.approx(0.5)  # 1 agree, 2 disagree (3 due, 10 not sampled)
    assert algo["qa_accuracy"] is None and llm["qa_accuracy"] == 1.0  # no verdict / 12 agreed
    assert human["cost_per_decision"] == pytest.approx(0.96)  # (0.8+1.2+0.3+2.0+0.5) / 5
    # human TATs 1 h, 2 h, 12 h, 24 h, 24 h+1 s: P50 rank 2.5 in [12,16) after 2: 12 + 4 * 0.5 = 14 h
    assert human["tat_p50_hours"] == pytest.approx(14.0)
    # P90 rank 4.5 in [24,30) after 3: 24 + 6 * 1.5/2 = 28.5 h
    assert human["tat_p90_hours"] == pytest.approx(28.5)
    assert algo["tat_p50_hours"] == pytest.approx(1 / 120)  # one 5 s TAT in [0, 1/60 h): half-way = 30 s
    # appeals decided in the period by original channel: algo 1 reversed of 2; human 1 partial of 1
    # (the other is decided at 00:00 on 16 Nov); llm pending only
    assert (algo["appeals_decided"], algo["appeals_overturned"], algo["overturn_rate"]) == (2, 1, 0.5)
    assert (human["appeals_decided"], human["overturn_rate"]) == (1, 1.0)
    assert llm["appeals_decided"] == 0 and llm["overturn_rate"] is None


def test_channel_share_trend_every_day_and_channel(tiny: ScopedAccess) -> None:
    trend = mix.channel_share_trend(tiny, WEEK)
    assert trend.columns == ["date", "channel", "decisions", "share"]
    assert trend.height == 14 * 3  # 2..15 Nov x algo, llm, human
    on = {(r["date"], r["channel"]): r["share"] for r in trend.to_dicts()}
    assert on[(D(2026, 11, 11), "llm")] == 0.5 and on[(D(2026, 11, 11), "human")] == 0.5  # 12 and 2
    assert on[(D(2026, 11, 11), "algo")] == 0.0
    assert on[(D(2026, 11, 14), "llm")] is None  # no decisions that day: undefined share
    weekly = mix.channel_share_trend(tiny, WEEK, grain="week").filter(pl.col("channel") == "human")
    assert weekly["share"].to_list() == pytest.approx([3 / 4, 5 / 7])


def test_trend_and_breakdown(tiny: ScopedAccess) -> None:
    trend = mix.trend(tiny, WEEK, grain="week")
    assert trend.height == 2 * len(mix.METRICS)
    share = trend.filter(pl.col("metric_id") == "mix.automated_share")["value"].to_list()
    assert share == pytest.approx([1 / 4, 2 / 7])
    by_country = mix.breakdown(tiny, WEEK, ("country_code",))
    # US: 6 human, 7 algo, 12 llm -> 2/3 automated; DE and PH: human only (ties sorted by key)
    assert by_country["country_code"].to_list() == ["US", "DE", "PH"]
    assert by_country["mix.automated_share"].to_list() == pytest.approx([2 / 3, 0.0, 0.0])
    assert by_country["mix.decisions.previous"].to_list() == [0.0, 0.0, 4.0]  # 8, 9, 11, 14 are PH
    by_region = mix.breakdown(tiny, WEEK, ("region", "channel"))
    na_llm = by_region.filter((pl.col("region") == "North America") & (pl.col("channel") == "llm"))
    assert na_llm["mix.decisions"].to_list() == [1.0] and na_llm["mix.llm_share"].to_list() == [1.0]


def test_drilldown_and_filters(tiny: ScopedAccess) -> None:
    assert mix.drilldown(tiny, WEEK)["case_id"].to_list() == [3, 10, 12, 2, 7, 6, 1]
    assert mix.drilldown(tiny, WEEK, match={"channel": "algo"})["case_id"].to_list() == [7]
    rows = mix.drilldown(tiny, WEEK, limit=1)
    assert rows["case_id"].to_list() == [3] and rows["tat_hours"].to_list() == [24.0]
    k = kpi_map(tiny, MetricRequest(WEEK.period, channels=("llm", "algo")))
    assert k["mix.decisions"].value == 2 and k["mix.automated_share"].value == 1.0
    only_human = mix.by_channel(tiny, MetricRequest(WEEK.period, channels=("human",)))
    assert only_human["channel"].to_list() == ["human"] and only_human["share"].to_list() == [1.0]
    k = kpi_map(tiny, MetricRequest(WEEK.period, countries=("US",), policies=("counterfeit",)))
    assert k["mix.decisions"].value == 3


# ---- the same golden values on every backend --------------------------------------------------


@pytest.mark.parametrize("backend", ["duckdb", "sqlite", "postgresql"])
def test_golden_values_on_every_backend(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    postgres_url = request.getfixturevalue("postgres_database") if backend == "postgresql" else None
    access = tiny_access(backend_url(backend, tmp_path, postgres_url))
    try:
        k = kpi_map(access, WEEK)
        assert k["mix.decisions"].value == 7 and k["mix.automated_share"].value == pytest.approx(2 / 7)
        assert k["mix.tat_p50_hours"].value == pytest.approx(2.5)
        assert k["mix.tat_p90_hours"].value == pytest.approx(27.9)
        human = mix.by_channel(access, WEEK).filter(pl.col("channel") == "human").row(0, named=True)
        assert human["tat_p90_hours"] == pytest.approx(28.5) and human["overturn_rate"] == 1.0
        weekly = mix.channel_share_trend(access, WEEK, grain="week").filter(pl.col("channel") == "llm")
        assert weekly["share"].to_list() == pytest.approx([0.0, 1 / 7])
    finally:
        access.source.engine.dispose()


# ---- planted stories ----------------------------------------------------------------------------


def test_story_llm_share_grows(small_demo: ScopedAccess) -> None:
    from sample_data.generator import DEFAULT_END

    first_day = DEFAULT_END - dt.timedelta(days=179)  # 180 days of demo data
    first = MetricRequest(Period(first_day, first_day + dt.timedelta(days=27)))
    last = MetricRequest(Period(DEFAULT_END - dt.timedelta(days=27), DEFAULT_END))
    early, late = kpi_map(small_demo, first), kpi_map(small_demo, last)
    assert late["mix.llm_share"].value > early["mix.llm_share"].value + 0.1  # planted: ~10 % -> ~35 %
    assert late["mix.human_share"].value < early["mix.human_share"].value
    llm = mix.channel_share_trend(small_demo, last).filter(pl.col("channel") == "llm")
    assert llm.height == 56 and llm["share"].null_count() == 0
    # the last 90 days, so that the window (comparison + period) spans all 180 days
    second_half = MetricRequest(Period(first_day + dt.timedelta(days=90), DEFAULT_END))
    weekly = mix.channel_share_trend(small_demo, second_half, "week")
    shares = weekly.filter(pl.col("channel") == "llm")["share"].to_list()
    assert shares[-1] > shares[1]  # later whole weeks above earlier ones (week 0 may be partial)
    channels = mix.by_channel(small_demo, last)
    assert channels["share"].sum() == pytest.approx(1.0)
    # machine decisions cost far less than human reviews
    cost = dict(zip(channels["channel"], channels["cost_per_decision"]))
    assert cost["algo"] < cost["llm"] < cost["human"]


def test_total_cost_does_not_depend_on_the_order_a_backend_sums_in() -> None:
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 and 0.3 + 0.2 + 0.1 is 0.6 in binary floats: a parallel
    # sum returns either, so the total is rounded to 1/100 of a cent (both print as 0.6)
    components = pl.DataFrame({name: [0, 0] for name in mix.COMPONENTS}).with_columns(
        decisions=pl.lit(3), cost_sum=pl.Series([0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1]))
    totals = mix.with_metrics(components)["mix.total_cost_usd"].to_list()
    assert totals == [0.6, 0.6]
