"""Vendor (BPO) SLA: human moderation cases against the contract targets in vendor_sla_targets.

Every number is derived from additive components (counts and sums) that the database groups by the
keys a view needs; `with_metrics` turns any component frame into metric values, so the KPIs, the
trend, the breakdowns, the scorecard and the weekly breach table share one definition.

Contract targets (rows of vendor_sla_targets in force, case-weighted per vendor site), the scorecard
and the weekly breach table live in `metrics.vendor_scorecard` and are re-exported here; a KPI
request for exactly one site is judged against that site's contract targets.

A vendor site breaches a week when any of its targets is missed that week (DESIGN.md): AHT or cost
per case above target, or TAT adherence or QA accuracy below it. A value without data (no QA
verdicts, say) or without a target is neither met nor missed.
"""

from __future__ import annotations


import polars as pl

from connectors.spec import (
    Condition,
    Count,
    Dim,
    ElapsedAtMost,
    Eq,
    NotNull,
    Sum,
)
from metrics.base import (
    DataAccess,
    Grain,
    KpiValue,
    MetricRequest,
    add_region,
    breakdown_keys,
    elapsed_seconds,
    match_condition,
    query_columns,
    ratio_expr,
    single_country,
    largest_first,
)
from metrics.case_components import QA_AND_COST, TAT, CaseComponents
from metrics.registry import MetricDef, register
from metrics.targets import Settings

METRICS: tuple[MetricDef, ...] = register(
    MetricDef(
        id="vendors.cases",
        label="Cases handled",
        definition="Human-reviewed moderation cases decided in the period.",
        unit="count",
        direction="neutral",
        activity=True,
    ),
    MetricDef(
        id="vendors.aht_seconds",
        label="Average handling time",
        definition="Mean handle_seconds of human cases decided in the period.",
        unit="seconds",
        direction="down",
        target=420.0,
        short_label="AHT",
    ),
    MetricDef(
        id="vendors.tat_adherence",
        label="TAT adherence",
        definition="Share of human cases decided in the period within sla_hours of their creation.",
        unit="ratio",
        direction="up",
        target=0.95,
        short_label="Vendor TAT",
    ),
    MetricDef(
        id="vendors.qa_accuracy",
        label="Vendor QA accuracy",
        definition="QA-sampled human cases whose reviewer agreed / QA-sampled human cases with a verdict.",
        unit="ratio",
        direction="up",
        target=0.92,
    ),
    MetricDef(
        id="vendors.cost_per_case",
        label="Cost per case",
        definition="Sum of cost_usd of human cases decided in the period / those cases.",
        unit="usd",
        direction="down",
        target=1.20,
    ),
    MetricDef(
        id="vendors.productivity",
        label="Productivity",
        definition="Human cases decided per handling hour: cases / (sum of handle_seconds / 3600).",
        unit="per_hour",
        direction="up",
    ),
)
METRIC_IDS: tuple[str, ...] = tuple(m.id for m in METRICS)

READS_SETTINGS = False
KPI_IDS: tuple[str, ...] = (
    "vendors.tat_adherence",
    "vendors.aht_seconds",
    "vendors.qa_accuracy",
    "vendors.cost_per_case",
)

BREAKDOWN_DIMENSIONS: dict[str, str] = {
    "country_code": "Market",
    "region": "Region",
    "vendor": "Vendor",
    "site": "Site",
    "vendor_site": "Vendor site",
    "queue": "Queue",
    "policy": "Policy",
}

FILTERS: dict[str, str] = {"vendors": "vendor", "sites": "site", "policies": "policy"}
SITE_SEPARATOR = " / "  # a vendor site key: "Meridian / Bogota"
VENDOR_SITE: pl.Expr = pl.concat_str("vendor", pl.lit(SITE_SEPARATOR), "site").alias("vendor_site")

MEASURES = (
    Count("cases"),
    Count("handled", where=NotNull("handle_seconds")),
    Sum("handle_sum", "handle_seconds"),
    Count("within_sla", where=ElapsedAtMost(TAT, "sla_hours")),
    *QA_AND_COST,
)
COMPONENTS: tuple[str, ...] = tuple(m.name for m in MEASURES)

# The four contract targets: short name, metric id, vendor_sla_targets column, "up" = higher is better.
TARGETS: tuple[tuple[str, str, str, bool], ...] = (
    ("tat_adherence", "vendors.tat_adherence", "tat_adherence_target", True),
    ("aht_seconds", "vendors.aht_seconds", "aht_target_seconds", False),
    ("qa_accuracy", "vendors.qa_accuracy", "accuracy_target", True),
    ("cost_per_case", "vendors.cost_per_case", "cost_per_case_target", False),
)
VALUES: tuple[str, ...] = (
    "cases", "aht_seconds", "tat_adherence", "qa_accuracy", "cost_per_case", "productivity",
)
# Breakdown dimensions derived from other columns, and the table columns they are grouped by.
QUERY_COLUMNS: dict[str, tuple[str, ...]] = {"region": ("country_code",), "vendor_site": ("vendor", "site")}
TARGETS_SPEC_DIMS = (
    "vendor", "site", "queue", "tat_adherence_target", "aht_target_seconds", "accuracy_target",
    "cost_per_case_target", "effective_from", "effective_to",
)
DRILL_COLUMNS: tuple[str, ...] = (
    "case_id", "created_at", "decided_at", "country_code", "vendor", "site", "queue", "policy",
    "target_type", "outcome", "action", "handle_seconds", "sla_hours", "cost_usd", "qa_sampled", "qa_agree",
)


