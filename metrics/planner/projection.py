"""A scenario projected over the measured baseline: pure Polars, no queries.

Volumes. Each (policy, queue) segment has a weekly volume per channel (baseline decisions / weeks).
Mix rows set a segment's shares outright (in order, a later row wins); then every move takes `share`
of the from-channel's volume (after the mix rows) in its matching segments to the to-channel.
Moves out of one channel of one segment may add up to at most 100 %.

Rates. A decision keeps its segment's measured rate in the channel that now handles it: cost per
decision, QA accuracy (with its sample size), appeals and overturns per decision (by policy and
channel: appeals have no queue). A channel without volume in a segment gets the channel's rate over
all segments; `llm_price_per_1k` replaces every LLM cost and `llm_accuracy` the LLM accuracy of
segments the LLM has not handled. So cost is linear in every moved share, 0 % reproduces the
baseline exactly, and moving volume to a channel with better QA never lowers expected accuracy.

Accuracy interval: each rate's binomial variance p (1 - p) / n, weighted by the squared volume
shares: Var(sum w_i p_i) = sum w_i^2 Var(p_i), treating the segment estimates as independent; an
assumed accuracy carries no sampling variance.

People. Human volume goes to vendor sites by each segment's measured allocation (or the scenario's
`site_allocation`), at the site's measured handling time there. Workload FTE = cases x AHT /
productive hours / occupancy / (1 - shrinkage). Queues whose SLA is at most `short_sla_hours`
(`live`, 4 h) are staffed round the clock by Erlang C instead when that needs more: the agents to
start `service_level` of the items within the SLA at no more than the occupancy, over 168 h a week.
A site is over capacity above its contract FTE (`site_capacity_fte`, else baseline FTE x (1 +
capacity_headroom): the data contract has no capacity column) and misses its cost target when its
projected cost per case exceeds the case-weighted vendor_sla_targets.cost_per_case_target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from metrics.planner.baseline import MIN_QA_SAMPLES, SEGMENT_KEYS, Z95, Baseline
from metrics.planner.erlang import required_agents
from metrics.planner.scenario import CHANNELS, Assumptions, Move, Scenario, ScenarioError

HOURS_PER_WEEK = 168.0
WEEKS_PER_MONTH = 52.0 / 12.0
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Projection:
    name: str
    totals: dict[str, float | None]
    channels: pl.DataFrame  # policy, queue, channel, volume, cost_per_decision, qa_accuracy, qa_samples, ...
    sites: pl.DataFrame  # vendor_site, cases_per_week, hours_per_week, fte, capacity_fte, flags ...
    short_sla_queues: pl.DataFrame  # vendor_site, queue, sla_hours, cases_per_week, erlang_agents, erlang_fte, ...
    thin_qa: list[str]  # "policy / queue / channel" whose accuracy rests on < MIN_QA_SAMPLES verdicts
    assumptions: Assumptions


# ---- volumes ----------------------------------------------------------------------------------


def check_scenario(baseline: Baseline, scenario: Scenario) -> None:
    """ScenarioError when the scenario names what the baseline does not have."""
    if baseline.human_decisions == 0:
        raise ScenarioError(
            f"baseline: no human decisions between {baseline.period.start} and {baseline.period.end} in "
            "these markets: staffing cannot be measured; choose a longer or another period"
        )
    policies, queues = set(baseline.policies), set(baseline.queues)
    rows = [("move", i, m.policy, m.queue) for i, m in enumerate(scenario.moves)]
    rows += [("mix", i, m.policy, m.queue) for i, m in enumerate(scenario.mixes)]
    for kind, index, policy, queue in rows:
        where = f"{scenario.name}: {kind}[{index + 1}]"
        if policy is not None and policy not in policies:
            raise ScenarioError(f"{where}.policy: unknown policy {policy!r}; known: {', '.join(sorted(policies))}")
        if queue is not None and queue not in queues:
            raise ScenarioError(f"{where}.queue: unknown queue {queue!r}; known: {', '.join(sorted(queues))}")
    known_sites = set(baseline.vendor_sites)
    for key in ("site_allocation", "site_capacity_fte"):
        for site, _ in getattr(scenario.assumptions, key) or ():
            if site not in known_sites:
                raise ScenarioError(
                    f"{scenario.name}: assumptions.{key}: unknown vendor site {site!r}; known: {', '.join(sorted(known_sites))}"
                )


def _matches(policy: str | None, queue: str | None) -> pl.Expr:
    condition = pl.lit(True)
    if policy is not None:
        condition = condition & (pl.col("policy") == policy)
    if queue is not None:
        condition = condition & (pl.col("queue") == queue)
    return condition


def baseline_volumes(baseline: Baseline) -> pl.DataFrame:
    """Wide: policy, queue, algo, llm, human weekly decisions (0 where a channel has none)."""
    wide = (
        baseline.segments.group_by(*SEGMENT_KEYS, "channel").agg(pl.col("decisions").sum())
        .pivot("channel", index=SEGMENT_KEYS, values="decisions")
    )
    for channel in CHANNELS:
        if channel not in wide.columns:
            wide = wide.with_columns(pl.lit(0).alias(channel))
    return wide.select(
        *SEGMENT_KEYS, *(pl.col(c).fill_null(0).cast(pl.Float64) / baseline.weeks for c in CHANNELS)
    ).sort(SEGMENT_KEYS)


def scenario_volumes(baseline: Baseline, scenario: Scenario) -> pl.DataFrame:
    """Wide weekly volumes per segment after the scenario's mix rows and moves."""
    wide = baseline_volumes(baseline)
    total = pl.sum_horizontal(*CHANNELS)
    for mix in scenario.mixes:
        match = _matches(mix.policy, mix.queue)
        wide = wide.with_columns(
            pl.when(match).then(total * getattr(mix, c)).otherwise(pl.col(c)).alias(c) for c in CHANNELS
        )
    if not scenario.moves:
        return wide
    out_share = {c: pl.lit(0.0) for c in CHANNELS}
    delta = {c: pl.lit(0.0) for c in CHANNELS}
    for move in scenario.moves:
        share = pl.when(_matches(move.policy, move.queue)).then(pl.lit(move.share)).otherwise(0.0)
        out_share[move.source] = out_share[move.source] + share
        amount = share * pl.col(move.source)
        delta[move.source] = delta[move.source] - amount
        delta[move.target] = delta[move.target] + amount
    checked = wide.with_columns(out_share[c].alias(f"_out_{c}") for c in CHANNELS)
    for channel in CHANNELS:
        over = checked.filter(pl.col(f"_out_{channel}") > 1.0 + TOLERANCE)
        if over.height:
            row = over.row(0, named=True)
            raise ScenarioError(
                f"{scenario.name}: moves out of {channel} in {row['policy']} / {row['queue']} add up to "
                f"{row[f'_out_{channel}']:.0%}; at most 100 % of a channel's volume can move"
            )
    # clip float noise (1 - 0.7 - 0.3) so a fully moved channel is exactly empty
    return wide.with_columns((pl.col(c) + delta[c]).clip(lower_bound=0.0).alias(c) for c in CHANNELS)


