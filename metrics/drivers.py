"""Driver analysis: what moved a metric between the comparison period and the period, and why.

The database returns additive components per segment (`metrics.driver_sources`: one GROUP BY at
the finest grain of a domain's dimensions per period, through the domains' own specs); every
dimension and pair of dimensions is a sum of those rows in Polars, so the segments of any
breakdown add up exactly to the total.

Counts and sums (appeals submitted, violations, open P0s, GMV at risk)
    The total is the sum of its segments, so a segment's contribution is its own change
    c1_i - c0_i, and the contributions add up to the total change.

Ratios (overturn rate, adherence, QA accuracy, shares, AHT, cost per case, ...)
    R = N / D = sum_i w_i r_i, with w_i = d_i / D (the segment's share of the denominator) and
    r_i = n_i / d_i (its own ratio). For each segment, exactly,

        w1 r1 - w0 r0 = (w0 + w1)/2 * (r1 - r0)  +  (w1 - w0) * (r0 + r1)/2
                        '---- rate effect ----'     '------ mix effect -----'

    (expand the right side: w0 r1/2 - w0 r0/2 + w1 r1/2 - w1 r0/2 + w1 r0/2 + w1 r1/2 - w0 r0/2
    - w0 r1/2 = w1 r1 - w0 r0). The split is symmetric: swapping the periods negates both effects,
    unlike a Laspeyres split that weights one period. Summed over segments the left side is
    R1 - R0. Because sum_i (w1_i - w0_i) = 0, any constant may be subtracted from the mix weight
    (r0 + r1)/2 without changing the total; we subtract Rbar = (R0 + R1)/2, so that volume moving
    into a segment whose ratio is above the overall level counts as raising the total:

        rate_i = (w0_i + w1_i)/2 * (r1_i - r0_i)
        mix_i  = (w1_i - w0_i) * ((r0_i + r1_i)/2 - Rbar)
        sum_i (rate_i + mix_i) = R1 - R0   (exact; float error ~1e-16, tested to 1e-9)

    A segment that appears (d0 = 0) has no previous ratio: r0 := r1, so its rate effect is 0 and
    its whole contribution w1 (r1 - Rbar) is mix. A segment that vanishes (d1 = 0) likewise gets
    r1 := r0. A segment empty in both periods contributes nothing. When a whole period has a zero
    denominator the metric is undefined (None) and there is nothing to decompose. A `scale`
    multiplies ratios (violations per 1,000 creators, cases per handling hour).

Percentiles (TAT P50 / P90, from the fixed histogram buckets)
    A percentile is not a sum, so no split of it is additive. A segment's contribution is the
    change in the overall percentile that its own change caused, holding the rest at the period:
    P(H1) - P(H1 - h1_i + h0_i), where H1 is the period's histogram and h0_i, h1_i the segment's
    histograms ("what if this segment alone had stayed as it was"). The contributions need not add
    up to the change; the remainder is reported as an interaction term.

Noise. Each KPI and each segment gets the test fit for its kind (`metrics.driver_stats`): Poisson
for counts, two proportions for proportions, a Poisson rate for rates per exposure, Welch for
means, bucket-based for percentiles. A segment with less than MIN_VOLUME of volume (the ratio's
denominator, the count itself for counts) in both periods is marked small: it is never significant
and is listed after every segment that is not small. Multiple comparisons: Benjamini-Hochberg at a
false discovery rate ALPHA, over all the segments of all the breakdowns of one metric, and in the
review over all the KPIs tested.

Explanations. For every dimension of the metric's domain and every pair of them, the segments are
ranked by contribution. A breakdown's top segment is its largest contribution in the direction of
the change (among segments that are not small; among all when every one is small); `explained` is
the share of the change it explains, and the breakdown's score is that share minus the segment's
share of the volume (the mean of its shares in the two periods). The score prefers a segment that
explains much of the change with little of the volume, which is the finding a meeting can act on:
"DE x counterfeit explains 99 % of the rise with 1 % of the decided appeals" beats "sellers
explain 104 % with 55 %". The chosen breakdown is the best-scoring one (ties: fewer dimensions,
then the domain's dimension order), drilled down the way an analyst would: to a finer dimension
(region -> market, vendor -> vendor site) or a pair with one more dimension, as long as the finer
breakdown's top segment keeps DRILL_SHARE of the coarser one's contribution on less volume (Europe x counterfeit
-> DE x counterfeit when DE carries it; Meridian / Bogota is not split by queue when its rise is
spread over its queues). The chosen breakdown's segments are the reported drivers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Literal, Mapping, Sequence

import polars as pl

from metrics.base import histogram_columns, histogram_percentile
from metrics.driver_stats import (
    benjamini_hochberg,
    bucket_quantile_test,
    mean_test,
    poisson_rate_test,
    poisson_test,
    proportion_test,
)

Kind = Literal["count", "ratio", "percentile"]
Test = Literal["poisson", "proportion", "poisson_rate", "mean", "bucket", "none"]

ALPHA = 0.05
MIN_VOLUME = 30  # denominator (ratios, percentiles) or events (counts) in the larger period
MIN_COUNT_VOLUME = 10
MAX_DRIVERS = 10
DRILL_SHARE = 0.8
FINER: dict[str, str] = {"region": "country_code", "vendor": "vendor_site"}


@dataclass(frozen=True)
class DriverDef:
    """How one registered metric decomposes over segments of a component table."""

    metric_id: str
    table: str
    kind: Kind
    test: Test
    value: str  # count column, ratio numerator, or histogram name
    denominator: str | None = None
    scale: float = 1.0
    quantile: float | None = None
    mean_of: tuple[str, str, str] | None = None  # (sum, count, sum of squares) for the mean test
    volume_noun: str = "events"
    exclude: tuple[str, ...] = ()  # dimensions that make no sense for this metric

    def columns(self) -> list[str]:
        """The component columns this metric needs."""
        if self.kind == "percentile":
            return histogram_columns(self.value)
        cols = [self.value, *([self.denominator] if self.denominator else [])]
        cols += [c for c in (self.mean_of or ()) if c not in cols]
        return cols


@dataclass(frozen=True)
class ComponentTable:
    """Additive components per finest segment for both periods; `dimensions` are its key columns."""

    dimensions: tuple[str, ...]
    current: pl.DataFrame
    previous: pl.DataFrame
    pairs_excluded: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class Driver:
    dimensions: dict[str, str | None]
    contribution: float
    rate_effect: float | None
    mix_effect: float | None
    value: float | None
    previous: float | None
    volume: float
    previous_volume: float
    p_value: float | None = None
    small: bool = False
    significant: bool = False


@dataclass(frozen=True)
class Explanation:
    dimensions: tuple[str, ...]
    explained: float  # share of the change the top segments explain
    drivers: tuple[Driver, ...]


@dataclass(frozen=True)
class Totals:
    value: float | None
    previous: float | None
    volume: float
    previous_volume: float
    p_value: float | None

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class MetricDrivers:
    definition: DriverDef
    totals: Totals
    explanations: tuple[Explanation, ...] = field(default_factory=tuple)
    rate_effect: float | None = None  # totals over the chosen breakdown (ratios)
    mix_effect: float | None = None
    interaction: float | None = None  # percentiles: change not explained by one-at-a-time swaps

    @property
    def best(self) -> Explanation | None:
        return self.explanations[0] if self.explanations else None


# ---- decompositions (pure) -----------------------------------------------------------------------


def ratio_of(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return scale * numerator / denominator if denominator else None


def count_decomposition(c0: Sequence[float], c1: Sequence[float]) -> list[float]:
    """Each segment's own change: the contributions add up to the total change."""
    return [b - a for a, b in zip(c0, c1)]


