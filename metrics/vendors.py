"""Vendor (BPO) SLA: human moderation cases against the contract targets in vendor_sla_targets.

Every number is derived from additive components (counts and sums) that the database groups by the
keys a view needs; `with_metrics` turns any component frame into metric values, so the KPIs, the
trend, the breakdowns, the scorecard and the weekly breach table share one definition.

Contract targets: a `vendor_sla_targets` row is in force on day d when effective_from <= d and
(effective_to is null or d <= effective_to), both bounds inclusive; when rows overlap the one with
the latest effective_from wins. A period (or week) is judged against the rows in force on its last
day. A vendor site's target is the case-weighted mean of its queues' targets (weights: the site's
cases decided in that period or week, in queues that have a target row).

A vendor site breaches a week when any of its targets is missed that week (DESIGN.md): AHT or cost
per case above target, or TAT adherence or QA accuracy below it. A value without data (no QA
verdicts, say) or without a target is neither met nor missed.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from connectors.spec import (
    AggregateSpec,
    All,
    Condition,
    Count,
    Dim,
    Elapsed,
    ElapsedAtMost,
    Eq,
    In,
    NotNull,
    RecordSpec,
    Sum,
)
from metrics.base import (
    DataAccess,
    Grain,
    KpiValue,
    MetricRequest,
    Period,
    add_region,
    country_regions,
    in_period,
    ratio_expr,
)
from metrics.registry import MetricDef, register
from metrics.targets import Settings

METRICS: tuple[MetricDef, ...] = register(
    MetricDef(
        id="vendors.cases",
        label="Cases handled",
        definition="Human-reviewed moderation cases decided in the period.",
        unit="count",
        direction="neutral",
    ),
    MetricDef(
        id="vendors.aht_seconds",
        label="Average handling time",
        definition="Mean handle_seconds of human cases decided in the period.",
        unit="seconds",
        direction="down",
        target=420.0,
    ),
    MetricDef(
        id="vendors.tat_adherence",
        label="TAT adherence",
        definition="Share of human cases decided in the period within sla_hours of their creation.",
        unit="ratio",
        direction="up",
        target=0.95,
    ),
    MetricDef(
        id="vendors.qa_accuracy",
        label="QA accuracy",
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

TABLE = "moderation_cases"
FILTERS: dict[str, str] = {"vendors": "vendor", "sites": "site", "policies": "policy"}
SITE_SEPARATOR = " / "  # a vendor site key: "Meridian / Bogota"

TAT = Elapsed("created_at", end="decided_at")
QA_VERDICT = All((Eq("qa_sampled", True), NotNull("qa_agree")))
MEASURES = (
    Count("cases"),
    Count("handled", where=NotNull("handle_seconds")),
    Sum("handle_sum", "handle_seconds"),
    Count("within_sla", where=ElapsedAtMost(TAT, "sla_hours")),
    Count("qa_verdicts", where=QA_VERDICT),
    Count("qa_agreed", where=All((QA_VERDICT, Eq("qa_agree", True)))),
    Sum("cost_sum", "cost_usd"),
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
TARGETS_SPEC_DIMS = (
    "vendor", "site", "queue", "tat_adherence_target", "aht_target_seconds", "accuracy_target",
    "cost_per_case_target", "effective_from", "effective_to",
)
DRILL_COLUMNS: tuple[str, ...] = (
    "case_id", "created_at", "decided_at", "country_code", "vendor", "site", "queue", "policy",
    "target_type", "outcome", "action", "handle_seconds", "sla_hours", "cost_usd", "qa_sampled", "qa_agree",
)


# ---- components and metric values ------------------------------------------------------------


def _aggregate(
    data: DataAccess,
    request: MetricRequest,
    period: Period,
    dims: tuple[Dim, ...],
    extra: tuple[Condition, ...] = (),
) -> pl.DataFrame:
    """Components of human cases decided in `period` (and meeting `extra`), grouped by `dims`."""
    spec = AggregateSpec(
        TABLE,
        dims,
        MEASURES,
        where=(Eq("channel", "human"), period.between("decided_at"), *request.filters_for(FILTERS), *extra),
        countries=request.countries,
    )
    return data.aggregate(spec)


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


def _sum_by(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Sum the components per key combination (one row of totals when keys is empty)."""
    if not keys:
        return frame.select(pl.col(list(COMPONENTS)).sum())
    return frame.group_by(keys).agg(pl.col(list(COMPONENTS)).sum())


def _values(frame: pl.DataFrame) -> dict[str, float | None]:
    """Metric values of all rows of a component frame taken together."""
    return with_metrics(_sum_by(frame, [])).select(list(METRIC_IDS)).row(0, named=True)


