"""Streamlit parts of the mix planner page: the scenario editors (state in the URL), tables, frontier chart."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import altair as alt
import polars as pl
import streamlit as st

from metrics.planner.baseline import Baseline
from metrics.planner.projection import Projection, project
from metrics.planner.report import ROWS
from metrics.planner.scenario import (
    CHANNELS,
    Assumptions,
    Move,
    Scenario,
    ScenarioError,
    decode_scenario,
    encode_scenario,
    parse_scenario,
)
from ui import filters
from ui.context import PageContext, ReportKpi

ALL = "(all)"
SLOTS = 3
DEFAULT_SCENARIO = Scenario("LLM takes 10% of human", (Move("human", "llm", 0.10),))
MOVE_COLUMNS = ["from", "to", "share_pct", "policy", "queue"]
ASSUMPTION_INPUTS: tuple[tuple[str, str, float, float, float, str], ...] = (
    # key, label, min, max, step, help
    ("llm_price_per_1k", "LLM price per 1,000 ($)", 0.0, 10_000.0, 1.0, "Empty: the measured LLM cost."),
    ("llm_accuracy", "LLM accuracy, new segments", 0.0, 1.0, 0.01,
     "QA accuracy assumed where the LLM has not handled a segment yet. Empty: its accuracy over all segments."),
    ("shrinkage", "Shrinkage", 0.0, 0.95, 0.01, "Share of paid time not available for work."),
    ("occupancy", "Occupancy", 0.05, 1.0, 0.01, "Share of available time spent handling items."),
    ("productive_hours_per_week", "Paid hours per FTE / week", 1.0, 80.0, 0.5, "Hours of one FTE per week."),
)


def _url_scenario(slot: int) -> Scenario | None:
    """The scenario this URL carries for a slot (None when absent); a malformed one is noted as ignored."""
    key = f"s{slot}"
    text = st.query_params.get(key)
    if text is None:
        return DEFAULT_SCENARIO if slot == 1 and not any(f"s{i}" in st.query_params for i in range(1, SLOTS + 1)) else None
    try:
        return decode_scenario(text, key)
    except ScenarioError:
        filters.note_ignored(key, [text])
        return None


def _moves_frame(scenario: Scenario | None) -> pl.DataFrame:
    moves = scenario.moves if scenario else ()
    return pl.DataFrame(
        {"from": [m.source for m in moves], "to": [m.target for m in moves],
         "share_pct": [round(m.share * 100, 6) for m in moves], "policy": [m.policy or ALL for m in moves],
         "queue": [m.queue or ALL for m in moves]},
        schema={"from": pl.String, "to": pl.String, "share_pct": pl.Float64, "policy": pl.String, "queue": pl.String},
    )


def scenario_editor(slot: int, baseline: Baseline) -> tuple[Scenario | None, str | None]:
    """One scenario's name, move table and assumptions. Returns (the scenario or None when unused, error)."""
    prefix = f"plan{slot}"
    store_key = f"{prefix}-store"  # not a widget key: Streamlit may drop a widget's state, never this
    if store_key not in st.session_state:  # this session's first run: start from the URL
        initial = _url_scenario(slot)
        st.session_state[f"{prefix}-initial"] = _moves_frame(initial)
        allocation = dict(initial.assumptions.site_allocation or ()) if initial else {}
        st.session_state[f"{prefix}-sites-initial"] = pl.DataFrame(
            {"vendor_site": baseline.vendor_sites,
             "share_pct": [allocation[s] * 100 if s in allocation else None for s in baseline.vendor_sites]},
            schema={"vendor_site": pl.String, "share_pct": pl.Float64},
        )
        st.session_state[store_key] = {
            "name": initial.name if initial else "",
            **{key: getattr(initial.assumptions if initial else Assumptions(), key) for key, *_ in ASSUMPTION_INPUTS},
        }
    store = st.session_state[store_key]
    name = st.text_input("Scenario name", value=store["name"], key=f"{prefix}-name",
                         placeholder=f"Scenario {slot} (unused while empty)")
    store["name"] = name
    edited = st.data_editor(
        st.session_state[f"{prefix}-initial"],
        key=f"{prefix}-moves",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "from": st.column_config.SelectboxColumn("From", options=list(CHANNELS), required=True),
            "to": st.column_config.SelectboxColumn("To", options=list(CHANNELS), required=True),
            "share_pct": st.column_config.NumberColumn("Share moved %", min_value=0.0, max_value=100.0, step=1.0,
                                                       required=True, format="%.1f %%"),
            "policy": st.column_config.SelectboxColumn("Policy", options=[ALL, *baseline.policies], default=ALL),
            "queue": st.column_config.SelectboxColumn("Queue", options=[ALL, *baseline.queues], default=ALL),
        },
    )
    columns = st.columns(len(ASSUMPTION_INPUTS))
    raw_assumptions: dict[str, Any] = {}
    for column, (key, label, low, high, step, help_text) in zip(columns, ASSUMPTION_INPUTS):
        value = column.number_input(label, min_value=low, max_value=high, step=step, value=store[key],
                                    key=f"{prefix}-{key}", help=help_text)
        store[key] = value
        if value is not None:
            raw_assumptions[key] = float(value)
    with st.expander("Site allocation of human volume (empty: as measured per policy and queue)"):
        sites = st.data_editor(
            st.session_state[f"{prefix}-sites-initial"], key=f"{prefix}-sites", hide_index=True, width="stretch",
            disabled=["vendor_site"],
            column_config={"vendor_site": st.column_config.TextColumn("Vendor site"),
                           "share_pct": st.column_config.NumberColumn("Share of human volume %", min_value=0.0,
                                                                      max_value=100.0, step=1.0, format="%.1f %%")},
        )
    shares = pl.DataFrame(sites)
    if shares["share_pct"].is_not_null().any():  # an allocation given: sites left empty get none
        given = {row["vendor_site"]: (row["share_pct"] or 0.0) / 100.0 for row in shares.to_dicts()}
        raw_assumptions["site_allocation"] = {site: share for site, share in given.items() if share > 0} or given
    if not name.strip() and edited.is_empty():
        return None, None
    raw = {
        "name": name.strip() or f"Scenario {slot}",
        "move": [_move_dict(row) for row in pl.DataFrame(edited).to_dicts()],
        "assumptions": raw_assumptions,
    }
    try:
        return parse_scenario(raw, f"Scenario {slot}"), None
    except ScenarioError as error:
        return None, str(error)


