"""Moderation mix: how decisions split between the algorithm, the LLM reviewer and human reviewers.

All of `moderation_cases` counts; a decision belongs to the period in which it was decided. Every
number is derived from additive components (counts, sums, TAT histogram buckets) grouped by the
keys a view needs; `with_metrics` turns any component frame into metric values. Appeal overturn
rate by channel comes from `appeals` decided in the period, grouped by original_channel.
"""

from __future__ import annotations

import polars as pl

from connectors.spec import (
    AggregateSpec,
    Count,
    Dim,
    Eq,
    Histogram,
    In,
)
from metrics.base import (
    DURATION_EDGES_HOURS,
    DataAccess,
    Grain,
    KpiValue,
    MetricRequest,
    add_region,
    breakdown_keys,
    date_grid,
    histogram_columns,
    match_condition,
    percentile_series,
    query_columns,
    ratio_expr,
    largest_first,
)
from metrics.case_components import QA_AND_COST, TABLE, TAT, CaseComponents
from metrics.domain import period_kpis
from metrics.registry import MetricDef, register
from metrics.targets import Settings

METRICS: tuple[MetricDef, ...] = register(
    MetricDef(
        id="mix.decisions",
        label="Decisions",
        definition="Moderation cases decided in the period, by any channel.",
        unit="count",
        direction="neutral",
        activity=True,
    ),
    MetricDef(
        id="mix.automated_share",
        label="Automated share",
        definition="Decisions by the algorithm or the LLM reviewer / all decisions in the period.",
        unit="ratio",
        direction="up",
    ),
    MetricDef(
        id="mix.llm_share",
        label="LLM share",
        definition="Decisions by the LLM reviewer / all decisions in the period.",
        unit="ratio",
        direction="neutral",
    ),
    MetricDef(
        id="mix.human_share",
        label="Human share",
        definition="Decisions by human reviewers / all decisions in the period.",
        unit="ratio",
        direction="neutral",
    ),
    MetricDef(
        id="mix.qa_accuracy",
        label="Decision QA accuracy",
        definition="QA-sampled decisions whose QA verdict agreed / QA-sampled decisions with a verdict.",
        unit="ratio",
        direction="up",
        target=0.92,
    ),
    MetricDef(
        id="mix.cost_per_decision",
        label="Cost per decision",
        definition="Sum of cost_usd of decisions in the period / decisions.",
        unit="usd",
        direction="down",
    ),
    MetricDef(
        id="mix.total_cost_usd",
        label="Total cost",
        definition="Sum of cost_usd of every decision in the period, all channels.",
        unit="usd",
        direction="down",
        format="${:,.0f}",
    ),
    MetricDef(
        id="mix.cost_per_1k_decisions",
        label="Cost per 1,000 decisions",
        definition="1,000 x the sum of cost_usd of decisions in the period / decisions.",
        unit="usd",
        direction="down",
    ),
    MetricDef(
        id="mix.tat_p50_hours",
        label="Decision TAT P50",
        definition="Median hours from case creation to decision, decisions in the period, all channels.",
        unit="hours",
        direction="down",
    ),
    MetricDef(
        id="mix.tat_p90_hours",
        label="Decision TAT P90",
        definition="90th percentile hours from case creation to decision, decisions in the period.",
        unit="hours",
        direction="down",
    ),
)
METRIC_IDS: tuple[str, ...] = tuple(m.id for m in METRICS)

READS_SETTINGS = False
COST_DECIMALS = 4
KPI_IDS: tuple[str, ...] = ("mix.automated_share", "mix.llm_share", "mix.cost_per_decision")

BREAKDOWN_DIMENSIONS: dict[str, str] = {
    "country_code": "Market",
    "region": "Region",
    "channel": "Channel",
    "policy": "Policy",
    "queue": "Queue",
}

CHANNELS: tuple[str, ...] = ("algo", "llm", "human")
FILTERS: dict[str, str] = {"policies": "policy", "channels": "channel"}
APPEAL_FILTERS: dict[str, str] = {"policies": "policy", "channels": "original_channel"}
OVERTURNED = ("reversed", "partially_reversed")

