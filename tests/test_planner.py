"""Mix planner: golden projections worked out by hand, invariants as property tests, bad scenarios.

The golden baseline is built directly from component frames (what measure_baseline returns), so
the arithmetic below is the projection's alone; test_measure_baseline_on_tiny_data checks the queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.scope import Scope
from connectors.source import ScopedAccess
from metrics.base import MetricRequest, Period
from metrics.planner.baseline import Baseline, measure_baseline, segment_table, wilson_exprs
from metrics.planner.projection import baseline_scenario, compare, frontier, project
from metrics.planner.scenario import Assumptions, Move, Scenario, ScenarioError, parse_plan
from tiny import T, backend_url, frame, load_frames, open_tiny

D = dt.date
TWO_WEEKS = Period(D(2026, 11, 2), D(2026, 11, 15))  # 14 days: weekly = totals / 2


def segments(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {"policy": pl.String, "queue": pl.String, "channel": pl.String, "decisions": pl.Int64,
              "actioned": pl.Int64, "qa_verdicts": pl.Int64, "qa_agreed": pl.Int64, "cost_sum": pl.Float64,
              "handled": pl.Int64, "handle_sum": pl.Float64, "sla_sum": pl.Float64, "within_sla": pl.Int64}
    return pl.DataFrame([{k: r.get(k, 0) for k in schema} for r in rows], schema=schema)


def golden() -> Baseline:
    """Two weeks of:
    spam/listings human: 20 decisions, QA 9/10, $1.00 each, 180 s each, SLA 24 h
    spam/listings llm:   40 decisions, QA 16/20, $0.05 each
    fraud_scam/live human: 28 decisions, QA 3/4 (thin), $2.00 each, 360 s each, SLA 4 h,
      half at site A / X, half at B / Y. All spam human work is at A / X.
    Appeals: spam human 2 submitted, 2 decided, 1 overturned; spam llm 8 submitted, 4 decided, 2 overturned.
    Cost targets: A / X listings $1.10, A / X live $2.50, B / Y live $1.50.
    """
    segs = segments([
        dict(policy="spam", queue="listings", channel="human", decisions=20, actioned=10, qa_verdicts=10,
             qa_agreed=9, cost_sum=20.0, handled=20, handle_sum=3600.0, sla_sum=480.0),
        dict(policy="spam", queue="listings", channel="llm", decisions=40, actioned=20, qa_verdicts=20,
             qa_agreed=16, cost_sum=2.0, sla_sum=960.0),
        dict(policy="fraud_scam", queue="live", channel="human", decisions=28, actioned=14, qa_verdicts=4,
             qa_agreed=3, cost_sum=56.0, handled=28, handle_sum=10080.0, sla_sum=112.0),
    ])
    sites = pl.DataFrame({
        "policy": ["spam", "fraud_scam", "fraud_scam"], "queue": ["listings", "live", "live"],
        "cases": [20, 14, 14], "handled": [20, 14, 14], "handle_sum": [3600.0, 5040.0, 5040.0],
        "cost_sum": [20.0, 28.0, 28.0], "vendor_site": ["A / X", "A / X", "B / Y"],
    })
    appeals = pl.DataFrame({"policy": ["spam", "spam"], "channel": ["human", "llm"], "appeals_submitted": [2, 8],
                            "appeals_decided": [2, 4], "appeals_overturned": [1, 2]})
    targets = pl.DataFrame({"vendor_site": ["A / X", "A / X", "B / Y"], "queue": ["listings", "live", "live"],
                            "cost_per_case_target": [1.10, 2.50, 1.50]})
    return Baseline(TWO_WEEKS, segs, sites, appeals, targets)


HALF_SPAM = Scenario("half of human spam to the LLM", (Move("human", "llm", 0.5, policy="spam"),))


def site(projection: Any, name: str) -> dict[str, Any]:
    return projection.sites.filter(pl.col("vendor_site") == name).row(0, named=True)


# ---- golden projections -----------------------------------------------------------------------


def test_baseline_by_hand() -> None:
    base = project(golden(), baseline_scenario(Assumptions()))
    t = base.totals
    # weekly volumes: spam human 10, spam llm 20, live human 14 = 44
    assert t["decisions_per_week"] == pytest.approx(44)
    # cost: 10 x $1 + 20 x $0.05 + 14 x $2 = 10 + 1 + 28 = $39 a week; x 52/12 a month
    assert t["cost_per_week_usd"] == pytest.approx(39.0)
    assert t["cost_per_month_usd"] == pytest.approx(39.0 * 52 / 12)
    assert t["cost_per_decision_usd"] == pytest.approx(39 / 44)
    # accuracy: (10 x 0.9 + 20 x 0.8 + 14 x 0.75) / 44 = 35.5 / 44
    assert t["qa_accuracy"] == pytest.approx(35.5 / 44)
    # interval: 1.96 x sqrt(sum (v/44)^2 p(1-p)/n) = sqrt((10/44)^2 .09/10 + (20/44)^2 .16/20 + (14/44)^2 .1875/4)
    var = (10 / 44) ** 2 * 0.09 / 10 + (20 / 44) ** 2 * 0.16 / 20 + (14 / 44) ** 2 * 0.1875 / 4
    assert t["qa_accuracy_high"] - t["qa_accuracy"] == pytest.approx(1.959964 * var ** 0.5, rel=1e-5)
    # appeals per decision: spam human 2/20 = 0.1, spam llm 8/40 = 0.2 -> 10 x 0.1 + 20 x 0.2 = 5 a week
    assert t["expected_appeals_per_week"] == pytest.approx(5.0)
    # overturns: 10 x 0.1 x 1/2 + 20 x 0.2 x 2/4 = 0.5 + 2 = 2.5; live has no appeals: 0
    assert t["expected_overturns_per_week"] == pytest.approx(2.5)
    # every estimate here rests on fewer than 30 QA verdicts (10, 20 and 4)
    assert base.thin_qa == ["fraud_scam / live / human", "spam / listings / human", "spam / listings / llm"]


def test_baseline_fte_and_erlang_by_hand() -> None:
    base = project(golden(), baseline_scenario(Assumptions()))
    # FTE per workload hour = 1 / (40 h x 0.85 occupancy x (1 - 0.30 shrinkage)) = 1 / 23.8
    # A / X listings: 10 cases x 180 s = 0.5 h -> 0.5 / 23.8 FTE
    # live (SLA 4 h <= 8 h): 7 cases a week per site x 360 s = 0.7 h, traffic 0.7 / 168 Erlangs: one agent
    # meets 90 % within 4 h; round the clock that is 168 h / 40 h / (1 - 0.3) = 6 FTE (> 0.7 / 23.8)
    a_x, b_y = site(base, "A / X"), site(base, "B / Y")
    assert a_x["workload_fte"] == pytest.approx((0.5 + 0.7) / 23.8)
    assert a_x["erlang_fte"] == pytest.approx(6.0)
    assert a_x["fte"] == pytest.approx(0.5 / 23.8 + 6.0)
    assert b_y["fte"] == pytest.approx(6.0)
    assert base.totals["human_fte"] == pytest.approx(0.5 / 23.8 + 12.0)
    # cost per case A / X: (10 x $1 + 7 x $2) / 17 = 24/17 against (10 x 1.10 + 7 x 2.50) / 17 = 28.5/17: met
    assert a_x["cost_per_case"] == pytest.approx(24 / 17)
    assert a_x["cost_per_case_target"] == pytest.approx(28.5 / 17)
    assert not a_x["over_cost_target"]
    # B / Y: $2.00 a case against $1.50: flagged already in the baseline
    assert b_y["over_cost_target"]
    # capacity = baseline FTE x 1.10: nobody is over it in the baseline
    assert a_x["capacity_fte"] == pytest.approx((0.5 / 23.8 + 6.0) * 1.1)
    assert not base.sites["over_capacity"].any()
    # the live queue is staffed by Erlang C at both sites: one agent each, 7 cases a week, SLA 4 h
    live = base.short_sla_queues.sort("vendor_site")
    assert live["vendor_site"].to_list() == ["A / X", "B / Y"] and set(live["queue"]) == {"live"}
    assert live["erlang_agents"].to_list() == [1, 1] and live["cases_per_week"].to_list() == pytest.approx([7, 7])
    assert live["sla_hours"].to_list() == pytest.approx([4.0, 4.0])


def test_moving_half_of_human_spam_by_hand() -> None:
    plan = project(golden(), HALF_SPAM)
    t = plan.totals
    # spam/listings: human 10 -> 5, llm 20 -> 25; live untouched: 44 a week still
    assert t["decisions_per_week"] == pytest.approx(44)
    # cost: 5 x $1 + 25 x $0.05 + 28 = 5 + 1.25 + 28 = $34.25
    assert t["cost_per_week_usd"] == pytest.approx(34.25)
    # accuracy: (5 x 0.9 + 25 x 0.8 + 10.5) / 44 = 35 / 44
    assert t["qa_accuracy"] == pytest.approx(35 / 44)
    # overturns: 5 x 0.05 + 25 x 0.1 = 2.75
    assert t["expected_overturns_per_week"] == pytest.approx(2.75)
    # A / X listings 5 cases x 180 s = 0.25 h
    assert site(plan, "A / X")["fte"] == pytest.approx(0.25 / 23.8 + 6.0)
    assert t["human_decisions_per_week"] == pytest.approx(19)


def test_llm_price_and_accuracy_assumptions_by_hand() -> None:
    # all live fraud human work to the LLM, which never handled fraud: accuracy 0.70 assumed, $20 per 1,000
    scenario = Scenario("live to llm", (Move("human", "llm", 1.0, queue="live"),),
                        assumptions=Assumptions(llm_price_per_1k=20.0, llm_accuracy=0.70))
    t = project(golden(), scenario).totals
    # cost: 10 x $1 + (20 + 14) x $0.02 = 10 + 0.68 = $10.68
    assert t["cost_per_week_usd"] == pytest.approx(10.68)
    # accuracy: (10 x 0.9 + 20 x 0.8 + 14 x 0.70) / 44 = 34.8 / 44
    assert t["qa_accuracy"] == pytest.approx(34.8 / 44)
    # live queue has no human work left: only A / X listings, 0.5 h
    assert t["human_fte"] == pytest.approx(0.5 / 23.8)


def test_mix_row_sets_a_segment_outright() -> None:
    plan = parse_plan({"baseline": {"start": "2026-11-02", "end": "2026-11-15"},
                       "scenario": [{"name": "all llm", "mix": [{"policy": "spam", "llm": 1.0}]}]})
    t = project(golden(), plan.scenarios[0]).totals
    # spam/listings 30 a week all by the LLM: 30 x $0.05 + 28 = $29.50
    assert t["cost_per_week_usd"] == pytest.approx(29.5)


def test_explicit_capacity_and_site_allocation_flag_a_site() -> None:
    a = Assumptions(site_allocation=(("A / X", 1.0), ("B / Y", 0.0)), site_capacity_fte=(("A / X", 6.0),))
    plan = project(golden(), Scenario("all to A", assumptions=a))
    a_x = site(plan, "A / X")
    # A / X now takes all 14 live cases (traffic 1.4/168 E: still one agent, 6 FTE) and the 10 listings
    assert a_x["cases_per_week"] == pytest.approx(24)
    assert a_x["fte"] == pytest.approx(0.5 / 23.8 + 6.0)
    assert a_x["over_capacity"]  # 6.02 > 6.0
    # B / Y is left without human work: 0 FTE, and its capacity stays sized on today's allocation (6 x 1.1)
    b_y = site(plan, "B / Y")
    assert b_y["fte"] == 0 and b_y["cases_per_week"] == 0
    assert b_y["capacity_fte"] == pytest.approx(6.6)
    assert plan.totals["sites_over_capacity"] == 1


def test_wilson_interval_by_hand() -> None:
    # Wilson score interval for 9 of 10 at 95 % (z = 1.96, z^2 = 3.8415), by hand:
    # centre = (0.9 + 1.9208/10) / (1 + 3.8415/10) = 1.09208 / 1.38415 = 0.78899
    # half = 1.96 / 1.38415 x sqrt(0.09/10 + 3.8415/400) = 1.41603 x 0.13640 = 0.19314
    # -> [0.59585, 0.98213], the interval usually tabulated for 9/10 (0.596 to 0.982)
    low, high = wilson_exprs("agreed", "verdicts")
    interval = pl.DataFrame({"agreed": [9, 0], "verdicts": [10, 0]}).select(low=low, high=high)
    assert interval["low"][0] == pytest.approx(0.78899 - 0.19314, abs=2e-4)
    assert interval["high"][0] == pytest.approx(0.78899 + 0.19314, abs=2e-4)
    assert interval.row(1) == (None, None)  # no verdicts, no interval


def test_frontier_runs_from_baseline_to_full_move() -> None:
    curve = frontier(golden(), Move("human", "llm", 1.0, policy="spam"), Assumptions(), steps=4)
    assert curve["share"].to_list() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert curve["cost_per_week_usd"][0] == pytest.approx(39.0)
    assert curve["cost_per_week_usd"][2] == pytest.approx(34.25)
    # all 10 human spam to the llm: 30 x 0.05 + 28 = 29.5
    assert curve["cost_per_week_usd"][4] == pytest.approx(29.5)


# ---- invariants -------------------------------------------------------------------------------

POLICIES = ("spam", "fraud_scam", "counterfeit")
QUEUES = ("listings", "live")


@st.composite
def random_baseline(draw: st.DrawFn) -> Baseline:
    """Random segments where, in every segment, the LLM's QA accuracy is at least the human's.

    The LLM has volume in every segment: where it has none the projection uses its accuracy over all
    segments, which can be below a segment's human accuracy, and then the move is not "to the better channel".
    """
    rows, site_rows = [], []
    for policy in POLICIES:
        for queue in QUEUES:
            human_n = draw(st.integers(1, 400))
            llm_n = draw(st.integers(1, 400))
            human_qa = draw(st.integers(1, 50))
            human_ok = draw(st.integers(0, human_qa))
            llm_qa = draw(st.integers(1, 50))
            # llm accuracy >= human accuracy: llm_ok / llm_qa >= human_ok / human_qa
            llm_ok = draw(st.integers(-(-human_ok * llm_qa // human_qa), llm_qa))
            human_cost = draw(st.floats(0.2, 3.0))
            llm_cost = draw(st.floats(0.001, 0.2))
            sla = 4.0 if queue == "live" else 24.0
            rows.append(dict(policy=policy, queue=queue, channel="human", decisions=human_n, qa_verdicts=human_qa,
                             qa_agreed=human_ok, cost_sum=human_cost * human_n, handled=human_n,
                             handle_sum=200.0 * human_n, sla_sum=sla * human_n))
            if llm_n:
                rows.append(dict(policy=policy, queue=queue, channel="llm", decisions=llm_n, qa_verdicts=llm_qa,
                                 qa_agreed=llm_ok, cost_sum=llm_cost * llm_n, handled=llm_n,
                                 handle_sum=5.0 * llm_n, sla_sum=sla * llm_n))
            site_rows.append(dict(policy=policy, queue=queue, vendor_site="A / X", cases=human_n, handled=human_n,
                                  handle_sum=200.0 * human_n, cost_sum=human_cost * human_n))
    appeals = pl.DataFrame(schema={"policy": pl.String, "channel": pl.String, "appeals_submitted": pl.Int64,
                                   "appeals_decided": pl.Int64, "appeals_overturned": pl.Int64})
    targets = pl.DataFrame(schema={"vendor_site": pl.String, "queue": pl.String, "cost_per_case_target": pl.Float64})
    return Baseline(TWO_WEEKS, segments(rows), pl.DataFrame(site_rows), appeals, targets)


moves = st.builds(Move, st.just("human"), st.just("llm"), st.floats(0.0, 1.0),
                  st.sampled_from((None, *POLICIES)), st.sampled_from((None, *QUEUES)))


@settings(max_examples=40, deadline=None)
@given(random_baseline(), moves)
def test_moving_nothing_reproduces_the_baseline_exactly(baseline: Baseline, move: Move) -> None:
    still = project(baseline, Scenario("zero", (Move(move.source, move.target, 0.0, move.policy, move.queue),)))
    base = project(baseline, baseline_scenario(Assumptions()))
    assert still.totals == base.totals
    assert still.sites.equals(base.sites), (still.sites.to_dicts(), base.sites.to_dicts())
    # and the baseline is the measurement: cost = sum of cost_usd / weeks
    assert base.totals["cost_per_week_usd"] == pytest.approx(baseline.segments["cost_sum"].sum() / 2, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(random_baseline(), moves, st.floats(0.0, 1.0))
def test_cost_is_linear_in_the_moved_share(baseline: Baseline, move: Move, share: float) -> None:
    def cost(s: float) -> float:
        scenario = Scenario("s", (Move(move.source, move.target, s, move.policy, move.queue),))
        return project(baseline, scenario, with_sites=False).totals["cost_per_week_usd"]  # type: ignore[return-value]

    zero, one = cost(0.0), cost(1.0)
    assert cost(share) == pytest.approx(zero + share * (one - zero), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(random_baseline(), moves)
def test_moving_to_the_better_qa_channel_never_lowers_accuracy(baseline: Baseline, move: Move) -> None:
    before = project(baseline, baseline_scenario(Assumptions()), with_sites=False).totals["qa_accuracy"]
    after = project(baseline, Scenario("m", (move,)), with_sites=False).totals["qa_accuracy"]
    assert after >= before - 1e-12  # type: ignore[operator]


# ---- the queries behind the baseline ----------------------------------------------------------


@pytest.mark.parametrize("backend", ["duckdb", "sqlite", "postgresql"])
def test_measure_baseline_on_tiny_data(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> None:
    def case(case_id: int, channel: str, day: int, *, policy: str = "spam", queue: str = "listings",
             site: str | None = "Manila", cost: float = 1.0, agree: bool | None = None) -> dict[str, Any]:
        human = channel == "human"
        return dict(case_id=case_id, created_at=T(2026, 11, day, 8), decided_at=T(2026, 11, day, 10),
                    country_code="PH", queue=queue, target_type="listing", policy=policy, outcome="actioned",
                    action="remove", channel=channel, vendor="Acme" if human and site else None,
                    site=site if human else None, handle_seconds=100.0 if human else 1.0, sla_hours=24.0,
                    cost_usd=cost, qa_sampled=agree is not None, qa_agree=agree)

    cases = frame("moderation_cases", [
        case(1, "human", 3, agree=True), case(2, "human", 4, agree=False, cost=2.0),
        case(3, "human", 5, site=None),  # a human case with no vendor site: counts, but at no site
        case(4, "llm", 5, cost=0.04, agree=True),
        case(5, "human", 20),  # decided after the period: out
    ])
    appeals = frame("appeals", [dict(appeal_id=1, case_id=2, submitted_at=T(2026, 11, 6), decided_at=T(2026, 11, 7),
                                     country_code="PH", appellant_type="seller", policy="spam", original_action="remove",
                                     original_channel="human", outcome="reversed", reviewer="r", sla_hours=48.0,
                                     qa_score=None, is_reappeal=False)])
    postgres_url = request.getfixturevalue("postgres_database") if backend == "postgresql" else None
    url = backend_url(backend, tmp_path, postgres_url)
    load_frames(url, {"moderation_cases": cases, "appeals": appeals})
    source = open_tiny(url)
    try:
        baseline = measure_baseline(ScopedAccess(source, Scope.everything()),
                                    MetricRequest(Period(D(2026, 11, 2), D(2026, 11, 15))))
    finally:
        source.engine.dispose()
    table = {r["channel"]: r for r in segment_table(baseline).to_dicts()}
    assert table["human"]["decisions_per_week"] == pytest.approx(1.5)  # 3 human cases over 2 weeks
    assert table["human"]["qa_accuracy"] == pytest.approx(0.5) and table["human"]["qa_samples"] == 2
    assert table["human"]["cost_per_decision"] == pytest.approx(4 / 3)  # (1 + 2 + 1) / 3
    assert table["human"]["appeal_rate"] == pytest.approx(1 / 3)  # 1 appeal / 3 actioned human decisions
    assert table["human"]["overturn_rate"] == 1.0
    assert table["llm"]["cost_per_decision"] == pytest.approx(0.04)
    assert baseline.sites["vendor_site"].to_list() == ["Acme / Manila"]
    assert baseline.sites["cases"].to_list() == [2]
    assert baseline.human_decisions == 3


# ---- bad scenarios ----------------------------------------------------------------------------

PLAN = {"baseline": {"start": "2026-11-02", "end": "2026-11-15"}}


@pytest.mark.parametrize(
    "scenario, field",
    [
        ({"name": "s", "mix": [{"policy": "spam", "algo": 0.5, "llm": 0.6}]}, "scenario[1].mix[1]: the shares"),
        ({"name": "s", "move": [{"from": "human", "to": "llm", "share": -0.1}]}, "scenario[1].move[1].share"),
        ({"name": "s", "move": [{"from": "human", "to": "llm", "share": 1.5}]}, "scenario[1].move[1].share"),
        ({"name": "s", "move": [{"from": "people", "to": "llm", "share": 0.1}]}, "scenario[1].move[1].from"),
        ({"name": "s", "move": [{"from": "human", "to": "llm", "share": "ten"}]}, "scenario[1].move[1].share"),
        ({"name": "s", "assumptions": {"llm_price_per_1k": "cheap"}}, "scenario[1].assumptions.llm_price_per_1k"),
        ({"name": "s", "assumptions": {"shrinkage": 1.2}}, "scenario[1].assumptions.shrinkage"),
        ({"name": "s", "movee": []}, "scenario[1]: unknown field(s) movee"),
        ({"move": []}, "scenario[1].name"),
    ],
)
def test_bad_scenarios_name_the_field(scenario: dict[str, Any], field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_plan({**PLAN, "scenario": [scenario]})
    assert field in str(error.value)


@pytest.mark.parametrize(
    "move, message",
    [
        (Move("human", "llm", 0.1, policy="gambling"), "move[1].policy: unknown policy 'gambling'"),
        (Move("human", "llm", 0.1, queue="phone"), "move[1].queue: unknown queue 'phone'"),
    ],
)
def test_unknown_policy_or_queue_is_refused(move: Move, message: str) -> None:
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        project(golden(), Scenario("s", (move,)))


def test_moves_out_of_one_channel_over_100_percent_are_refused() -> None:
    scenario = Scenario("twice", (Move("human", "llm", 0.7), Move("human", "algo", 0.6, policy="spam")))
    with pytest.raises(ScenarioError, match="moves out of human in spam / listings add up to 130%"):
        project(golden(), scenario)


def test_a_period_without_human_volume_is_refused() -> None:
    base = golden()
    no_humans = Baseline(base.period, base.segments.filter(pl.col("channel") != "human"), base.sites.clear(),
                         base.appeals, base.cost_targets)
    with pytest.raises(ScenarioError, match="baseline: no human decisions"):
        compare(no_humans, (HALF_SPAM,), Assumptions())


def test_plan_level_errors() -> None:
    with pytest.raises(ScenarioError, match=r"\[baseline\] is missing"):
        parse_plan({"scenario": [{"name": "a"}]})
    with pytest.raises(ScenarioError, match="baseline.start"):
        parse_plan({"baseline": {"start": "19 Oct", "end": "2026-11-15"}, "scenario": [{"name": "a"}]})
    with pytest.raises(ScenarioError, match="at most 3 scenarios"):
        parse_plan({**PLAN, "scenario": [{"name": str(i)} for i in range(4)]})
    with pytest.raises(ScenarioError, match="names must differ"):
        parse_plan({**PLAN, "scenario": [{"name": "a"}, {"name": "a"}]})


def test_the_readme_scenario_file_parses() -> None:
    import tomllib
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = readme.split("### Planning the moderation mix")[1].split("```toml")[1].split("```")[0]
    plan = parse_plan(tomllib.loads(block))
    assert plan.scenarios[0].moves[0] == Move("human", "llm", 0.10, "spam", "listings")
    assert plan.scenarios[0].assumptions.llm_price_per_1k == 35.0


def test_url_form_round_trips_and_refuses_garbage() -> None:
    from metrics.planner.scenario import decode_scenario, encode_scenario

    scenario = Scenario("LLM | 10 %", (Move("human", "llm", 0.1, "spam", None), Move("algo", "human", 0.05)),
                        assumptions=Assumptions(llm_price_per_1k=35.0, shrinkage=0.25))
    text = encode_scenario(scenario)
    assert text == "LLM / 10 %|human>llm:0.1:spam:;algo>human:0.05::|llm_price_per_1k=35,shrinkage=0.25"
    back = decode_scenario(text, "s1")
    assert back.moves == scenario.moves and back.assumptions == scenario.assumptions
    with pytest.raises(ScenarioError, match=r"s2.move\[1\].share: expected a number"):
        decode_scenario("x|human>llm:ten::|", "s2")
    with pytest.raises(ScenarioError, match="s1: expected name"):
        decode_scenario("no bars", "s1")
    with pytest.raises(ScenarioError, match=r"s1.assumptions.shrinkage"):
        decode_scenario("x||shrinkage=1.5", "s1")
    sites = Scenario("sites", assumptions=Assumptions(site_allocation=(("A / X", 0.25), ("B / Y", 0.75))))
    assert encode_scenario(sites) == "sites||site_allocation=A / X:0.25;B / Y:0.75"
    assert decode_scenario(encode_scenario(sites), "s1").assumptions == sites.assumptions
    with pytest.raises(ScenarioError, match="site shares must sum to 100 %"):
        decode_scenario("x||site_allocation=A / X:0.5", "s1")


def test_scaled_frontier_reaches_the_full_move() -> None:
    from metrics.planner.projection import scaled_frontier

    curve = scaled_frontier(golden(), Scenario("s", (Move("human", "llm", 0.5, policy="spam"),)), steps=2)
    # factors 0, 1 (the scenario: 50 %), 2 (100 %): costs 39, 34.25, 29.5 (see the golden tests above)
    assert curve["factor"].to_list() == [0.0, 1.0, 2.0]
    assert curve["cost_per_week_usd"].to_list() == pytest.approx([39.0, 34.25, 29.5])
