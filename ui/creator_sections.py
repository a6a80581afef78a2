"""The creator history section of the Creator risk page: profile, risk points over time, violations."""

from __future__ import annotations

import streamlit as st

from metrics import creators
from metrics.base import MetricRequest
from ui import charts, layout, tables, view_charts
from ui.context import PageContext


def profile_line(profile: dict[str, object]) -> str:
    """One line about a creator: market, status, tier, category, onboarding date, GMV."""
    onboarded = profile.get("onboarded_at")
    gmv = profile.get("gmv_30d_usd")
    parts = [
        f"Market **{profile.get('country_code')}**",
        f"status **{profile.get('status')}**",
        f"{profile.get('follower_tier')} creator in {profile.get('category')}",
        f"onboarded {onboarded:%-d %b %Y}" if onboarded is not None else "onboarding date unknown",
        f"GMV 30d ${gmv:,.0f}" if isinstance(gmv, (int, float)) else "GMV 30d unknown",
    ]
    return " · ".join(parts)


def linked_creator() -> int | None:
    """The creator id a link names with `?creator=`, or None (a value that is not an id gets a warning)."""
    raw = st.query_params.get("creator")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        st.warning(f"The link's creator {raw!r} is not a creator id, so no creator history is shown.")
        return None
    return int(raw)


def creator_history(ctx: PageContext, request: MetricRequest, creator_id: int, page: str) -> None:
    """The picked creator's profile, trailing 90-day risk points over time and violations up to the period end."""
    with layout.section("The creator history"):
        st.subheader(f"Creator {creator_id}: history", anchor=False)
        profile = creators.creator_profile(ctx.data, request, creator_id)
        if profile.is_empty():
            st.caption(f"Creator {creator_id} is not in your markets.")
            return
        st.markdown(profile_line(profile.row(0, named=True)))
        violations = creators.creator_violations(ctx.data, request, creator_id)
        points = creators.risk_points_over_time(violations, request.period.end, ctx.settings)
        if not points.is_empty():
            chart = view_charts.risk_points_chart(points, creators.tier_thresholds(ctx.settings))
            charts.show_chart(ctx, chart, page, f"creator-{creator_id}-points", data=points,
                              title=f"Creator {creator_id}: risk points (90 days)")
        tables.show_table(ctx, violations, page, f"creator-{creator_id}-violations", height=320,
                          empty="No violations up to the period end.",
                          caption=f"Every violation up to the period end, all policies, newest first (at most "
                                  f"{creators.HISTORY_LIMIT:,}).")
