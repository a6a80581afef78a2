"""Escalations (incident response): volume, open stock, time to acknowledge / contain / resolve,
adherence to per-priority targets, root causes and recurrence.

Every number is built from additive components that the database returns per (keys, day):
counts and duration histogram buckets for the events that happen on that day (opened,
acknowledged, contained, resolved), plus the stock of escalations already open when the window
starts. Polars sums the components per period / day / week / breakdown key and derives the
metrics at the end in one function (`metric_values`).

Definitions (DESIGN.md): volume counts escalations OPENED in the period; speed metrics count the
escalations whose stage END (acknowledged_at / contained_at / resolved_at) falls in the period;
"open at period end" = opened before the end of the period and not resolved by it.

Per-priority targets come from the `[escalations]` config section, merged over the defaults:

    [escalations.targets.P0]
    ack_hours = 1
    contain_hours = 24
    resolve_hours = 72
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import polars as pl

from connectors.spec import (
    AggregateSpec,
    All,
    AnyOf,
    Before,
    Condition,
    Count,
    Dim,
    Elapsed,
    ElapsedAtMostHours,
    Eq,
    Histogram,
    In,
    IsNull,
    NotNull,
    NullOrAtLeast,
    RecordSpec,
)
from metrics.base import (
    DURATION_EDGES_HOURS,
    DataAccess,
    Grain,
    KpiValue,
    MetricRequest,
    Period,
    add_region,
    country_regions,
    histogram_columns,
    percentile_expr,
    ratio_expr,
)
from metrics.registry import Direction, MetricDef, Unit, register
from metrics.targets import Settings

TABLE = "escalations"
NOT_SET = "(not set)"  # label of a null breakdown key (e.g. no root cause recorded yet)
STAGES: tuple[str, ...] = ("ack", "contain", "resolve")
STAGE_LABELS: dict[str, str] = {"ack": "acknowledge", "contain": "contain", "resolve": "resolve"}
STAGE_END: dict[str, str] = {"ack": "acknowledged_at", "contain": "contained_at", "resolve": "resolved_at"}
ELAPSED: dict[str, Elapsed] = {stage: Elapsed("opened_at", end=end) for stage, end in STAGE_END.items()}
HISTOGRAM_NAME: dict[str, str] = {"ack": "tta", "contain": "ttc", "resolve": "ttr"}
FILTERS: dict[str, str] = {"priorities": "priority"}

DEFAULT_TARGETS: dict[str, dict[str, float]] = {
    "P0": {"ack_hours": 1, "contain_hours": 24, "resolve_hours": 72},
    "P1": {"ack_hours": 4, "contain_hours": 72, "resolve_hours": 168},
    "P2": {"ack_hours": 24, "contain_hours": 168, "resolve_hours": 336},
    "P3": {"ack_hours": 72, "contain_hours": 336, "resolve_hours": 720},
}


def _metric(
    id_: str, label: str, definition: str, unit: Unit, direction: Direction, target: float | None = None
) -> MetricDef:
    """An escalations metric definition."""
    return MetricDef(id=f"escalations.{id_}", label=label, definition=definition, unit=unit,
                     direction=direction, target=target)


METRICS: tuple[MetricDef, ...] = register(
    _metric("opened", "Escalations opened", "Escalations opened in the period.", "count", "neutral"),
    _metric("resolved", "Escalations resolved", "Escalations resolved in the period.", "count", "neutral"),
    _metric("open_at_end", "Open at period end",
            "Escalations opened before the period end and not resolved by it.", "count", "down"),
    _metric("p0_open", "Open P0s", "P0 escalations open (opened and not resolved) at the period end.",
            "count", "down", 0.0),
    _metric("tta_p50_hours", "Time to acknowledge P50",
            "Median hours from opening to acknowledgement, of escalations acknowledged in the period.",
            "hours", "down"),
    _metric("tta_p90_hours", "Time to acknowledge P90",
            "90th percentile hours from opening to acknowledgement, of escalations acknowledged in the "
            "period.",
            "hours", "down"),
    _metric("ttc_p50_hours", "Time to contain P50",
            "Median hours from opening to containment, of escalations contained in the period.",
            "hours", "down"),
    _metric("ttc_p90_hours", "Time to contain P90",
            "90th percentile hours from opening to containment, of escalations contained in the period.",
            "hours", "down"),
    _metric("ttr_p50_hours", "Time to resolve P50",
            "Median hours from opening to resolution, of escalations resolved in the period.",
            "hours", "down"),
    _metric("ttr_p90_hours", "Time to resolve P90",
            "90th percentile hours from opening to resolution, of escalations resolved in the period.",
            "hours", "down"),
    _metric("target_adherence", "Target adherence",
            "Share of escalations resolved in the period whose acknowledge, contain and resolve times were "
            "all within their priority's targets.", "ratio", "up", 0.9),
    _metric("ack_adherence", "Acknowledge target adherence",
            "Share of escalations acknowledged in the period within their priority's acknowledge target.",
            "ratio", "up", 0.9),
    _metric("contain_adherence", "Contain target adherence",
            "Share of escalations contained in the period within their priority's contain target.",
            "ratio", "up", 0.9),
    _metric("resolve_adherence", "Resolve target adherence",
            "Share of escalations resolved in the period within their priority's resolve target.",
            "ratio", "up", 0.9),
    _metric("recurrence_rate", "Recurrence rate",
            "Share of escalations opened in the period that recur an earlier one (recurrence_of set).",
            "ratio", "down"),
)
METRIC_IDS: tuple[str, ...] = tuple(m.id for m in METRICS)

KPI_IDS: tuple[str, ...] = (
    "escalations.open_at_end",
    "escalations.p0_open",
    "escalations.ttc_p50_hours",
    "escalations.target_adherence",
)

BREAKDOWN_DIMENSIONS: dict[str, str] = {
    "country_code": "Market",
    "region": "Region",
    "priority": "Priority",
    "source": "Source",
    "domain": "Domain",
    "root_cause": "Root cause",
}

RECORD_COLUMNS: tuple[str, ...] = (
    "escalation_id", "opened_at", "acknowledged_at", "contained_at", "resolved_at", "priority", "source",
    "domain", "country_code", "root_cause", "status", "recurrence_of", "summary",
)


# ---- per-priority targets --------------------------------------------------------------------


@dataclass(frozen=True)
class StageTargets:
    """Hours allowed from opening to each stage, for one priority."""

    ack_hours: float
    contain_hours: float
    resolve_hours: float

    def hours(self, stage: str) -> float:
        return float(getattr(self, f"{stage}_hours"))


def priority_targets(settings: Settings) -> dict[str, StageTargets]:
    """Per-priority stage targets: `[escalations.targets.<priority>]` merged over the defaults."""
    configured: Mapping[str, Any] = settings.section("escalations").get("targets", {}) or {}
    merged: dict[str, dict[str, float]] = {p: dict(t) for p, t in DEFAULT_TARGETS.items()}
    for priority, values in configured.items():
        merged.setdefault(str(priority), {}).update({k: float(v) for k, v in dict(values).items()})
    result: dict[str, StageTargets] = {}
    for priority, values in sorted(merged.items()):
        missing = [f"{s}_hours" for s in STAGES if f"{s}_hours" not in values]
        if missing:
            raise ValueError(
                f"[escalations.targets.{priority}] is missing {', '.join(missing)} (hours from opening)"
            )
        result[priority] = StageTargets(*(float(values[f"{s}_hours"]) for s in STAGES))
    return result


def _within(stages: tuple[str, ...], targets: dict[str, StageTargets]) -> Condition:
    """The escalation reached every stage in `stages` within its priority's target (exact, in SQL)."""
    return AnyOf(tuple(
        All((
            Eq("priority", priority),
            *(NotNull(STAGE_END[s]) for s in stages),
            *(ElapsedAtMostHours(ELAPSED[s], t.hours(s)) for s in stages),
        ))
        for priority, t in targets.items()
    ))