# ---- rates ------------------------------------------------------------------------------------


def channel_rates(baseline: Baseline, assumptions: Assumptions) -> pl.DataFrame:
    """Per (policy, queue, channel): cost_per_decision, qa_accuracy, qa_samples, accuracy_variance,
    appeals_per_decision, overturns_per_decision, own_rate (measured in the segment itself)."""
    seg = baseline.segments.group_by(*SEGMENT_KEYS, "channel").agg(
        pl.col("decisions", "qa_verdicts", "qa_agreed", "cost_sum").sum()
    )
    grid = (
        seg.select(SEGMENT_KEYS).unique()
        .join(pl.DataFrame({"channel": list(CHANNELS)}), how="cross")
        .join(seg, on=[*SEGMENT_KEYS, "channel"], how="left", nulls_equal=True)
        .with_columns(pl.col("decisions", "qa_verdicts", "qa_agreed", "cost_sum").fill_null(0))
    )
    wide = seg.group_by("channel").agg(pl.col("decisions", "qa_verdicts", "qa_agreed", "cost_sum").sum())
    own_appeals, channel_appeals = _appeal_rates(baseline)
    has_cost, has_qa = pl.col("decisions") > 0, pl.col("qa_verdicts") > 0
    is_llm = pl.col("channel") == "llm"
    rates = (
        grid.join(wide.rename({c: f"{c}_all" for c in ("decisions", "qa_verdicts", "qa_agreed", "cost_sum")}),
                  on="channel", how="left")
        .with_columns(
            pl.when(has_cost).then(pl.col("cost_sum") / pl.col("decisions"))
            .when(pl.col("decisions_all") > 0).then(pl.col("cost_sum_all") / pl.col("decisions_all"))
            .otherwise(0.0).alias("cost_per_decision"),
            pl.when(has_qa).then(pl.col("qa_agreed") / pl.col("qa_verdicts"))
            .when(pl.col("qa_verdicts_all") > 0).then(pl.col("qa_agreed_all") / pl.col("qa_verdicts_all"))
            .alias("qa_accuracy"),
            pl.when(has_qa).then(pl.col("qa_verdicts")).otherwise(pl.col("qa_verdicts_all")).alias("qa_samples"),
            has_cost.alias("own_rate"),
        )
    )
    if assumptions.llm_price_per_1k is not None:
        rates = rates.with_columns(
            pl.when(is_llm).then(pl.lit(assumptions.llm_price_per_1k / 1000.0)).otherwise(pl.col("cost_per_decision"))
            .alias("cost_per_decision")
        )
    assumed = pl.lit(False)
    if assumptions.llm_accuracy is not None:
        assumed = is_llm & ~has_qa
        rates = rates.with_columns(
            pl.when(assumed).then(pl.lit(assumptions.llm_accuracy)).otherwise(pl.col("qa_accuracy")).alias("qa_accuracy")
        )
    p, n = pl.col("qa_accuracy"), pl.col("qa_samples").cast(pl.Float64)
    return (
        rates.with_columns(
            assumed.alias("assumed_accuracy"),
            pl.when(assumed).then(0.0).when(n > 0).then(p * (1 - p) / n).alias("accuracy_variance"),
        )
        .join(own_appeals, on=["policy", "channel"], how="left", nulls_equal=True)
        .join(channel_appeals, on="channel", how="left")
        .with_columns(
            pl.coalesce("appeals_per_decision", "appeals_all", pl.lit(0.0)).alias("appeals_per_decision"),
            pl.coalesce("overturn_rate_per_decision", "overturn_rate_all", pl.lit(0.0)).alias("_overturn_rate"),
        )
        .with_columns((pl.col("appeals_per_decision") * pl.col("_overturn_rate")).alias("overturns_per_decision"))
        .select(
            *SEGMENT_KEYS, "channel", "cost_per_decision", "qa_accuracy", "qa_samples", "accuracy_variance",
            "assumed_accuracy", "appeals_per_decision", "overturns_per_decision", "own_rate",
        )
    )


