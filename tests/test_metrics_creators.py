"""Creator risk metrics: golden values on hand-made data (three backends) and the planted spike story."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import polars as pl
import pytest

from connectors.scope import Scope
from connectors.source import ScopedAccess
from metrics import creators
from metrics.base import MetricRequest, Period
from metrics.creator_signals import evaluated_weeks
from metrics.targets import Settings
from tiny import T, backend_url, frame, load_frames, open_tiny

BACKENDS = ["duckdb", "sqlite", "postgresql"]

# Period Mon 9 - Sun 15 Nov 2026 (ends 16 Nov 00:00); comparison Mon 2 - Sun 8 Nov (ends 9 Nov 00:00).
# 90-day risk window at the period end: [18 Aug 00:00, 16 Nov 00:00); at the comparison end:
# [11 Aug 00:00, 9 Nov 00:00). Tiers with the default thresholds: low < 5 <= medium < 15 <= high < 30 <= critical.
PERIOD = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
REQUEST = MetricRequest(PERIOD)

COUNTRIES = frame("countries", [
    dict(country_code="US", country_name="United States", region="North America"),
    dict(country_code="DE", country_name="Germany", region="Europe"),
    dict(country_code="GB", country_name="United Kingdom", region="Europe"),
])


def creator(cid: int, country: str, onboarded: dt.datetime, status: str, gmv: float | None) -> dict:
    return dict(creator_id=cid, country_code=country, onboarded_at=onboarded, follower_tier="micro",
                category="beauty", status=status, gmv_30d_usd=gmv)


CREATORS = frame("creators", [
    creator(1, "US", T(2025, 1, 1), "active", 1000.0),
    creator(2, "US", T(2025, 6, 1), "warned", 2000.0),
    creator(3, "US", T(2025, 1, 1), "banned", 0.0),  # never active (banned)
    creator(4, "DE", T(2026, 11, 10, 12), "active", 500.0),  # onboarded inside the period
    creator(5, "DE", T(2026, 11, 16, 0, 0, 0), "restricted", 300.0),  # onboarded exactly at the period end: out
    creator(6, "GB", T(2025, 3, 1), "offboarded", 50.0),  # never active (offboarded)
    creator(7, "GB", T(2026, 11, 9, 0, 0, 0), "active", 700.0),  # exactly at the period start: in, not in comparison
    creator(8, "DE", T(2024, 5, 1), "active", 10000.0),  # no violations
])


def violation(vid: int, cid: int, country: str, at: dt.datetime, policy: str, severity: str, points: int,
              detection: str = "algo") -> dict:
    return dict(violation_id=vid, creator_id=cid, occurred_at=at, country_code=country, policy=policy,
                severity=severity, points=points, action="points", detection=detection)


VIOLATIONS = frame("creator_violations", [
    violation(1, 1, "US", T(2026, 11, 9, 0, 0, 0), "counterfeit", "critical", 10),  # first instant of the period
    violation(2, 1, "US", T(2026, 9, 1, 12), "spam", "medium", 5),
    violation(3, 2, "US", T(2026, 11, 15, 23, 59, 59), "spam", "medium", 5, "user_report"),  # last second
    violation(4, 2, "US", T(2026, 11, 16, 0, 0, 0), "spam", "critical", 10),  # day after the end: out
    violation(5, 3, "US", T(2026, 10, 1, 9), "counterfeit", "critical", 20),
    violation(6, 3, "US", T(2026, 11, 3, 10), "counterfeit", "high", 10),  # comparison period
    violation(7, 4, "DE", T(2026, 11, 12, 8), "hate_speech", "medium", 4),
    violation(8, 5, "DE", T(2026, 8, 17, 23, 59, 59), "counterfeit", "critical", 20),  # 1 s before the 90 d window
    violation(9, 5, "DE", T(2026, 8, 18, 0, 0, 0), "prohibited_items", "critical", 29),  # first instant of it
    violation(10, 7, "GB", T(2026, 11, 14, 10), "spam", "low", 1),
    violation(11, 7, "GB", T(2026, 11, 14, 11), "spam", "low", 1),
])
# 90-day points at the period end:   c1 10+5=15 high (2 viol)   c2 5 medium (v4 is out)   c3 20+10=30 critical (2)
#                                     c4 4 low   c5 29 high (v8 is out)   c7 1+1=2 low (2)
# 90-day points at the comparison end: c1 5 medium (v1 at 9 Nov 00:00 is out)   c3 30 critical (2)   c5 20+29=49 critical (2)


def load(url: str, tables: dict[str, pl.DataFrame]) -> ScopedAccess:
    load_frames(url, tables)
    return ScopedAccess(open_tiny(url), Scope.everything())


@pytest.fixture(params=BACKENDS)
def golden(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScopedAccess]:
    postgres_url = request.getfixturevalue("postgres_database") if request.param == "postgresql" else None
    access = load(backend_url(request.param, tmp_path, postgres_url),
                  {"countries": COUNTRIES, "creators": CREATORS, "creator_violations": VIOLATIONS})
    yield access
    access.source.engine.dispose()


@pytest.fixture()
def duck(tmp_path: Path) -> Iterator[ScopedAccess]:
    access = load(backend_url("duckdb", tmp_path),
                  {"countries": COUNTRIES, "creators": CREATORS, "creator_violations": VIOLATIONS})
    yield access
    access.source.engine.dispose()


def values(kpis: list) -> dict[str, tuple[float | None, float | None]]:
    return {k.metric.id: (k.value, k.previous) for k in kpis}


def test_kpis_golden_on_every_backend(golden: ScopedAccess) -> None:
    got = values(creators.kpis(golden, REQUEST, Settings()))
    assert got["creators.active"] == (5, 3)  # now c1 c2 c4 c7 c8; at 9 Nov 00:00 c1 c2 c8
    assert got["creators.violations"] == (5, 1)  # v1 v3 v7 v10 v11 | v6
    assert got["creators.violations_per_1k"] == pytest.approx((1000.0, 333.3333333))  # 5/5*1000 | 1/3*1000
    assert got["creators.offenders"] == (6, 3)  # c1 c2 c3 c4 c5 c7 | c1 c3 c5
    assert got["creators.repeat_offender_rate"] == pytest.approx((0.5, 2 / 3))  # c1 c3 c7 of 6 | c3 c5 of 3
    assert got["creators.high_risk"] == (3, 2)  # c1 c5 high, c3 critical | c3 c5 critical
    assert got["creators.gmv_at_risk_usd"] == (1300.0, 300.0)  # 1000+300+0 | 0+300


def test_kpi_targets_and_country_override() -> None:
    settings = Settings.from_sections({"targets": {"by_country": {"GB": {"creators.violations_per_1k": 50.0}}}})
    by_id = {k.metric.id: k for k in creators.kpis(EmptyAccess(), MetricRequest(PERIOD, countries=("GB",)), settings)}
    assert by_id["creators.violations_per_1k"].target == 50.0
    assert by_id["creators.repeat_offender_rate"].target == 0.25
    assert by_id["creators.active"].status == "no_target"  # neutral


def test_risk_tiers_golden(duck: ScopedAccess) -> None:
    tiers = creators.risk_tiers(duck, REQUEST)
    assert tiers["tier"].to_list() == ["low", "medium", "high", "critical"]
    assert tiers["creators"].to_list() == [2, 1, 2, 1]  # c4 c7 | c2 (exactly 5) | c1 (exactly 15) c5 | c3 (exactly 30)
    assert tiers["gmv_usd"].to_list() == [1200.0, 2000.0, 1300.0, 0.0]  # 500+700 | 2000 | 1000+300 | 0
    assert tiers["share"].to_list() == pytest.approx([2 / 6, 1 / 6, 2 / 6, 1 / 6])


def test_configured_thresholds_move_creators_between_tiers(duck: ScopedAccess) -> None:
    settings = Settings(sections={"risk": {"tier_thresholds": [4, 16, 30]}})
    # c1 15 -> medium, c4 exactly 4 -> medium, c5 29 high, c3 30 critical: at risk c5 c3
    assert creators.risk_tiers(duck, REQUEST, settings)["creators"].to_list() == [1, 3, 1, 1]
    got = values(creators.kpis(duck, REQUEST, settings))
    assert got["creators.high_risk"] == (2, 2)
    assert got["creators.gmv_at_risk_usd"] == (300.0, 300.0)  # c5 300 + c3 0 | c3 0 + c5 300
    with pytest.raises(ValueError, match="tier_thresholds"):
        creators.kpis(duck, REQUEST, Settings(sections={"risk": {"tier_thresholds": [15, 5, 30]}}))


def test_breakdown_by_market_golden(duck: ScopedAccess) -> None:
    result = creators.breakdown(duck, REQUEST, ("country_code",))
    assert result["country_code"].to_list() == ["GB", "US", "DE"]  # by violations per 1k: 2000, 1000, 500
    rows = {r["country_code"]: r for r in result.to_dicts()}
    # GB: 2 violations / 1 active (c7); nothing in the comparison: 0 / 0 active -> None
    assert rows["GB"]["creators.violations_per_1k"] == 2000.0
    assert rows["GB"]["creators.violations_per_1k.previous"] is None
    assert rows["GB"]["creators.repeat_offender_rate"] == 1.0  # c7 has 2 of 1 offender
    assert rows["GB"]["creators.repeat_offender_rate.previous"] is None  # no offenders -> None
    # US: 2 violations / 2 active (c3 banned) | 1 / 2; risk c1 high, c2 medium, c3 critical | c1 medium, c3 critical
    assert rows["US"]["creators.violations_per_1k.previous"] == 500.0
    assert rows["US"]["creators.repeat_offender_rate"] == pytest.approx(2 / 3)  # c1 c3 of c1 c2 c3
    assert rows["US"]["creators.repeat_offender_rate.previous"] == 0.5  # c3 of c1 c3
    assert (rows["US"]["creators.high_risk"], rows["US"]["creators.gmv_at_risk_usd"]) == (2.0, 1000.0)
    # DE: active c4 c8 (c5 onboarded at the end instant) | c8; 1 violation | 0
    assert (rows["DE"]["creators.active"], rows["DE"]["creators.active.previous"]) == (2.0, 1.0)
    assert (rows["DE"]["creators.violations_per_1k"], rows["DE"]["creators.violations_per_1k.previous"]) == (500.0, 0.0)
    assert rows["DE"]["creators.gmv_at_risk_usd.previous"] == 300.0  # c5 critical at 49 points


def test_breakdown_by_region_sums_components_before_ratios(duck: ScopedAccess) -> None:
    rows = {r["region"]: r for r in creators.breakdown(duck, REQUEST, ("region",)).to_dicts()}
    # Europe = DE + GB: 3 violations / 3 active = 1000 per 1k (not the mean of 500 and 2000)
    assert rows["Europe"]["creators.violations_per_1k"] == 1000.0
    assert rows["Europe"]["creators.repeat_offender_rate"] == pytest.approx(1 / 3)  # c7 of c4 c5 c7
    assert rows["North America"]["creators.active"] == 2.0


def test_breakdown_by_policy_scores_matching_points_and_keeps_the_market_denominator(duck: ScopedAccess) -> None:
    result = creators.breakdown(duck, REQUEST, ("policy",))
    # per 1k of all 5 active: spam 3 -> 600, counterfeit 1 -> 200, hate_speech 1 -> 200, prohibited_items 0
    assert result["policy"].to_list() == ["spam", "counterfeit", "hate_speech", "prohibited_items"]
    rows = {r["policy"]: r for r in result.to_dicts()}
    assert rows["spam"]["creators.violations_per_1k"] == 600.0
    assert rows["counterfeit"]["creators.violations_per_1k.previous"] == pytest.approx(1000 / 3)  # v6 / 3 active
    # prohibited_items only has c5's 29 points (v9, 90 days): one high-risk creator, GMV 300
    assert (rows["prohibited_items"]["creators.high_risk"], rows["prohibited_items"]["creators.gmv_at_risk_usd"]) \
        == (1.0, 300.0)
    assert rows["counterfeit"]["creators.high_risk"] == 1.0  # c3's 30 counterfeit points; c1 has only 10


def test_violations_by_policy_and_severity(duck: ScopedAccess) -> None:
    result = creators.violations_by(duck, REQUEST)
    assert result.select("policy", "severity", "violations", "previous").rows() == [
        ("spam", "low", 2, 0),  # v10 v11
        ("counterfeit", "critical", 1, 0),  # v1
        ("hate_speech", "medium", 1, 0),  # v7
        ("spam", "medium", 1, 0),  # v3 (v4 at 16 Nov 00:00 is out)
        ("counterfeit", "high", 0, 1),  # v6
    ]
    assert result["share"][0] == pytest.approx(2 / 5)
    assert result["delta"][-1] == -1


def test_trend_days_and_weeks_meet_the_kpis(duck: ScopedAccess) -> None:
    daily = creators.trend(duck, REQUEST, "day")
    assert daily["date"].n_unique() == 14 and daily["metric_id"].n_unique() == len(creators.METRICS)

    def at(frame: pl.DataFrame, metric: str, day: dt.date) -> float | None:
        return frame.filter((pl.col("metric_id") == metric) & (pl.col("date") == day))["value"].item()

    # active: 3 until 8 Nov, c7 joins 9 Nov 00:00, c4 10 Nov 12:00
    assert [at(daily, "creators.active", dt.date(2026, 11, d)) for d in (8, 9, 10)] == [3.0, 4.0, 5.0]
    assert at(daily, "creators.violations_per_1k", dt.date(2026, 11, 14)) == 400.0  # v10 v11 / 5 active
    assert at(daily, "creators.high_risk", dt.date(2026, 11, 15)) == 3.0  # = KPI value
    assert at(daily, "creators.high_risk", dt.date(2026, 11, 8)) == 2.0  # = KPI previous
    weekly = creators.trend(duck, REQUEST, "week")
    per_1k = weekly.filter(pl.col("metric_id") == "creators.violations_per_1k").sort("date")
    assert per_1k["date"].to_list() == [dt.date(2026, 11, 2), dt.date(2026, 11, 9)]
    assert per_1k["value"].to_list() == pytest.approx([1000 / 3, 1000.0])  # 1/3 and 5/5 per 1k


def test_long_trend_samples_the_90_day_snapshots(duck: ScopedAccess) -> None:
    request = MetricRequest(Period(dt.date(2026, 9, 17), dt.date(2026, 11, 15)))  # 60 days, window 120 days
    high = creators.trend(duck, request).filter(pl.col("metric_id") == "creators.high_risk").sort("date")
    assert high.height == 120
    assert high["value"].null_count() == 105  # ceil(120 / 16) = every 8th day from the end: 15 points
    assert high["value"][-1] == 3.0 and high["value"][-2] is None


def test_drilldown_newest_first_with_match(duck: ScopedAccess) -> None:
    assert creators.drilldown(duck, REQUEST)["violation_id"].to_list() == [3, 11, 10, 7, 1]
    assert creators.drilldown(duck, REQUEST, match={"policy": "spam"})["violation_id"].to_list() == [3, 11, 10]
    assert creators.drilldown(duck, REQUEST, limit=2, match={"region": "Europe"})["violation_id"].to_list() == [11, 10]
    with pytest.raises(ValueError):
        creators.drilldown(duck, REQUEST, match={"gmv": "1"})


def test_top_risky_golden(duck: ScopedAccess) -> None:
    top = creators.top_risky(duck, REQUEST, limit=3)
    assert top.columns == ["creator_id", "country_code", "onboarded_at", "follower_tier", "category", "status",
                           "gmv_30d_usd", "points", "violations", "tier"]
    assert top.select("creator_id", "points", "violations", "tier", "status", "onboarded_at").rows() == [
        (3, 30, 2, "critical", "banned", T(2025, 1, 1)), (5, 29, 1, "high", "restricted", T(2026, 11, 16)),
        (1, 15, 2, "high", "active", T(2025, 1, 1)),
    ]
    de = creators.top_risky(duck, MetricRequest(PERIOD, countries=("DE",)))
    assert de["creator_id"].to_list() == [5, 4]  # 29 high, 4 low


def test_creator_history_golden(duck: ScopedAccess) -> None:
    # creator 5 (DE): v8 17 Aug 23:59:59 20 points, v9 18 Aug 00:00 29 points; the period ends 15 Nov
    profile = creators.creator_profile(duck, REQUEST, 5)
    assert profile.select("creator_id", "status", "onboarded_at").rows() == [(5, "restricted", T(2026, 11, 16))]
    history = creators.creator_violations(duck, REQUEST, 5)
    assert history["violation_id"].to_list() == [9, 8]  # newest first
    # creator 2: v4 at 16 Nov 00:00 is after the period end, so only v3 is listed
    assert creators.creator_violations(duck, REQUEST, 2)["violation_id"].to_list() == [3]
    points = creators.risk_points_over_time(history, PERIOD.end)
    # 17 Aug: 20 (medium..high: 20 is high); 18 Aug: 20+29 = 49 critical; 90 days keep 17 Aug through 14 Nov
    # (17 Aug + 89 days), so on 15 Nov only 18 Aug's 29 points remain (high)
    by_day = {row[0]: row[1:] for row in points.select("day", "points", "risk_points", "tier").rows()}
    assert points["day"][0] == dt.date(2026, 8, 17) and points["day"][-1] == PERIOD.end
    assert by_day[dt.date(2026, 8, 17)] == (20, 20, "high")
    assert by_day[dt.date(2026, 8, 18)] == (29, 49, "critical")
    assert by_day[dt.date(2026, 11, 14)] == (0, 49, "critical")
    assert by_day[dt.date(2026, 11, 15)] == (0, 29, "high")  # = the 90-day points of the riskiest list
    # a regional user outside DE sees neither the creator nor their violations
    us_only = MetricRequest(PERIOD, countries=("US",))
    assert creators.creator_profile(duck, us_only, 5).is_empty()
    assert creators.creator_violations(duck, us_only, 5).is_empty()
    assert creators.risk_points_over_time(creators.creator_violations(duck, us_only, 5), PERIOD.end).is_empty()


def test_filters_and_an_empty_scope(duck: ScopedAccess) -> None:
    spam = values(creators.kpis(duck, MetricRequest(PERIOD, policies=("spam",)), Settings()))
    assert spam["creators.violations"] == (3, 0)  # v3 v10 v11
    assert spam["creators.offenders"] == (3, 1)  # c1 (v2) c2 (v3) c7 | c1 (v2)
    assert spam["creators.active"] == (5, 3)  # the policy filter does not touch the creator base
    nothing = ScopedAccess(duck.source, Scope.nothing())
    got = values(creators.kpis(nothing, REQUEST, Settings()))
    assert got["creators.violations_per_1k"] == (None, None)  # 0 / 0 active
    assert got["creators.repeat_offender_rate"] == (None, None)  # 0 / 0 offenders
    assert got["creators.gmv_at_risk_usd"] == (0.0, 0.0)
    assert creators.breakdown(nothing, REQUEST, ("country_code", "policy")).height == 0


def test_null_gmv_and_a_violation_of_an_unknown_creator(tmp_path: Path) -> None:
    access = load(backend_url("duckdb", tmp_path), {
        "creators": frame("creators", [creator(1, "US", T(2025, 1, 1), "active", None),
                                       creator(2, "US", T(2025, 1, 1), "active", 100.0)]),
        "creator_violations": frame("creator_violations", [
            violation(1, 1, "US", T(2026, 11, 10), "spam", "high", 20),
            violation(2, 2, "US", T(2026, 11, 10), "spam", "high", 20),
            violation(3, 99, "US", T(2026, 11, 10), "spam", "high", 20),  # creator 99 is not in creators
        ]),
    })
    got = values(creators.kpis(access, REQUEST, Settings()))
    assert got["creators.high_risk"][0] == 3  # all three at 20 points
    assert got["creators.gmv_at_risk_usd"][0] == 100.0  # null + 100 + (no creator row)
    assert got["creators.violations_per_1k"][0] == 1500.0  # 3 / 2 active * 1000
    access.source.engine.dispose()


class EmptyAccess:
    """A DataAccess with no rows at all (what a scope without countries returns)."""

    def aggregate(self, spec):  # noqa: ANN001, ANN201
        from connectors.source import aggregate_schema

        schema = aggregate_schema(spec)
        if spec.dimensions:
            return pl.DataFrame(schema=schema)
        return pl.DataFrame({name: [0] for name in schema}, schema=schema)

    def entity_rollup(self, spec):  # noqa: ANN001, ANN201
        return pl.DataFrame(schema={"tier": pl.Int64, "entities": pl.Int64, "repeaters": pl.Int64,
                                    "events": pl.Int64, "attribute_sum": pl.Float64})

    def records(self, spec):  # noqa: ANN001, ANN201
        raise AssertionError("not used")

    def top_entities(self, spec):  # noqa: ANN001, ANN201
        raise AssertionError("not used")


# ---- emerging signals: hand-made weekly counts ------------------------------------------------------

# Period 2 - 15 Nov: evaluated ISO weeks 2 Nov and 9 Nov; baseline the 8 weeks from 7 Sep to 26 Oct.
BASELINE_MONDAYS = [dt.date(2026, 9, 7) + dt.timedelta(weeks=k) for k in range(8)]


def weekly_rows(country: str, policy: str, counts: dict[dt.date, int], start_id: int) -> list[dict]:
    rows = []
    for monday, n in counts.items():
        for i in range(n):
            at = dt.datetime.combine(monday, dt.time()) + dt.timedelta(hours=3 + i)  # Monday 03:00 onwards
            rows.append(violation(start_id + len(rows), 1, country, at, policy, "low", 1))
    return rows


def test_emerging_signals_golden(tmp_path: Path) -> None:
    nov2, nov9 = dt.date(2026, 11, 2), dt.date(2026, 11, 9)
    rows = [
        # 2 Nov, baseline 7 Sep - 26 Oct = 2,3,2,4,3,2,3,1: median 2.5, MAD 0.5;
        #   spread = max(1.4826*0.5, sqrt(2.5)=1.5811, 1.4826) = 1.5811; z = (12-2.5)/1.5811 = 6.008
        # 9 Nov, its own baseline 14 Sep - 2 Nov = 3,2,4,3,2,3,1,12: median 3, MAD 1;
        #   spread = max(1.4826, sqrt(3)=1.7321, 1.4826) = 1.7321; z = (20-3)/1.7321 = 9.815; peak 9.815
        *weekly_rows("ID", "misleading_claims", dict(zip(BASELINE_MONDAYS, [2, 3, 2, 4, 3, 2, 3, 1])) | {nov2: 12, nov9: 20}, 1),
        # 2 Nov, baseline 10,20,..: median 15, MAD 5; spread max(7.413, 3.87, 1.48) = 7.413; z = 25/7.413 = 3.37
        # 9 Nov, baseline 20,10,20,10,20,10,20,40: median 20, MAD 5; z = 10/7.413 = 1.35: not a signal
        *weekly_rows("US", "spam", dict(zip(BASELINE_MONDAYS, [10, 20] * 4)) | {nov2: 40, nov9: 30}, 1000),
        # no baseline at all: z = 10 / 1.4826 = 6.74 at exactly the minimum volume; ratio undefined
        *weekly_rows("GB", "spam", {nov9: 10}, 2000),
        # z = 9 / 1.4826 = 6.07 but only 9 violations: below the minimum volume
        *weekly_rows("DE", "hate_speech", {nov9: 9}, 3000),
        # outside the query window: Sunday 6 Sep 23:59:59 and Monday 16 Nov 00:00
        violation(4000, 1, "DE", T(2026, 9, 6, 23, 59, 59), "hate_speech", "low", 1),
        violation(4001, 1, "GB", T(2026, 11, 16), "spam", "low", 1),
    ]
    access = load(backend_url("duckdb", tmp_path), {"creator_violations": frame("creator_violations", rows)})
    request = MetricRequest(Period(nov2, dt.date(2026, 11, 15)))
    signals = creators.emerging_signals(access, request)
    # every flagged week is listed, pairs by their peak z, each with its onset in the range
    assert signals.select("country_code", "policy", "since", "week", "violations").rows() == [
        ("ID", "misleading_claims", nov2, nov2, 12), ("ID", "misleading_claims", nov2, nov9, 20),
        ("GB", "spam", nov9, nov9, 10), ("US", "spam", nov2, nov2, 40),
    ]
    assert signals["z"].to_list() == pytest.approx([9.5 / 2.5**0.5, 17 / 3**0.5, 10 / 1.4826, 25 / (1.4826 * 5)])
    assert signals["baseline_median"].to_list() == [2.5, 3.0, 0.0, 15.0]
    assert signals["ratio_to_baseline"].to_list() == pytest.approx([12 / 2.5, 20 / 3, None, 40 / 15])
    # a week's numbers do not depend on the range around it: 9 Nov alone reads as it does in 2-15 Nov
    one_week = creators.emerging_signals(access, MetricRequest(Period(nov9, dt.date(2026, 11, 15))))
    assert one_week.filter(pl.col("country_code") == "ID").select("week", "baseline_median", "z").rows() == \
        signals.filter((pl.col("country_code") == "ID") & (pl.col("week") == nov9)).select(
            "week", "baseline_median", "z").rows()
    lower_volume = Settings(sections={"risk": {"emerging_min_volume": 5, "emerging_z": 6.5}})
    # z >= 6.5 keeps ID on 9 Nov (9.8) and GB (6.74); DE (6.07) is now big enough but not strong enough
    relaxed = creators.emerging_signals(access, request, lower_volume)
    assert relaxed.select("country_code", "since").rows() == [("ID", nov9), ("GB", nov9)]
    access.source.engine.dispose()


def test_evaluated_weeks() -> None:
    # weeks whose Sunday falls in the period; a period without a Sunday uses the week ended before it
    assert evaluated_weeks(Period(dt.date(2026, 11, 2), dt.date(2026, 11, 15))) == [dt.date(2026, 11, 2), dt.date(2026, 11, 9)]
    assert evaluated_weeks(Period(dt.date(2026, 11, 4), dt.date(2026, 11, 10))) == [dt.date(2026, 11, 2)]
    assert evaluated_weeks(Period(dt.date(2026, 11, 10), dt.date(2026, 11, 13))) == [dt.date(2026, 11, 2)]


# ---- planted story: a (market, policy) violation spike in the last two weeks ---------------------


def last_14_days() -> MetricRequest:
    from sample_data.generator import DEFAULT_END

    return MetricRequest(Period(DEFAULT_END - dt.timedelta(days=13), DEFAULT_END))


def assert_story_found(access: ScopedAccess, story: tuple[str, str]) -> None:
    request = last_14_days()
    signals = creators.emerging_signals(access, request)
    assert signals.height >= 1
    assert signals.row(0)[:2] == story
    others = signals.filter((pl.col("country_code") != story[0]) | (pl.col("policy") != story[1]))
    assert others.height == 0, others  # nothing else reaches z >= 3 with 10+ violations
    # without the volume floor the story still leads, by a wide margin over any noise
    relaxed = creators.emerging_signals(access, request, Settings(sections={"risk": {"emerging_min_volume": 0}}))
    assert relaxed.row(0)[:2] == story
    peaks = relaxed.group_by("country_code", "policy").agg(pl.col("z").max()).sort("z", descending=True)
    assert peaks.height == 1 or peaks["z"][0] >= 2 * peaks["z"][1]
    # the spike also tops the violation counts by market and policy, and lifts its market's rate
    by_pair = creators.violations_by(access, request, ("country_code", "policy"))
    assert by_pair.row(0)[:2] == story and by_pair["delta"][0] == by_pair["delta"].max()
    assert creators.breakdown(access, request, ("country_code",))["country_code"][0] == story[0]
    # a user who cannot see the story market does not get it
    hidden = MetricRequest(request.period, countries=("US", "GB"))
    assert story not in creators.emerging_signals(access, hidden).select("country_code", "policy").rows()


def test_default_story_is_the_top_emerging_signal(small_demo: ScopedAccess) -> None:
    from sample_data import Stories

    assert_story_found(small_demo, (Stories().spike_country, Stories().spike_policy))


def test_relocated_story_is_found_where_it_was_planted(tmp_path: Path) -> None:
    from sample_data import Stories, generate

    stories = Stories(spike_country="MX", spike_policy="fake_engagement")
    url = f"duckdb:///{tmp_path / 'relocated.duckdb'}"
    generate(url, scale="small", stories=stories)
    access = ScopedAccess(open_tiny(url), Scope.everything())
    assert_story_found(access, ("MX", "fake_engagement"))
    pairs = creators.emerging_signals(access, last_14_days()).select("country_code", "policy").rows()
    assert (Stories().spike_country, Stories().spike_policy) not in pairs  # the default location is quiet
    access.source.engine.dispose()


def test_demo_trend_covers_the_window_and_meets_the_kpis(small_demo: ScopedAccess) -> None:
    request = last_14_days()
    daily = creators.trend(small_demo, request)
    assert daily.group_by("metric_id").len()["len"].to_list() == [28] * len(creators.METRICS)  # 2 x 14 days
    kpi = {k.metric.id: k for k in creators.kpis(small_demo, request, Settings())}
    last = daily.filter(pl.col("date") == request.period.end)
    for metric_id in ("creators.active", "creators.high_risk", "creators.gmv_at_risk_usd"):
        assert last.filter(pl.col("metric_id") == metric_id)["value"].item() == pytest.approx(kpi[metric_id].value)
    in_period = daily.filter((pl.col("metric_id") == "creators.violations") & (pl.col("date") >= request.period.start))
    assert in_period["value"].sum() == kpi["creators.violations"].value
    assert kpi["creators.violations"].value > 1.5 * kpi["creators.violations"].previous  # the spike shows
