"""Escalations metrics: golden values on a hand-made dataset, and the planted demo stories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import polars as pl
import pytest

from connectors.scope import Scope
from connectors.source import ScopedAccess
from metrics import escalation_views
from metrics import escalations as esc
from metrics.base import MetricRequest, Period
from metrics.targets import Settings
from tiny import T, backend_url, frame, load_frames, open_tiny

# Period Mon 9 .. Sun 15 Nov 2026 (end bound 16 Nov 00:00); comparison Mon 2 .. Sun 8 Nov; window 2 .. 15 Nov.
PERIOD = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
REQUEST = MetricRequest(PERIOD)
DEFAULT = Settings()
# Default targets (hours to ack / contain / resolve): P0 1/24/72, P1 4/72/168, P2 24/168/336, P3 72/336/720.

ESCALATIONS = frame(
    "escalations",
    [
        # E1 P0: opened exactly at the period start (in); ack 1 h, contain 24 h, resolve 72 h: every
        # stage exactly ON its P0 target (counts as within); resolved 12 Nov (in period)
        dict(escalation_id=1, opened_at=T(2026, 11, 9, 0, 0, 0), acknowledged_at=T(2026, 11, 9, 1),
             contained_at=T(2026, 11, 10), resolved_at=T(2026, 11, 12), priority="P0", source="regulator",
             domain="content", country_code="FR", root_cause="model_regression", status="resolved",
             recurrence_of=None, summary="Regulator inquiry"),
        # E2 P0: opened 13 Nov 09:15, ack after 0.5 h, never contained: open at the end, age 62.75 h
        # > 24 h contain target (but < 72 h resolve target); root cause not known yet (null)
        dict(escalation_id=2, opened_at=T(2026, 11, 13, 9, 15), acknowledged_at=T(2026, 11, 13, 9, 45),
             contained_at=None, resolved_at=None, priority="P0", source="regulator", domain="content",
             country_code="FR", root_cause=None, status="open", recurrence_of=None, summary="Regulator P0"),
        # E3 P1: opened one second before the period (comparison); ack 4 h 0 min 1 s (1 s past the
        # 4 h target), contain 24 h + 1 s, resolve 156 h + 1 s on 15 Nov 12:00 (in period); a recurrence
        dict(escalation_id=3, opened_at=T(2026, 11, 8, 23, 59, 59), acknowledged_at=T(2026, 11, 9, 4),
             contained_at=T(2026, 11, 10), resolved_at=T(2026, 11, 15, 12), priority="P1", source="legal",
             domain="commerce", country_code="DE", root_cause="policy_ambiguity", status="resolved",
             recurrence_of=1, summary="Legal escalation"),
        # E4 P2: opened before the window (carry-in), resolved exactly at 16 Nov 00:00 = the first instant
        # after the period: still open at the period end, not resolved in the period
        dict(escalation_id=4, opened_at=T(2026, 10, 20, 10), acknowledged_at=T(2026, 10, 21, 10),
             contained_at=T(2026, 10, 25, 10), resolved_at=T(2026, 11, 16, 0, 0, 0), priority="P2",
             source="internal", domain="appeals", country_code="DE", root_cause="tooling_outage",
             status="resolved", recurrence_of=None, summary="Internal alert"),
        # E5 P3: entirely in the comparison period: ack 24 h, contain 48 h, resolve 120 h (all within P3)
        dict(escalation_id=5, opened_at=T(2026, 11, 3, 12), acknowledged_at=T(2026, 11, 4, 12),
             contained_at=T(2026, 11, 5, 12), resolved_at=T(2026, 11, 8, 12), priority="P3", source="user",
             domain="content", country_code="US", root_cause="policy_ambiguity", status="resolved",
             recurrence_of=None, summary="User complaint"),
        # E6 P2: opened 10 Nov 08:00, never acknowledged (nulls): age 136 h > 24 h ack target; a recurrence
        dict(escalation_id=6, opened_at=T(2026, 11, 10, 8), acknowledged_at=None, contained_at=None,
             resolved_at=None, priority="P2", source="partner", domain="commerce", country_code="US",
             root_cause="policy_ambiguity", status="open", recurrence_of=5, summary="Partner complaint"),
        # E7 P1: resolved one second before the window starts: in no period, not carried in
        dict(escalation_id=7, opened_at=T(2026, 10, 1), acknowledged_at=T(2026, 10, 1, 2),
             contained_at=T(2026, 10, 2), resolved_at=T(2026, 11, 1, 23, 59, 59), priority="P1",
             source="media", domain="content", country_code="GB", root_cause="fraud_ring", status="resolved",
             recurrence_of=None, summary="Media report"),
        # E8 P3: opened exactly at 16 Nov 00:00, the first instant after the period: out
        dict(escalation_id=8, opened_at=T(2026, 11, 16, 0, 0, 0), acknowledged_at=T(2026, 11, 16, 1),
             contained_at=None, resolved_at=None, priority="P3", source="user", domain="content",
             country_code="GB", root_cause=None, status="open", recurrence_of=None, summary="User complaint"),
    ],
)
COUNTRIES = frame(
    "countries",
    [
        dict(country_code="FR", country_name="France", region="EU"),
        dict(country_code="DE", country_name="Germany", region="EU"),
        dict(country_code="GB", country_name="United Kingdom", region="EU"),
        dict(country_code="US", country_name="United States", region="NA"),
    ],
)

# Hand-worked KPI values. Histogram buckets used: [0.5,0.75) [1,1.5) [4,5) [24,30) [48,54) [72,84)
# [120,144) [144,168); a percentile interpolates inside its bucket: low + width * (rank - before) / count.
EXPECTED_CURRENT = {
    "escalations.opened": 3.0,  # E1 (at 00:00 of the first day), E6, E2; not E3 (1 s before), not E8
    "escalations.resolved": 2.0,  # E1, E3; not E4 (resolved at the exclusive end bound)
    "escalations.open_at_end": 3.0,  # E2, E4 (resolved only at 16 Nov 00:00), E6
    "escalations.p0_open": 1.0,  # E2
    # TTA of acks in period: E2 0.5 h, E1 1 h, E3 4 h + 1 s -> one each in [0.5,.75) [1,1.5) [4,5)
    "escalations.tta_p50_hours": 1.25,  # rank 1.5: 1 + 0.5 * (1.5 - 1) / 1
    "escalations.tta_p90_hours": 4.7,  # rank 2.7: 4 + 1 * (2.7 - 2) / 1
    # TTC of containments in period: E1 24 h, E3 24 h + 1 s -> both in [24,30)
    "escalations.ttc_p50_hours": 27.0,  # rank 1: 24 + 6 * 1 / 2
    "escalations.ttc_p90_hours": 29.4,  # rank 1.8: 24 + 6 * 1.8 / 2
    # TTR of resolutions in period: E1 72 h in [72,84), E3 156 h + 1 s in [144,168)
    "escalations.ttr_p50_hours": 84.0,  # rank 1: 72 + 12 * 1 / 1
    "escalations.ttr_p90_hours": 163.2,  # rank 1.8: 144 + 24 * (1.8 - 1) / 1
    # E1 all on target (1 <= 1, 24 <= 24, 72 <= 72); E3 acknowledged 1 s late: 1/2
    "escalations.target_adherence": 0.5,
    "escalations.ack_adherence": 2 / 3,  # E1 1 <= 1, E2 0.5 <= 1, E3 4 h + 1 s > 4: 2/3
    "escalations.contain_adherence": 1.0,  # E1 24 <= 24, E3 24.0003 <= 72: 2/2
    "escalations.resolve_adherence": 1.0,  # E1 72 <= 72, E3 156.0003 <= 168: 2/2
    "escalations.recurrence_rate": 1 / 3,  # of E1, E2, E6 only E6 has recurrence_of: 1/3
}
EXPECTED_PREVIOUS = {
    "escalations.opened": 2.0,  # E5, E3 (23:59:59 on the last comparison day)
    "escalations.resolved": 1.0,  # E5; E7 was resolved before the window
    "escalations.open_at_end": 2.0,  # at 9 Nov 00:00: E3, E4 (E1 opens exactly then: not before)
    "escalations.p0_open": 0.0,
    "escalations.tta_p50_hours": 27.0,  # E5 24 h in [24,30): 24 + 6 * 0.5 / 1
    "escalations.tta_p90_hours": 29.4,  # 24 + 6 * 0.9 / 1
    "escalations.ttc_p50_hours": 51.0,  # E5 48 h in [48,54): 48 + 6 * 0.5
    "escalations.ttc_p90_hours": 53.4,  # 48 + 6 * 0.9
    "escalations.ttr_p50_hours": 132.0,  # E5 120 h in [120,144): 120 + 24 * 0.5
    "escalations.ttr_p90_hours": 141.6,  # 120 + 24 * 0.9
    "escalations.target_adherence": 1.0,  # E5 24 <= 72, 48 <= 336, 120 <= 720: 1/1
    "escalations.ack_adherence": 1.0,
    "escalations.contain_adherence": 1.0,
    "escalations.resolve_adherence": 1.0,
    "escalations.recurrence_rate": 0.5,  # E3 recurs E1: 1/2
}


def _access(url: str) -> Iterator[ScopedAccess]:
    load_frames(url, {"escalations": ESCALATIONS, "countries": COUNTRIES})
    source = open_tiny(url)
    yield ScopedAccess(source, Scope.everything())
    source.engine.dispose()


@pytest.fixture()
def tiny(tmp_path: Path) -> Iterator[ScopedAccess]:
    yield from _access(backend_url("duckdb", tmp_path))


@pytest.fixture(params=["duckdb", "sqlite", "postgresql"])
def tiny_any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScopedAccess]:
    postgres_url = request.getfixturevalue("postgres_database") if request.param == "postgresql" else None
    yield from _access(backend_url(request.param, tmp_path, postgres_url))


def _close(actual: dict[str, float | None], expected: dict[str, float | None]) -> None:
    assert set(actual) == set(expected)
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, abs=1e-9), key


# ---- golden ----------------------------------------------------------------------------------


def test_kpis_match_hand_computed_values_on_every_backend(tiny_any_backend: ScopedAccess) -> None:
    result = esc.kpis(tiny_any_backend, REQUEST, DEFAULT)
    _close({k.metric.id: k.value for k in result}, EXPECTED_CURRENT)
    _close({k.metric.id: k.previous for k in result}, EXPECTED_PREVIOUS)


def test_required_ids_and_kpi_targets(tiny: ScopedAccess) -> None:
    ids = {m.id for m in esc.METRICS}
    required = {"escalations.opened", "escalations.open_at_end", "escalations.p0_open",
                "escalations.target_adherence", "escalations.recurrence_rate"}
    required |= {f"escalations.{s}_p{q}_hours" for s in ("tta", "ttc", "ttr") for q in (50, 90)}
    assert required <= ids and set(esc.KPI_IDS) <= ids
    targets = {k.metric.id: k.target for k in esc.kpis(tiny, REQUEST, DEFAULT)}
    assert targets["escalations.p0_open"] == 0.0 and targets["escalations.target_adherence"] == 0.9
    assert targets["escalations.open_at_end"] is None
    # a market-specific target applies to a single-market request only
    settings = Settings(by_country={"FR": {"escalations.target_adherence": 0.8}})
    fr = {k.metric.id: k for k in esc.kpis(tiny, MetricRequest(PERIOD, countries=("FR",)), settings)}
    assert fr["escalations.target_adherence"].target == 0.8
    assert fr["escalations.target_adherence"].value == 1.0  # only E1 resolved in FR, on target: 1/1
    assert fr["escalations.p0_open"].value == 1.0 and fr["escalations.opened"].value == 2.0  # E2; E1, E2


def test_zero_denominators_are_none(tiny: ScopedAccess) -> None:
    # P3 in the period: E5 is in the comparison, E8 opens at the exclusive end bound: nothing at all
    values = {k.metric.id: k for k in esc.kpis(tiny, MetricRequest(PERIOD, priorities=("P3",)), DEFAULT)}
    assert values["escalations.opened"].value == 0.0 and values["escalations.open_at_end"].value == 0.0
    undefined = ("recurrence_rate", "target_adherence", "ack_adherence", "tta_p50_hours", "ttr_p90_hours")
    for metric_id in (f"escalations.{name}" for name in undefined):
        assert values[metric_id].value is None, metric_id
    assert values["escalations.target_adherence"].previous == 1.0  # E5 on target: 1/1
    # a period with no data at all
    empty = esc.kpis(tiny, MetricRequest(Period(dt.date(2025, 1, 1), dt.date(2025, 1, 7))), DEFAULT)
    assert all(k.value in (0.0, None) and k.previous in (0.0, None) for k in empty)


def test_configured_targets_override_defaults(tiny: ScopedAccess) -> None:
    settings = Settings(sections={"escalations": {"targets": {"P1": {"ack_hours": 5}}}})
    values = {k.metric.id: k.value for k in esc.kpis(tiny, REQUEST, settings)}
    assert values["escalations.target_adherence"] == 1.0  # E3's 4 h + 1 s ack is within 5 h now: 2/2
    assert values["escalations.ack_adherence"] == 1.0  # 3/3
    targets = esc.priority_targets(settings)
    assert targets["P1"] == esc.StageTargets(5.0, 72.0, 168.0) and targets["P0"].resolve_hours == 72.0
    with pytest.raises(ValueError, match=r"escalations\.targets\.P4.*contain_hours"):
        esc.priority_targets(Settings(sections={"escalations": {"targets": {"P4": {"ack_hours": 1,
                                                                                   "resolve_hours": 9}}}}))


def _series(long: pl.DataFrame, metric_id: str) -> dict[dt.date, float | None]:
    return dict(long.filter(pl.col("metric_id") == metric_id).select("date", "value").iter_rows())


def test_trend_daily_stock_and_weekly_sums(tiny: ScopedAccess) -> None:
    daily = esc.trend(tiny, REQUEST, "day")
    assert daily.schema == pl.Schema({"date": pl.Date, "metric_id": pl.String, "value": pl.Float64})
    assert daily.height == 14 * len(esc.METRICS)  # every day of the 14-day window, every metric
    open_end = _series(daily, "escalations.open_at_end")
    d = lambda day: dt.date(2026, 11, day)  # noqa: E731
    assert open_end[d(2)] == 1.0  # carried-in E4 only (E7 resolved 1 s before the window)
    assert open_end[d(3)] == 2.0  # + E5
    assert open_end[d(8)] == 2.0  # E5 resolved, E3 opened 23:59:59: E4, E3
    assert open_end[d(9)] == 3.0  # + E1
    assert open_end[d(12)] == 3.0  # E1 resolved 12 Nov 00:00, E6 opened 10 Nov: E4, E3, E6
    assert open_end[d(15)] == 3.0  # E3 resolved, E2 opened: E4, E6, E2
    tta = _series(daily, "escalations.tta_p50_hours")
    # acks on 9 Nov: E1 1 h in [1,1.5), E3 4 h + 1 s in [4,5); rank 1: 1 + 0.5 * 1 / 1
    assert tta[d(9)] == pytest.approx(1.5)
    assert tta[d(10)] is None  # no acknowledgement that day
    weekly = esc.trend(tiny, REQUEST, "week")
    by_week = {(r["date"], r["metric_id"]): r["value"] for r in weekly.iter_rows(named=True)}
    assert sorted({r[0] for r in by_week}) == [d(2), d(9)]  # Mondays
    for metric_id in EXPECTED_CURRENT:
        assert by_week[(d(9), metric_id)] == pytest.approx(EXPECTED_CURRENT[metric_id]), metric_id
        assert by_week[(d(2), metric_id)] == pytest.approx(EXPECTED_PREVIOUS[metric_id]), metric_id


def test_breakdown_by_priority(tiny: ScopedAccess) -> None:
    table = esc.breakdown(tiny, REQUEST, ("priority",))
    assert table.columns[:3] == ["priority", "escalations.opened", "escalations.opened.previous"]
    assert table.width == 1 + 2 * len(esc.METRICS)
    # sorted by open_at_end descending, ties by key: P2 (E4, E6), P0 (E2), P1 0, P3 0
    assert table["priority"].to_list() == ["P2", "P0", "P1", "P3"]
    rows = {r["priority"]: r for r in table.iter_rows(named=True)}
    assert rows["P2"]["escalations.open_at_end"] == 2.0  # E4, E6
    assert rows["P2"]["escalations.open_at_end.previous"] == 1.0  # E4
    assert rows["P0"]["escalations.opened"] == 2.0 and rows["P0"]["escalations.p0_open"] == 1.0  # E1, E2; E2
    assert rows["P0"]["escalations.target_adherence"] == 1.0  # E1 on every target: 1/1
    assert rows["P1"]["escalations.target_adherence"] == 0.0  # E3 ack 1 s late: 0/1
    assert rows["P1"]["escalations.recurrence_rate"] is None  # nothing P1 opened in the period
    assert rows["P1"]["escalations.recurrence_rate.previous"] == 1.0  # E3: 1/1
    assert rows["P1"]["escalations.open_at_end.previous"] == 1.0  # E3 at 9 Nov 00:00
    assert rows["P2"]["escalations.target_adherence"] is None  # nothing P2 resolved in the period
    # E5 120 h in [120,144): 120 + 24 * 0.5
    assert rows["P3"]["escalations.ttr_p50_hours.previous"] == pytest.approx(132.0)


def test_breakdown_by_region_and_null_root_cause(tiny: ScopedAccess) -> None:
    region = esc.breakdown(tiny, REQUEST, ("region",))
    rows = {r["region"]: r for r in region.iter_rows(named=True)}
    assert region["region"].to_list() == ["EU", "NA"]  # open at end: EU 2 (E2 FR, E4 DE) > NA 1 (E6 US)
    assert rows["EU"]["escalations.open_at_end"] == 2.0 and rows["NA"]["escalations.open_at_end"] == 1.0
    assert rows["EU"]["escalations.opened"] == 2.0  # E1, E2 (FR)
    assert rows["EU"]["escalations.resolved"] == 2.0  # E1 FR, E3 DE
    assert rows["EU"]["escalations.open_at_end.previous"] == 2.0  # E3, E4 (both DE)
    roots = esc.breakdown(tiny, REQUEST, ("root_cause",))
    open_by_root = dict(roots.select("root_cause", "escalations.open_at_end").iter_rows())
    assert open_by_root == {esc.NOT_SET: 1.0, "tooling_outage": 1.0, "policy_ambiguity": 1.0,
                            "model_regression": 0.0}  # E2 null root, E4, E6; E1 resolved; E7 (fraud_ring)
    # has no event in the window and is not carried in, so it has no row
    two = esc.breakdown(tiny, REQUEST, ("region", "priority"))
    eu = two.filter(pl.col("region") == "EU").select("priority", "escalations.open_at_end")
    assert dict(eu.iter_rows()) == {"P0": 1.0, "P2": 1.0, "P1": 0.0}  # E2, E4; E3 resolved (E7 not in window)
    with pytest.raises(ValueError, match="breakdown dimension"):
        esc.breakdown(tiny, REQUEST, ("policy",))


def test_drilldown_lists_active_escalations_newest_first(tiny: ScopedAccess) -> None:
    rows = esc.drilldown(tiny, REQUEST)
    # opened before 16 Nov 00:00 and not resolved before 9 Nov 00:00: E2, E6, E1, E3, E4 (E5, E7 resolved
    # earlier, E8 opens at the end bound)
    assert rows["escalation_id"].to_list() == [2, 6, 1, 3, 4]
    assert esc.drilldown(tiny, REQUEST, limit=2)["escalation_id"].to_list() == [2, 6]
    assert esc.drilldown(tiny, REQUEST, match={"region": "NA"})["escalation_id"].to_list() == [6]
    assert esc.drilldown(tiny, REQUEST, match={"root_cause": esc.NOT_SET})["escalation_id"].to_list() == [2]
    p1_de = esc.drilldown(tiny, REQUEST, match={"priority": "P1", "country_code": "DE"})
    assert p1_de["escalation_id"].to_list() == [3]


def test_speed_by_priority(tiny: ScopedAccess) -> None:
    table = escalation_views.speed_by_priority(tiny, REQUEST, DEFAULT)
    assert table["priority"].to_list() == ["P0", "P1", "P2", "P3"]
    rows = {r["priority"]: r for r in table.iter_rows(named=True)}
    p0, p1, p2 = rows["P0"], rows["P1"], rows["P2"]
    assert p0["resolved"] == 1 and p1["resolved"] == 1 and p2["resolved"] == 0
    # E2 0.5 h in [0.5,0.75), E1 1 h in [1,1.5): rank 1 -> 0.5 + 0.25 * 1 / 1
    assert p0["tta_p50_hours"] == pytest.approx(0.75)
    assert p0["tta_p90_hours"] == pytest.approx(1.4)  # rank 1.8 -> 1 + 0.5 * 0.8 / 1
    assert p0["ttc_p50_hours"] == pytest.approx(27.0)  # E1 24 h in [24,30): 24 + 6 * 0.5
    assert p0["ttr_p50_hours"] == pytest.approx(78.0)  # E1 72 h in [72,84): 72 + 12 * 0.5
    targets = (p0["ack_target_hours"], p0["contain_target_hours"], p0["resolve_target_hours"])
    assert targets == (1.0, 24.0, 72.0)
    assert p0["ack_adherence"] == 1.0 and p0["target_adherence"] == 1.0
    assert p1["tta_p50_hours"] == pytest.approx(4.5)  # E3 4 h + 1 s in [4,5): 4 + 1 * 0.5
    assert p1["ack_adherence"] == 0.0 and p1["contain_adherence"] == 1.0 and p1["target_adherence"] == 0.0
    assert p2["ttr_p50_hours"] is None and p2["target_adherence"] is None
    assert rows["P3"]["resolve_target_hours"] == 720.0


def test_open_escalations_at_period_end(tiny: ScopedAccess) -> None:
    table = escalation_views.open_escalations(tiny, REQUEST, DEFAULT)
    assert table["escalation_id"].to_list() == [2, 4, 6]  # by priority (P0, P2, P2), then oldest first
    rows = {r["escalation_id"]: r for r in table.iter_rows(named=True)}
    # E4 P2: 10-20 10:00 -> 11-16 00:00 = 26 d 14 h = 638 h; acked and contained: past its 336 h resolve
    # target.
    # Its stored status is "resolved" (at 16 Nov 00:00) but at the period end it was contained.
    assert rows[4]["age_hours"] == pytest.approx(638.0) and rows[4]["past_target"] == "resolve"
    assert rows[4]["status"] == "contained"
    assert rows[6]["age_hours"] == pytest.approx(136.0)  # 10 Nov 08:00 -> 16 Nov 00:00
    assert rows[6]["past_target"] == "acknowledge" and rows[6]["status"] == "open"  # never acked, > 24 h
    assert rows[2]["age_hours"] == pytest.approx(62.75)  # 13 Nov 09:15 -> 16 Nov 00:00
    assert rows[2]["past_target"] == "contain"  # acked, 62.75 h > 24 h contain, < 72 h resolve
    # as of the comparison end (9 Nov 00:00): E3's acknowledgement (9 Nov 04:00) had not happened yet
    before = escalation_views.open_escalations(tiny, MetricRequest(PERIOD.previous()), DEFAULT)
    assert before["escalation_id"].to_list() == [3, 4]  # P1 before P2
    e3 = before.row(0, named=True)
    assert e3["acknowledged_at"] is None and e3["contained_at"] is None and e3["status"] == "open"
    assert e3["age_hours"] == pytest.approx(1 / 3600) and e3["past_target"] == ""  # 1 s old
    assert before.row(1, named=True)["past_target"] == "resolve"  # E4: 470 h > 336 h
    # a longer contain target moves E2 back within target (62.75 h < 72 h, resolve 72 h not passed)
    lenient = Settings(sections={"escalations": {"targets": {"P0": {"contain_hours": 72}}}})
    assert escalation_views.open_escalations(tiny, REQUEST, lenient, limit=3).row(0, named=True)["past_target"] == ""
    # tighter P2 targets: E6 (136 h, never acknowledged) is past ack 24 h, contain 100 h and resolve 120 h,
    # and is named by the latest of them; E4 (638 h, acknowledged and contained) is past resolve only
    def past_targets(p2_targets: dict[str, float]) -> dict[int, str]:
        settings = Settings(sections={"escalations": {"targets": {"P2": p2_targets}}})
        table = escalation_views.open_escalations(tiny, REQUEST, settings)
        return dict(table.select("escalation_id", "past_target").iter_rows())

    past = past_targets({"contain_hours": 100, "resolve_hours": 120})
    assert past[6] == "resolve" and past[4] == "resolve"
    assert past_targets({"contain_hours": 100})[6] == "contain"  # 24 h and 100 h passed, 336 h not
    assert escalation_views.open_escalations(tiny, REQUEST, DEFAULT, limit=1)["escalation_id"].to_list() == [2]  # the P0 survives the LIMIT


def test_root_cause_pareto_and_recurrence(tiny: ScopedAccess) -> None:
    pareto = escalation_views.root_cause_pareto(tiny, REQUEST)
    # resolved in period: E1 model_regression, E3 policy_ambiguity (tie: alphabetical)
    assert pareto.to_dicts() == [
        {"root_cause": "model_regression", "resolved": 1, "share": 0.5, "cumulative_share": 0.5},
        {"root_cause": "policy_ambiguity", "resolved": 1, "share": 0.5, "cumulative_share": 1.0},
    ]
    recurrence = escalation_views.recurrence_by_root_cause(tiny, REQUEST)
    # opened in period: E1 model_regression, E2 null (no root cause yet: not a row), E6 policy_ambiguity
    # (recurs E5)
    assert recurrence.to_dicts() == [
        {"root_cause": "policy_ambiguity", "escalations": 1, "recurrences": 1, "rate": 1.0},
        {"root_cause": "model_regression", "escalations": 1, "recurrences": 0, "rate": 0.0},
    ]
    empty = MetricRequest(Period(dt.date(2025, 1, 1), dt.date(2025, 1, 7)))
    assert escalation_views.root_cause_pareto(tiny, empty).height == 0
    assert escalation_views.recurrence_by_root_cause(tiny, empty).height == 0


def test_scope_limits_every_view(tmp_path: Path) -> None:
    url = backend_url("duckdb", tmp_path)
    load_frames(url, {"escalations": ESCALATIONS, "countries": COUNTRIES})
    source = open_tiny(url)
    try:
        us_only = ScopedAccess(source, Scope.of(["US"]))
        values = {k.metric.id: k.value for k in esc.kpis(us_only, REQUEST, DEFAULT)}
        assert values["escalations.open_at_end"] == 1.0 and values["escalations.p0_open"] == 0.0  # E6 only
        assert escalation_views.open_escalations(us_only, REQUEST, DEFAULT)["escalation_id"].to_list() == [6]
        # asking for FR outside the scope gives nothing
        fr = MetricRequest(PERIOD, countries=("FR",))
        assert esc.drilldown(us_only, fr).height == 0
        nothing = ScopedAccess(source, Scope.nothing())
        assert all(k.value in (0.0, None) for k in esc.kpis(nothing, REQUEST, DEFAULT))
        empty = esc.breakdown(nothing, REQUEST, ("region", "priority"))
        assert empty.height == 0 and empty.columns[:3] == ["region", "priority", "escalations.opened"]
    finally:
        source.engine.dispose()


# ---- planted stories -------------------------------------------------------------------------


def _story_requests() -> tuple[MetricRequest, MetricRequest]:
    from sample_data.generator import DEFAULT_END

    week = MetricRequest(Period(DEFAULT_END - dt.timedelta(days=6), DEFAULT_END))
    half_year = MetricRequest(Period(DEFAULT_END - dt.timedelta(days=179), DEFAULT_END))
    return week, half_year


def _assert_stories(data: ScopedAccess, p0_country: str, recurring_root_cause: str) -> None:
    week, half_year = _story_requests()
    open_now = escalation_views.open_escalations(data, week, DEFAULT)
    p0 = open_now.filter(pl.col("priority") == "P0")
    assert p0.height == 1  # the planted P0 is the only open P0 (background P0s all resolve)
    story = p0.row(0, named=True)
    assert story["country_code"] == p0_country and story["source"] == "regulator"
    # acknowledged, never contained: opened 4 days before the end at 09:15 -> 110.75 h at the end bound
    assert story["acknowledged_at"] is not None and story["contained_at"] is None
    # past its 24 h contain and its 72 h resolve target: the latest one is named
    assert story["past_target"] == "resolve" and story["age_hours"] == pytest.approx(4 * 24 + 14.75)
    by_market = esc.breakdown(data, week, ("country_code",))
    p0_by_market = dict(by_market.select("country_code", "escalations.p0_open").iter_rows())
    assert p0_by_market[p0_country] == 1.0 and sum(p0_by_market.values()) == 1.0
    kpis = {k.metric.id: k for k in esc.kpis(data, week, DEFAULT)}
    assert kpis["escalations.p0_open"].value == 1.0 and kpis["escalations.p0_open"].status == "off_target"
    recurrence = escalation_views.recurrence_by_root_cause(data, half_year)
    assert recurrence["root_cause"][0] == recurring_root_cause
    assert recurrence["recurrences"][0] > recurrence["recurrences"][1]


def test_planted_stories_default_locations(small_demo: ScopedAccess) -> None:
    from sample_data import Stories

    _assert_stories(small_demo, Stories().p0_country, Stories().recurring_root_cause)


def test_planted_stories_follow_a_relocation(tmp_path: Path) -> None:
    from sample_data import Stories, generate

    stories = Stories(p0_country="JP", recurring_root_cause="fraud_ring")
    default = Stories()
    assert stories.p0_country != default.p0_country
    assert stories.recurring_root_cause != default.recurring_root_cause
    url = f"duckdb:///{tmp_path / 'relocated.duckdb'}"
    generate(url, scale="small", stories=stories)
    source = open_tiny(url)
    try:
        _assert_stories(ScopedAccess(source, Scope.everything()), "JP", "fraud_ring")
    finally:
        source.engine.dispose()