def _appeal_rates(baseline: Baseline) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per (policy, channel) and per channel over all policies: appeals per decision and overturn rate.

    appeals per decision = appeals submitted / decisions; overturns per decision = that x the
    overturn rate (overturned / decided appeals) of the same policy and channel, else of the channel.
    """
    decisions = baseline.segments.group_by("policy", "channel").agg(pl.col("decisions").sum())
    frame = decisions.join(baseline.appeals, on=["policy", "channel"], how="left", nulls_equal=True).fill_null(0)

    def rates(f: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return f.with_columns(
            pl.when(pl.col("decisions") > 0).then(pl.col("appeals_submitted") / pl.col("decisions"))
            .alias(f"appeals{suffix}"),
            pl.when(pl.col("appeals_decided") > 0).then(pl.col("appeals_overturned") / pl.col("appeals_decided"))
            .alias(f"overturn_rate{suffix}"),
        )

    own = rates(frame, "_per_decision").select("policy", "channel", "appeals_per_decision",
                                               "overturn_rate_per_decision")
    whole = rates(
        frame.group_by("channel").agg(pl.col("decisions", "appeals_submitted", "appeals_decided", "appeals_overturned").sum()),
        "_all",
    ).select("channel", "appeals_all", "overturn_rate_all")
    return own, whole


# ---- the projection ---------------------------------------------------------------------------


def project(baseline: Baseline, scenario: Scenario, with_sites: bool = True) -> Projection:
    """The scenario's weekly volumes, cost, quality and (unless with_sites=False) staffing."""
    check_scenario(baseline, scenario)
    a = scenario.assumptions
    volumes = (
        scenario_volumes(baseline, scenario)
        .unpivot(index=SEGMENT_KEYS, on=list(CHANNELS), variable_name="channel", value_name="volume")
    )
    # sorted: float sums in a fixed order, so equal scenarios give bit-identical answers
    rows = (
        volumes.join(channel_rates(baseline, a), on=[*SEGMENT_KEYS, "channel"], how="left", nulls_equal=True)
        .sort(*SEGMENT_KEYS, "channel")
    )
    total = rows["volume"].sum()
    quality = rows.filter(pl.col("volume") > 0, pl.col("qa_accuracy").is_not_null())
    qa_volume = quality["volume"].sum()
    summary = rows.select(
        (pl.col("volume") * pl.col("cost_per_decision")).sum().alias("cost"),
        (pl.col("volume") * pl.col("appeals_per_decision")).sum().alias("appeals"),
        (pl.col("volume") * pl.col("overturns_per_decision")).sum().alias("overturns"),
    ).row(0, named=True)
    accuracy, half_width = None, None
    if qa_volume > 0:
        q = quality.select(
            ((pl.col("volume") * pl.col("qa_accuracy")).sum() / qa_volume).alias("acc"),
            ((pl.col("volume") / qa_volume) ** 2 * pl.col("accuracy_variance").fill_null(0.0)).sum().alias("var"),
        ).row(0, named=True)
        accuracy, half_width = q["acc"], Z95 * math.sqrt(q["var"])
    thin = (
        rows.filter(pl.col("volume") > 0, pl.col("qa_samples").fill_null(0) < MIN_QA_SAMPLES, ~pl.col("assumed_accuracy"))
        .select(pl.concat_str("policy", "queue", "channel", separator=" / "))
        .to_series().sort().to_list()
    )
    sites, work = site_projection(baseline, scenario, volumes) if with_sites else (_empty_sites(), _empty_sites())
    short = work.filter(pl.col("erlang_agents").is_not_null()) if with_sites else work
    cost = summary["cost"]
    totals: dict[str, float | None] = {
        "decisions_per_week": total,
        "cost_per_week_usd": cost,
        "cost_per_month_usd": cost * WEEKS_PER_MONTH,
        "cost_per_decision_usd": cost / total if total > 0 else None,
        "cost_per_1k_decisions_usd": 1000.0 * cost / total if total > 0 else None,
        "qa_accuracy": accuracy,
        "qa_accuracy_low": None if accuracy is None else max(0.0, accuracy - half_width),
        "qa_accuracy_high": None if accuracy is None else min(1.0, accuracy + half_width),
        "expected_qa_disagreements_per_week": None if accuracy is None else total * (1.0 - accuracy),
        "expected_appeals_per_week": summary["appeals"],
        "expected_overturns_per_week": summary["overturns"],
        "human_decisions_per_week": rows.filter(pl.col("channel") == "human")["volume"].sum(),
        "human_fte": float(sites["fte"].sum()) if with_sites else None,
        "sites_over_capacity": float(sites["over_capacity"].sum()) if with_sites else None,
        "sites_over_cost_target": float(sites["over_cost_target"].sum()) if with_sites else None,
    }
    return Projection(scenario.name, totals, rows, sites, short, thin, a)