# ---- components (SQL) ------------------------------------------------------------------------

HIST_COLUMNS: tuple[str, ...] = tuple(
    c for stage in STAGES for c in histogram_columns(HISTOGRAM_NAME[stage])
)
FLOW_COLUMNS: tuple[str, ...] = (
    "opened", "recurrences", "resolved", "resolved_targeted", "adherent",
    "acknowledged", "ack_within", "contained", "contain_within", "resolve_within", *HIST_COLUMNS,
)
DELTA_COLUMNS: tuple[str, ...] = ("open_delta", "p0_delta")
STOCK_COLUMNS: dict[str, str] = {"open_delta": "open_at_end", "p0_delta": "p0_open"}


def _specs(
    request: MetricRequest, window: Period, keys: tuple[str, ...], targets: dict[str, StageTargets]
) -> tuple[list[AggregateSpec], AggregateSpec]:
    """One spec per event type grouped by (keys, day of the event), plus the carry-in stock spec."""
    filters = request.filters_for(FILTERS)
    dims = tuple(Dim(k) for k in keys)
    p0 = Eq("priority", "P0")

    def per_day(column: str, *measures: Count | Histogram) -> AggregateSpec:
        return AggregateSpec(
            TABLE, (*dims, Dim(column, grain="day", name="day")), measures,
            where=(window.between(column), *filters), countries=request.countries,
        )

    def histogram(stage: str) -> Histogram:
        return Histogram(HISTOGRAM_NAME[stage], ELAPSED[stage], DURATION_EDGES_HOURS)

    events = [
        per_day("opened_at", Count("opened"), Count("recurrences", NotNull("recurrence_of")),
                Count("opened_p0", p0)),
        per_day("acknowledged_at", Count("acknowledged"), Count("ack_within", _within(("ack",), targets)),
                histogram("ack")),
        per_day("contained_at", Count("contained"), Count("contain_within", _within(("contain",), targets)),
                histogram("contain")),
        per_day("resolved_at", Count("resolved"), Count("resolved_p0", p0),
                Count("resolved_targeted", In("priority", tuple(targets))),
                Count("resolve_within", _within(("resolve",), targets)),
                Count("adherent", _within(STAGES, targets)), histogram("resolve")),
    ]
    carry_in = AggregateSpec(
        TABLE, dims, (Count("carry_open"), Count("carry_p0", p0)),
        where=(Before("opened_at", window.start_ts), NullOrAtLeast("resolved_at", window.start_ts), *filters),
        countries=request.countries,
    )
    return events, carry_in