def _move_dict(row: dict[str, Any]) -> dict[str, Any]:
    share = row.get("share_pct")
    out: dict[str, Any] = {"from": row.get("from"), "to": row.get("to"),
                           "share": share / 100.0 if isinstance(share, (int, float)) else share}
    for key in ("policy", "queue"):
        if row.get(key) not in (None, ALL):
            out[key] = row[key]
    return out


def scenario_slot(slot: int, baseline: Baseline, taken: Sequence[str]) -> tuple[Scenario, Projection] | None:
    """Edit one scenario and project it; an invalid edit says why and the slot's last valid scenario stays."""
    scenario, error = scenario_editor(slot, baseline)
    if scenario is not None and scenario.name in taken:
        scenario = replace(scenario, name=f"{scenario.name} ({slot})")  # columns side by side need distinct names
    projection = None
    if scenario is not None and error is None:
        try:  # what only the baseline can tell: unknown names, moves out of one channel over 100 %
            projection = project(baseline, scenario)
        except ScenarioError as problem:
            error = str(problem)
    if error:
        st.error(f"{error}. Showing the last valid version of this scenario.", icon=":material/error:")
    else:
        remember_in_url(slot, scenario)
    kept = last_valid(slot, scenario, error)
    if kept is None:
        return None
    return kept, projection if projection is not None and kept is scenario else project(baseline, kept)


def remember_in_url(slot: int, scenario: Scenario | None) -> None:
    """Write a valid scenario into the URL (or drop the slot), so a copied or reloaded URL shows it again."""
    key = f"s{slot}"
    text = encode_scenario(scenario) if scenario else None
    if text is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != text:
        st.query_params[key] = text


def last_valid(slot: int, scenario: Scenario | None, error: str | None) -> Scenario | None:
    """The scenario to project: this one when valid, else the slot's last valid one (kept on screen)."""
    key = f"plan{slot}-last-valid"
    if error is None:
        st.session_state[key] = scenario
        return scenario
    return st.session_state.get(key)


def comparison_table(projections: Sequence[Projection], scenarios: Sequence[Scenario | None]) -> pl.DataFrame:
    """Rows = measures (formatted), columns = baseline and scenarios, then the assumptions of each."""
    rows: dict[str, list[str]] = {"measure": []}
    names = [p.name for p in projections]
    for name in names:
        rows[name] = []
    for key, label, fmt in ROWS:
        rows["measure"].append(label.strip())
        for p in projections:
            value = p.totals[key]
            rows[p.name].append("-" if value is None else fmt.format(value))
    for key, label, *_ in ASSUMPTION_INPUTS:
        rows["measure"].append(f"Assumption: {label}")
        for p in projections:
            value = getattr(p.assumptions, key)
            rows[p.name].append("measured" if value is None else f"{value:g}")
    rows["measure"].append("Moves")
    for p, scenario in zip(projections, scenarios):
        rows[p.name].append(moves_text(scenario))
    return pl.DataFrame(rows)


def moves_text(scenario: Scenario | None) -> str:
    if scenario is None or not scenario.moves:
        return "none"
    return "; ".join(
        f"{m.share:.0%} {m.source}->{m.target} ({m.policy or 'all policies'}, {m.queue or 'all queues'})"
        for m in scenario.moves
    )


