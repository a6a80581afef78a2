"""Every registered metric for one request, as KPI values and as the JSON the CLI prints."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import polars as pl

from metrics import appeals, creators, escalations, mix, vendors
from metrics.base import DataAccess, KpiValue, MetricRequest
from metrics.domain import domain_breakdown
from metrics.targets import Settings

DOMAINS: tuple[ModuleType, ...] = (appeals, vendors, mix, creators, escalations)
DOMAIN_LABELS: dict[str, str] = {
    "appeals": "Appeals",
    "vendors": "Vendor SLA",
    "mix": "Moderation mix",
    "creators": "Creator risk",
    "escalations": "Escalations",
}
JSON_DIGITS = 9  # floats are rounded so that backends summing in different orders print the same


def all_kpis(data: DataAccess, request: MetricRequest, settings: Settings) -> list[KpiValue]:
    return [kpi for domain in DOMAINS for kpi in domain.kpis(data, request, settings)]


def combined_breakdown(
    data: DataAccess, request: MetricRequest, dimension: str, settings: Settings
) -> pl.DataFrame:
    """One row per key of `dimension`, a column per metric of every domain that supports it."""
    combined: pl.DataFrame | None = None
    for domain in DOMAINS:
        if dimension not in domain.BREAKDOWN_DIMENSIONS:
            continue
        frame = domain_breakdown(domain, data, request, (dimension,), settings)
        frame = frame.select(dimension, *[c for c in frame.columns if c != dimension and not c.endswith(".previous")])
        combined = frame if combined is None else combined.join(frame, on=dimension, how="full", coalesce=True)
    if combined is None:
        raise ValueError(f"no metric can be broken down by '{dimension}'")
    return combined.sort(dimension)


def clean_number(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, JSON_DIGITS)
    return value


def kpi_json(kpi: KpiValue) -> dict[str, Any]:
    return {
        "id": kpi.metric.id,
        "label": kpi.metric.label,
        "unit": kpi.metric.unit,
        "value": clean_number(kpi.value),
        "previous": clean_number(kpi.previous),
        "delta": clean_number(kpi.delta),
        "target": clean_number(kpi.target),
        "status": kpi.status,
    }


def request_filters(request: MetricRequest) -> dict[str, list[str]]:
    """The request's filters that are set, as JSON lists."""
    return {
        name: list(values)
        for name, values in {
            "countries": request.countries,
            "policies": request.policies,
            "channels": request.channels,
            "vendors": request.vendors,
            "sites": request.sites,
            "priorities": request.priorities,
        }.items()
        if values is not None
    }


def report_json(
    data: DataAccess, request: MetricRequest, settings: Settings, by: str | None = None
) -> dict[str, Any]:
    filters = request_filters(request)
    result: dict[str, Any] = {
        "period": {"start": request.period.start.isoformat(), "end": request.period.end.isoformat()},
        "comparison": {
            "start": request.comparison.start.isoformat(),
            "end": request.comparison.end.isoformat(),
        },
        "filters": filters,
        "metrics": [kpi_json(k) for k in all_kpis(data, request, settings)],
    }
    if by:
        frame = combined_breakdown(data, request, by, settings)
        result["breakdown"] = {
            "dimension": by,
            "rows": [
                {
                    "key": row[by],
                    "metrics": {k: clean_number(v) for k, v in row.items() if k != by},
                }
                for row in frame.to_dicts()
            ],
        }
    return result
