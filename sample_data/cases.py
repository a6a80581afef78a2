"""moderation_cases and vendor_sla_targets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_data import reference as ref
from sample_data.common import (
    US_PER_DAY,
    US_PER_SECOND,
    Window,
    SQRT2_STEP,
    choose,
    log_logistic,
    log_logistic_mean_factor,
    lognormal,
    low_discrepancy,
    num_col,
    rng_for,
    str_col,
    time_of_day_us,
    to_frame,
    ts_col,
)
from sample_data.stories import SLOW_SITE_AHT_MULT, SLOW_SITE_DAYS, SLOW_SITE_TAT_ADHERENCE, Stories

BASE_CASES_PER_DAY = 18_000.0  # at scale 1.0, before weekday and growth factors
# Expected cases a day in the overturn story's (country, policy) cell, whatever the scale, so that
# the cell has enough appeals for its 21-day windows at small scale. Binding only below ~0.1.
STORY_CELL_MIN_CASES_PER_DAY = 8.0
LLM_ROLLOUT_FRAC = 0.4  # the LLM reviewer v2 rollout happens 40 % into the window


def llm_rollout_day(win: Window) -> int:
    return int(win.days * LLM_ROLLOUT_FRAC)


@dataclass(frozen=True)
class CaseArrays:
    """The columns of moderation_cases that appeals derive from, as integer codes."""

    case_id: np.ndarray
    decided_us: np.ndarray  # meaningless where pending
    pending: np.ndarray
    country: np.ndarray
    policy: np.ndarray
    target_type: np.ndarray
    outcome: np.ndarray
    action: np.ndarray
    channel: np.ndarray


def _policy_mix() -> np.ndarray:
    """P(policy | country), rows follow COUNTRY_CODES."""
    mix = np.tile(ref.POLICY_WEIGHTS, (len(ref.COUNTRY_CODES), 1))
    for c, code in enumerate(ref.COUNTRY_CODES):
        for policy, mult in ref.POLICY_MARKET_MULT.get(code, {}).items():
            mix[c, ref.POLICIES.index(policy)] *= mult
    return mix / mix.sum(axis=1, keepdims=True)


def _site_routing() -> np.ndarray:
    """P(site | country) for human cases, rows follow COUNTRY_CODES, columns follow SITES."""
    routing = np.zeros((len(ref.COUNTRY_CODES), len(ref.SITES)))
    for c, code in enumerate(ref.COUNTRY_CODES):
        table = ref.SITE_ROUTING.get(code) or ref.SITE_ROUTING[ref.REGIONS[c]]
        for site, weight in table.items():
            routing[c, ref.SITE_NAME.index(site)] = weight
    return routing / routing.sum(axis=1, keepdims=True)


def _channel_shares(win: Window) -> np.ndarray:
    """P(channel | day, queue) as a (days * queues, 3) matrix, row = day * 4 + queue. The LLM
    share grows from ~10 % to ~35 % (with a step at the v2 rollout); the human share shrinks."""
    step = (np.arange(win.days) >= llm_rollout_day(win)) * 0.05
    llm = 0.10 + 0.20 * win.frac + step
    human = 0.50 - 0.20 * win.frac - step
    algo = np.full(win.days, 0.40)
    base = np.stack([algo, llm, human], axis=1)  # (days, 3)
    shares = base[:, None, :] * ref.CHANNEL_QUEUE_MULT[None, :, :]
    shares /= shares.sum(axis=2, keepdims=True)
    return shares.reshape(win.days * len(ref.QUEUES), 3)


def build_cases(seed: int, win: Window, scale: float,
                stories: Stories) -> tuple[pl.DataFrame, pl.DataFrame, CaseArrays]:
    rng = rng_for(seed, "moderation_cases")
    n_countries, n_policies = len(ref.COUNTRY_CODES), len(ref.POLICIES)

    # Volumes: expected cases per (day, country, policy), Poisson-drawn.
    daily = BASE_CASES_PER_DAY * scale * ref.WEEKDAY_FACTORS[win.weekday] * win.growth
    expected = (daily[:, None, None] * ref.CASE_COUNTRY_WEIGHTS[None, :, None]
                * _policy_mix()[None, :, :])
    oc = ref.COUNTRY_CODES.index(stories.overturn_country)
    op = ref.POLICIES.index(stories.overturn_policy)
    expected[:, oc, op] = np.maximum(expected[:, oc, op], STORY_CELL_MIN_CASES_PER_DAY)
    counts = rng.poisson(expected).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    day, rest = np.divmod(cell, n_countries * n_policies)
    country, policy = np.divmod(rest, n_policies)
    del cell, rest
    created = win.day_start_us(day) + time_of_day_us(rng, ref.UTC_OFFSET_HOURS[country])
    order = np.argsort(created, kind="stable")
    created, day, country, policy = created[order], day[order], country[order], policy[order]
    n = len(created)

    queue = choose(rng, ref.QUEUE_GIVEN_POLICY, policy)
    target_type = choose(rng, ref.TARGET_GIVEN_QUEUE, queue)
    channel = choose(rng, _channel_shares(win), day * len(ref.QUEUES) + queue)
    human = channel == ref.HUMAN
    p_action = ref.ACTIONED_BY_POLICY[policy] + ref.ACTIONED_CHANNEL_SHIFT[channel]
    outcome = (rng.random(n) < p_action).astype(np.int64)
    action = choose(rng, ref.ACTION_GIVEN_QUEUE, queue)
    site = choose(rng, _site_routing(), country)  # used for human rows only

    slow = human & (site == stories.slow_site_index) & (day >= win.day_index(SLOW_SITE_DAYS - 1))

    # Handling time (whole seconds): algo ~0-2 s, LLM ~5-20 s, human log-logistic by queue and
    # site, its quantiles spread evenly over time within each site and queue (low discrepancy)
    # so weekly AHT is stable even at small scale.
    handle = np.where(channel == ref.ALGO, np.minimum(np.round(lognormal(rng, 0.6, 0.8, n)), 2.0),
                      np.clip(np.round(lognormal(rng, 10.0, 0.35, n)), 4.0, 30.0))
    h = np.flatnonzero(human)
    human_median = (ref.AHT_MEDIAN_BY_QUEUE[queue[h]] * ref.SITE_AHT_FACTOR[site[h]]
                    * np.where(slow[h], SLOW_SITE_AHT_MULT, 1.0))
    u = low_discrepancy(rng, site[h] * len(ref.QUEUES) + queue[h], created[h], step=SQRT2_STEP)
    handle[h] = np.clip(np.round(log_logistic(u, human_median, ref.AHT_SHAPE)), 30.0, 1800.0)
    del human_median, u

    # Turnaround. Human: log-logistic multiple of the queue SLA whose share within SLA is the
    # site's TAT adherence; the within/over-SLA split uses a low-discrepancy sequence per site so
    # every week of every site has its expected adherence, even at small scale.
    sla_hours = ref.QUEUE_SLA_HOURS[queue]
    tat_seconds = np.where(channel == ref.ALGO, lognormal(rng, 20.0, 1.2, n),
                           lognormal(rng, 90.0, 0.9, n))
    adherence = np.where(slow[h], SLOW_SITE_TAT_ADHERENCE, ref.SITE_TAT_ADHERENCE[site[h]])
    within = low_discrepancy(rng, site[h], created[h]) < adherence
    v = rng.random(len(h))
    q = np.where(within, adherence * v, adherence + (1 - adherence) * v)
    beta = 2.2
    alpha = ((1 - adherence) / adherence) ** (1 / beta)
    ratio = np.minimum(alpha * (q / (1 - q)) ** (1 / beta), 8.0)
    ratio = np.where(within, np.minimum(ratio, 0.999), np.maximum(ratio, 1.001))
    tat_seconds[h] = ratio * sla_hours[h] * 3600.0
    tat_seconds = np.maximum(tat_seconds, handle + np.where(human, 30.0, 0.5))
    decided = created + np.round(tat_seconds * US_PER_SECOND).astype(np.int64)
    pending = decided > win.end_us
    del tat_seconds, q, v, ratio

    # Cost: machine decisions in hundredths of a cent, human reviews in cents.
    algo_cost = np.round(np.clip(lognormal(rng, 0.003, 0.5, n), 0.001, 0.01), 4)
    llm_cost = np.round(0.012 + 0.0022 * handle * lognormal(rng, 1.0, 0.1, n), 4)
    human_cost = np.round(ref.HUMAN_FIXED_COST + ref.SITE_HOURLY_RATE[site] * handle / 3600.0, 2)
    cost = np.select([channel == ref.ALGO, channel == ref.LLM], [algo_cost, llm_cost], human_cost)
    del algo_cost, llm_cost, human_cost

    # QA: a sample of decided cases gets a second opinion; the verdict of recent ones may be due.
    qa_sampled = (rng.random(n) < ref.QA_SAMPLE_RATE[channel]) & ~pending
    p_agree = np.select([channel == ref.ALGO, channel == ref.LLM],
                        [np.full(n, 0.91), 0.92 + 0.03 * win.frac[day]], ref.SITE_ACCURACY[site])
    qa_agree = rng.random(n) < p_agree
    verdict_due = qa_sampled & (decided > win.end_us - 2 * US_PER_DAY) & (rng.random(n) < 0.5)
    no_verdict = ~qa_sampled | verdict_due

    case_id = np.arange(1, n + 1, dtype=np.int64)
    approved = outcome == 0
    frame = to_frame("moderation_cases", {
        "case_id": case_id,
        "created_at": ts_col(created),
        "decided_at": ts_col(decided, pending),
        "country_code": str_col(ref.COUNTRY_CODES, country),
        "queue": str_col(ref.QUEUES, queue),
        "target_type": str_col(ref.TARGET_TYPES, target_type),
        "policy": str_col(ref.POLICIES, policy),
        "outcome": str_col(ref.OUTCOMES, outcome),
        "action": str_col(ref.ACTIONS, action, approved),
        "channel": str_col(ref.CHANNELS, channel),
        "vendor": str_col(ref.SITE_VENDOR, site, ~human),
        "site": str_col(ref.SITE_NAME, site, ~human),
        "handle_seconds": handle,
        "sla_hours": sla_hours,
        "cost_usd": cost,
        "qa_sampled": qa_sampled,
        "qa_agree": num_col(qa_agree, no_verdict),
    })
    arrays = CaseArrays(case_id=case_id, decided_us=decided, pending=pending, country=country,
                        policy=policy, target_type=target_type, outcome=outcome, action=action,
                        channel=channel)
    return frame, build_targets(win), arrays


def build_targets(win: Window) -> pl.DataFrame:
    """One target row per vendor site and queue, effective since before the window."""
    rows = []
    effective_from = (win.start - dt.timedelta(days=90)).replace(day=1)
    mean_factor = log_logistic_mean_factor(ref.AHT_SHAPE)
    for s, (vendor, site, aht_factor, _tat, _acc, rate) in enumerate(ref.SITES):
        for q, queue in enumerate(ref.QUEUES):
            mean_aht = ref.AHT_MEDIAN_BY_QUEUE[q] * aht_factor * mean_factor
            mean_cost = ref.HUMAN_FIXED_COST + rate * mean_aht / 3600.0
            rows.append({
                "vendor": vendor,
                "site": site,
                "queue": queue,
                "tat_adherence_target": ref.TAT_ADHERENCE_TARGET,
                "aht_target_seconds": float(round(mean_aht * 1.2 / 5.0) * 5),
                "accuracy_target": ref.VENDOR_ACCURACY_TARGET[vendor],
                "cost_per_case_target": round(mean_cost * 1.2, 2),
                "effective_from": effective_from,
                "effective_to": None,
            })
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    columns["effective_to"] = pl.Series([None] * len(rows), dtype=pl.Date)
    return to_frame("vendor_sla_targets", columns)