# ---- components and metric values ------------------------------------------------------------


def metric_exprs(suffix: str = "", out_suffix: str = "") -> list[pl.Expr]:
    """Polars expressions from the components (columns `<component><suffix>`) to `<metric id><out_suffix>`."""

    def c(name: str) -> str:
        return f"{name}{suffix}"

    hours = pl.col(c("handle_sum")) / 3600.0
    return [
        pl.col(c("cases")).cast(pl.Float64).alias(f"vendors.cases{out_suffix}"),
        ratio_expr(c("handle_sum"), c("handled")).alias(f"vendors.aht_seconds{out_suffix}"),
        ratio_expr(c("within_sla"), c("cases")).alias(f"vendors.tat_adherence{out_suffix}"),
        ratio_expr(c("qa_agreed"), c("qa_verdicts")).alias(f"vendors.qa_accuracy{out_suffix}"),
        ratio_expr(c("cost_sum"), c("cases")).alias(f"vendors.cost_per_case{out_suffix}"),
        pl.when(hours > 0).then(pl.col(c("handled")) / hours).alias(f"vendors.productivity{out_suffix}"),
    ]


def with_metrics(frame: pl.DataFrame) -> pl.DataFrame:
    """Add one Float64 column per metric id, computed from the component columns."""
    return frame.with_columns(metric_exprs()).with_columns(pl.col(list(METRIC_IDS)).cast(pl.Float64))


CASES = CaseComponents(MEASURES, COMPONENTS, METRIC_IDS, with_metrics, FILTERS, DRILL_COLUMNS,
                       always=(Eq("channel", "human"),))


# ---- the common interface ---------------------------------------------------------------------


def kpis(data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]:
    """Every vendor metric for the period and its comparison, with targets."""
    from metrics.vendor_scorecard import (  # imported here: it imports this module
        single_site_targets, sites_contract_targets,
    )

    current, previous = CASES.period_and_comparison(data, request)
    country = single_country(request)
    contract, site_key = single_site_targets(data, request)
    source = "contract" if site_key else ""
    if not site_key and request.sites is None:
        contract, source = sites_contract_targets(data, request), "site contracts"  # case-weighted
    values = []
    for metric in METRICS:
        explicit = settings.by_site.get(site_key, {}).get(metric.id) if site_key else None
        target = explicit if explicit is not None else contract.get(metric.id)
        from_contract = explicit is None and target is not None
        if target is None:
            target = settings.target(metric, country=country)
        values.append(KpiValue(metric, current[metric.id], previous[metric.id], target,
                               target_source=source if from_contract else ""))
    return values


def trend(data: DataAccess, request: MetricRequest, grain: Grain = "day") -> pl.DataFrame:
    """Long frame date, metric_id, value over the request window, every day or ISO week present."""
    return CASES.trend(data, request, grain)


def breakdown(data: DataAccess, request: MetricRequest, dimensions: tuple[str, ...]) -> pl.DataFrame:
    """One row per key: the dimension columns, then `<id>` and `<id>.previous` per metric."""
    keys = breakdown_keys(dimensions, BREAKDOWN_DIMENSIONS)
    dims = tuple(Dim(c) for c in query_columns(keys, QUERY_COLUMNS))
    current = _keyed(data, CASES.aggregate(data, request, request.period, dims), keys)
    previous = _keyed(data, CASES.aggregate(data, request, request.comparison, dims), keys)
    joined = current.join(previous, on=keys, how="full", coalesce=True, nulls_equal=True, suffix="_prev")
    return (
        joined.with_columns(pl.col([*COMPONENTS, *(f"{c}_prev" for c in COMPONENTS)]).fill_null(0))
        .with_columns(*metric_exprs(), *metric_exprs("_prev", ".previous"))
        .select(
            *(pl.col(k).cast(pl.String) for k in keys),
            *(pl.col(name).cast(pl.Float64) for m in METRIC_IDS for name in (m, f"{m}.previous")),
        )
        .pipe(largest_first, KPI_IDS[0], keys)
    )


def drilldown(
    data: DataAccess, request: MetricRequest, limit: int = 100, match: dict[str, str] | None = None
) -> pl.DataFrame:
    """Human cases decided in the period, newest decision first, with TAT hours and within-SLA flag."""
    seconds = elapsed_seconds("created_at", "decided_at")
    return CASES.records(data, request, limit, _match_conditions(data, match or {})).with_columns(
        (seconds <= pl.col("sla_hours") * 3600).alias("within_sla"),
    )


# ---- helpers ----------------------------------------------------------------------------------


def _keyed(data: DataAccess, frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Components summed per the requested dimension keys (deriving region and vendor_site)."""
    if "region" in keys:
        frame = add_region(frame, data)
    if "vendor_site" in keys:
        frame = frame.with_columns(VENDOR_SITE)
    return CASES.sum_components(frame, keys)


def _match_conditions(data: DataAccess, match: dict[str, str]) -> list[Condition]:
    """Conditions narrowing drill-down records to one breakdown key."""
    conditions: list[Condition] = []
    for dimension, value in match.items():
        if dimension == "vendor_site":
            vendor, _, site = value.partition(SITE_SEPARATOR)
            conditions += [Eq("vendor", vendor), Eq("site", site)]
        else:
            conditions.append(match_condition(data, dimension, value, BREAKDOWN_DIMENSIONS))
    return conditions
