"""Significance tests for the driver analysis, and the Benjamini-Hochberg correction.

Every test takes the additive components a GROUP BY returns (counts, sums, sums of squares,
histogram buckets) for the comparison period (0) and the period (1), and returns a two-sided
p-value, or None when the data cannot support a test (an empty side, fewer than two values).

- Counts (Poisson): with equal period lengths, c1 given c0 + c1 is Binomial(c0 + c1, 1/2) when the
  rate did not change (the conditional test); `poisson_rate` generalises it to exposures e0, e1
  (violations per active creator). Exact below EXACT_LIMIT events, normal with continuity
  correction above.
- Proportions: the pooled two-proportion z-test (overturn rate, SLA adherence, shares).
- Means (a sum over a count, e.g. AHT): Welch's z-test from the sums and the sums of squares.
- Percentiles (bucket-based): the share of each side at or below the bucket edge nearest the pooled
  quantile, compared with the two-proportion test (Mood's median test, generalised to any quantile
  and to histogram buckets).

Stocks (backlog, open escalations, active creators) share most of their items between the two
cut-offs, so their difference varies less than Poisson says: the Poisson test is conservative for
them (it reports fewer moves, never more).
"""

from __future__ import annotations

import math
from typing import Sequence

EXACT_LIMIT = 300  # events; exact below (cheap, and where the normal approximation is poorest)


def normal_two_sided(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def _binomial_log_pmf(k: int, n: int, p: float) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)


def binomial_two_sided(k: int, n: int, p: float) -> float:
    """Two-sided binomial test of k successes in n trials against success probability p.

    Exact (the outcomes at most as likely as k) for n <= EXACT_LIMIT, otherwise the normal
    approximation with continuity correction.
    """
    if n == 0:
        return 1.0
    if p <= 0.0 or p >= 1.0:
        return 1.0 if k == round(p * n) else 0.0
    if n > EXACT_LIMIT:
        sd = math.sqrt(n * p * (1 - p))
        return min(1.0, normal_two_sided(max(0.0, abs(k - n * p) - 0.5) / sd))
    observed = _binomial_log_pmf(k, n, p)
    tolerance = 1e-7  # outcomes equally likely as k (symmetric case) count as at least as extreme
    total = sum(
        math.exp(lp) for lp in (_binomial_log_pmf(i, n, p) for i in range(n + 1)) if lp <= observed + tolerance
    )
    return min(1.0, total)


def poisson_test(previous: float, current: float) -> float | None:
    """Two Poisson counts over periods of equal length: did the rate change?"""
    c0, c1 = int(round(previous)), int(round(current))
    if c0 < 0 or c1 < 0:
        return None
    return binomial_two_sided(c1, c0 + c1, 0.5)


def poisson_rate_test(c0: float, e0: float, c1: float, e1: float) -> float | None:
    """Two Poisson counts with exposures (events per creator): did the rate per exposure change?"""
    if e0 <= 0 or e1 <= 0:
        return None
    k0, k1 = int(round(c0)), int(round(c1))
    return binomial_two_sided(k1, k0 + k1, e1 / (e0 + e1))


def proportion_test(n0: float, d0: float, n1: float, d1: float) -> float | None:
    """Pooled two-proportion z-test of n0/d0 against n1/d1."""
    if d0 <= 0 or d1 <= 0:
        return None
    pooled = (n0 + n1) / (d0 + d1)
    variance = pooled * (1 - pooled) * (1 / d0 + 1 / d1)
    if variance <= 0:
        return 1.0 if n0 / d0 == n1 / d1 else 0.0
    return normal_two_sided((n1 / d1 - n0 / d0) / math.sqrt(variance))


def mean_test(s0: float, c0: float, q0: float, s1: float, c1: float, q1: float) -> float | None:
    """Welch's z-test of two means from sums s, counts c and sums of squares q."""
    if c0 < 2 or c1 < 2:
        return None
    v0 = max(0.0, (q0 - s0 * s0 / c0) / (c0 - 1))
    v1 = max(0.0, (q1 - s1 * s1 / c1) / (c1 - 1))
    se = math.sqrt(v0 / c0 + v1 / c1)
    difference = s1 / c1 - s0 / c0
    if se == 0:
        return 1.0 if difference == 0 else 0.0
    return normal_two_sided(difference / se)


def bucket_quantile_test(previous: Sequence[float], current: Sequence[float], quantile: float) -> float | None:
    """Did the quantile move? Shares at or below the bucket edge nearest the pooled quantile, compared."""
    n0, n1 = sum(previous), sum(current)
    if n0 <= 0 or n1 <= 0:
        return None
    pooled = [a + b for a, b in zip(previous, current)]
    total = n0 + n1
    cumulative, best_cut, best_gap = 0.0, 0, math.inf
    for index, count in enumerate(pooled[:-1]):
        cumulative += count
        gap = abs(cumulative / total - quantile)
        if gap < best_gap:
            best_cut, best_gap = index, gap
    below0 = sum(previous[: best_cut + 1])
    below1 = sum(current[: best_cut + 1])
    return proportion_test(below0, n0, below1, n1)


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """BH-adjusted p-values (q-values) in the input order; None stays None and is not counted.

    A hypothesis is rejected at false discovery rate alpha when its q-value is <= alpha.
    """
    indexed = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(indexed)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = indexed[rank - 1]
        running = min(running, p * m / rank)
        adjusted[i] = min(1.0, running)
    return adjusted
