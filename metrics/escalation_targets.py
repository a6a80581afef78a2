"""Escalations: per-priority stage targets, and the SQL condition "within target".

Per-priority targets come from the `[escalations]` config section, merged over the defaults:

    [escalations.targets.P0]
    ack_hours = 1
    contain_hours = 24
    resolve_hours = 72
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from connectors.spec import All, AnyOf, Condition, Elapsed, ElapsedAtMostHours, Eq, NotNull
from metrics.targets import Settings

STAGES: tuple[str, ...] = ("ack", "contain", "resolve")
STAGE_END: dict[str, str] = {"ack": "acknowledged_at", "contain": "contained_at", "resolve": "resolved_at"}
ELAPSED: dict[str, Elapsed] = {stage: Elapsed("opened_at", end=end) for stage, end in STAGE_END.items()}

DEFAULT_TARGETS: dict[str, dict[str, float]] = {
    "P0": {"ack_hours": 1, "contain_hours": 24, "resolve_hours": 72},
    "P1": {"ack_hours": 4, "contain_hours": 72, "resolve_hours": 168},
    "P2": {"ack_hours": 24, "contain_hours": 168, "resolve_hours": 336},
    "P3": {"ack_hours": 72, "contain_hours": 336, "resolve_hours": 720},
}


@dataclass(frozen=True)
class StageTargets:
    """Hours allowed from opening to each stage, for one priority."""

    ack_hours: float
    contain_hours: float
    resolve_hours: float

    def hours(self, stage: str) -> float:
        return float(getattr(self, f"{stage}_hours"))


def priority_targets(settings: Settings) -> dict[str, StageTargets]:
    """Per-priority stage targets: `[escalations.targets.<priority>]` merged over the defaults."""
    configured: Mapping[str, Any] = settings.section("escalations").get("targets", {}) or {}
    merged: dict[str, dict[str, float]] = {p: dict(t) for p, t in DEFAULT_TARGETS.items()}
    for priority, values in configured.items():
        merged.setdefault(str(priority), {}).update({k: float(v) for k, v in dict(values).items()})
    result: dict[str, StageTargets] = {}
    for priority, values in sorted(merged.items()):
        missing = [f"{s}_hours" for s in STAGES if f"{s}_hours" not in values]
        if missing:
            raise ValueError(
                f"[escalations.targets.{priority}] is missing {', '.join(missing)} (hours from opening)"
            )
        result[priority] = StageTargets(*(float(values[f"{s}_hours"]) for s in STAGES))
    return result


def within_targets(stages: tuple[str, ...], targets: dict[str, StageTargets]) -> Condition:
    """The escalation reached every stage in `stages` within its priority's target (exact, in SQL)."""
    return AnyOf(tuple(
        All((
            Eq("priority", priority),
            *(NotNull(STAGE_END[s]) for s in stages),
            *(ElapsedAtMostHours(ELAPSED[s], t.hours(s)) for s in stages),
        ))
        for priority, t in targets.items()
    ))
