"""The metric registry: every metric declared once (id, label, definition, unit, direction, target).

The catalog page, the KPI cards, the CLI and the exports all read these records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "ratio", "hours", "seconds", "usd", "per_1k", "score", "per_hour"]
Direction = Literal["up", "down", "neutral"]
DIRECTION_TEXT: dict[Direction, str] = {"up": "Higher is better", "down": "Lower is better",
                                        "neutral": "Neutral (no target)"}

@dataclass(frozen=True)
class UnitFormat:
    """How one unit reads everywhere: the catalog's name for it, a value as text (cards, tables, the PDF,
    `cli.py metrics --format table`), and the d3 formats and axis title of charts."""

    name: str
    text: str  # Python format of one value
    axis: str  # d3 format of an axis tick
    tooltip: str  # d3 format of a value in a tooltip
    axis_title: str | None = None  # appended to the metric label on a value axis
    zero_based: bool = False  # counts and amounts start their axis at zero; rates zoom in


UNITS: dict[Unit, UnitFormat] = {
    "count": UnitFormat("count", "{:,.0f}", ",.0f", ",.0f", zero_based=True),
    "ratio": UnitFormat("percent", "{:.1%}", ".0%", ".1%"),
    "hours": UnitFormat("hours", "{:,.1f} h", ",.0f", ",.1f", axis_title="hours"),
    "seconds": UnitFormat("seconds", "{:,.0f} s", ",.0f", ",.0f", axis_title="seconds", zero_based=True),
    "usd": UnitFormat("US dollars", "${:,.2f}", "$,.2f", "$,.2f", axis_title="USD", zero_based=True),
    "per_1k": UnitFormat("per 1,000", "{:,.1f}", ",.0f", ",.2f", zero_based=True),
    "score": UnitFormat("score (0-100)", "{:,.1f}", ",.0f", ",.1f"),
    "per_hour": UnitFormat("per hour", "{:,.1f}", ",.0f", ",.1f"),
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
    format: str | None = None  # a Python format that overrides the unit's
    short_label: str | None = None  # for narrow table headers; the label where unset
    activity: bool = False  # counts events or open items: all zero means the program had no data

    @property
    def domain(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def unit_format(self) -> UnitFormat:
        return UNITS[self.unit]

    @property
    def direction_text(self) -> str:
        return DIRECTION_TEXT[self.direction]

    @property
    def header(self) -> str:
        """The label for a narrow column header."""
        return self.short_label or self.label

    def display(self, value: float | None) -> str:
        """The value as cards, tables, the PDF and the CLI's table print it."""
        if value is None:
            return "—"
        if self.format is None and self.unit == "hours":
            return hours_text(value)
        return (self.format or self.unit_format.text).format(value)

    def change_text(self, delta: float | None) -> str:
        """A change in the metric's unit: '+1.2 pp' for ratios, else signed ('+12 s', '±0')."""
        if delta is None:
            return "—"
        sign = "+" if delta > 0 else "-" if delta < 0 else "±"
        if self.unit == "ratio":
            return f"{sign}{abs(delta) * 100:.1f} pp"
        return sign + self.display(abs(delta))


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
