"""What every domain module (appeals, vendors, mix, creators, escalations) provides, declared once.

`metrics.report`, the Overview, the weekly review and the CLI treat the five modules as interchangeable;
`DomainModule` names what they rely on, and a test checks each module against it. `period_kpis` is the
one place where a period's values and its comparison's become KPI cards with their targets.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

import polars as pl

from metrics.base import DataAccess, Grain, KpiValue, MetricRequest, single_country
from metrics.registry import MetricDef
from metrics.targets import Settings


@runtime_checkable
class DomainModule(Protocol):
    METRICS: tuple[MetricDef, ...]
    READS_SETTINGS: bool  # whether trend and breakdown take the domain settings as their last argument
    KPI_IDS: tuple[str, ...]
    BREAKDOWN_DIMENSIONS: dict[str, str]

    def kpis(self, data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]: ...

    def trend(self, data: DataAccess, request: MetricRequest, grain: Grain = "day", *args: Any) -> pl.DataFrame: ...

    def breakdown(self, data: DataAccess, request: MetricRequest, dimensions: tuple[str, ...],
                  *args: Any) -> pl.DataFrame: ...

    def drilldown(self, data: DataAccess, request: MetricRequest, limit: int = 100, *args: Any) -> pl.DataFrame: ...


def domain_trend(module: DomainModule, data: DataAccess, request: MetricRequest, grain: Grain,
                 settings: Settings) -> pl.DataFrame:
    """The module's trend, given the settings only when it reads them."""
    extra = (settings,) if module.READS_SETTINGS else ()
    return module.trend(data, request, grain, *extra)


def domain_breakdown(module: DomainModule, data: DataAccess, request: MetricRequest, dimensions: tuple[str, ...],
                     settings: Settings) -> pl.DataFrame:
    """The module's breakdown, given the settings only when it reads them."""
    extra = (settings,) if module.READS_SETTINGS else ()
    return module.breakdown(data, request, dimensions, *extra)


def period_kpis(
    metrics: Sequence[MetricDef],
    current: Mapping[str, float | None],
    previous: Mapping[str, float | None],
    request: MetricRequest,
    settings: Settings,
) -> list[KpiValue]:
    """One KPI per metric: the period's value, the comparison period's, and the target for the request's
    market (the market's own target when the request names exactly one)."""
    country = single_country(request)
    return [KpiValue(m, current[m.id], previous[m.id], settings.target(m, country=country)) for m in metrics]


def previous_columns(row: Mapping[str, Any]) -> dict[str, Any]:
    """`<metric id>.previous` entries of a one-row result, keyed by the metric id."""
    return {key.removesuffix(".previous"): value for key, value in row.items() if key.endswith(".previous")}
