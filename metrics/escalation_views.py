"""The escalations domain's own views: speed by priority, open escalations, root causes, recurrence.

Re-exported by `metrics.escalations` (which this module imports), so `metrics.escalations.<view>`
keeps working.
"""

from __future__ import annotations

import polars as pl

from connectors.spec import AggregateSpec, Before, Count, Dim, NotNull, NullOrAtLeast, RecordSpec
from metrics.base import DataAccess, MetricRequest, ratio_expr
from metrics.escalation_targets import STAGE_END, STAGES, StageTargets, priority_targets
from metrics.escalations import FILTERS, HISTOGRAM_NAME, NOT_SET, STAGE_LABELS, TABLE, period_values
from metrics.targets import Settings


def _targets_frame(targets: dict[str, StageTargets]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "priority": list(targets),
            **{f"{s}_target_hours": [t.hours(s) for t in targets.values()] for s in STAGES},
        },
        schema={"priority": pl.String, **{f"{s}_target_hours": pl.Float64 for s in STAGES}},
    )


def speed_by_priority(data: DataAccess, request: MetricRequest, settings: Settings) -> pl.DataFrame:
    """Per priority, for the period: resolved, TTA/TTC/TTR P50 and P90, targets and adherence per stage."""
    values = period_values(data, request, settings, ("priority",)).filter(pl.col("bucket") == "current")
    speed = [f"escalations.{HISTOGRAM_NAME[s]}_p{q}_hours" for s in STAGES for q in (50, 90)]
    table = values.select(
        "priority",
        pl.col("resolved").cast(pl.Int64),
        *(pl.col(m).alias(m.removeprefix("escalations.")) for m in speed),
        *(pl.col(f"escalations.{s}_adherence").alias(f"{s}_adherence") for s in STAGES),
        pl.col("escalations.target_adherence").alias("target_adherence"),
    )
    return (
        _targets_frame(priority_targets(settings))
        .join(table, on="priority", how="full", coalesce=True)
        .with_columns(pl.col("resolved").fill_null(0))
        .select(
            "priority", "resolved", *(c.removeprefix("escalations.") for c in speed),
            *(f"{s}_target_hours" for s in STAGES), *(f"{s}_adherence" for s in STAGES), "target_adherence",
        )
        .sort("priority")
    )


def open_escalations(
    data: DataAccess, request: MetricRequest, settings: Settings, limit: int = 100
) -> pl.DataFrame:
    """Escalations open at the period end, most urgent first (priority, then oldest), with age and target status.

    Timestamps after the period end are shown as null and `status` is the status as of the period end,
    so a past period reads as it stood then. `past_target` names the latest stage (resolve, contain,
    acknowledge) still pending at the period end whose priority target the age has passed, or "".
    """
    end = request.period.end_ts
    spec = RecordSpec(
        TABLE,
        ("escalation_id", "priority", "source", "domain", "country_code", "opened_at", "acknowledged_at",
         "contained_at", "status", "summary"),
        # most urgent first: by priority (P0 first), then oldest, so a LIMIT never cuts a new P0
        order_by=("priority", "opened_at", "escalation_id"), limit=limit, descending=False,
        where=(Before("opened_at", end), NullOrAtLeast("resolved_at", end), *request.filters_for(FILTERS)),
        countries=request.countries,
    )
    records = data.records(spec)
    targets = _targets_frame(priority_targets(settings))
    as_of = [
        pl.when(pl.col(c) < end).then(pl.col(c)).otherwise(None).alias(c)
        for c in ("acknowledged_at", "contained_at")
    ]
    age_seconds = (pl.lit(end) - pl.col("opened_at").dt.truncate("1s")).dt.total_seconds()
    age_hours = age_seconds / 3600

    def passed(stage: str) -> pl.Expr:
        pending = pl.lit(True) if stage == "resolve" else pl.col(STAGE_END[stage]).is_null()
        return pending & (age_seconds > pl.col(f"{stage}_target_hours") * 3600).fill_null(False)

    # the latest target passed: an escalation 110 h old and not contained is past its 72 h resolve
    # target, which says more than its 24 h contain target
    past = pl.when(passed("resolve")).then(pl.lit(STAGE_LABELS["resolve"]))
    past = past.when(passed("contain")).then(pl.lit(STAGE_LABELS["contain"]))
    past = past.when(passed("ack")).then(pl.lit(STAGE_LABELS["ack"])).otherwise(pl.lit(""))
    return (
        records.with_columns(as_of)
        .join(targets, on="priority", how="left")
        .with_columns(
            pl.when(pl.col("contained_at").is_not_null()).then(pl.lit("contained")).otherwise(pl.lit("open"))
            .alias("status"),
            age_hours.cast(pl.Float64).alias("age_hours"),
            past.alias("past_target"),
        )
        .select(
            "escalation_id", "priority", "source", "domain", "country_code", "opened_at", "acknowledged_at",
            "contained_at", "status", "summary", "age_hours", "past_target",
        )
    )


def _by_root_cause(
    data: DataAccess, request: MetricRequest, event_column: str, *measures: Count, known_only: bool = False
) -> pl.DataFrame:
    """Counts per root cause (null -> NOT_SET, or left out with known_only) of escalations whose
    `event_column` falls in the period."""
    known = (NotNull("root_cause"),) if known_only else ()
    spec = AggregateSpec(
        TABLE, (Dim("root_cause"),), measures,
        where=(request.period.between(event_column), *known, *request.filters_for(FILTERS)),
        countries=request.countries,
    )
    return data.aggregate(spec).with_columns(pl.col("root_cause").fill_null(NOT_SET))


def root_cause_pareto(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """Root causes of escalations resolved in the period: count, share and cumulative share, largest first."""
    counts = _by_root_cause(data, request, "resolved_at", Count("resolved"))
    total = counts["resolved"].sum()
    return (
        counts.sort(["resolved", "root_cause"], descending=[True, False])
        .with_columns(pl.lit(total, pl.Int64).alias("total"))
        .with_columns(
            ratio_expr("resolved", "total").alias("share"),
            (pl.col("resolved").cum_sum() / pl.col("total")).alias("cumulative_share"),
        )
        .select("root_cause", "resolved", "share", "cumulative_share")
    )


def recurrence_by_root_cause(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """Per root cause, escalations opened in the period, how many recur an earlier one, and the rate.

    Escalations without a root cause yet (most are still open) are left out: "(not set)" is no cause."""
    counts = _by_root_cause(
        data, request, "opened_at", Count("escalations"), Count("recurrences", NotNull("recurrence_of")),
        known_only=True,
    )
    return (
        counts.with_columns(ratio_expr("recurrences", "escalations").alias("rate"))
        .sort(["recurrences", "rate", "root_cause"], descending=[True, True, False], nulls_last=True)
        .select("root_cause", "escalations", "recurrences", "rate")
    )