def ratio_decomposition(
    n0: Sequence[float], d0: Sequence[float], n1: Sequence[float], d1: Sequence[float], scale: float = 1.0
) -> list[tuple[float, float]] | None:
    """Per segment (rate effect, mix effect) of the change of sum(n)/sum(d); None if a total is undefined.

    See the module docstring for the formula and its derivation.
    """
    total0, total1 = sum(d0), sum(d1)
    if total0 <= 0 or total1 <= 0:
        return None
    level = (sum(n0) / total0 + sum(n1) / total1) / 2
    effects: list[tuple[float, float]] = []
    for a_n, a_d, b_n, b_d in zip(n0, d0, n1, d1):
        if a_d <= 0 and b_d <= 0:
            effects.append((0.0, 0.0))
            continue
        r1 = b_n / b_d if b_d > 0 else a_n / a_d
        r0 = a_n / a_d if a_d > 0 else r1
        w0, w1 = a_d / total0, b_d / total1
        rate = (w0 + w1) / 2 * (r1 - r0)
        mix = (w1 - w0) * ((r0 + r1) / 2 - level)
        effects.append((scale * rate, scale * mix))
    return effects


def percentile_decomposition(
    h0: Sequence[Sequence[float]], h1: Sequence[Sequence[float]], quantile: float
) -> tuple[list[float], float | None, float | None]:
    """Per segment P(H1) - P(H1 - h1_i + h0_i); with the totals' P(H0) and P(H1)."""
    total0 = [sum(col) for col in zip(*h0)] if h0 else []
    total1 = [sum(col) for col in zip(*h1)] if h1 else []
    p0 = histogram_percentile(total0, quantile) if total0 else None
    p1 = histogram_percentile(total1, quantile) if total1 else None
    contributions: list[float] = []
    for seg0, seg1 in zip(h0, h1):
        swapped = [t - b + a for t, a, b in zip(total1, seg0, seg1)]
        p_swapped = histogram_percentile(swapped, quantile)
        if p1 is None or p_swapped is None:
            contributions.append(0.0)
        else:
            contributions.append(p1 - p_swapped)
    return contributions, p0, p1


