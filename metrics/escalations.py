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

The domain's own views (speed by priority, open escalations, root causes, recurrence) live in
`metrics.escalation_views` and are re-exported here.
Per-priority stage targets (`[escalations.targets.<priority>]` over the defaults) are read by
`metrics.escalation_targets`.
"""

from __future__ import annotations


import polars as pl

from connectors.spec import (
    AggregateSpec,
    Before,
    Condition,
    Count,
    Dim,
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
    histogram_columns,
    percentile_series,
    known_query_columns,
    ratio_expr,
    region_codes,
    largest_first,
)
from metrics.escalation_targets import (
    ELAPSED,
    STAGES,
    StageTargets,
    priority_targets,
    within_targets,
)
from metrics.domain import period_kpis
from metrics.registry import MetricDef, register
from metrics.targets import Settings

TABLE = "escalations"
NOT_SET = "(not set)"  # label of a null breakdown key (e.g. no root cause recorded yet)
STAGE_LABELS: dict[str, str] = {"ack": "acknowledge", "contain": "contain", "resolve": "resolve"}
HISTOGRAM_NAME: dict[str, str] = {"ack": "tta", "contain": "ttc", "resolve": "ttr"}
FILTERS: dict[str, str] = {"priorities": "priority"}


METRICS: tuple[MetricDef, ...] = register(
    MetricDef("escalations.opened", "Escalations opened", "Escalations opened in the period.", "count", "neutral", activity=True),
    MetricDef("escalations.resolved", "Escalations resolved", "Escalations resolved in the period.", "count", "neutral", activity=True),
    MetricDef("escalations.open_at_end", "Open at period end",
              "Escalations opened before the period end and not resolved by it.", "count", "down", activity=True),
    MetricDef("escalations.p0_open", "Open P0s", "P0 escalations open (opened and not resolved) at the period end.",
              "count", "down", 0.0),
    MetricDef("escalations.tta_p50_hours", "Time to acknowledge P50",
              "Median hours from opening to acknowledgement, of escalations acknowledged in the period.",
              "hours", "down"),
    MetricDef("escalations.tta_p90_hours", "Time to acknowledge P90",
              "90th percentile hours from opening to acknowledgement, of escalations acknowledged in the "
              "period.",
              "hours", "down"),
    MetricDef("escalations.ttc_p50_hours", "Time to contain P50",
              "Median hours from opening to containment, of escalations contained in the period.",
              "hours", "down"),
    MetricDef("escalations.ttc_p90_hours", "Time to contain P90",
              "90th percentile hours from opening to containment, of escalations contained in the period.",
              "hours", "down"),
    MetricDef("escalations.ttr_p50_hours", "Time to resolve P50",
              "Median hours from opening to resolution, of escalations resolved in the period.",
              "hours", "down"),
    MetricDef("escalations.ttr_p90_hours", "Time to resolve P90",
              "90th percentile hours from opening to resolution, of escalations resolved in the period.",
              "hours", "down"),
    MetricDef("escalations.target_adherence", "Target adherence",
              "Share of escalations resolved in the period whose acknowledge, contain and resolve times were "
              "all within their priority's targets.", "ratio", "up", 0.9, short_label="Escalation targets"),
    MetricDef("escalations.ack_adherence", "Acknowledge target adherence",
              "Share of escalations acknowledged in the period within their priority's acknowledge target.",
              "ratio", "up", 0.9),
    MetricDef("escalations.contain_adherence", "Contain target adherence",
              "Share of escalations contained in the period within their priority's contain target.",
              "ratio", "up", 0.9),
    MetricDef("escalations.resolve_adherence", "Resolve target adherence",
              "Share of escalations resolved in the period within their priority's resolve target.",
              "ratio", "up", 0.9),
    MetricDef("escalations.recurrence_rate", "Recurrence rate",
              "Share of escalations opened in the period that recur an earlier one (recurrence_of set).",
              "ratio", "down"),
)
METRIC_IDS: tuple[str, ...] = tuple(m.id for m in METRICS)

READS_SETTINGS = True  # trend and breakdown read the per-priority targets
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

    def within(*stages: str) -> Condition:
        return within_targets(stages, targets)

    events = [
        per_day("opened_at", Count("opened"), Count("recurrences", NotNull("recurrence_of")),
                Count("opened_p0", p0)),
        per_day("acknowledged_at", Count("acknowledged"), Count("ack_within", within("ack")),
                histogram("ack")),
        per_day("contained_at", Count("contained"), Count("contain_within", within("contain")),
                histogram("contain")),
        per_day("resolved_at", Count("resolved"), Count("resolved_p0", p0),
                Count("resolved_targeted", In("priority", tuple(targets))),
                Count("resolve_within", within("resolve")),
                Count("adherent", within(*STAGES)), histogram("resolve")),
    ]
    carry_in = AggregateSpec(
        TABLE, dims, (Count("carry_open"), Count("carry_p0", p0)),
        where=(Before("opened_at", window.start_ts), NullOrAtLeast("resolved_at", window.start_ts), *filters),
        countries=request.countries,
    )
    return events, carry_in


def daily_components(
    data: DataAccess, request: MetricRequest, settings: Settings, dimensions: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Additive components per (dimensions..., day) over request.window (sparse: only days with events).

    Flows (FLOW_COLUMNS) count the events of that day; DELTA_COLUMNS change the open stock, with the
    stock already open at the window start booked on its first day.
    """
    window = request.window
    keys = known_query_columns(dimensions, BREAKDOWN_DIMENSIONS, "escalations")
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
            percentile_series(components, name, q / 100).alias(f"escalations.{name}_p{q}_hours")
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


def period_values(
    data: DataAccess, request: MetricRequest, settings: Settings, dimensions: tuple[str, ...]
) -> pl.DataFrame:
    """Metric values per (dimensions..., bucket) for the buckets "current" (the period) and "previous"."""
    daily = daily_components(data, request, settings, dimensions)
    return metric_values(summarise(daily, dimensions, _period_buckets(request)))


# ---- the domain interface --------------------------------------------------------------------


def kpis(data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]:
    """Every escalations metric for the period, with the comparison value and the target."""
    values = period_values(data, request, settings, ())
    current = values.filter(pl.col("bucket") == "current").row(0, named=True)
    previous = values.filter(pl.col("bucket") == "previous").row(0, named=True)
    return period_kpis(METRICS, current, previous, request, settings)


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
    values = period_values(data, request, settings or Settings(), dimensions)
    current = values.filter(pl.col("bucket") == "current").select(*dimensions, *METRIC_IDS)
    previous = values.filter(pl.col("bucket") == "previous").select(
        *dimensions, *(pl.col(m).alias(f"{m}.previous") for m in METRIC_IDS)
    )
    columns = [c for m in METRIC_IDS for c in (m, f"{m}.previous")]
    joined = current.join(previous, on=list(dimensions), how="left") if dimensions else pl.concat(
        [current, previous], how="horizontal"
    )
    return largest_first(joined.select(*dimensions, *columns), KPI_IDS[0], dimensions)


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
            in_region = region_codes(data, value)
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
