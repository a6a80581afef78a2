"""Vendor contract targets, the vendor-site scorecard and the weekly breach table.

Contract targets: a `vendor_sla_targets` row is in force on day d when effective_from <= d and
(effective_to is null or d <= effective_to), both bounds inclusive; when rows overlap the one with
the latest effective_from wins. A period (or week) is judged against the rows in force on its last
day. A vendor site's target is the case-weighted mean of its queues' targets (weights: the site's
cases decided in that period or week, in queues that have a target row).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from connectors.spec import AggregateSpec, Count, Dim, NotNull
from metrics.base import DataAccess, MetricRequest, in_period
from metrics.vendors import (
    CASES,
    COMPONENTS,
    TARGETS,
    TARGETS_SPEC_DIMS,
    VALUES,
    VENDOR_SITE,
    with_metrics,
)


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
        with_metrics(CASES.sum_components(daily.filter(in_period(request.comparison)), site_keys))
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
    vendor_sites = (NotNull("vendor"), NotNull("site"))
    return CASES.aggregate(data, request, request.window, dims, extra=vendor_sites)


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
        CASES.sum_components(frame, [*keys, "queue", "as_of"])
        .join(in_force, on=["as_of", "vendor", "site", "queue"], how="left")
        .group_by(keys)
        .agg(*(pl.col(c).sum() for c in COMPONENTS), *weights)
        .pipe(with_metrics)
        .with_columns(
            VENDOR_SITE,
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


def single_site_targets(data: DataAccess, request: MetricRequest) -> tuple[dict[str, float], str | None]:
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


def sites_contract_targets(data: DataAccess, request: MetricRequest) -> dict[str, float]:
    """The contract targets of all sites in view, each site's weighted by its cases (metric id -> target).

    An all-sites card compares against what the sites in view are contracted to, not a generic
    default (the sites' AHT contracts are 215-254 s where the registry default is 420 s)."""
    daily = _site_components(data, request).filter(in_period(request.period))
    judged = _judged(daily.with_columns(as_of=pl.lit(request.period.end)), _contract_targets(data, request),
                     ["vendor", "site"])
    targets = {}
    for name, metric_id, _, _ in TARGETS:
        contracted = judged.filter(pl.col(f"{name}_target").is_not_null() & (pl.col("cases") > 0))
        if contracted.height:
            weighted = (contracted["cases"] * contracted[f"{name}_target"]).sum() / contracted["cases"].sum()
            targets[metric_id] = round(float(weighted), 9)
    return targets



def market_contract_targets(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """Per market (country_code): the contract targets of the sites that decided its cases in the period, each
    site's weighted by that market's cases there; one column per vendor metric id (null without contracts)."""
    dims = (Dim("country_code"), Dim("vendor"), Dim("site"), Dim("queue"), Dim("decided_at", grain="day"))
    vendor_sites = (NotNull("vendor"), NotNull("site"))
    daily = CASES.aggregate(data, request, request.period, dims, extra=vendor_sites)
    judged = _judged(daily.with_columns(as_of=pl.lit(request.period.end)), _contract_targets(data, request),
                     ["country_code", "vendor", "site"])
    weighted = []
    for name, metric_id, _, _ in TARGETS:
        cases = pl.when(pl.col(f"{name}_target").is_not_null()).then(pl.col("cases")).otherwise(0)
        weighted.append(
            pl.when(cases.sum() > 0)
            .then(((cases * pl.col(f"{name}_target").fill_null(0.0)).sum() / cases.sum()).round(9))
            .alias(metric_id)
        )
    return judged.group_by("country_code").agg(weighted)