def baseline_scenario(assumptions: Assumptions) -> Scenario:
    """The baseline as a scenario: no moves, the staffing assumptions only (measured prices and accuracy)."""
    return Scenario("Baseline", (), (), replace(assumptions, llm_price_per_1k=None, llm_accuracy=None))


# ---- people per site --------------------------------------------------------------------------


def _allocation(baseline: Baseline, assumptions: Assumptions) -> pl.DataFrame:
    """policy, queue, vendor_site, alloc (share of the segment's human volume), aht_seconds, cost_per_case."""
    sites = baseline.sites
    own = sites.group_by(*SEGMENT_KEYS, "vendor_site").agg(pl.col("cases", "handled", "handle_sum", "cost_sum").sum())
    site_wide = (
        own.group_by("vendor_site").agg(pl.col("cases", "handled", "handle_sum", "cost_sum").sum())
        .select(
            "vendor_site",
            (pl.col("cases") / pl.col("cases").sum()).alias("alloc_all"),
            (pl.col("handle_sum") / pl.col("handled")).alias("aht_all"),
            (pl.col("cost_sum") / pl.col("cases")).alias("cpc_all"),
        )
    )
    segments = baseline.segments.select(SEGMENT_KEYS).unique()
    if assumptions.site_allocation:
        shares = pl.DataFrame(
            {"vendor_site": [s for s, _ in assumptions.site_allocation], "alloc": [v for _, v in assumptions.site_allocation]}
        )
        alloc = segments.join(shares, how="cross")
    else:
        measured = own.with_columns((pl.col("cases") / pl.col("cases").sum().over(SEGMENT_KEYS)).alias("alloc"))
        unsited = segments.join(measured.select(SEGMENT_KEYS).unique(), on=SEGMENT_KEYS, how="anti", nulls_equal=True)
        alloc = pl.concat([
            measured.select(*SEGMENT_KEYS, "vendor_site", "alloc"),
            unsited.join(site_wide.select("vendor_site", alloc="alloc_all"), how="cross"),
        ])
    return (
        alloc.join(own, on=[*SEGMENT_KEYS, "vendor_site"], how="left", nulls_equal=True)
        .join(site_wide, on="vendor_site", how="left")
        .select(
            *SEGMENT_KEYS, "vendor_site", "alloc",
            pl.when(pl.col("handled") > 0).then(pl.col("handle_sum") / pl.col("handled")).otherwise(pl.col("aht_all"))
            .alias("aht_seconds"),
            pl.when(pl.col("cases") > 0).then(pl.col("cost_sum") / pl.col("cases")).otherwise(pl.col("cpc_all"))
            .alias("cost_per_case"),
        )
    )


