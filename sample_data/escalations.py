"""escalations, annotations and countries: the small tables (plain Python is fine here)."""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import reference as ref
from sample_data.cases import llm_rollout_day
from sample_data.common import (
    US_PER_DAY,
    US_PER_HOUR,
    Window,
    choose,
    lognormal,
    rng_for,
    str_col,
    to_frame,
    ts_col,
)
from sample_data.stories import (
    OVERTURN_DAYS,
    P0_DAYS_BEFORE_END,
    SLOW_SITE_DAYS,
    SPIKE_DAYS,
    Stories,
)

BASE_ESCALATIONS = 1_000  # per 180 days at scale 1.0
MIN_ESCALATIONS = 120
BACKGROUND_RECURRENCE = 0.03  # share of resolved escalations that repeat an earlier one
MIN_CHAIN = 7  # the recurring-root-cause chain is at least this long


def _durations(rng: np.random.Generator, priority: np.ndarray) -> tuple[np.ndarray, ...]:
    med = ref.PRIORITY_MEDIAN_HOURS[priority]
    n = len(priority)
    ack = lognormal(rng, med[:, 0], 0.6, n)
    contain = np.maximum(lognormal(rng, med[:, 1], 0.6, n), ack + 0.25)
    resolve = np.maximum(lognormal(rng, med[:, 2], 0.6, n), contain + 1.0)
    p0 = priority == 0
    resolve[p0] = np.minimum(resolve[p0], 7 * 24.0)  # P0s never drag on in the background
    contain[p0] = np.minimum(contain[p0], resolve[p0] - 1.0)
    ack[p0] = np.minimum(ack[p0], contain[p0] - 0.1)
    return ack, contain, resolve


def build_escalations(seed: int, win: Window, scale: float,
                      stories: Stories) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = rng_for(seed, "escalations")
    n = max(MIN_ESCALATIONS, round(BASE_ESCALATIONS * scale * win.days / 180))
    day_weights = ref.WEEKDAY_FACTORS[win.weekday] * win.growth
    day = choose(rng, day_weights, size=n)
    priority = choose(rng, ref.PRIORITY_WEIGHTS, size=n)
    # Background P0s are all resolved: none opened in the last 8 days.
    last_p0_day = win.day_index(8)
    day = np.where((priority == 0) & (day > last_p0_day), day - 14, day)
    opened = win.day_start_us(np.maximum(day, 0)) + rng.integers(0, US_PER_DAY, n)
    source = choose(rng, ref.SOURCE_GIVEN_PRIORITY, priority)
    domain = choose(rng, ref.DOMAIN_WEIGHTS, size=n)
    country = choose(rng, ref.CASE_COUNTRY_WEIGHTS, size=n)
    root = choose(rng, ref.ROOT_CAUSE_WEIGHTS, size=n)
    ack_h, contain_h, resolve_h = _durations(rng, priority)
    rows = [
        {"key": i, "opened": int(opened[i]), "ack": int(opened[i] + ack_h[i] * US_PER_HOUR),
         "contain": int(opened[i] + contain_h[i] * US_PER_HOUR),
         "resolve": int(opened[i] + resolve_h[i] * US_PER_HOUR), "priority": int(priority[i]),
         "source": int(source[i]), "domain": int(domain[i]), "country": int(country[i]),
         "root": int(root[i]), "recurrence_key": None,
         "summary": f"{ref.SOURCE_PHRASES[source[i]]}: {ref.DOMAIN_PHRASES[domain[i]]}"
                    f" in {ref.COUNTRY_NAMES[country[i]]}"}
        for i in range(n)
    ]

    # Background recurrences: a resolved escalation repeats the latest earlier resolved one with
    # the same root cause (never the story's root cause, whose chain is planted below).
    story_root = ref.ROOT_CAUSES.index(stories.recurring_root_cause)
    resolved = [r for r in sorted(rows, key=lambda r: r["opened"]) if r["resolve"] <= win.end_us]
    counts = np.zeros(len(ref.ROOT_CAUSES), dtype=int)
    for r in resolved:
        if r["root"] == story_root or rng.random() >= BACKGROUND_RECURRENCE:
            continue
        earlier = [e for e in resolved if e["root"] == r["root"] and e["resolve"] < r["opened"]]
        if earlier:
            r["recurrence_key"] = max(earlier, key=lambda e: e["resolve"])["key"]
            counts[r["root"]] += 1

    # Story 5: a chain of resolved escalations with the recurring root cause, each pointing at
    # the previous one; longer than any background recurrence count.
    chain_len = max(MIN_CHAIN, int(counts.max()) + 3)
    chain_days = np.linspace(6, win.day_index(10), chain_len).round().astype(int)
    rc_words = stories.recurring_root_cause.replace("_", " ")
    previous = None
    for i, d in enumerate(chain_days):
        start = int(win.day_start_us(d) + rng.integers(8, 18) * US_PER_HOUR)
        c = int(choose(rng, ref.CASE_COUNTRY_WEIGHTS, size=1)[0])
        key = n + i
        rows.append({
            "key": key, "opened": start, "ack": start + int(1.5 * US_PER_HOUR),
            "contain": start + int(rng.uniform(12, 30) * US_PER_HOUR),
            "resolve": start + int(rng.uniform(60, 140) * US_PER_HOUR),
            "priority": 1 if i % 3 == 2 else 2, "source": ref.SOURCES.index("internal"),
            "domain": ref.DOMAINS.index("moderation_mix"), "country": c, "root": story_root,
            "recurrence_key": previous,
            "summary": f"Internal alert: {rc_words} again degraded moderation decisions"
                       f" (occurrence {i + 1})",
        })
        previous = key

    # Story 4: an open P0 regulator escalation, acknowledged after an hour, nothing since.
    pc = ref.COUNTRY_CODES.index(stories.p0_country)
    p0_open = int(win.day_start_us(win.day_index(P0_DAYS_BEFORE_END)) + 9.25 * US_PER_HOUR)
    rows.append({
        "key": n + chain_len, "opened": p0_open, "ack": p0_open + US_PER_HOUR,
        "contain": win.end_us + 1, "resolve": win.end_us + 1, "priority": 0,
        "source": ref.SOURCES.index("regulator"), "domain": ref.DOMAINS.index("commerce"),
        "country": pc, "root": 0, "recurrence_key": None,
        "summary": f"Regulator inquiry: {ref.COUNTRY_NAMES[pc]} consumer authority orders"
                   " unsafe children's products off the marketplace",
    })

    rows.sort(key=lambda r: (r["opened"], r["key"]))
    id_of = {r["key"]: i + 1 for i, r in enumerate(rows)}
    col = {k: np.array([r[k] for r in rows]) for k in
           ("opened", "ack", "contain", "resolve", "priority", "source", "domain", "country", "root")}
    open_ack, open_contain, open_resolve = (col[k] > win.end_us for k in ("ack", "contain", "resolve"))
    status = np.where(~open_resolve, 2, np.where(~open_contain, 1, 0))
    escalations = to_frame("escalations", {
        "escalation_id": np.arange(1, len(rows) + 1, dtype=np.int64),
        "opened_at": ts_col(col["opened"]),
        "acknowledged_at": ts_col(col["ack"], open_ack),
        "contained_at": ts_col(col["contain"], open_contain),
        "resolved_at": ts_col(col["resolve"], open_resolve),
        "priority": str_col(ref.PRIORITIES, col["priority"]),
        "source": str_col(ref.SOURCES, col["source"]),
        "domain": str_col(ref.DOMAINS, col["domain"]),
        "country_code": str_col(ref.COUNTRY_CODES, col["country"]),
        "root_cause": str_col(ref.ROOT_CAUSES, col["root"], open_resolve),
        "status": str_col(ref.ESCALATION_STATUSES, status),
        "recurrence_of": pl.Series([id_of.get(r["recurrence_key"]) for r in rows], dtype=pl.Int64),
        "summary": [r["summary"] for r in rows],
    })
    annotations = build_annotations(win, stories, last_chain_day=int(chain_days[-1]),
                                    chain_len=chain_len)
    return escalations, annotations


