"""The metric registry: every metric declared once (id, label, definition, unit, direction, target).

The catalog page, the KPI cards, the CLI and the exports all read these records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "ratio", "hours", "seconds", "usd", "per_1k", "score", "per_hour"]
Direction = Literal["up", "down", "neutral"]

UNIT_FORMATS: dict[Unit, str] = {
    "count": "{:,.0f}",
    "ratio": "{:.1%}",
    "hours": "{:,.1f} h",
    "seconds": "{:,.0f} s",
    "usd": "${:,.2f}",
    "per_1k": "{:,.1f}",
    "score": "{:,.1f}",
    "per_hour": "{:,.1f}",
}


def hours_text(hours: float) -> str:
    """A duration given in hours, readable at any size: '36 s' and '12 min' below one hour, else '4.5 h'.

    Algorithm and LLM decisions take seconds; '0.01 h' would hide that."""
    size = abs(hours)
    if round(size * 3600) < 60:
        return f"{hours * 3600:.0f} s"
    if round(size * 60) < 60:
        return f"{hours * 60:.0f} min"
    return f"{hours:,.1f} h"


@dataclass(frozen=True)
class MetricDef:
    id: str
    label: str
    definition: str
    unit: Unit
    direction: Direction
    target: float | None = None
    format: str | None = None

    @property
    def domain(self) -> str:
        return self.id.split(".", 1)[0]

    def display(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.format is None and self.unit == "hours":
            return hours_text(value)
        return (self.format or UNIT_FORMATS[self.unit]).format(value)


class DuplicateMetricError(ValueError):
    pass


_REGISTRY: dict[str, MetricDef] = {}


def register(*metrics: MetricDef) -> tuple[MetricDef, ...]:
    """Add metrics at import time; a second id or label is a programming error.

    Labels are unique too: pickers, cards and export headers name a metric by its label alone."""
    for metric in metrics:
        if metric.id in _REGISTRY:
            raise DuplicateMetricError(f"metric id registered twice: {metric.id}")
        twin = next((m.id for m in _REGISTRY.values() if m.label == metric.label), None)
        if twin is not None:
            raise DuplicateMetricError(f"metric label {metric.label!r} of {metric.id} is already {twin}'s")
        _REGISTRY[metric.id] = metric
    return metrics


def get(metric_id: str) -> MetricDef:
    load_all()
    return _REGISTRY[metric_id]


def all_metrics() -> list[MetricDef]:
    """Every registered metric, in registration (domain) order."""
    load_all()
    return list(_REGISTRY.values())


def load_all() -> None:
    """Import every domain module so that its metrics are registered."""
    from metrics import appeals, creators, escalations, mix, vendors  # noqa: F401