def _query_keys(dimensions: tuple[str, ...]) -> tuple[str, ...]:
    """Table columns to group by: `region` is not a column, it comes from country_code."""
    keys: list[str] = []
    for d in dimensions:
        if d not in BREAKDOWN_DIMENSIONS:
            raise ValueError(
                f"unknown escalations breakdown dimension {d!r}; use one of {list(BREAKDOWN_DIMENSIONS)}"
            )
        column = "country_code" if d == "region" else d
        if column not in keys:
            keys.append(column)
    return tuple(keys)


def daily_components(
    data: DataAccess, request: MetricRequest, settings: Settings, dimensions: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Additive components per (dimensions..., day) over request.window (sparse: only days with events).

    Flows (FLOW_COLUMNS) count the events of that day; DELTA_COLUMNS change the open stock, with the
    stock already open at the window start booked on its first day.
    """
    window = request.window
    keys = _query_keys(dimensions)
    events, carry_spec = _specs(request, window, keys, priority_targets(settings))
    frames = [data.aggregate(spec) for spec in events]
    carry = data.aggregate(carry_spec).with_columns(pl.lit(window.start).alias("day"))
    daily = (
        pl.concat([*frames, carry], how="diagonal")
        .with_columns(pl.all().exclude(*keys, "day").fill_null(0))
        .group_by(*keys, "day").agg(pl.all().sum())
    )
    for column in (*FLOW_COLUMNS, "opened_p0", "resolved_p0", "carry_open", "carry_p0"):
        if column not in daily.columns:
            daily = daily.with_columns(pl.lit(0, pl.Int64).alias(column))
    daily = daily.with_columns(
        (pl.col("carry_open") + pl.col("opened") - pl.col("resolved")).alias("open_delta"),
        (pl.col("carry_p0") + pl.col("opened_p0") - pl.col("resolved_p0")).alias("p0_delta"),
    )
    if "region" in dimensions:
        daily = add_region(daily, data)
    daily = daily.with_columns(pl.col(d).cast(pl.String).fill_null(NOT_SET) for d in dimensions)
    return (
        daily.group_by(*dimensions, "day")
        .agg(pl.col(c).sum() for c in (*FLOW_COLUMNS, *DELTA_COLUMNS))
        .sort(*dimensions, "day")
    )


# ---- components -> metrics (Polars) ----------------------------------------------------------


def summarise(daily: pl.DataFrame, dimensions: tuple[str, ...], buckets: pl.DataFrame) -> pl.DataFrame:
    """Components per (dimensions..., bucket): flows summed over the bucket's days, stocks at its end.

    `buckets` has columns bucket, start, end (dates, inclusive); every (key, bucket) pair is present.
    """
    keys = list(dimensions)
    flows = (
        daily.join_where(buckets, pl.col("day") >= pl.col("start"), pl.col("day") <= pl.col("end"))
        .group_by(*keys, "bucket").agg(pl.col(c).sum() for c in FLOW_COLUMNS)
    )
    stocks = (
        daily.select(*keys, "day", *DELTA_COLUMNS)
        .join_where(buckets, pl.col("day") <= pl.col("end"))
        .group_by(*keys, "bucket")
        .agg(pl.col(delta).sum().alias(stock) for delta, stock in STOCK_COLUMNS.items())
    )
    grid = buckets.select("bucket")
    if keys:
        grid = daily.select(keys).unique().join(grid, how="cross")
    return (
        grid.join(flows, on=[*keys, "bucket"], how="left")
        .join(stocks, on=[*keys, "bucket"], how="left")
        .with_columns(pl.col(c).fill_null(0) for c in (*FLOW_COLUMNS, *STOCK_COLUMNS.values()))
    )


def metric_values(components: pl.DataFrame) -> pl.DataFrame:
    """Add one Float64 column per metric id to a frame of summed components (null where undefined)."""
    return components.with_columns(
        pl.col("opened").cast(pl.Float64).alias("escalations.opened"),
        pl.col("resolved").cast(pl.Float64).alias("escalations.resolved"),
        pl.col("open_at_end").cast(pl.Float64).alias("escalations.open_at_end"),
        pl.col("p0_open").cast(pl.Float64).alias("escalations.p0_open"),
        *(
            percentile_expr(name, q / 100).alias(f"escalations.{name}_p{q}_hours")
            for name in HISTOGRAM_NAME.values()
            for q in (50, 90)
        ),
        ratio_expr("adherent", "resolved_targeted").alias("escalations.target_adherence"),
        ratio_expr("ack_within", "acknowledged").alias("escalations.ack_adherence"),
        ratio_expr("contain_within", "contained").alias("escalations.contain_adherence"),
        ratio_expr("resolve_within", "resolved").alias("escalations.resolve_adherence"),
        ratio_expr("recurrences", "opened").alias("escalations.recurrence_rate"),
    ).with_columns(pl.col(m).cast(pl.Float64) for m in METRIC_IDS)


def _period_buckets(request: MetricRequest) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "bucket": ["current", "previous"],
            "start": [request.period.start, request.comparison.start],
            "end": [request.period.end, request.comparison.end],
        },
        schema={"bucket": pl.String, "start": pl.Date, "end": pl.Date},
    )


def _period_values(
    data: DataAccess, request: MetricRequest, settings: Settings, dimensions: tuple[str, ...]
) -> pl.DataFrame:
    daily = daily_components(data, request, settings, dimensions)
    return metric_values(summarise(daily, dimensions, _period_buckets(request)))


# ---- the domain interface --------------------------------------------------------------------


def kpis(data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]:
    """Every escalations metric for the period, with the comparison value and the target."""
    values = _period_values(data, request, settings, ())
    current = values.filter(pl.col("bucket") == "current").row(0, named=True)
    previous = values.filter(pl.col("bucket") == "previous").row(0, named=True)
    country = request.countries[0] if request.countries is not None and len(request.countries) == 1 else None
    return [
        KpiValue(m, value=current[m.id], previous=previous[m.id], target=settings.target(m, country=country))
        for m in METRICS
    ]


def trend(
    data: DataAccess, request: MetricRequest, grain: Grain = "day", settings: Settings | None = None
) -> pl.DataFrame:
    """Long frame (date, metric_id, value) per day or ISO week over the comparison + period window.

    `settings` only matters for the adherence metrics (per-priority targets); default targets if None.
    """
    window = request.window
    days = pl.date_range(window.start, window.end, interval="1d", eager=True)
    if grain == "day":
        buckets = pl.DataFrame({"bucket": days, "start": days, "end": days})
    else:
        buckets = (
            pl.DataFrame({"day": days})
            .group_by(pl.col("day").dt.truncate("1w").alias("bucket"))
            .agg(pl.col("day").min().alias("start"), pl.col("day").max().alias("end"))
            .sort("bucket")
        )
    daily = daily_components(data, request, settings or Settings(), ())
    values = metric_values(summarise(daily, (), buckets))
    return (
        values.select(pl.col("bucket").alias("date"), *METRIC_IDS)
        .unpivot(index="date", variable_name="metric_id", value_name="value")
        .with_columns(pl.col("value").cast(pl.Float64))
        .sort("metric_id", "date")
    )


def breakdown(
    data: DataAccess, request: MetricRequest, dimensions: tuple[str, ...], settings: Settings | None = None
) -> pl.DataFrame:
    """One row per key: each metric for the period ("<id>") and the comparison ("<id>.previous").

    `settings` only matters for the adherence metrics (per-priority targets); default targets if None.
    """
    values = _period_values(data, request, settings or Settings(), dimensions)
    current = values.filter(pl.col("bucket") == "current").select(*dimensions, *METRIC_IDS)
    previous = values.filter(pl.col("bucket") == "previous").select(
        *dimensions, *(pl.col(m).alias(f"{m}.previous") for m in METRIC_IDS)
    )
    columns = [c for m in METRIC_IDS for c in (m, f"{m}.previous")]
    joined = current.join(previous, on=list(dimensions), how="left") if dimensions else pl.concat(
        [current, previous], how="horizontal"
    )
    return joined.select(*dimensions, *columns).sort(
        [KPI_IDS[0], *dimensions], descending=[True, *([False] * len(dimensions))], nulls_last=True
    )


def _match_conditions(
    data: DataAccess, request: MetricRequest, match: dict[str, str] | None
) -> tuple[tuple[Condition, ...], tuple[str, ...] | None]:
    """Conditions (and narrowed countries) for one breakdown key; NOT_SET means a null column."""
    conditions: list[Condition] = []
    countries = request.countries
    for dimension, value in (match or {}).items():
        if dimension not in BREAKDOWN_DIMENSIONS:
            raise ValueError(f"cannot drill down by {dimension!r}; use one of {list(BREAKDOWN_DIMENSIONS)}")
        if dimension == "region":
            regions = country_regions(data)
            in_region = tuple(regions.filter(pl.col("region") == value)["country_code"].to_list())
            countries = in_region if countries is None else tuple(c for c in countries if c in in_region)
        elif value == NOT_SET:
            conditions.append(IsNull(dimension))
        else:
            conditions.append(Eq(dimension, value))
    return tuple(conditions), countries


def drilldown(
    data: DataAccess, request: MetricRequest, limit: int = 100, match: dict[str, str] | None = None
) -> pl.DataFrame:
    """Escalations active in the period (opened by its end, not resolved before its start), newest first."""
    period = request.period
    conditions, countries = _match_conditions(data, request, match)
    spec = RecordSpec(
        TABLE, RECORD_COLUMNS, order_by=("opened_at", "escalation_id"), limit=limit, descending=True,
        where=(
            Before("opened_at", period.end_ts), NullOrAtLeast("resolved_at", period.start_ts),
            *request.filters_for(FILTERS), *conditions,
        ),
        countries=countries,
    )
    return data.records(spec)


# ---- own views -------------------------------------------------------------------------------


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
    values = _period_values(data, request, settings, ("priority",)).filter(pl.col("bucket") == "current")
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
    """Escalations open at the period end, oldest first, with age and the first stage past its target.

    Timestamps after the period end are shown as null and `status` is the status as of the period end,
    so a past period reads as it stood then. `past_target` names the first stage (acknowledge, contain,
    resolve) still pending at the period end whose priority target the age has passed, or "".
    """
    end = request.period.end_ts
    spec = RecordSpec(
        TABLE,
        ("escalation_id", "priority", "source", "domain", "country_code", "opened_at", "acknowledged_at",
         "contained_at", "status", "summary"),
        order_by=("opened_at", "escalation_id"), limit=limit, descending=False,
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

    past = pl.when(passed("ack")).then(pl.lit(STAGE_LABELS["ack"]))
    past = past.when(passed("contain")).then(pl.lit(STAGE_LABELS["contain"]))
    past = past.when(passed("resolve")).then(pl.lit(STAGE_LABELS["resolve"])).otherwise(pl.lit(""))
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
    data: DataAccess, request: MetricRequest, event_column: str, *measures: Count
) -> pl.DataFrame:
    """Counts per root cause (null -> NOT_SET) of escalations whose `event_column` falls in the period."""
    spec = AggregateSpec(
        TABLE, (Dim("root_cause"),), measures,
        where=(request.period.between(event_column), *request.filters_for(FILTERS)),
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
    """Per root cause, escalations opened in the period, how many recur an earlier one, and the rate."""
    counts = _by_root_cause(
        data, request, "opened_at", Count("escalations"), Count("recurrences", NotNull("recurrence_of"))
    )
    return (
        counts.with_columns(ratio_expr("recurrences", "escalations").alias("rate"))
        .sort(["recurrences", "rate", "root_cause"], descending=[True, True, False], nulls_last=True)
        .select("root_cause", "escalations", "recurrences", "rate")
    )
