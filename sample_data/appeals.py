"""appeals, derived from actioned and decided moderation cases."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import reference as ref
from sample_data.cases import CaseArrays
from sample_data.common import (
    US_PER_DAY,
    US_PER_HOUR,
    Window,
    lognormal,
    num_col,
    rng_for,
    str_col,
    systematic_bernoulli,
    to_frame,
    ts_col,
)
from sample_data.stories import OVERTURN_CAP, OVERTURN_DAYS, OVERTURN_MULT, Stories

# The overturn story's cell gets at least this many appeals per 21 days (expected): at small
# scale its appeal rate is raised to reach it, at default scale it is far exceeded anyway.
STORY_MIN_APPEALS_PER_WINDOW = 80.0
STORY_MAX_APPEAL_RATE = 0.8
STUCK_SHARE = 0.02  # appeals stuck in an aged backlog
PARTIAL_SHARE = 0.35  # of overturns, the share that is only partial


def build_appeals(seed: int, win: Window, scale: float, stories: Stories,
                  cases: CaseArrays) -> pl.DataFrame:
    rng = rng_for(seed, "appeals")
    eligible = np.flatnonzero((cases.outcome == 1) & ~cases.pending)
    country, policy = cases.country[eligible], cases.policy[eligible]
    case_decided = cases.decided_us[eligible]
    p = (ref.APPEAL_RATE_BY_TARGET[cases.target_type[eligible]]
         * ref.APPEAL_RATE_CHANNEL_MULT[cases.channel[eligible]])

    # Overturn story cell: make sure it has enough appeals per 21-day window at any scale.
    oc = ref.COUNTRY_CODES.index(stories.overturn_country)
    op = ref.POLICIES.index(stories.overturn_policy)
    cell = (country == oc) & (policy == op)
    lo = win.day_start_us(win.day_index(3 * OVERTURN_DAYS - 1))
    hi = win.day_start_us(win.day_index(OVERTURN_DAYS - 1))
    expected = p[cell & (case_decided >= lo) & (case_decided < hi)].sum() / 2
    if expected < STORY_MIN_APPEALS_PER_WINDOW:
        boost = STORY_MIN_APPEALS_PER_WINDOW / max(expected, 1e-9)
        p[cell] = np.minimum(p[cell] * boost, STORY_MAX_APPEAL_RATE)

    appealed = rng.random(len(eligible)) < p
    idx = eligible[appealed]
    delay = np.clip(lognormal(rng, 16.0 * US_PER_HOUR, 1.1, len(idx)), US_PER_HOUR / 6,
                    14 * US_PER_DAY)
    submitted = cases.decided_us[idx] + delay.astype(np.int64)
    keep = submitted <= win.end_us  # not yet appealed otherwise
    idx, submitted = idx[keep], submitted[keep]
    order = np.argsort(submitted, kind="stable")
    idx, submitted = idx[order], submitted[order]
    n = len(idx)
    country, policy, channel = cases.country[idx], cases.policy[idx], cases.channel[idx]

    appellant = np.isin(cases.target_type[idx], [ref.TARGET_TYPES.index("creator"),
                                                 ref.TARGET_TYPES.index("content")]).astype(np.int64)
    sla_hours = ref.APPEAL_SLA_HOURS[appellant]
    stuck = rng.random(n) < STUCK_SHARE
    ratio = np.where(stuck, rng.uniform(2.5, 12.0, n), lognormal(rng, 0.35, 0.75, n))
    decided = submitted + (ratio * sla_hours * US_PER_HOUR).astype(np.int64)
    pending = decided > win.end_us

    # Outcome: overturn probability by original channel (algo highest), policy and market;
    # systematic sampling per (country, policy) in decision order keeps every window on its rate.
    p_over = (ref.OVERTURN_BY_CHANNEL[channel] * ref.OVERTURN_POLICY_MULT[policy]
              * ref.OVERTURN_COUNTRY_MULT[country])
    story = ((country == oc) & (policy == op)
             & (decided >= win.day_start_us(win.day_index(OVERTURN_DAYS - 1))))
    p_over = np.where(story, np.minimum(p_over * OVERTURN_MULT, OVERTURN_CAP), p_over)
    d = np.flatnonzero(~pending)
    overturned = np.zeros(n, dtype=bool)
    overturned[d] = systematic_bernoulli(rng, p_over[d], country[d] * len(ref.POLICIES) + policy[d],
                                         decided[d])
    outcome = np.where(overturned, np.where(rng.random(n) < PARTIAL_SHARE, 2, 1), 0)

    n_reviewers = max(24, round(300 * scale**0.5))
    reviewers = tuple(f"rv{i:04d}" for i in range(1, n_reviewers + 1))
    scored = ~pending & (rng.random(n) < 0.2)
    qa_score = np.round(np.clip(rng.normal(86.0, 7.0, n), 35.0, 100.0))

    return to_frame("appeals", {
        "appeal_id": np.arange(1, n + 1, dtype=np.int64),
        "case_id": cases.case_id[idx],
        "submitted_at": ts_col(submitted),
        "decided_at": ts_col(decided, pending),
        "country_code": str_col(ref.COUNTRY_CODES, country),
        "appellant_type": str_col(ref.APPELLANT_TYPES, appellant),
        "policy": str_col(ref.POLICIES, policy),
        "original_action": str_col(ref.ACTIONS, cases.action[idx]),
        "original_channel": str_col(ref.CHANNELS, channel),
        "outcome": str_col(ref.APPEAL_OUTCOMES, outcome, pending),
        "reviewer": str_col(reviewers, rng.integers(0, n_reviewers, n), pending),
        "sla_hours": sla_hours,
        "qa_score": num_col(qa_score, ~scored),
        "is_reappeal": rng.random(n) < 0.05,
    })
