"""Shared vocabulary of the metric layer: periods, requests, data access, KPI values, percentiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Literal, Mapping, Protocol, Sequence

import polars as pl

from connectors.spec import (
    AggregateSpec,
    All,
    AnyOf,
    Between,
    Condition,
    Count,
    Dim,
    EntityRollupSpec,
    Eq,
    In,
    RecordSpec,
    TopEntitiesSpec,
)
from metrics.registry import MetricDef

Status = Literal["on_target", "off_target", "no_target", "no_data"]
Grain = Literal["day", "week"]

# Duration histogram bucket edges in hours, shared by every duration metric. Bucket 0 is below
# the first edge, bucket i is [edges[i-1], edges[i]), the last bucket is the last edge and above.
# A percentile interpolated inside its bucket is within one bucket width of the exact value.
DURATION_EDGES_HOURS: tuple[float, ...] = (
    1 / 60, 5 / 60, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 30, 36, 42, 48,
    54, 60, 72, 84, 96, 120, 144, 168, 216, 264, 336, 504, 720, 1080, 1440, 2160,
)


@dataclass(frozen=True)
class Period:
    """Inclusive calendar days in UTC."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    @property
    def end_ts(self) -> dt.datetime:
        """The first instant after the period (exclusive bound)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())

    def previous(self) -> "Period":
        """The immediately preceding period of equal length."""
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.end - length)

    def between(self, column: str) -> Between:
        return Between(column, self.start_ts, self.end_ts)

    def label(self) -> str:
        if self.start == self.end:
            return f"{self.end.day} {self.end:%b %Y}"
        if self.start.year == self.end.year and self.start.month == self.end.month:
            return f"{self.start.day}-{self.end.day} {self.end:%b %Y}"
        if self.start.year == self.end.year:
            return f"{self.start.day} {self.start:%b} - {self.end.day} {self.end:%b %Y}"
        return f"{self.start.day} {self.start:%b %Y} - {self.end.day} {self.end:%b %Y}"


@dataclass(frozen=True)
class MetricRequest:
    """What a user asked for: a period, markets, and domain filters (None = no filter)."""

    period: Period
    countries: tuple[str, ...] | None = None
    policies: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    vendors: tuple[str, ...] | None = None
    sites: tuple[str, ...] | None = None
    priorities: tuple[str, ...] | None = None
    vendor_sites: tuple[tuple[str, str], ...] | None = None  # exact (vendor, site) pairs

    @property
    def comparison(self) -> Period:
        return self.period.previous()

    @property
    def window(self) -> Period:
        """Comparison start to period end: one query serves both periods."""
        return Period(self.comparison.start, self.period.end)

    def with_period(self, period: Period) -> "MetricRequest":
        return replace(self, period=period)

    def filters_for(self, columns: dict[str, str]) -> tuple[Condition, ...]:
        """IN conditions for the domain filters a table supports: {request field: table column}."""
        conditions: list[Condition] = []
        for field_name, column in columns.items():
            values = getattr(self, field_name)
            if values is not None:
                conditions.append(In(column, tuple(values)))
        if self.vendor_sites and {"vendor", "site"} <= set(columns.values()):
            # vendors IN (...) AND sites IN (...) alone would also match (Atlas, Pune) for the
            # choice [Atlas / Lisbon, Kestrel / Pune]: require one of the chosen pairs exactly
            conditions.append(AnyOf(tuple(All((Eq("vendor", v), Eq("site", s))) for v, s in self.vendor_sites)))
        return tuple(conditions)


class DataAccess(Protocol):
    """What the metric layer may ask of a source (already bound to the user's scope)."""

    def aggregate(self, spec: AggregateSpec) -> pl.DataFrame: ...

    def records(self, spec: RecordSpec) -> pl.DataFrame: ...

    def entity_rollup(self, spec: EntityRollupSpec) -> pl.DataFrame: ...

    def top_entities(self, spec: TopEntitiesSpec) -> pl.DataFrame: ...


@dataclass(frozen=True)
class KpiValue:
    metric: MetricDef
    value: float | None
    previous: float | None
    target: float | None
    target_source: str = ""  # where the target comes from when it is not the configured one

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def status(self) -> Status:
        return target_status(self.metric, self.value, self.target)


def target_status(metric: MetricDef, value: float | None, target: float | None) -> Status:
    """On or off target, judged by the metric's direction."""
    if target is None or metric.direction == "neutral":
        return "no_target"
    if value is None:
        return "no_data"
    on = value >= target if metric.direction == "up" else value <= target
    return "on_target" if on else "off_target"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when the denominator is zero or missing."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def ratio_expr(numerator: str, denominator: str) -> pl.Expr:
    """Polars: numerator / denominator, null where the denominator is zero."""
    return pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator)).otherwise(None)