def build_annotations(win: Window, stories: Stories, *, last_chain_day: int,
                      chain_len: int) -> pl.DataFrame:
    """Events drawn on trend charts: the global ones, and one per planted story in each market it
    concerns (the slow site's once per market it serves)."""
    policy = stories.overturn_policy.replace("_", " ")
    rows = [
        (win.date(int(win.days * 0.2)), None, None,
         "Community guidelines v3 published in all markets"),
        (win.date(llm_rollout_day(win)), None, "moderation_mix",
         "LLM reviewer v2 rolled out to all queues"),
        (win.date(win.day_index(OVERTURN_DAYS - 1)), stories.overturn_country, "appeals",
         f"New {policy} appeal guidance in {stories.overturn_country}: more evidence accepted"),
        # a site's event belongs to the markets it serves, so other regions never see it
        *((win.date(win.day_index(SLOW_SITE_DAYS - 1)), market, "vendor_sla",
           f"{stories.slow_vendor} {stories.slow_site}: workforce-management migration,"
           " staffing shortfall") for market in ref.site_markets(stories.slow_site)),
        (win.date(win.day_index(SPIKE_DAYS - 1)), stories.spike_country, "creator_risk",
         f"Wave of newly onboarded creators breaking {stories.spike_policy.replace('_', ' ')}"
         f" rules in {stories.spike_country}"),
        (win.date(win.day_index(P0_DAYS_BEFORE_END)), stories.p0_country, "escalations",
         f"P0 regulator inquiry opened in {stories.p0_country}"),
        (win.date(last_chain_day), None, "escalations",
         f"Postmortem: {stories.recurring_root_cause.replace('_', ' ')} recurred"
         f" ({chain_len} linked escalations)"),
    ]
    rows.sort(key=lambda r: (r[0], r[1] or ""))
    return to_frame("annotations", {
        "day": pl.Series([r[0] for r in rows], dtype=pl.Date),
        "country_code": pl.Series([r[1] for r in rows], dtype=pl.String),
        "domain": pl.Series([r[2] for r in rows], dtype=pl.String),
        "text": [r[3] for r in rows],
    })


def build_countries() -> pl.DataFrame:
    return to_frame("countries", {
        "country_code": list(ref.COUNTRY_CODES),
        "country_name": list(ref.COUNTRY_NAMES),
        "region": list(ref.REGIONS),
    })
