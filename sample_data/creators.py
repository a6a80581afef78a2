"""creators and creator_violations."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import reference as ref
from sample_data.common import (
    US_PER_DAY,
    Window,
    choose,
    lognormal,
    rng_for,
    str_col,
    time_of_day_us,
    to_frame,
    ts_col,
)
from sample_data.stories import SPIKE_BASELINE_WEEKS, SPIKE_DAYS, Stories

BASE_CREATORS = 50_000  # at scale 1.0 (the creator population does not grow with `days`)
MIN_CREATORS = 500
# The spike adds at least this many violations in the first / second spike week, or 5x / 6x the
# pair's baseline weekly volume when that is larger.
SPIKE_MIN_WEEKLY = (32, 40)
SPIKE_BASELINE_MULT = (5.0, 6.0)
SPIKE_SEVERITY = np.array([0.15, 0.50, 0.35, 0.0])
SPIKE_DETECTION = np.array([0.15, 0.35, 0.10, 0.40])


def _creator_policy_mix() -> np.ndarray:
    mix = np.tile(ref.CREATOR_POLICY_WEIGHTS, (len(ref.COUNTRY_CODES), 1))
    for c, code in enumerate(ref.COUNTRY_CODES):
        for policy, mult in ref.CREATOR_POLICY_MARKET_MULT.get(code, {}).items():
            mix[c, ref.CREATOR_POLICIES.index(policy)] *= mult
    return mix / mix.sum(axis=1, keepdims=True)


def _detection_matrix(win: Window) -> np.ndarray:
    """P(detection | day): LLM detection grows, human review and user reports shrink."""
    f = win.frac
    return np.stack([np.full(win.days, 0.35), 0.10 + 0.20 * f, 0.27 - 0.12 * f, 0.28 - 0.08 * f],
                    axis=1)


def _spread(total: int, days: int) -> np.ndarray:
    per_day = np.full(days, total // days)
    per_day[: total % days] += 1
    return per_day


def build_creators(seed: int, win: Window, scale: float,
                   stories: Stories) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = rng_for(seed, "creators")
    n_base = max(MIN_CREATORS, round(BASE_CREATORS * scale))
    country = choose(rng, ref.CREATOR_COUNTRY_WEIGHTS, size=n_base)
    age = np.minimum(rng.exponential(500.0, n_base), 5 * 365.0) * US_PER_DAY
    onboarded = win.end_us - age.astype(np.int64)
    tier = choose(rng, ref.TIER_WEIGHTS, size=n_base)
    category = choose(rng, ref.CATEGORY_WEIGHTS, size=n_base)
    propensity = lognormal(rng, 1.0, 1.8, n_base) * ref.TIER_RISK_MULT[tier]

    # Background violations: expected per (day, country, policy) from the creators on board.
    n_c, n_p = len(ref.COUNTRY_CODES), len(ref.CREATOR_POLICIES)
    day_ends = win.day_start_us(np.arange(win.days)) + US_PER_DAY - 1
    on_board = np.stack([np.searchsorted(np.sort(onboarded[country == c]), day_ends, side="right")
                         for c in range(n_c)], axis=1)  # (days, countries)
    expected = (on_board[:, :, None] * ref.VIOLATIONS_PER_CREATOR_PER_DAY
                * ref.WEEKDAY_FACTORS[win.weekday][:, None, None] * _creator_policy_mix()[None])
    cell = np.repeat(np.arange(expected.size), rng.poisson(expected).ravel())
    day, rest = np.divmod(cell, n_c * n_p)
    v_country, v_policy = np.divmod(rest, n_p)
    occurred = win.day_start_us(day) + time_of_day_us(rng, ref.UTC_OFFSET_HOURS[v_country])

    # Each violation goes to a creator of its market already on board, weighted by propensity
    # (heavy-tailed, so a minority of creators are repeat offenders).
    creator = np.full(len(cell), -1, dtype=np.int64)
    for c in range(n_c):
        members = np.flatnonzero(country == c)
        members = members[np.argsort(onboarded[members], kind="stable")]
        cum = np.cumsum(propensity[members])
        rows = np.flatnonzero(v_country == c)
        k = np.searchsorted(onboarded[members], occurred[rows], side="right")
        ok = k > 0
        rows, k = rows[ok], k[ok]
        pick = np.searchsorted(cum, rng.random(len(rows)) * cum[k - 1], side="right")
        creator[rows] = members[np.minimum(pick, k - 1)]
    severity = choose(rng, ref.SEVERITY_GIVEN_POLICY, v_policy)
    detection = choose(rng, _detection_matrix(win), day)
    keep = creator >= 0
    # A banned creator commits no further violations.
    action = choose(rng, ref.ACTION_GIVEN_SEVERITY, severity)
    ban_time = np.full(n_base, np.iinfo(np.int64).max)
    bans = keep & (action == ref.VIOLATION_ACTIONS.index("ban"))
    np.minimum.at(ban_time, creator[bans], occurred[bans])
    keep &= occurred <= ban_time[np.maximum(creator, 0)]

    # Story: a ring of newly onboarded creators in spike_country floods spike_policy for 2 weeks.
    sc = ref.COUNTRY_CODES.index(stories.spike_country)
    sp = ref.CREATOR_POLICIES.index(stories.spike_policy)
    lo, hi = win.day_index(SPIKE_DAYS + 7 * SPIKE_BASELINE_WEEKS - 1), win.day_index(SPIKE_DAYS - 1)
    baseline = expected[lo:hi, sc, sp].sum() / SPIKE_BASELINE_WEEKS
    weekly = [max(m, int(np.ceil(mult * baseline)))
              for m, mult in zip(SPIKE_MIN_WEEKLY, SPIKE_BASELINE_MULT)]
    s_day = win.day_index(SPIKE_DAYS - 1) + np.repeat(
        np.arange(SPIKE_DAYS), np.concatenate([_spread(w, 7) for w in weekly]))
    n_ring = max(12, round(weekly[1] / 3))
    ring = n_base + np.arange(n_ring)
    ring_onboarded = (win.day_start_us(win.day_index(SPIKE_DAYS + 6))
                      + rng.integers(0, 6 * US_PER_DAY, n_ring))
    s_severity = choose(rng, SPIKE_SEVERITY, size=len(s_day))

    country = np.r_[country, np.full(n_ring, sc)]
    onboarded = np.r_[onboarded, ring_onboarded]
    tier = np.r_[tier, choose(rng, np.array([0.7, 0.3, 0, 0, 0]), size=n_ring)]
    category = np.r_[category, np.where(rng.random(n_ring) < 0.6, ref.CATEGORIES.index("health"),
                                        ref.CATEGORIES.index("beauty"))]
    v_creator = np.r_[creator[keep], rng.choice(ring, len(s_day))]
    occurred = np.r_[occurred[keep], win.day_start_us(s_day)
                     + time_of_day_us(rng, np.full(len(s_day), ref.UTC_OFFSET_HOURS[sc]))]
    v_country = np.r_[v_country[keep], np.full(len(s_day), sc)]
    v_policy = np.r_[v_policy[keep], np.full(len(s_day), sp)]
    severity = np.r_[severity[keep], s_severity]
    action = np.r_[action[keep], choose(rng, ref.ACTION_GIVEN_SEVERITY, s_severity)]
    detection = np.r_[detection[keep], choose(rng, SPIKE_DETECTION, size=len(s_day))]

    # Status follows each creator's record; GMV is heavy-tailed by follower tier.
    n = len(country)
    status = np.where(rng.random(n) < 0.04, ref.CREATOR_STATUSES.index("offboarded"), 0)
    recent = occurred > win.end_us - 30 * US_PER_DAY
    status[v_creator[recent]] = ref.CREATOR_STATUSES.index("warned")
    restricted = (action == ref.VIOLATION_ACTIONS.index("restriction")) & (
        occurred > win.end_us - 60 * US_PER_DAY)
    status[v_creator[restricted]] = ref.CREATOR_STATUSES.index("restricted")
    status[v_creator[action == ref.VIOLATION_ACTIONS.index("ban")]] = ref.CREATOR_STATUSES.index("banned")
    gmv = np.round(lognormal(rng, ref.TIER_GMV_MEDIAN[tier], 1.0, n), 2)
    gmv = np.where(status >= ref.CREATOR_STATUSES.index("banned"), 0.0, gmv)

    creator_id = np.empty(n, dtype=np.int64)
    creator_id[np.argsort(onboarded, kind="stable")] = np.arange(1, n + 1)
    creators = to_frame("creators", {
        "creator_id": creator_id,
        "country_code": str_col(ref.COUNTRY_CODES, country),
        "onboarded_at": ts_col(onboarded),
        "follower_tier": str_col(ref.FOLLOWER_TIERS, tier),
        "category": str_col(ref.CATEGORIES, category),
        "status": str_col(ref.CREATOR_STATUSES, status),
        "gmv_30d_usd": gmv,
    }).sort("creator_id")

    order = np.argsort(occurred, kind="stable")
    violations = to_frame("creator_violations", {
        "violation_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "creator_id": creator_id[v_creator[order]],
        "occurred_at": ts_col(occurred[order]),
        "country_code": str_col(ref.COUNTRY_CODES, v_country[order]),
        "policy": str_col(ref.CREATOR_POLICIES, v_policy[order]),
        "severity": str_col(ref.SEVERITIES, severity[order]),
        "points": ref.SEVERITY_POINTS[severity[order]],
        "action": str_col(ref.VIOLATION_ACTIONS, action[order]),
        "detection": str_col(ref.DETECTIONS, detection[order]),
    })
    return creators, violations