def histogram_percentile(
    counts: Sequence[int], quantile: float, edges: Sequence[float] = DURATION_EDGES_HOURS
) -> float | None:
    """The quantile of a bucketed duration, linearly interpolated inside its bucket.

    counts has len(edges) + 1 entries. The open-ended last bucket reports its lower edge.
    """
    total = sum(counts)
    if total == 0:
        return None
    rank = quantile * total
    cumulative = 0
    lows = [0.0, *edges]
    for index, count in enumerate(counts):
        if count and cumulative + count >= rank:
            low = lows[index]
            if index == len(edges):
                return float(low)
            high = edges[index]
            return low + (high - low) * (rank - cumulative) / count
        cumulative += count
    return float(lows[-1])


def histogram_columns(name: str, edges: Sequence[float] = DURATION_EDGES_HOURS) -> list[str]:
    return [f"{name}_b{i}" for i in range(len(edges) + 1)]


def percentile_series(
    frame: pl.DataFrame, name: str, quantile: float, edges: Sequence[float] = DURATION_EDGES_HOURS
) -> pl.Series:
    """Per row of `frame`, the quantile from its bucket columns `{name}_b0..` (histogram_percentile).

    Computed here in the calling thread, not as a Python callback inside a Polars expression: a
    callback runs on Polars' pool threads and needs the GIL there, which deadlocks the server when
    another thread waits on that pool while holding the GIL (issue 9; benchmarks/polars_gil_deadlock.py).
    Native expressions for the same interpolation build ~40 when/then branches and ran slower.
    """
    rows = frame.select(histogram_columns(name, edges)).iter_rows()
    return pl.Series(name, [histogram_percentile(counts, quantile, edges) for counts in rows], dtype=pl.Float64)


def day_range(period: Period) -> pl.Series:
    return pl.date_range(period.start, period.end, interval="1d", eager=True).alias("day")


def in_period(period: Period, column: str = "day") -> pl.Expr:
    return pl.col(column).is_between(period.start, period.end, closed="both")


def date_grid(period: Period, grain: Grain) -> pl.DataFrame:
    """Every day, or every ISO-week Monday, that a period touches, as a `date` column."""
    start = period.start if grain == "day" else period.start - dt.timedelta(days=period.start.weekday())
    return pl.DataFrame(
        {"date": pl.date_range(start, period.end, interval="1d" if grain == "day" else "1w", eager=True)}
    )


def single_country(request: MetricRequest) -> str | None:
    """The market of a request for exactly one market (for per-market targets), else None."""
    return request.countries[0] if request.countries and len(request.countries) == 1 else None


# ---- breakdown keys and component frames ------------------------------------------------------

# Breakdown dimensions that are not table columns, and the columns they are grouped by in SQL.
REGION_COLUMNS: Mapping[str, tuple[str, ...]] = {"region": ("country_code",)}


def breakdown_keys(dimensions: Sequence[str], allowed: Mapping[str, str]) -> list[str]:
    """The requested dimensions without repeats; ValueError when there are none or one is unknown."""
    unknown = [d for d in dimensions if d not in allowed]
    if unknown or not dimensions:
        raise ValueError(f"unknown breakdown dimensions {unknown}; use some of {list(allowed)}")
    return list(dict.fromkeys(dimensions))


def query_columns(
    dimensions: Iterable[str], derived: Mapping[str, tuple[str, ...]] = REGION_COLUMNS
) -> tuple[str, ...]:
    """The table columns to group by for breakdown dimensions, without repeats (region -> country_code)."""
    return tuple(dict.fromkeys(c for d in dimensions for c in derived.get(d, (d,))))


