"""Golden tests of the driver analysis on small hand-made data (values worked out by hand below)."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.base import histogram_columns
from metrics.driver_stats import (
    benjamini_hochberg,
    binomial_two_sided,
    bucket_quantile_test,
    mean_test,
    poisson_test,
    proportion_test,
)
from metrics.drivers import (
    ComponentTable,
    DriverDef,
    analyse,
    count_decomposition,
    percentile_decomposition,
    ratio_decomposition,
)

EXACT = 1e-12


def effects(n0, d0, n1, d1):  # type: ignore[no-untyped-def]
    result = ratio_decomposition(n0, d0, n1, d1)
    assert result is not None
    return result


# ---- ratios: rate and mix ------------------------------------------------------------------------


def test_pure_mix_shift() -> None:
    # A keeps 10 %, B keeps 50 %; volume moves from A to B.
    # before: A 8/80, B 10/20 -> R0 = 18/100 = 0.18; after: A 2/20, B 40/80 -> R1 = 42/100 = 0.42
    # w0 = (0.8, 0.2), w1 = (0.2, 0.8), Rbar = 0.30; rates unchanged -> rate effects 0
    # mix A = (0.2 - 0.8) * (0.1 - 0.3) = 0.12, mix B = (0.8 - 0.2) * (0.5 - 0.3) = 0.12; sum 0.24
    (rate_a, mix_a), (rate_b, mix_b) = effects([8, 10], [80, 20], [2, 40], [20, 80])
    assert rate_a == pytest.approx(0.0, abs=EXACT) and rate_b == pytest.approx(0.0, abs=EXACT)
    assert mix_a == pytest.approx(0.12, abs=EXACT) and mix_b == pytest.approx(0.12, abs=EXACT)


def test_pure_rate_shift() -> None:
    # weights 50/50 in both periods; A goes 10 % -> 20 %, B stays 50 %: R 0.30 -> 0.35
    # rate A = (0.5 + 0.5)/2 * (0.2 - 0.1) = 0.05; every mix effect is 0 (weights unchanged)
    (rate_a, mix_a), (rate_b, mix_b) = effects([5, 25], [50, 50], [10, 25], [50, 50])
    assert rate_a == pytest.approx(0.05, abs=EXACT)
    assert (mix_a, rate_b, mix_b) == pytest.approx((0.0, 0.0, 0.0), abs=EXACT)


def test_rate_and_mix_together() -> None:
    # before: A 5/50 (0.1), B 25/50 (0.5) -> R0 0.30; after: A 5/25 (0.2), B 30/75 (0.4) -> R1 0.35
    # w0 = (0.5, 0.5), w1 = (0.25, 0.75), Rbar = 0.325
    # rate A = 0.375 * 0.1 = 0.0375      mix A = -0.25 * (0.15 - 0.325) = 0.04375
    # rate B = 0.625 * -0.1 = -0.0625    mix B = 0.25 * (0.45 - 0.325) = 0.03125
    # sum = 0.0375 + 0.04375 - 0.0625 + 0.03125 = 0.05 = R1 - R0
    (rate_a, mix_a), (rate_b, mix_b) = effects([5, 25], [50, 50], [5, 30], [25, 75])
    assert (rate_a, mix_a, rate_b, mix_b) == pytest.approx((0.0375, 0.04375, -0.0625, 0.03125), abs=EXACT)


def test_segment_that_appears_and_vanishes() -> None:
    # before: A 20/100 (0.2), C absent; after: A 10/50 (0.2), C 40/50 (0.8): R 0.2 -> 0.5, Rbar 0.35
    # A: rate 0, mix (0.5 - 1) * (0.2 - 0.35) = 0.075; C (new, r0 := r1): rate 0, mix 0.5 * (0.8 - 0.35) = 0.225
    appears = effects([20, 0], [100, 0], [10, 40], [50, 50])
    assert appears == [pytest.approx((0.0, 0.075), abs=EXACT), pytest.approx((0.0, 0.225), abs=EXACT)]
    # the same periods swapped: C vanishes and every effect changes sign (the formula is symmetric)
    vanishes = effects([10, 40], [50, 50], [20, 0], [100, 0])
    assert vanishes == [pytest.approx((0.0, -0.075), abs=EXACT), pytest.approx((0.0, -0.225), abs=EXACT)]


def test_zero_denominators() -> None:
    # a segment empty in both periods contributes nothing; the others are unaffected (A: pure rate +0.1)
    (rate_a, mix_a), empty = effects([1, 0], [10, 0], [2, 0], [10, 0])
    assert (rate_a, mix_a) == pytest.approx((0.1, 0.0), abs=EXACT)
    assert empty == (0.0, 0.0)
    # a period whose total denominator is zero has no ratio: nothing to decompose
    assert ratio_decomposition([0, 0], [0, 0], [1, 2], [5, 5]) is None


def test_scale_multiplies_both_effects() -> None:
    # violations per 1,000 creators: the pure rate case above, times 1000 -> rate A = 50
    (rate_a, mix_a), _ = ratio_decomposition([5, 25], [50, 50], [10, 25], [50, 50], scale=1000.0)  # type: ignore[misc]
    assert (rate_a, mix_a) == pytest.approx((50.0, 0.0), abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(st.lists(
    st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500), st.integers(0, 500)),
    min_size=1, max_size=15,
))
def test_rate_plus_mix_sums_to_the_observed_change(segments: list[tuple[int, int, int, int]]) -> None:
    # (numerator share, denominator) per period: numerator <= denominator keeps them proportions
    d0 = [a for a, _, _, _ in segments]
    n0 = [min(a, b) for a, b, _, _ in segments]
    d1 = [c for _, _, c, _ in segments]
    n1 = [min(c, d) for _, _, c, d in segments]
    result = ratio_decomposition(n0, d0, n1, d1)
    if sum(d0) == 0 or sum(d1) == 0:
        assert result is None
        return
    assert result is not None
    observed = sum(n1) / sum(d1) - sum(n0) / sum(d0)
    assert abs(sum(rate + mix for rate, mix in result) - observed) < 1e-9
    swapped = ratio_decomposition(n1, d1, n0, d0)
    assert swapped is not None
    for (rate, mix), (rate_back, mix_back) in zip(result, swapped):
        assert rate == pytest.approx(-rate_back, abs=1e-12) and mix == pytest.approx(-mix_back, abs=1e-12)


# ---- counts and percentiles ----------------------------------------------------------------------


def test_count_contributions_add_up() -> None:
    # A 3 -> 5 (+2), B 10 -> 4 (-6): total 13 -> 9 = -4
    assert count_decomposition([3, 10], [5, 4]) == [2, -6]


def _hist(**buckets: int) -> list[int]:
    counts = [0] * len(histogram_columns("t"))
    for name, count in buckets.items():
        counts[int(name[1:])] = count
    return counts


def test_percentile_one_segment_moves() -> None:
    # bucket 9 is [3 h, 4 h), bucket 12 is [6 h, 8 h) (DURATION_EDGES_HOURS)
    # before: A 10 and B 10 in bucket 9 -> median rank 10 of 20 -> 3 + 1 * 10/20 = 3.5 h
    # after: A 10 in bucket 9, B 10 in bucket 12 -> rank 10 ends bucket 9 -> 3 + 1 * 10/10 = 4.0 h
    # B alone back to before: everything in bucket 9 again -> 3.5 h, so B contributes 4.0 - 3.5 = 0.5;
    # A did not change: 0. Here the one-at-a-time contributions add up (no interaction).
    before = [_hist(b9=10), _hist(b9=10)]
    after = [_hist(b9=10), _hist(b12=10)]
    contributions, p0, p1 = percentile_decomposition(before, after, 0.5)
    assert (p0, p1) == pytest.approx((3.5, 4.0))
    assert contributions == pytest.approx([0.0, 0.5])
    # P90: after, rank 18 is the 8th of 10 in bucket 12 -> 6 + 2 * 8/10 = 7.6; before 3 + 18/20 = 3.9
    contributions90, p0_90, p1_90 = percentile_decomposition(before, after, 0.9)
    assert (p0_90, p1_90, contributions90[1]) == pytest.approx((3.9, 7.6, 3.7))


def test_percentile_contributions_with_interaction() -> None:
    # both segments move from bucket 9 to bucket 12: median 3.5 -> 6 + 2 * 10/20 = 7.0 (+3.5)
    # A alone back: A in 9, B in 12 -> 4.0, so A contributes 7.0 - 4.0 = 3.0; B the same: 3.0
    # 3.0 + 3.0 = 6.0 != 3.5: percentiles are not additive; the review reports -2.5 as interaction
    before = [_hist(b9=10), _hist(b9=10)]
    after = [_hist(b12=10), _hist(b12=10)]
    contributions, _, _ = percentile_decomposition(before, after, 0.5)
    assert contributions == pytest.approx([3.0, 3.0])


# ---- the analysis over a component table -----------------------------------------------------------

OVERTURN = DriverDef("appeals.overturn_rate", "t", "ratio", "proportion", "overturned", "decided")


def _table() -> ComponentTable:
    # markets DE/FR x policies counterfeit/spam; only DE x counterfeit changes: 20 % -> 60 % on 200
    # before: every cell 40/200 -> 160/800 = 20 %; after: DE x counterfeit 120/200 -> 240/800 = 30 %
    # Delta = +10 pp, all of it DE x counterfeit's rate effect: w = 0.25, 0.25 * 0.4 = 0.1
    keys = {"country_code": ["DE", "DE", "FR", "FR"], "policy": ["counterfeit", "spam", "counterfeit", "spam"]}
    previous = pl.DataFrame({**keys, "overturned": [40, 40, 40, 40], "decided": [200, 200, 200, 200]})
    current = pl.DataFrame({**keys, "overturned": [120, 40, 40, 40], "decided": [200, 200, 200, 200]})
    return ComponentTable(("country_code", "policy"), current, previous)


def test_analysis_finds_the_cell_and_adds_up() -> None:
    result = analyse(OVERTURN, _table())
    assert result.totals.previous == pytest.approx(0.2) and result.totals.value == pytest.approx(0.3)
    best = result.best
    assert best is not None
    # by market DE explains all of it with half the volume (score 0.5); the pair with a quarter (0.75)
    assert best.dimensions == ("country_code", "policy")
    top = best.drivers[0]
    assert top.dimensions == {"country_code": "DE", "policy": "counterfeit"}
    assert top.contribution == pytest.approx(0.1) and top.rate_effect == pytest.approx(0.1)
    assert top.significant and top.value == pytest.approx(0.6) and top.previous == pytest.approx(0.2)
    assert not any(d.significant for d in best.drivers[1:])
    assert result.rate_effect == pytest.approx(0.1) and result.mix_effect == pytest.approx(0.0, abs=EXACT)
    for explanation in result.explanations:  # every breakdown adds up to the observed change
        assert sum(d.contribution for d in explanation.drivers) == pytest.approx(0.1, abs=1e-9)


def test_small_segments_are_never_significant_nor_ranked_first() -> None:
    # a tiny cell jumps 0/2 -> 2/2 (+0.25 pp of the total), the large DE x counterfeit moves +10 pp
    table = _table()
    tiny = pl.DataFrame({"country_code": ["IE"], "policy": ["spam"], "overturned": [0], "decided": [2]})
    grown = tiny.with_columns(overturned=pl.lit(2, dtype=pl.Int64))
    result = analyse(OVERTURN, ComponentTable(table.dimensions, pl.concat([table.current, grown]),
                                              pl.concat([table.previous, tiny])))
    drivers = result.explanations[0].drivers
    ie = [d for d in drivers if d.dimensions.get("country_code") == "IE"]
    assert ie and ie[0].small and not ie[0].significant
    assert drivers[-1].small and not drivers[0].small


# ---- significance tests --------------------------------------------------------------------------


def test_proportion_test_by_hand() -> None:
    # 50/100 vs 60/100: pooled 0.55, se = sqrt(0.55 * 0.45 * 0.02) = 0.070356, z = 1.4213, p = 0.1552
    assert proportion_test(50, 100, 60, 100) == pytest.approx(0.1552, abs=1e-4)
    assert proportion_test(1, 0, 1, 5) is None


def test_exact_binomial_and_poisson() -> None:
    # 0 of 5 with p = 1/2: the outcomes as unlikely as 0 are 0 and 5 -> 2/32
    assert binomial_two_sided(0, 5, 0.5) == pytest.approx(0.0625)
    assert poisson_test(10, 10) == pytest.approx(1.0)
    assert poisson_test(100, 160) < 0.001 < poisson_test(100, 110)  # type: ignore[operator]


def test_mean_test_by_hand() -> None:
    # values 1,2,3,4 (sum 10, squares 30, variance 5/3) vs 3,4,5,6 (sum 18, squares 86, variance 5/3)
    # difference 2, se = sqrt(5/12 + 5/12) = 0.91287, z = 2.19089, p = 0.02846
    assert mean_test(10, 4, 30, 18, 4, 86) == pytest.approx(0.02846, abs=1e-5)
    assert mean_test(1, 1, 1, 2, 2, 2) is None


def test_bucket_test_sees_a_moved_median_only() -> None:
    same = bucket_quantile_test(_hist(b9=100, b12=100), _hist(b9=100, b12=100), 0.5)
    moved = bucket_quantile_test(_hist(b9=150, b12=50), _hist(b9=50, b12=150), 0.5)
    assert same == pytest.approx(1.0) and moved is not None and moved < 1e-6


def test_benjamini_hochberg_by_hand() -> None:
    # sorted 0.01, 0.03, 0.04, 0.5 (m = 4): 0.5 * 4/4 = 0.5; 0.04 * 4/3 = 0.0533; 0.03 * 4/2 = 0.06 -> 0.0533
    # (step-up minimum); 0.01 * 4/1 = 0.04. None is not a hypothesis and stays None.
    adjusted = benjamini_hochberg([0.01, 0.04, None, 0.03, 0.5])
    assert adjusted[2] is None
    assert [adjusted[i] for i in (0, 1, 3, 4)] == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert math.isclose(max(a for a in adjusted if a is not None), 0.5)