MEASURES = (
    Count("decisions"),
    Count("automated", where=In("channel", ("algo", "llm"))),
    Count("llm", where=Eq("channel", "llm")),
    Count("human", where=Eq("channel", "human")),
    *QA_AND_COST,
    Histogram("tat", TAT, DURATION_EDGES_HOURS),
)
COMPONENTS: tuple[str, ...] = (
    "decisions", "automated", "llm", "human", "qa_verdicts", "qa_agreed", "cost_sum",
    *histogram_columns("tat"),
)
DRILL_COLUMNS: tuple[str, ...] = (
    "case_id", "created_at", "decided_at", "country_code", "channel", "queue", "policy", "target_type",
    "outcome", "action", "vendor", "site", "handle_seconds", "sla_hours", "cost_usd", "qa_sampled",
    "qa_agree",
)


# ---- components and metric values ------------------------------------------------------------


def with_metrics(frame: pl.DataFrame) -> pl.DataFrame:
    """Add one Float64 column per metric id, computed from the component columns."""
    return frame.with_columns(
        pl.col("decisions").cast(pl.Float64).alias("mix.decisions"),
        ratio_expr("automated", "decisions").alias("mix.automated_share"),
        ratio_expr("llm", "decisions").alias("mix.llm_share"),
        ratio_expr("human", "decisions").alias("mix.human_share"),
        ratio_expr("qa_agreed", "qa_verdicts").alias("mix.qa_accuracy"),
        ratio_expr("cost_sum", "decisions").alias("mix.cost_per_decision"),
        # to 1/100 of a cent: a parallel float sum differs from run to run in its last digits
        pl.col("cost_sum").cast(pl.Float64).round(COST_DECIMALS).alias("mix.total_cost_usd"),
        (ratio_expr("cost_sum", "decisions") * 1000.0).alias("mix.cost_per_1k_decisions"),
        percentile_series(frame, "tat", 0.5).alias("mix.tat_p50_hours"),
        percentile_series(frame, "tat", 0.9).alias("mix.tat_p90_hours"),
    ).with_columns(pl.col(list(METRIC_IDS)).cast(pl.Float64))


CASES = CaseComponents(MEASURES, COMPONENTS, METRIC_IDS, with_metrics, FILTERS, DRILL_COLUMNS)


# ---- the common interface ---------------------------------------------------------------------


def kpis(data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]:
    """Every mix metric for the period and its comparison, with targets."""
    current, previous = CASES.period_and_comparison(data, request)
    return period_kpis(METRICS, current, previous, request, settings)


def trend(data: DataAccess, request: MetricRequest, grain: Grain = "day") -> pl.DataFrame:
    """Long frame date, metric_id, value over the request window, every day or ISO week present."""
    return CASES.trend(data, request, grain)


def breakdown(data: DataAccess, request: MetricRequest, dimensions: tuple[str, ...]) -> pl.DataFrame:
    """One row per key: the dimension columns, then `<id>` and `<id>.previous` per metric."""
    keys = breakdown_keys(dimensions, BREAKDOWN_DIMENSIONS)
    dims = tuple(Dim(c) for c in query_columns(keys))
    current = _keyed(data, CASES.aggregate(data, request, request.period, dims), keys)
    previous = _keyed(data, CASES.aggregate(data, request, request.comparison, dims), keys)
    keyset = pl.concat([current.select(keys), previous.select(keys)]).unique()
    ids = list(METRIC_IDS)
    return (
        keyset.join(current, on=keys, how="left", nulls_equal=True)
        .join(previous.rename({m: f"{m}.previous" for m in ids}), on=keys, how="left", nulls_equal=True)
        .with_columns(pl.col("mix.decisions", "mix.decisions.previous").fill_null(0.0))
        .select(
            *(pl.col(k).cast(pl.String) for k in keys),
            *(name for m in ids for name in (m, f"{m}.previous")),
        )
        .pipe(largest_first, KPI_IDS[0], keys)
    )


def drilldown(
    data: DataAccess, request: MetricRequest, limit: int = 100, match: dict[str, str] | None = None
) -> pl.DataFrame:
    """Cases decided in the period, newest decision first, with their TAT in hours."""
    conditions = [match_condition(data, d, v, BREAKDOWN_DIMENSIONS) for d, v in (match or {}).items()]
    return CASES.records(data, request, limit, conditions)


# ---- own views --------------------------------------------------------------------------------