def _queue_sla(baseline: Baseline) -> pl.DataFrame:
    return baseline.segments.group_by("queue").agg(
        (pl.col("sla_sum").sum() / pl.col("decisions").sum()).alias("sla_hours")
    )


def site_workload(baseline: Baseline, assumptions: Assumptions, volumes: pl.DataFrame) -> pl.DataFrame:
    """Per (vendor_site, queue): cases, hours, cost per week, workload FTE and Erlang C FTE."""
    human = volumes.filter(pl.col("channel") == "human").select(*SEGMENT_KEYS, "volume")
    fte_per_hour = 1.0 / (assumptions.productive_hours_per_week * assumptions.occupancy * (1.0 - assumptions.shrinkage))
    work = (
        human.join(_allocation(baseline, assumptions), on=SEGMENT_KEYS, how="inner", nulls_equal=True)
        .with_columns((pl.col("volume") * pl.col("alloc")).alias("cases"))
        .sort("vendor_site", *SEGMENT_KEYS)  # a fixed summation order
        .group_by("vendor_site", "queue", maintain_order=True)
        .agg(
            pl.col("cases").sum().alias("cases_per_week"),
            (pl.col("cases") * pl.col("aht_seconds") / 3600.0).sum().alias("hours_per_week"),
            (pl.col("cases") * pl.col("cost_per_case")).sum().alias("cost_per_week"),
        )
        .join(_queue_sla(baseline), on="queue", how="left")
        .with_columns((pl.col("hours_per_week") * fte_per_hour).alias("workload_fte"))
        .sort("vendor_site", "queue")
    )
    # Erlang C per short-SLA (site, queue) row: a plain loop in this thread, never a callback in Polars
    erlang: list[float | None] = []
    agents: list[int | None] = []
    for row in work.iter_rows(named=True):
        short = row["sla_hours"] is not None and row["sla_hours"] <= assumptions.short_sla_hours
        if not short or row["cases_per_week"] <= 0:
            erlang.append(None)
            agents.append(None)
            continue
        staffing = required_agents(
            row["cases_per_week"] / HOURS_PER_WEEK,
            row["hours_per_week"] / row["cases_per_week"],
            row["sla_hours"],
            assumptions.service_level,
            max_occupancy=assumptions.occupancy,
        )
        agents.append(staffing.agents)
        erlang.append(staffing.agents * HOURS_PER_WEEK / assumptions.productive_hours_per_week / (1.0 - assumptions.shrinkage))
    return work.with_columns(
        pl.Series("erlang_agents", agents, dtype=pl.Int64),
        pl.Series("erlang_fte", erlang, dtype=pl.Float64),
    ).with_columns(pl.max_horizontal("workload_fte", pl.col("erlang_fte").fill_null(0.0)).alias("fte"))