def sites_table(projections: Sequence[Projection]) -> pl.DataFrame:
    """FTE per vendor site side by side, with capacity and the flags of each scenario."""
    base = projections[0].sites.select("vendor_site", "capacity_fte", pl.col("cost_per_case_target").alias("cost_target"))
    frame = base
    for p in projections:
        frame = frame.join(
            p.sites.select(
                "vendor_site",
                pl.col("fte").alias(f"{p.name}: FTE"),
                pl.col("cost_per_case").alias(f"{p.name}: cost/case"),
                pl.concat_str(
                    pl.when(pl.col("over_capacity")).then(pl.lit("over capacity")).otherwise(pl.lit("")),
                    pl.when(pl.col("over_cost_target")).then(pl.lit("over cost target")).otherwise(pl.lit("")),
                    separator=" ",
                ).str.strip_chars().alias(f"{p.name}: flags"),
            ),
            on="vendor_site", how="full", coalesce=True,
        )
    return frame.sort("vendor_site")


def frontier_chart(curves: pl.DataFrame, points: pl.DataFrame) -> alt.LayerChart:
    """Weekly cost (x) against expected QA accuracy (y) as each scenario's moves scale from 0 to 100 %."""
    line = alt.Chart(curves).mark_line(point=True).encode(
        x=alt.X("cost_per_week_usd:Q", title="Cost per week (USD)", axis=alt.Axis(format="$,.0f"),
                scale=alt.Scale(zero=False)),
        y=alt.Y("qa_accuracy:Q", title="Expected QA accuracy", axis=alt.Axis(format=".2%"), scale=alt.Scale(zero=False)),
        color=alt.Color("scenario:N", title="Scenario"),
        order="share:Q",
        tooltip=[alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("share:Q", title="Moves scaled to", format=".0%"),
                 alt.Tooltip("cost_per_week_usd:Q", title="Cost / week", format="$,.0f"),
                 alt.Tooltip("qa_accuracy:Q", title="QA accuracy", format=".2%"),
                 alt.Tooltip("expected_overturns_per_week:Q", title="Overturns / week", format=",.0f")],
    )
    marks = alt.Chart(points).mark_point(size=160, filled=True, shape="diamond").encode(
        x="cost_per_week_usd:Q", y="qa_accuracy:Q", color=alt.Color("scenario:N"),
        tooltip=[alt.Tooltip("scenario:N", title="Scenario"),
                 alt.Tooltip("cost_per_week_usd:Q", title="Cost / week", format="$,.0f"),
                 alt.Tooltip("qa_accuracy:Q", title="QA accuracy", format=".2%")],
    )
    labels = marks.mark_text(align="left", dx=10, dy=-8, fontSize=12).encode(text="scenario:N")
    return alt.layer(line, marks, labels).properties(height=360)



CARDS: tuple[tuple[str, str, str, str], ...] = (
    # totals key, label, value format, delta format
    ("cost_per_week_usd", "Cost / week", "${:,.0f}", "{:+,.0f} USD"),
    ("qa_accuracy", "QA accuracy", "{:.2%}", "{:+.2%}"),
    ("expected_overturns_per_week", "Overturns / week", "{:,.0f}", "{:+,.0f}"),
    ("human_fte", "Human FTE", "{:,.1f}", "{:+,.1f}"),
)


def projection_cards(ctx: PageContext, projections: Sequence[Projection]) -> None:
    """One column of cards per projection; scenarios show their change against the baseline."""
    base = projections[0]
    for index, (column, projection) in enumerate(zip(st.columns(len(projections)), projections)):
        with column, st.container(border=True, key=f"projection-{index}"):
            st.markdown(f"**{projection.name}**")
            # two cards a row side by side for up to two projections; one a row when four share the width
            per_row = 2 if len(projections) <= 2 else 1
            cells = [cell for _ in range(len(CARDS) // per_row) for cell in st.columns(per_row)]
            for cell, (key, label, fmt, delta_fmt) in zip(cells, CARDS):
                value, reference = projection.totals[key], base.totals[key]
                text = "-" if value is None else fmt.format(value)
                delta = None
                if projection is not base and value is not None and reference is not None:
                    delta = delta_fmt.format(value - reference)
                # cost, overturns and FTE going down is good; accuracy going up is good
                cell.metric(label, text, delta,
                            delta_color="normal" if key == "qa_accuracy" else "inverse")
                ctx.report.kpis.append(ReportKpi("planner", f"{label} ({projection.name})", text, delta or "", "",
                                                 "no_target"))


def short_sla_table(projections: Sequence[Projection]) -> pl.DataFrame:
    """Per projection, vendor site and short-SLA queue: the Erlang C agents and the FTE they need."""
    frames = [
        p.short_sla_queues.select(
            pl.lit(p.name).alias("scenario"), "vendor_site", "queue", "sla_hours", "cases_per_week", "erlang_agents",
            "erlang_fte", "workload_fte",
        )
        for p in projections
    ]
    return pl.concat(frames) if frames else pl.DataFrame()