def by_channel(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """One row per channel: decisions, share, QA accuracy, cost, TAT P50/P90, appeal overturn rate.

    Columns: channel, decisions, share, qa_accuracy, cost_per_decision, tat_p50_hours,
    tat_p90_hours, appeals_decided, appeals_overturned, overturn_rate (appeals decided in the period
    whose original_channel is the channel), decisions_previous, share_previous (comparison period).
    """
    grid = pl.DataFrame({"channel": list(_channels(request))}, schema={"channel": pl.String})
    current = _per_channel(CASES.aggregate(data, request, request.period, (Dim("channel"),)))
    previous = _per_channel(CASES.aggregate(data, request, request.comparison, (Dim("channel"),)))
    appeals = data.aggregate(
        AggregateSpec(
            "appeals",
            (Dim("original_channel", name="channel"),),
            (Count("appeals_decided"), Count("appeals_overturned", where=In("outcome", OVERTURNED))),
            where=(request.period.between("decided_at"), *request.filters_for(APPEAL_FILTERS)),
            countries=request.countries,
        )
    )
    counts = ["decisions", "decisions_previous", "appeals_decided", "appeals_overturned"]
    return (
        grid.join(current, on="channel", how="left")
        .join(previous.select("channel", decisions_previous="decisions"), on="channel", how="left")
        .join(appeals, on="channel", how="left")
        .with_columns(pl.col(counts).fill_null(0))
        .with_columns(
            _share("decisions").alias("share"),
            _share("decisions_previous").alias("share_previous"),
            ratio_expr("appeals_overturned", "appeals_decided").alias("overturn_rate"),
        )
        .select(
            "channel", "decisions", "share", "qa_accuracy", "cost_per_decision", "tat_p50_hours",
            "tat_p90_hours", "appeals_decided", "appeals_overturned", "overturn_rate", "decisions_previous",
            "share_previous",
        )
    )


def channel_share_trend(data: DataAccess, request: MetricRequest, grain: Grain = "day") -> pl.DataFrame:
    """Columns date, channel, decisions, share: every day (or ISO week) of the window and channel."""
    frame = data.aggregate(
        AggregateSpec(
            TABLE,
            (Dim("decided_at", grain=grain, name="date"), Dim("channel")),
            (Count("decisions"),),
            where=(request.window.between("decided_at"), *request.filters_for(FILTERS)),
            countries=request.countries,
        )
    )
    channels = pl.DataFrame({"channel": list(_channels(request))}, schema={"channel": pl.String})
    return (
        date_grid(request.window, grain)
        .join(channels, how="cross")
        .join(frame, on=["date", "channel"], how="left")
        .with_columns(pl.col("decisions").fill_null(0))
        .with_columns(total=pl.col("decisions").sum().over("date"))
        .with_columns(ratio_expr("decisions", "total").alias("share"))
        .select("date", "channel", "decisions", "share")
        .sort("date", pl.col("channel").replace_strict({c: i for i, c in enumerate(CHANNELS)}, default=99))
    )


def _per_channel(frame: pl.DataFrame) -> pl.DataFrame:
    """Per-channel decisions and values from a component frame keyed by channel."""
    return CASES.sum_components(frame, ["channel"]).pipe(with_metrics).select(
        "channel",
        "decisions",
        pl.col("mix.qa_accuracy").alias("qa_accuracy"),
        pl.col("mix.cost_per_decision").alias("cost_per_decision"),
        pl.col("mix.tat_p50_hours").alias("tat_p50_hours"),
        pl.col("mix.tat_p90_hours").alias("tat_p90_hours"),
    )


def _share(column: str) -> pl.Expr:
    """A row's share of the column total (null when the total is zero)."""
    total = pl.col(column).sum()
    return pl.when(total > 0).then(pl.col(column) / total)


def _channels(request: MetricRequest) -> tuple[str, ...]:
    """The channels a view lists: all three, or the requested ones (in canonical order)."""
    if request.channels is None:
        return CHANNELS
    return tuple(sorted(set(request.channels), key=lambda c: (CHANNELS.index(c) if c in CHANNELS else 99, c)))


# ---- helpers ----------------------------------------------------------------------------------


def _keyed(data: DataAccess, frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Metric values per the requested dimension keys (region derived from country_code)."""
    if "region" in keys:
        frame = add_region(frame, data)
    return CASES.sum_components(frame, keys).pipe(with_metrics).select(*keys, *METRIC_IDS)