# ---- the common interface ---------------------------------------------------------------------


def kpis(data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]:
    """Every vendor metric for the period and its comparison, with targets."""
    daily = _aggregate(data, request, request.window, (Dim("decided_at", grain="day"),))
    current = _values(daily.filter(in_period(request.period)))
    previous = _values(daily.filter(in_period(request.comparison)))
    country = request.countries[0] if request.countries and len(request.countries) == 1 else None
    contract, site_key = _single_site_targets(data, request)
    values = []
    for metric in METRICS:
        explicit = settings.by_site.get(site_key, {}).get(metric.id) if site_key else None
        target = explicit if explicit is not None else contract.get(metric.id)
        if target is None:
            target = settings.target(metric, country=country)
        values.append(KpiValue(metric, current[metric.id], previous[metric.id], target))
    return values


def trend(
    data: DataAccess, request: MetricRequest, grain: Grain = "day", settings: Settings | None = None
) -> pl.DataFrame:
    """Long frame date, metric_id, value over the request window, every day or ISO week present."""
    frame = _aggregate(data, request, request.window, (Dim("decided_at", grain=grain, name="date"),))
    return (
        date_grid(request.window, grain)
        .join(frame, on="date", how="left")
        .with_columns(pl.col(list(COMPONENTS)).fill_null(0))
        .pipe(with_metrics)
        .unpivot(index="date", on=list(METRIC_IDS), variable_name="metric_id", value_name="value")
    )


def breakdown(
    data: DataAccess, request: MetricRequest, dimensions: tuple[str, ...], settings: Settings | None = None
) -> pl.DataFrame:
    """One row per key: the dimension columns, then `<id>` and `<id>.previous` per metric."""
    keys = _check_dimensions(dimensions)
    dims = _query_dims(keys)
    current = _keyed(data, _aggregate(data, request, request.period, dims), keys)
    previous = _keyed(data, _aggregate(data, request, request.comparison, dims), keys)
    joined = current.join(previous, on=keys, how="full", coalesce=True, nulls_equal=True, suffix="_prev")
    return (
        joined.with_columns(pl.col([*COMPONENTS, *(f"{c}_prev" for c in COMPONENTS)]).fill_null(0))
        .with_columns(*metric_exprs(), *metric_exprs("_prev", ".previous"))
        .select(
            *(pl.col(k).cast(pl.String) for k in keys),
            *(pl.col(name).cast(pl.Float64) for m in METRIC_IDS for name in (m, f"{m}.previous")),
        )
        .sort([KPI_IDS[0], *keys], descending=[True, *([False] * len(keys))], nulls_last=True)
    )


def drilldown(
    data: DataAccess, request: MetricRequest, limit: int = 100, match: dict[str, str] | None = None
) -> pl.DataFrame:
    """Human cases decided in the period, newest decision first, with TAT hours and within-SLA flag."""
    where: list[Condition] = [Eq("channel", "human"), request.period.between("decided_at")]
    where += request.filters_for(FILTERS)
    where += _match_conditions(data, match or {})
    spec = RecordSpec(
        TABLE, DRILL_COLUMNS, order_by=("decided_at", "case_id"), limit=limit, where=tuple(where),
        countries=request.countries,
    )
    seconds = (
        pl.col("decided_at").dt.truncate("1s") - pl.col("created_at").dt.truncate("1s")
    ).dt.total_seconds()
    return data.records(spec).with_columns(
        (seconds / 3600.0).alias("tat_hours"),
        (seconds <= pl.col("sla_hours") * 3600).alias("within_sla"),
    )


# ---- contract targets, scorecard, weekly breaches ---------------------------------------------