def site_projection(
    baseline: Baseline, scenario: Scenario, volumes: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per vendor site (cases, hours, FTE, capacity, cost per case against target, flags), and
    the per (site, queue) workload it sums."""
    a = scenario.assumptions
    work = site_workload(baseline, a, volumes)
    base_long = baseline_volumes(baseline).unpivot(index=SEGMENT_KEYS, on=list(CHANNELS), variable_name="channel",
                                                   value_name="volume")
    measured = replace(a, site_allocation=None)  # a contract is sized on today's allocation, not the scenario's
    capacity = _totals_by_site(site_workload(baseline, measured, base_long), baseline).select(
        "vendor_site", (pl.col("fte") * (1.0 + a.capacity_headroom)).alias("capacity_fte")
    )
    if a.site_capacity_fte:
        explicit = pl.DataFrame({"vendor_site": [s for s, _ in a.site_capacity_fte],
                                 "_explicit": [v for _, v in a.site_capacity_fte]})
        capacity = (
            capacity.join(explicit, on="vendor_site", how="full", coalesce=True)
            .select("vendor_site", pl.coalesce("_explicit", "capacity_fte").alias("capacity_fte"))
        )
    sites = (
        # every site of the baseline, also one a scenario leaves without human work (0 FTE)
        _totals_by_site(work, baseline)
        .join(capacity, on="vendor_site", how="full", coalesce=True)
        .with_columns(pl.col("cases_per_week", "hours_per_week", "workload_fte", "erlang_fte", "fte", "cost_per_week")
                      .fill_null(0.0))
        .with_columns(
            (pl.col("fte") > pl.col("capacity_fte") + TOLERANCE).fill_null(False).alias("over_capacity"),
            (pl.col("cost_per_case") > pl.col("cost_per_case_target") + TOLERANCE).fill_null(False)
            .alias("over_cost_target"),
        )
        .sort("vendor_site")
    )
    return sites, work


def _totals_by_site(work: pl.DataFrame, baseline: Baseline) -> pl.DataFrame:
    targeted = work.join(baseline.cost_targets, on=["vendor_site", "queue"], how="left")
    has_target = pl.col("cost_per_case_target").is_not_null()
    return targeted.sort("vendor_site", "queue").group_by("vendor_site", maintain_order=True).agg(
        pl.col("cases_per_week", "hours_per_week", "cost_per_week", "workload_fte").sum(),
        pl.col("erlang_fte").sum().alias("erlang_fte"),
        pl.col("fte").sum(),
        (pl.when(has_target).then(pl.col("cases_per_week") * pl.col("cost_per_case_target")).otherwise(0.0).sum()
         / pl.when(has_target).then(pl.col("cases_per_week")).otherwise(0.0).sum()).alias("cost_per_case_target"),
    ).with_columns(
        pl.when(pl.col("cases_per_week") > 0).then(pl.col("cost_per_week") / pl.col("cases_per_week"))
        .alias("cost_per_case"),
        pl.col("cost_per_case_target").fill_nan(None),
    ).select(
        "vendor_site", "cases_per_week", "hours_per_week", "workload_fte", "erlang_fte", "fte",
        "cost_per_week", "cost_per_case", "cost_per_case_target",
    )


def _empty_sites() -> pl.DataFrame:
    return pl.DataFrame(schema={"vendor_site": pl.String, "fte": pl.Float64, "over_capacity": pl.Boolean,
                                "over_cost_target": pl.Boolean})


# ---- frontier ---------------------------------------------------------------------------------


def frontier(baseline: Baseline, move: Move, assumptions: Assumptions, steps: int = 10) -> pl.DataFrame:
    """Cost and expected accuracy as the moved share of `move` goes from 0 to 100 % in `steps` steps."""
    rows: list[dict[str, Any]] = []
    for step in range(steps + 1):
        share = step / steps
        scenario = Scenario(f"{share:.0%}", (Move(move.source, move.target, share, move.policy, move.queue),),
                            (), assumptions)
        totals = project(baseline, scenario, with_sites=False).totals
        rows.append({"share": share, "cost_per_week_usd": totals["cost_per_week_usd"],
                     "qa_accuracy": totals["qa_accuracy"],
                     "expected_overturns_per_week": totals["expected_overturns_per_week"]})
    return pl.DataFrame(rows, schema={"share": pl.Float64, "cost_per_week_usd": pl.Float64, "qa_accuracy": pl.Float64,
                                      "expected_overturns_per_week": pl.Float64})


def scaled_frontier(baseline: Baseline, scenario: Scenario, steps: int = 10) -> pl.DataFrame:
    """The scenario's moves scaled together from none to the largest reaching 100 %, in `steps` steps.

    Columns scenario, share (of the largest move), factor (1 = the scenario as entered), cost_per_week_usd,
    qa_accuracy, expected_overturns_per_week. A step whose moves out of one channel would pass 100 % ends the curve.
    """
    largest = max((m.share for m in scenario.moves), default=0.0)
    rows: list[dict[str, Any]] = []
    if largest <= 0:
        return pl.DataFrame(schema=FRONTIER_SCHEMA)
    for step in range(steps + 1):
        factor = step / steps / largest
        moves = tuple(replace(m, share=min(1.0, m.share * factor)) for m in scenario.moves)
        try:
            totals = project(baseline, replace(scenario, moves=moves), with_sites=False).totals
        except ScenarioError:
            break
        rows.append({"scenario": scenario.name, "share": step / steps, "factor": factor,
                     "cost_per_week_usd": totals["cost_per_week_usd"], "qa_accuracy": totals["qa_accuracy"],
                     "expected_overturns_per_week": totals["expected_overturns_per_week"]})
    return pl.DataFrame(rows, schema=FRONTIER_SCHEMA)


FRONTIER_SCHEMA = {"scenario": pl.String, "share": pl.Float64, "factor": pl.Float64, "cost_per_week_usd": pl.Float64,
                   "qa_accuracy": pl.Float64, "expected_overturns_per_week": pl.Float64}


def compare(baseline: Baseline, scenarios: tuple[Scenario, ...], assumptions: Assumptions) -> list[Projection]:
    """The baseline and each scenario, side by side (baseline first)."""
    return [project(baseline, baseline_scenario(assumptions)), *(project(baseline, s) for s in scenarios)]