# ---- segments ------------------------------------------------------------------------------------


def rollup(frame: pl.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> pl.DataFrame:
    """Sum the component columns per key combination (one total row without keys)."""
    if not keys:
        return frame.select(pl.col(list(columns)).sum())
    return frame.group_by(list(keys)).agg(pl.col(list(columns)).sum())


Frames = dict[tuple[int, tuple[str, ...]], pl.DataFrame]  # one review's segment frames, per table and keys


def segment_frame(
    table: ComponentTable, keys: Sequence[str], columns: Sequence[str], frames: Frames | None = None
) -> pl.DataFrame:
    """Per segment of `keys`: columns `<c>_0` (comparison) and `<c>_1` (period), zero where absent.

    With `frames` (a dict owned by one review), every measure of the table is summed once per
    breakdown and shared by all the metrics of that table.
    """
    if frames is not None:
        cache_key = (id(table), tuple(keys))
        if cache_key not in frames:
            measures = [c for c, t in table.current.schema.items() if c not in table.dimensions and t.is_numeric()]
            frames[cache_key] = _segment_frame(table, keys, measures)
        return frames[cache_key]
    return _segment_frame(table, keys, columns)


def _segment_frame(table: ComponentTable, keys: Sequence[str], columns: Sequence[str]) -> pl.DataFrame:
    previous = rollup(table.previous, keys, columns).rename({c: f"{c}_0" for c in columns})
    current = rollup(table.current, keys, columns).rename({c: f"{c}_1" for c in columns})
    if keys:
        joined = previous.join(current, on=list(keys), how="full", coalesce=True, nulls_equal=True)
    else:
        joined = pl.concat([previous, current], how="horizontal")
    measures = [c for c in joined.columns if c not in keys]
    filled = joined.with_columns(pl.col(measures).fill_null(0).cast(pl.Float64))
    return filled.sort([pl.col(k).cast(pl.String) for k in keys], nulls_last=True) if keys else filled


def _mean_p(definition: DriverDef, row: Mapping[str, float]) -> float | None:
    s, c, q = definition.mean_of  # type: ignore[misc]
    return mean_test(row[f"{s}_0"], row[f"{c}_0"], row[f"{q}_0"], row[f"{s}_1"], row[f"{c}_1"], row[f"{q}_1"])


def _share_p(definition: DriverDef, row: Mapping[str, float], rows: Sequence[Mapping[str, float]]) -> float | None:
    """Did the segment's share of the volume move? Shares of items: a mean's count, else the denominator.

    (Cases per handling hour has handling seconds as its denominator, which are not trials.)
    """
    items = definition.mean_of[1] if definition.mean_of else definition.denominator
    total0 = sum(r[f"{items}_0"] for r in rows)
    total1 = sum(r[f"{items}_1"] for r in rows)
    return proportion_test(row[f"{items}_0"], total0, row[f"{items}_1"], total1)


def _ratio_p(definition: DriverDef, row: Mapping[str, float], rate: float, mix: float) -> float | None:
    """The segment's own rate change when it dominates, else its share of the denominator."""
    n, d = definition.value, definition.denominator
    assert d is not None
    if abs(mix) > abs(rate):
        return row.get("_share_p")
    if definition.test == "mean":
        return _mean_p(definition, row)
    if definition.test == "poisson_rate":
        return poisson_rate_test(row[f"{n}_0"], row[f"{d}_0"], row[f"{n}_1"], row[f"{d}_1"])
    if definition.test == "proportion":
        return proportion_test(row[f"{n}_0"], row[f"{d}_0"], row[f"{n}_1"], row[f"{d}_1"])
    return None


def total_test(definition: DriverDef, row: Mapping[str, float]) -> float | None:
    """The KPI-level test for the totals row of `segment_frame(table, (), columns)`."""
    if definition.test == "none":
        return None
    if definition.kind == "count" or definition.test == "poisson":
        return poisson_test(row[f"{definition.value}_0"], row[f"{definition.value}_1"])
    if definition.kind == "percentile":
        cols = histogram_columns(definition.value)
        return bucket_quantile_test([row[f"{c}_0"] for c in cols], [row[f"{c}_1"] for c in cols],
                                    definition.quantile or 0.5)
    if definition.test == "mean":
        return _mean_p(definition, row)
    return _ratio_p(definition, row, 1.0, 0.0)


def totals(definition: DriverDef, table: ComponentTable, frames: Frames | None = None) -> Totals:
    """The metric's value in both periods, its volume and its KPI-level p-value."""
    row = segment_frame(table, (), definition.columns(), frames).row(0, named=True)
    if definition.kind == "count":
        v0, v1 = row[f"{definition.value}_0"], row[f"{definition.value}_1"]
        return Totals(v1, v0, v1, v0, total_test(definition, row))
    if definition.kind == "percentile":
        cols = histogram_columns(definition.value)
        h0, h1 = [row[f"{c}_0"] for c in cols], [row[f"{c}_1"] for c in cols]
        q = definition.quantile or 0.5
        return Totals(histogram_percentile(h1, q), histogram_percentile(h0, q), sum(h1), sum(h0),
                      total_test(definition, row))
    n, d = definition.value, definition.denominator
    assert d is not None
    return Totals(
        ratio_of(row[f"{n}_1"], row[f"{d}_1"], definition.scale),
        ratio_of(row[f"{n}_0"], row[f"{d}_0"], definition.scale),
        row[f"{d}_1"], row[f"{d}_0"], total_test(definition, row),
    )


def segment_drivers(
    definition: DriverDef, table: ComponentTable, keys: Sequence[str], frames: Frames | None = None
) -> list[Driver]:
    """Every segment of the breakdown `keys` with its contribution and unadjusted p-value."""
    frame = segment_frame(table, keys, definition.columns(), frames)
    rows = frame.to_dicts()
    labels = [{k: (None if r[k] is None else str(r[k])) for k in keys} for r in rows]
    if definition.kind == "count":
        c = definition.value
        changes = count_decomposition([r[f"{c}_0"] for r in rows], [r[f"{c}_1"] for r in rows])
        return [
            Driver(label, change, None, None, r[f"{c}_1"], r[f"{c}_0"], r[f"{c}_1"], r[f"{c}_0"],
                   None if definition.test == "none" else poisson_test(r[f"{c}_0"], r[f"{c}_1"]),
                   small=max(r[f"{c}_0"], r[f"{c}_1"]) < MIN_COUNT_VOLUME)
            for label, change, r in zip(labels, changes, rows)
        ]
    if definition.kind == "percentile":
        cols = histogram_columns(definition.value)
        q = definition.quantile or 0.5
        h0 = [[r[f"{col}_0"] for col in cols] for r in rows]
        h1 = [[r[f"{col}_1"] for col in cols] for r in rows]
        contributions, _, _ = percentile_decomposition(h0, h1, q)
        return [
            Driver(label, contribution, None, None, histogram_percentile(b, q), histogram_percentile(a, q),
                   sum(b), sum(a), bucket_quantile_test(a, b, q), small=max(sum(a), sum(b)) < MIN_VOLUME)
            for label, contribution, a, b in zip(labels, contributions, h0, h1)
        ]
    n, d = definition.value, definition.denominator
    assert d is not None
    effects = ratio_decomposition(
        [r[f"{n}_0"] for r in rows], [r[f"{d}_0"] for r in rows],
        [r[f"{n}_1"] for r in rows], [r[f"{d}_1"] for r in rows], definition.scale,
    )
    if effects is None:
        return []
    drivers = []
    for label, (rate, mix), r in zip(labels, effects, rows):
        share_p = _share_p(definition, r, rows)
        drivers.append(Driver(
            label, rate + mix, rate, mix,
            ratio_of(r[f"{n}_1"], r[f"{d}_1"], definition.scale), ratio_of(r[f"{n}_0"], r[f"{d}_0"], definition.scale),
            r[f"{d}_1"], r[f"{d}_0"], _ratio_p(definition, {**r, "_share_p": share_p}, rate, mix),
            small=max(r[f"{d}_0"], r[f"{d}_1"]) < MIN_VOLUME,
        ))
    return drivers


def ordered(drivers: Sequence[Driver]) -> list[Driver]:
    """Segments that are not small first, each group by |contribution|, largest first."""
    return sorted(drivers, key=lambda d: (d.small, -abs(d.contribution), str(sorted(d.dimensions.items()))))


def top_segment(drivers: Sequence[Driver], change: float | None) -> Driver | None:
    """The largest contribution in the direction of `change`; small segments only as a last resort."""
    if not change or not drivers:
        return None
    candidates = [d for d in drivers if not d.small] or list(drivers)
    return max(candidates, key=lambda d: d.contribution * math.copysign(1, change))


def volume_share(driver: Driver, drivers: Sequence[Driver]) -> float:
    """The segment's share of the volume, averaged over the two periods (periods without volume skipped)."""
    totals_ = (sum(d.previous_volume for d in drivers), sum(d.volume for d in drivers))
    shares = [v / t for v, t in zip((driver.previous_volume, driver.volume), totals_) if t > 0]
    return sum(shares) / len(shares) if shares else 0.0


def explained_share(drivers: Sequence[Driver], change: float | None) -> float:
    """Share of `change` that the breakdown's top segment explains."""
    top = top_segment(drivers, change)
    return top.contribution / change if top is not None and change else 0.0


def breakdown_score(drivers: Sequence[Driver], change: float | None) -> float:
    """Explained share of the top segment minus its share of the volume."""
    top = top_segment(drivers, change)
    return 0.0 if top is None else explained_share(drivers, change) - volume_share(top, drivers)


def refinements(keys: tuple[str, ...], available: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Breakdowns one step finer than `keys`: a finer dimension in its place, or one more dimension."""
    finer = [tuple(FINER.get(k, k) if k == key else k for k in keys) for key in keys if key in FINER]
    wider = [k for k in available if len(k) == len(keys) + 1 and set(keys) <= set(k)]
    found = [k if k in available else tuple(reversed(k)) for k in finer]
    found = [k for k in found if k in available]
    return [k for k in dict.fromkeys((*found, *wider)) if k != keys]


def _size(driver: Driver) -> float:
    return driver.volume + driver.previous_volume


def drill_down(
    chosen: tuple[str, ...], groups: Mapping[tuple[str, ...], Sequence[Driver]], scores: Mapping[tuple[str, ...], float],
    change: float | None,
) -> tuple[str, ...]:
    """Refine `chosen` while a finer breakdown's top segment keeps DRILL_SHARE of its top contribution."""
    available = list(groups)
    while True:
        top = top_segment(groups[chosen], change)
        if top is None:
            return chosen
        needed = DRILL_SHARE * abs(top.contribution)
        kept = []
        for keys in refinements(chosen, available):
            finer_top = top_segment(groups[keys], change)
            if finer_top is not None and abs(finer_top.contribution) >= needed \
                    and finer_top.contribution * top.contribution > 0 \
                    and _size(finer_top) < _size(top):  # the same rows under more names are no finding
                kept.append(keys)
        if not kept:
            return chosen
        chosen = max(kept, key=lambda k: (scores[k], -available.index(k)))


def breakdowns(table: ComponentTable, definition: DriverDef) -> list[tuple[str, ...]]:
    """Every dimension of the table, then every pair that is not redundant."""
    singles = [d for d in table.dimensions if d not in definition.exclude]
    pairs = [
        pair for pair in itertools.combinations(singles, 2)
        if frozenset(pair) not in table.pairs_excluded
    ]
    return [(d,) for d in singles] + pairs


def with_significance(groups: Sequence[Sequence[Driver]], alpha: float = ALPHA) -> list[list[Driver]]:
    """Benjamini-Hochberg over every segment of every breakdown; small segments are never significant."""
    flat = [d for group in groups for d in group]
    adjusted = iter(benjamini_hochberg([None if d.small else d.p_value for d in flat]))
    result: list[list[Driver]] = []
    for group in groups:
        marked = []
        for d in group:
            q = next(adjusted)
            marked.append(Driver(**{**d.__dict__, "significant": q is not None and q <= alpha}))
        result.append(marked)
    return result


def analyse(
    definition: DriverDef, table: ComponentTable, keep: int = MAX_DRIVERS, frames: Frames | None = None
) -> MetricDrivers:
    """Totals, then every breakdown ranked by how much of the change its top segments explain."""
    total = totals(definition, table, frames)
    keysets = breakdowns(table, definition)
    groups = with_significance([segment_drivers(definition, table, keys, frames) for keys in keysets])
    change = total.delta
    scores = {keys: breakdown_score(group, change) for keys, group in zip(keysets, groups)}
    order = sorted(keysets, key=lambda k: (-round(scores[k], 12), len(k), keysets.index(k)))
    if order:
        chosen = drill_down(order[0], dict(zip(keysets, groups)), scores, change)
        order = [chosen, *(k for k in order if k != chosen)]
    preferred = [(k, explained_share(groups[keysets.index(k)], change), groups[keysets.index(k)]) for k in order]
    explanations = tuple(Explanation(k, s, tuple(ordered(g)[:keep])) for k, s, g in preferred)
    rate = mix = interaction = None
    if explanations and definition.kind == "ratio":
        full = groups[keysets.index(preferred[0][0])]
        rate = sum(d.rate_effect or 0.0 for d in full)
        mix = sum(d.mix_effect or 0.0 for d in full)
    if explanations and definition.kind == "percentile" and change is not None:
        full = groups[keysets.index(preferred[0][0])]
        interaction = change - sum(d.contribution for d in full)
    return MetricDrivers(definition, total, explanations, rate, mix, interaction)