def scorecard(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """One row per vendor site: period values, contract targets, met flags, breaching, weeks breached.

    Columns: vendor, site, vendor_site, cases, aht_seconds, tat_adherence, qa_accuracy,
    cost_per_case, productivity, `<name>_target` and `<name>_met` for the four targeted values,
    missed (list of missed target names), breaching, weeks, weeks_breached, `<value>_previous`
    (comparison period) and aht_change (relative AHT change vs the comparison period).
    """
    daily = _site_components(data, request)
    targets = _contract_targets(data, request)
    site_keys = ["vendor", "site"]
    period = _judged(
        daily.filter(in_period(request.period)).with_columns(as_of=pl.lit(request.period.end)),
        targets,
        site_keys,
    )
    weeks = (
        weekly_breaches(data, request, daily=daily, targets=targets)
        .group_by(site_keys)
        .agg(pl.len().alias("weeks"), pl.col("breached").sum().alias("weeks_breached"))
    )
    previous = (
        with_metrics(_sum_by(daily.filter(in_period(request.comparison)), site_keys))
        .select(
            *site_keys,
            pl.col("cases").alias("cases_previous"),
            *(pl.col(f"vendors.{v}").alias(f"{v}_previous") for v in VALUES[1:]),
        )
    )
    return (
        period.join(weeks, on=site_keys, how="left", nulls_equal=True)
        .join(previous, on=site_keys, how="left", nulls_equal=True)
        .with_columns(
            pl.col("weeks", "weeks_breached").fill_null(0).cast(pl.Int64),
            pl.when(pl.col("aht_seconds_previous") > 0)
            .then(pl.col("aht_seconds") / pl.col("aht_seconds_previous") - 1.0)
            .alias("aht_change"),
        )
        .sort(["breaching", "weeks_breached", "vendor_site"], descending=[True, True, False])
    )


def weekly_breaches(
    data: DataAccess,
    request: MetricRequest,
    *,
    daily: pl.DataFrame | None = None,
    targets: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per (vendor, site, ISO week) of the period: values, targets, missed targets, breached.

    A week at the edge of a period that does not start on a Monday or end on a Sunday holds only the
    period's days; it is judged against the target rows in force on its last day inside the period.
    """
    daily = _site_components(data, request) if daily is None else daily
    targets = _contract_targets(data, request) if targets is None else targets
    week = pl.col("day").dt.truncate("1w")
    in_scope = daily.filter(in_period(request.period)).with_columns(
        week=week, as_of=pl.min_horizontal(week + dt.timedelta(days=6), pl.lit(request.period.end))
    )
    return (
        _judged(in_scope, targets, ["vendor", "site", "week"])
        .drop("breaching")
        .with_columns(breached=pl.col("missed").list.len() > 0)
        .sort("vendor", "site", "week", nulls_last=True)
    )


def _site_components(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """Components per vendor, site, queue and decision day over the request window (vendor sites only)."""
    dims = (Dim("vendor"), Dim("site"), Dim("queue"), Dim("decided_at", grain="day"))
    return _aggregate(data, request, request.window, dims, extra=(NotNull("vendor"), NotNull("site")))


def _contract_targets(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """Every vendor_sla_targets row of the requested vendors and sites (a small dimension table)."""
    spec = AggregateSpec(
        "vendor_sla_targets",
        tuple(Dim(c) for c in TARGETS_SPEC_DIMS),
        (Count("rows"),),
        where=request.filters_for({"vendors": "vendor", "sites": "site"}),
    )
    return data.aggregate(spec).drop("rows")


def targets_in_force(targets: pl.DataFrame, as_of: pl.Series) -> pl.DataFrame:
    """Per as_of day and (vendor, site, queue): the four targets of the row in force that day."""
    days = pl.DataFrame({"as_of": as_of.unique()}, schema={"as_of": pl.Date})
    return (
        targets.join(days, how="cross")
        .filter(
            (pl.col("effective_from") <= pl.col("as_of"))
            & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= pl.col("as_of")))
        )
        .sort("effective_from")
        .group_by(["as_of", "vendor", "site", "queue"], maintain_order=True)
        .last()
        .select("as_of", "vendor", "site", "queue", *(column for _, _, column, _ in TARGETS))
    )


def _judged(frame: pl.DataFrame, targets: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Values, case-weighted contract targets and met flags per `keys`.

    `frame` holds components per (vendor, site, queue, ..., as_of); each queue's targets in force on
    the row's as_of day are weighted by that queue's cases (queues without a target row weigh 0).
    """
    weights = []
    for name, _, column, _ in TARGETS:
        cases = pl.when(pl.col(column).is_not_null()).then(pl.col("cases")).otherwise(0)
        weights += [
            (cases * pl.col(column).fill_null(0.0)).sum().alias(f"_weighted_{name}"),
            cases.sum().alias(f"_weight_{name}"),
        ]
    targets_of = [
        pl.when(pl.col(f"_weight_{name}") > 0)
        .then((pl.col(f"_weighted_{name}") / pl.col(f"_weight_{name}")).round(9))  # no float noise at ==
        .alias(f"{name}_target")
        for name, _, _, _ in TARGETS
    ]
    met = [
        (pl.col(name) >= pl.col(f"{name}_target") if up else pl.col(name) <= pl.col(f"{name}_target"))
        .alias(f"{name}_met")
        for name, _, _, up in TARGETS
    ]
    missed = pl.concat_list(
        [pl.when(pl.col(f"{name}_met").not_()).then(pl.lit(name)) for name, _, _, _ in TARGETS]
    ).list.drop_nulls()
    in_force = targets_in_force(targets, frame["as_of"])
    return (
        _sum_by(frame, [*keys, "queue", "as_of"])
        .join(in_force, on=["as_of", "vendor", "site", "queue"], how="left")
        .group_by(keys)
        .agg(*(pl.col(c).sum() for c in COMPONENTS), *weights)
        .pipe(with_metrics)
        .with_columns(
            pl.concat_str("vendor", pl.lit(SITE_SEPARATOR), "site").alias("vendor_site"),
            *(pl.col(f"vendors.{v}").alias(v) for v in VALUES[1:]),  # cases stays an integer count
            *targets_of,
        )
        .with_columns(met)
        .with_columns(missed.alias("missed"))
        .with_columns(breaching=pl.col("missed").list.len() > 0)
        .select(
            *keys,
            "vendor_site",
            *VALUES,
            *(f"{name}_target" for name, _, _, _ in TARGETS),
            *(f"{name}_met" for name, _, _, _ in TARGETS),
            "missed",
            "breaching",
        )
    )


def _single_site_targets(data: DataAccess, request: MetricRequest) -> tuple[dict[str, float], str | None]:
    """For a request of exactly one site: its case-weighted contract targets and its "vendor/site" key.

    The key is the form of `[targets.by_site]` in the config file. A site name shared by several
    vendors has no single contract: no targets then.
    """
    if request.sites is None or len(request.sites) != 1:
        return {}, None
    daily = _site_components(data, request).filter(in_period(request.period))
    period = daily.with_columns(as_of=pl.lit(request.period.end))
    judged = _judged(period, _contract_targets(data, request), ["vendor", "site"])
    if judged.height != 1:
        only_vendor = request.vendors[0] if request.vendors and len(request.vendors) == 1 else None
        return {}, (f"{only_vendor}/{request.sites[0]}" if judged.height == 0 and only_vendor else None)
    row = judged.row(0, named=True)
    contract = {mid: row[f"{name}_target"] for name, mid, _, _ in TARGETS}
    return {k: v for k, v in contract.items() if v is not None}, f"{row['vendor']}/{row['site']}"


# ---- helpers ----------------------------------------------------------------------------------


def date_grid(period: Period, grain: Grain) -> pl.DataFrame:
    """Every day, or every ISO-week Monday, that a period touches, as a `date` column."""
    start = period.start if grain == "day" else period.start - dt.timedelta(days=period.start.weekday())
    return pl.DataFrame(
        {"date": pl.date_range(start, period.end, interval="1d" if grain == "day" else "1w", eager=True)}
    )


def _check_dimensions(dimensions: tuple[str, ...]) -> list[str]:
    unknown = [d for d in dimensions if d not in BREAKDOWN_DIMENSIONS]
    if unknown or not dimensions:
        raise ValueError(f"unknown breakdown dimensions {unknown}; use some of {list(BREAKDOWN_DIMENSIONS)}")
    return list(dict.fromkeys(dimensions))


def _query_dims(keys: list[str]) -> tuple[Dim, ...]:
    """The table columns behind the requested dimensions (region comes from country_code)."""
    columns = {"region": ["country_code"], "vendor_site": ["vendor", "site"]}
    names = [c for key in keys for c in columns.get(key, [key])]
    return tuple(Dim(c) for c in dict.fromkeys(names))


def _keyed(data: DataAccess, frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Components summed per the requested dimension keys (deriving region and vendor_site)."""
    if "region" in keys:
        frame = add_region(frame, data)
    if "vendor_site" in keys:
        frame = frame.with_columns(vendor_site=pl.concat_str("vendor", pl.lit(SITE_SEPARATOR), "site"))
    return _sum_by(frame, keys)


def _match_conditions(data: DataAccess, match: dict[str, str]) -> list[Condition]:
    """Conditions narrowing drill-down records to one breakdown key."""
    conditions: list[Condition] = []
    for dimension, value in match.items():
        if dimension == "region":
            regions = country_regions(data)
            codes = tuple(regions.filter(pl.col("region") == value)["country_code"].to_list())
            conditions.append(In("country_code", codes or ("",)))
        elif dimension == "vendor_site":
            vendor, _, site = value.partition(SITE_SEPARATOR)
            conditions += [Eq("vendor", vendor), Eq("site", site)]
        elif dimension in BREAKDOWN_DIMENSIONS:
            conditions.append(Eq(dimension, value))
        else:
            raise ValueError(f"cannot drill down by {dimension!r}; use one of {list(BREAKDOWN_DIMENSIONS)}")
    return conditions
