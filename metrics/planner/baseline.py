"""The measured baseline of the mix planner: what each channel does today, per policy and queue.

Five GROUP BY queries over the contract tables (through the same spec layer as every metric, so
the scope and filters are bound in SQL): moderation cases per (policy, queue, channel), human
cases per (policy, queue, vendor, site), appeals submitted and decided per (policy, original
channel), and the vendor contract targets. Everything else is Polars over these few hundred rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from connectors.spec import AggregateSpec, All, Count, Dim, ElapsedAtMost, Eq, Histogram, In, NotNull, Sum
from metrics.case_components import QA_VERDICT, TABLE, TAT
from metrics.base import DURATION_EDGES_HOURS, DataAccess, MetricRequest, Period, percentile_series, ratio_expr
from metrics.mix import FILTERS, OVERTURNED
from metrics.vendor_scorecard import targets_in_force
from metrics.vendors import TARGETS_SPEC_DIMS, VENDOR_SITE

MIN_QA_SAMPLES = 30  # fewer QA verdicts than this: the segment's accuracy is flagged as thin
Z95 = 1.959963984540054

SEGMENT_MEASURES = (
    Count("decisions"),
    Count("actioned", where=Eq("outcome", "actioned")),
    Count("qa_verdicts", where=QA_VERDICT),
    Count("qa_agreed", where=All((QA_VERDICT, Eq("qa_agree", True)))),
    Sum("cost_sum", "cost_usd"),
    Count("handled", where=NotNull("handle_seconds")),
    Sum("handle_sum", "handle_seconds"),
    Sum("sla_sum", "sla_hours"),
    Count("within_sla", where=ElapsedAtMost(TAT, "sla_hours")),
    Histogram("tat", TAT, DURATION_EDGES_HOURS),
)
SITE_MEASURES = (
    Count("cases"),
    Count("handled", where=NotNull("handle_seconds")),
    Sum("handle_sum", "handle_seconds"),
    Sum("cost_sum", "cost_usd"),
)
SEGMENT_KEYS = ["policy", "queue"]


@dataclass(frozen=True)
class Baseline:
    """Component frames of the measured period (counts and sums, so any grouping can be re-derived)."""

    period: Period
    segments: pl.DataFrame  # policy, queue, channel, SEGMENT_MEASURES columns
    sites: pl.DataFrame  # policy, queue, vendor_site, SITE_MEASURES columns (human cases with a vendor site)
    appeals: pl.DataFrame  # policy, channel, appeals_submitted, appeals_decided, appeals_overturned
    cost_targets: pl.DataFrame  # vendor_site, queue, cost_per_case_target (rows in force at the period end)

    @property
    def weeks(self) -> float:
        return self.period.days / 7.0

    @property
    def policies(self) -> list[str]:
        return sorted(self.segments["policy"].drop_nulls().unique().to_list())

    @property
    def queues(self) -> list[str]:
        return sorted(self.segments["queue"].drop_nulls().unique().to_list())

    @property
    def vendor_sites(self) -> list[str]:
        return sorted(self.sites["vendor_site"].unique().to_list())

    @property
    def human_decisions(self) -> int:
        return int(self.segments.filter(pl.col("channel") == "human")["decisions"].sum())


def measure_baseline(data: DataAccess, request: MetricRequest) -> Baseline:
    """The baseline of `request.period` within the request's markets (and the user's scope)."""
    period = request.period
    decided = period.between("decided_at")
    filters = request.filters_for(FILTERS)
    segments = data.aggregate(
        AggregateSpec(TABLE, (Dim("policy"), Dim("queue"), Dim("channel")), SEGMENT_MEASURES,
                      where=(decided, *filters), countries=request.countries)
    )
    sites = data.aggregate(
        AggregateSpec(TABLE, (Dim("policy"), Dim("queue"), Dim("vendor"), Dim("site")), SITE_MEASURES,
                      where=(decided, Eq("channel", "human"), NotNull("vendor"), NotNull("site"), *filters),
                      countries=request.countries)
    )
    appeal_filters = request.filters_for({"policies": "policy", "channels": "original_channel"})
    by_channel = (Dim("policy"), Dim("original_channel", name="channel"))
    submitted = data.aggregate(
        AggregateSpec("appeals", by_channel, (Count("appeals_submitted"),),
                      where=(period.between("submitted_at"), *appeal_filters), countries=request.countries)
    )
    decided_appeals = data.aggregate(
        AggregateSpec("appeals", by_channel,
                      (Count("appeals_decided"), Count("appeals_overturned", where=In("outcome", OVERTURNED))),
                      where=(period.between("decided_at"), *appeal_filters), countries=request.countries)
    )
    targets = data.aggregate(
        AggregateSpec("vendor_sla_targets", tuple(Dim(c) for c in TARGETS_SPEC_DIMS), (Count("rows"),))
    ).drop("rows")
    in_force = targets_in_force(targets, pl.Series("as_of", [period.end], dtype=pl.Date))
    return Baseline(
        period=period,
        segments=segments,
        sites=sites.with_columns(VENDOR_SITE).drop("vendor", "site"),
        appeals=submitted.join(decided_appeals, on=["policy", "channel"], how="full", coalesce=True,
                               nulls_equal=True).fill_null(0),
        cost_targets=in_force.with_columns(VENDOR_SITE).select("vendor_site", "queue", "cost_per_case_target"),
    )


def segment_table(baseline: Baseline) -> pl.DataFrame:
    """The measured baseline per (policy, queue, channel), for reading and export.

    Columns: policy, queue, channel, decisions_per_week, cost_per_decision, qa_accuracy, qa_samples,
    qa_low, qa_high (95 % Wilson interval), thin_qa, appeal_rate (appeals submitted / actioned
    decisions of the policy and channel), overturn_rate, tat_p50_hours, tat_p90_hours, sla_hours,
    tat_adherence, aht_seconds.
    """
    frame = baseline.segments
    appeals = baseline.appeals
    actioned = frame.group_by("policy", "channel").agg(pl.col("actioned").sum())
    appeal_rates = appeals.join(actioned, on=["policy", "channel"], how="left").select(
        "policy", "channel",
        ratio_expr("appeals_submitted", "actioned").alias("appeal_rate"),
        ratio_expr("appeals_overturned", "appeals_decided").alias("overturn_rate"),
    )
    low, high = wilson_exprs("qa_agreed", "qa_verdicts")
    return (
        frame.with_columns(
            (pl.col("decisions") / baseline.weeks).alias("decisions_per_week"),
            ratio_expr("cost_sum", "decisions").alias("cost_per_decision"),
            ratio_expr("qa_agreed", "qa_verdicts").alias("qa_accuracy"),
            pl.col("qa_verdicts").alias("qa_samples"),
            low.alias("qa_low"),
            high.alias("qa_high"),
            (pl.col("qa_verdicts") < MIN_QA_SAMPLES).alias("thin_qa"),
            percentile_series(frame, "tat", 0.5).alias("tat_p50_hours"),
            percentile_series(frame, "tat", 0.9).alias("tat_p90_hours"),
            ratio_expr("sla_sum", "decisions").alias("sla_hours"),
            ratio_expr("within_sla", "decisions").alias("tat_adherence"),
            ratio_expr("handle_sum", "handled").alias("aht_seconds"),
        )
        .join(appeal_rates, on=["policy", "channel"], how="left", nulls_equal=True)
        .select(
            "policy", "queue", "channel", "decisions_per_week", "cost_per_decision", "qa_accuracy", "qa_samples",
            "qa_low", "qa_high", "thin_qa", "appeal_rate", "overturn_rate", "tat_p50_hours", "tat_p90_hours",
            "sla_hours", "tat_adherence", "aht_seconds",
        )
        .sort("policy", "queue", "channel")
    )


def site_table(baseline: Baseline) -> pl.DataFrame:
    """Human work per vendor site: cases per week, AHT, cost per case and cost per handling hour."""
    return (
        baseline.sites.group_by("vendor_site")
        .agg(pl.col("cases", "handled", "handle_sum", "cost_sum").sum())
        .select(
            "vendor_site",
            (pl.col("cases") / baseline.weeks).alias("cases_per_week"),
            ratio_expr("handle_sum", "handled").alias("aht_seconds"),
            ratio_expr("cost_sum", "cases").alias("cost_per_case"),
            pl.when(pl.col("handle_sum") > 0).then(pl.col("cost_sum") / (pl.col("handle_sum") / 3600.0))
            .alias("cost_per_handling_hour"),
        )
        .sort("vendor_site")
    )


def wilson_exprs(successes: str, trials: str, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Polars: the Wilson score interval of successes / trials (null without trials)."""
    n = pl.col(trials).cast(pl.Float64)
    p = pl.col(successes) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).sqrt()
    has = pl.col(trials) > 0
    return pl.when(has).then(centre - half), pl.when(has).then(centre + half)