def known_query_columns(
    dimensions: Sequence[str], allowed: Mapping[str, str], domain: str
) -> tuple[str, ...]:
    """query_columns of dimensions that must all be in `allowed` (ValueError naming the first unknown)."""
    for d in dimensions:
        if d not in allowed:
            raise ValueError(f"unknown {domain} breakdown dimension {d!r}; use one of {list(allowed)}")
    return query_columns(dimensions)


def sum_by(frame: pl.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> pl.DataFrame:
    """Sum `columns` per key combination (one row of totals when keys is empty)."""
    if not keys:
        return frame.select(pl.col(list(columns)).sum())
    return frame.group_by(list(keys)).agg(pl.col(list(columns)).sum())


def outer_merge(frames: Sequence[pl.DataFrame], keys: Sequence[str]) -> pl.DataFrame:
    """Full outer join of frames on keys (null keys match), or side by side when there are no keys."""
    if not keys:
        return pl.concat(frames, how="horizontal")
    merged = frames[0]
    for other in frames[1:]:
        merged = merged.join(other, on=list(keys), how="full", coalesce=True, nulls_equal=True)
    return merged


def largest_first(frame: pl.DataFrame, column: str, keys: Sequence[str]) -> pl.DataFrame:
    """Rows by `column` descending, then by the keys ascending; nulls last (the breakdown order)."""
    return frame.sort([column, *keys], descending=[True, *([False] * len(keys))], nulls_last=True)


def component_trend(
    frame: pl.DataFrame,
    window: Period,
    grain: Grain,
    components: Sequence[str],
    with_metrics: Callable[[pl.DataFrame], pl.DataFrame],
    metric_ids: Sequence[str],
) -> pl.DataFrame:
    """Long frame date, metric_id, value from components keyed by `date`, zero on dates without any."""
    return (
        date_grid(window, grain)
        .join(frame, on="date", how="left")
        .with_columns(pl.col(list(components)).fill_null(0))
        .pipe(with_metrics)
        .unpivot(index="date", on=list(metric_ids), variable_name="metric_id", value_name="value")
    )


def elapsed_seconds(start: str, end: str) -> pl.Expr:
    """Polars: whole seconds from the `start` to the `end` timestamp column, as the database counts them."""
    return (pl.col(end).dt.truncate("1s") - pl.col(start).dt.truncate("1s")).dt.total_seconds()


COUNTRIES_SPEC = AggregateSpec(
    "countries",
    (Dim("country_code"), Dim("country_name"), Dim("region")),
    (Count("rows"),),
)


def country_regions(data: DataAccess) -> pl.DataFrame:
    """country_code, country_name, region for every market in the user's scope."""
    return data.aggregate(COUNTRIES_SPEC).drop("rows")


def add_region(frame: pl.DataFrame, data: DataAccess) -> pl.DataFrame:
    """Join a `region` column onto a frame keyed by country_code."""
    return frame.join(country_regions(data).select("country_code", "region"), on="country_code", how="left")


def region_codes(data: DataAccess, region: str) -> tuple[str, ...]:
    """The market codes of one region, among the markets in the user's scope."""
    regions = country_regions(data)
    return tuple(regions.filter(pl.col("region") == region)["country_code"].to_list())


def match_condition(data: DataAccess, dimension: str, value: str, dimensions: Mapping[str, str]) -> Condition:
    """The condition narrowing records to one breakdown key (a region matches its markets)."""
    if dimension == "region":
        return In("country_code", region_codes(data, value) or ("",))
    if dimension in dimensions:
        return Eq(dimension, value)
    raise ValueError(f"cannot drill down by {dimension!r}; use one of {list(dimensions)}")


def one_row_per_event(annotations: pl.DataFrame) -> pl.DataFrame:
    """Annotations written once per market they concern (a vendor site's event, once per market the
    site serves) as one event, its markets joined ('BR, MX, US'); null when any copy is for every market."""
    codes = pl.col("country_code")
    joined = pl.when(codes.null_count() > 0).then(pl.lit(None, pl.String)).otherwise(codes.sort().str.join(", "))
    keys = [c for c in ("day", "domain", "text") if c in annotations.columns]
    return (annotations.group_by(keys, maintain_order=True).agg(joined.alias("country_code"))
            .select(annotations.columns))
