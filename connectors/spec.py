"""Declarative query specifications: what a metric needs, with no SQL in it.

Metric modules build these records; `connectors.query` compiles them into one SQLAlchemy Core
statement per spec. All names are canonical (contract) names; the source config maps them to
physical names. Every value in a spec becomes a bound parameter, never SQL text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Grain = Literal["day", "week"]
Scalar = str | int | float | bool | dt.datetime | dt.date


# ---- durations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Elapsed:
    """Whole seconds from `start` to `end` (a column) or to `at` (a fixed instant).

    Seconds are counted as second boundaries crossed (floor(end) - floor(start)), which every
    backend computes exactly, so buckets and SLA checks agree across DuckDB, SQLite, PostgreSQL.
    """

    start: str
    end: str | None = None
    at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if (self.end is None) == (self.at is None):
            raise ValueError("Elapsed needs exactly one of end= or at=")


# ---- conditions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Eq:
    column: str
    value: Scalar


@dataclass(frozen=True)
class In:
    column: str
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class IsNull:
    column: str


@dataclass(frozen=True)
class NotNull:
    column: str


@dataclass(frozen=True)
class Between:
    """start <= column < end (half-open)."""

    column: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Before:
    """column < at."""

    column: str
    at: dt.datetime


@dataclass(frozen=True)
class NullOrAtLeast:
    """column IS NULL OR column >= at (still pending at `at`)."""

    column: str
    at: dt.datetime


@dataclass(frozen=True)
class ElapsedAtMost:
    """Elapsed seconds <= hours_column * 3600 (e.g. decided within its SLA)."""

    elapsed: Elapsed
    hours_column: str


@dataclass(frozen=True)
class ElapsedMore:
    """Elapsed seconds > hours_column * 3600 (e.g. backlog item past its SLA)."""

    elapsed: Elapsed
    hours_column: str


@dataclass(frozen=True)
class ElapsedAtMostHours:
    """Elapsed seconds <= hours * 3600, with `hours` a fixed number (bound as a parameter)."""

    elapsed: Elapsed
    hours: float


@dataclass(frozen=True)
class All:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


Condition = (
    Eq | In | IsNull | NotNull | Between | Before | NullOrAtLeast | ElapsedAtMost | ElapsedMore
    | ElapsedAtMostHours | All | AnyOf
)


# ---- dimensions and measures -----------------------------------------------------------------


@dataclass(frozen=True)
class Dim:
    """A GROUP BY key: a column, or a timestamp column truncated to a day or ISO week (Monday)."""

    column: str
    grain: Grain | None = None
    name: str | None = None

    @property
    def output(self) -> str:
        if self.name:
            return self.name
        return self.grain if self.grain else self.column


@dataclass(frozen=True)
class Count:
    name: str
    where: Condition | None = None


@dataclass(frozen=True)
class Sum:
    """SUM(column), or SUM(column * column) when squared (second moments for mean tests)."""

    name: str
    column: str
    where: Condition | None = None
    squared: bool = False


@dataclass(frozen=True)
class Histogram:
    """Counts of `elapsed` per fixed bucket: output columns `{name}_b0 .. {name}_bN`.

    Bucket i holds durations in [edges[i-1], edges[i]) hours, bucket 0 is below edges[0] and the
    last bucket is edges[-1] and above. Only rows where `where` holds and the end is not null count.
    """

    name: str
    elapsed: Elapsed
    edges_hours: tuple[float, ...]
    where: Condition | None = None

    def columns(self) -> list[str]:
        return [f"{self.name}_b{i}" for i in range(len(self.edges_hours) + 1)]


Measure = Count | Sum | Histogram


@dataclass(frozen=True)
class AggregateSpec:
    """One GROUP BY query over one canonical table."""

    table: str
    dimensions: tuple[Dim, ...]
    measures: tuple[Measure, ...]
    where: tuple[Condition, ...] = ()
    countries: tuple[str, ...] | None = None  # None = every country the user may see


@dataclass(frozen=True)
class RecordSpec:
    """A record-level query for drill-down: always ORDER BY ... LIMIT."""

    table: str
    columns: tuple[str, ...]
    order_by: tuple[str, ...]
    limit: int = 100
    descending: bool = True
    where: tuple[Condition, ...] = ()
    countries: tuple[str, ...] | None = None


@dataclass(frozen=True)
class EntityRollupSpec:
    """Two-stage aggregation: sum a score per entity in SQL, then count entities per score tier.

    Example: points per creator over 90 days, then creators and GMV per (country, tier). Returns
    one row per (dimensions..., tier) with `entities`, `repeaters` (entities with at least
    `repeat_min` events), `events` and `attribute_sum` (sum of `attribute` of the joined entity).
    Tier i holds scores in [thresholds[i-1], thresholds[i]); tier 0 is below thresholds[0].
    """

    events_table: str
    entity_column: str
    score_column: str
    thresholds: tuple[float, ...]
    where: tuple[Condition, ...] = ()
    dimensions: tuple[str, ...] = ()  # columns of the events table, constant per entity
    entity_table: str | None = None
    entity_key: str | None = None
    attribute: str | None = None
    repeat_min: int = 2
    countries: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TopEntitiesSpec:
    """The top-N entities by summed score (record-level, ORDER BY ... LIMIT)."""

    events_table: str
    entity_column: str
    score_column: str
    limit: int = 20
    where: tuple[Condition, ...] = ()
    entity_table: str | None = None
    entity_key: str | None = None
    entity_columns: tuple[str, ...] = field(default_factory=tuple)
    countries: tuple[str, ...] | None = None
