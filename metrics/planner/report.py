"""The planner's answer as plain data (CLI JSON, exports) and as a text table."""

from __future__ import annotations

from typing import Any, Sequence

from metrics.planner.projection import Projection
from metrics.planner.scenario import Plan, scenario_dict

SITE_FIELDS = (
    "vendor_site", "fte", "workload_fte", "erlang_fte", "cases_per_week", "hours_per_week", "capacity_fte",
    "over_capacity", "cost_per_case", "cost_per_case_target", "over_cost_target",
)
TOTAL_FIELDS = (
    "decisions_per_week", "cost_per_week_usd", "cost_per_month_usd", "cost_per_decision_usd",
    "cost_per_1k_decisions_usd", "qa_accuracy", "qa_accuracy_low", "qa_accuracy_high",
    "expected_qa_disagreements_per_week", "expected_appeals_per_week", "expected_overturns_per_week",
    "human_decisions_per_week", "human_fte", "sites_over_capacity", "sites_over_cost_target",
)
CHANGE_FIELDS = ("cost_per_week_usd", "cost_per_month_usd", "qa_accuracy", "expected_qa_disagreements_per_week",
                 "expected_overturns_per_week", "human_fte")


def projection_json(projection: Projection, baseline: Projection | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": projection.name}
    out.update({k: projection.totals[k] for k in TOTAL_FIELDS})
    out["sites"] = [{k: row[k] for k in SITE_FIELDS} for row in projection.sites.to_dicts()]
    out["short_sla_queues"] = [
        {k: row[k] for k in ("vendor_site", "queue", "sla_hours", "cases_per_week", "workload_fte", "erlang_agents",
                             "erlang_fte", "fte")}
        for row in projection.short_sla_queues.to_dicts()
    ]
    out["thin_qa_segments"] = projection.thin_qa
    if baseline is not None:
        out["change_vs_baseline"] = {
            k: None if projection.totals[k] is None or baseline.totals[k] is None
            else projection.totals[k] - baseline.totals[k]  # type: ignore[operator]
            for k in CHANGE_FIELDS
        }
    return out


def plan_json(plan: Plan, projections: Sequence[Projection], countries: Sequence[str] | None) -> dict[str, Any]:
    """{"period", "filters", "assumptions", "baseline", "scenarios": [...]}: baseline first in `projections`."""
    base, *scenarios = projections
    return {
        "period": {"start": plan.start.isoformat(), "end": plan.end.isoformat(),
                   "weeks": ((plan.end - plan.start).days + 1) / 7},
        "filters": {"countries": list(countries) if countries else None},
        "assumptions": plan.assumptions.as_dict(),
        "baseline": projection_json(base),
        "scenarios": [
            {**projection_json(p, base), "scenario": scenario_dict(s)} for p, s in zip(scenarios, plan.scenarios)
        ],
    }


ROWS: tuple[tuple[str, str, str], ...] = (
    ("decisions_per_week", "Decisions / week", "{:,.0f}"),
    ("cost_per_week_usd", "Cost / week", "${:,.0f}"),
    ("cost_per_month_usd", "Cost / month", "${:,.0f}"),
    ("cost_per_decision_usd", "Cost / decision", "${:,.4f}"),
    ("qa_accuracy", "QA accuracy", "{:.2%}"),
    ("qa_accuracy_low", "  95 % low", "{:.2%}"),
    ("qa_accuracy_high", "  95 % high", "{:.2%}"),
    ("expected_qa_disagreements_per_week", "QA disagreements / week", "{:,.0f}"),
    ("expected_appeals_per_week", "Appeals / week", "{:,.0f}"),
    ("expected_overturns_per_week", "Overturns / week", "{:,.0f}"),
    ("human_decisions_per_week", "Human decisions / week", "{:,.0f}"),
    ("human_fte", "Human FTE", "{:,.1f}"),
    ("sites_over_capacity", "Sites over capacity", "{:,.0f}"),
    ("sites_over_cost_target", "Sites over cost target", "{:,.0f}"),
)


def plan_table(projections: Sequence[Projection]) -> str:
    """Baseline and scenarios side by side, then FTE per vendor site (! = flagged)."""
    width = max(14, *(len(p.name) for p in projections))
    lines = [f"{'':<26}" + "".join(f"{p.name[:width]:>{width + 2}}" for p in projections)]
    for key, label, fmt in ROWS:
        cells = ["-" if p.totals[key] is None else fmt.format(p.totals[key]) for p in projections]
        lines.append(f"{label:<26}" + "".join(f"{c:>{width + 2}}" for c in cells))
    lines.append("")
    lines.append("FTE per vendor site (! over capacity, $ over cost target)")
    sites = sorted({s for p in projections for s in p.sites["vendor_site"].to_list()})
    for name in sites:
        cells = []
        for p in projections:
            rows = p.sites.filter(p.sites["vendor_site"] == name).to_dicts()
            if not rows:
                cells.append("-")
                continue
            row = rows[0]
            flags = ("!" if row["over_capacity"] else "") + ("$" if row["over_cost_target"] else "")
            cells.append(f"{row['fte']:,.1f}{flags}")
        lines.append(f"{name:<26}" + "".join(f"{c:>{width + 2}}" for c in cells))
    thin = sorted({s for p in projections for s in p.thin_qa})
    if thin:
        lines.append("")
        lines.append(f"QA accuracy rests on fewer than 30 QA verdicts in: {', '.join(thin)}")
    return "\n".join(lines)
