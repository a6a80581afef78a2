"""Charts of the DSA page: delay distributions per platform and the automated-share comparison."""

from __future__ import annotations

import altair as alt
import polars as pl

from metrics.dsa import DELAY_LABELS, OURS
from ui.charts import EVENT_COLOR, PRIMARY

PEER_GREYS = ("#5f6368", "#9aa0a6", "#c4c7c5", "#80868b", "#dadce0", "#3c4043")


def short_code(column: str) -> pl.Expr:
    """DSA codes without their family prefix, in sentence case: STATEMENT_CATEGORY_SCAMS_AND_FRAUD ->
    Scams and fraud (the table keeps the code)."""
    prefixes = r"^(STATEMENT_CATEGORY|DECISION_GROUND|DECISION_VISIBILITY|DECISION_MONETARY|DECISION_PROVISION|" \
               r"DECISION_ACCOUNT|AUTOMATED_DECISION|ACCOUNT_TYPE|CONTENT_TYPE|SOURCE)_"
    words = pl.col(column).cast(pl.String).str.replace(prefixes, "").str.replace_all("_", " ").str.to_lowercase()
    return (words.str.slice(0, 1).str.to_uppercase() + words.str.slice(1)).alias(column)


def delay_chart(frame: pl.DataFrame) -> alt.Chart:
    """One 100 % bar per platform, split into delay buckets from short (dark) to long (light)."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("platform_name:N", title=None, sort=alt.EncodingSortField("statements", op="sum", order="descending"),
                axis=alt.Axis(labelLimit=220)),
        x=alt.X("statements:Q", stack="normalize", title="Share of the platform's statements",
                axis=alt.Axis(format=".0%")),
        color=alt.Color("delay:N", sort=list(DELAY_LABELS), title=None, legend=alt.Legend(orient="bottom", columns=8),
                        scale=alt.Scale(scheme="blues", reverse=True)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("platform_name:N", title="Platform"), alt.Tooltip("delay:N", title="Delay"),
                 alt.Tooltip("statements:Q", title="Statements", format=","),
                 alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).properties(height=alt.Step(26))


def peer_chart(frame: pl.DataFrame) -> alt.Chart:
    """Per market, our automated share (orange) beside each platform's fully automated share (greys)."""
    peers = sorted(set(frame["who"].to_list()) - {OURS})
    greys = [PEER_GREYS[i % len(PEER_GREYS)] for i in range(len(peers))]
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("country_code:N", title="Market (territorial scope)", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("who:N", sort=[OURS]),
        y=alt.Y("automated_share:Q", title="Automated share of decisions", axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("who:N", title=None, legend=alt.Legend(orient="bottom", columns=4, labelLimit=240),
                        scale=alt.Scale(domain=[OURS, *peers], range=[EVENT_COLOR, *greys])),
        tooltip=[alt.Tooltip("country_code:N", title="Market"), alt.Tooltip("who:N", title="Who"),
                 alt.Tooltip("automated_share:Q", title="Automated share", format=".1%"),
                 alt.Tooltip("decisions:Q", title="Decisions / statements", format=",")],
    ).properties(height=300)


def member_state_chart(frame: pl.DataFrame) -> alt.Chart:
    """Statements valid in each member state (all platforms)."""
    totals = frame.group_by("country_code").agg(pl.col("statements").sum()).sort("statements", descending=True)
    return alt.Chart(totals).mark_bar(color=PRIMARY).encode(
        x=alt.X("country_code:N", sort=totals["country_code"].to_list(), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("statements:Q", title="Statements valid in the state", axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("country_code:N", title="Member state"),
                 alt.Tooltip("statements:Q", title="Statements", format=",")],
    ).properties(height=240)
