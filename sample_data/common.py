"""Shared helpers of the generators: the time window, random streams, vectorised sampling and
conversion of integer-coded numpy arrays into contract-typed Polars frames."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl
import pyarrow as pa

from connectors.contract import polars_schema
from sample_data.reference import DIURNAL

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3_600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR
EPOCH = dt.date(1970, 1, 1)
PHI = (5**0.5 - 1) / 2  # golden-ratio step of the low-discrepancy sequences
SQRT2_STEP = 2**0.5 - 1  # a second, unrelated step


@dataclass(frozen=True)
class Window:
    """The `days` calendar days ending on `end` inclusive. Day index 0 is the first day."""

    end: dt.date
    days: int

    @property
    def start(self) -> dt.date:
        return self.end - dt.timedelta(days=self.days - 1)

    @property
    def start_us(self) -> int:
        return (self.start - EPOCH).days * US_PER_DAY

    @property
    def end_us(self) -> int:
        """The last representable instant of the window: end 23:59:59.999999."""
        return (self.end - EPOCH).days * US_PER_DAY + US_PER_DAY - 1

    def day_index(self, days_before_end: int) -> int:
        """Index of the day `days_before_end` days before end (0 = end itself)."""
        return self.days - 1 - days_before_end

    def day_start_us(self, day: np.ndarray | int) -> np.ndarray | int:
        return self.start_us + np.asarray(day, dtype=np.int64) * US_PER_DAY

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    @cached_property
    def weekday(self) -> np.ndarray:
        """Monday=0 .. Sunday=6 for each day index."""
        return (self.start.weekday() + np.arange(self.days)) % 7

    @cached_property
    def growth(self) -> np.ndarray:
        """Slow growth: +0.1 % a day, anchored so the last day is 1.1x the base volume."""
        return 1.1 * np.exp(-0.001 * (self.days - 1 - np.arange(self.days)))

    @cached_property
    def frac(self) -> np.ndarray:
        """Position of each day in the window, 0.0 on the first day to 1.0 on the last."""
        return np.arange(self.days) / max(self.days - 1, 1)


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent random stream per table, so one table's draws never shift another's."""
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode())])


def choose(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray | None = None,
           size: int | None = None) -> np.ndarray:
    """Categorical draws. `probs` is one distribution (needs `size`) or a matrix of distributions
    whose row `rows[i]` is used for draw i."""
    if probs.ndim == 1:
        cum = np.cumsum(probs / probs.sum())
        codes = np.searchsorted(cum, rng.random(size), side="right")
        return np.minimum(codes, len(cum) - 1)
    # Row r's cumulative distribution shifted to [r, r + 1]: one searchsorted over all rows,
    # without (rows x k) temporaries.
    n_dist, k = probs.shape
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(n_dist)[:, None]).ravel()
    rows = np.asarray(rows, dtype=np.int64)
    idx = np.searchsorted(flat, rows + rng.random(len(rows)), side="right")
    return np.minimum(idx - rows * k, k - 1)


def group_ranks(groups: np.ndarray, order_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort permutation by (group, order_key) and the rank of each row within its group."""
    order = np.lexsort((order_key, groups))
    g = groups[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    ranks = np.empty(len(g), dtype=np.int64)
    ranks[order] = np.arange(len(g)) - first
    return order, ranks


def low_discrepancy(rng: np.random.Generator, groups: np.ndarray, order_key: np.ndarray,
                    step: float = PHI) -> np.ndarray:
    """Uniforms in [0, 1) that are evenly spread within every contiguous run (in order_key order)
    of each group: the share of values below q in any run of n rows is q within ~2/n. Used so
    the planted stories and their baselines hold even at small scale without noisy swings."""
    _, ranks = group_ranks(groups, order_key)
    offsets = rng.random(int(groups.max()) + 1 if len(groups) else 1)
    return (offsets[groups] + ranks * step) % 1.0


def systematic_bernoulli(rng: np.random.Generator, p: np.ndarray, groups: np.ndarray,
                         order_key: np.ndarray) -> np.ndarray:
    """Bernoulli(p) draws whose running count in each group (in order_key order) stays within one
    of its expectation, so every time window of a group has the expected rate."""
    order, _ = group_ranks(groups, order_key)
    g = groups[order]
    cs = np.cumsum(p[order])
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    base = np.repeat(np.r_[0.0, cs[starts[1:] - 1]], np.diff(np.r_[starts, len(g)]))
    offset = rng.random(len(starts))[np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(g)]))]
    running = cs - base + offset
    hits = np.diff(np.floor(np.r_[0.0, running]))
    hits[starts] = np.floor(running[starts])
    out = np.empty(len(p), dtype=bool)
    out[order] = hits > 0
    return out


def time_of_day_us(rng: np.random.Generator, utc_offset_hours: np.ndarray) -> np.ndarray:
    """Microseconds after UTC midnight, following the local-time activity profile of each row's
    market (wrapped into the same UTC day)."""
    n = len(utc_offset_hours)
    hour = choose(rng, DIURNAL, size=n)
    local = hour * US_PER_HOUR + rng.integers(0, US_PER_HOUR, n)
    return (local - utc_offset_hours * US_PER_HOUR) % US_PER_DAY


def log_logistic(u: np.ndarray, median: np.ndarray | float, shape: float) -> np.ndarray:
    """Quantile function of the log-logistic distribution (heavy right tail, closed form)."""
    u = np.clip(u, 1e-4, 1 - 1e-4)
    return np.asarray(median) * (u / (1 - u)) ** (1 / shape)


def log_logistic_mean_factor(shape: float) -> float:
    """Mean / median of a log-logistic distribution with this shape (> 1)."""
    b = np.pi / shape
    return float(b / np.sin(b))


def lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float,
              size: int) -> np.ndarray:
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))


def str_col(labels: tuple[str, ...], codes: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    """Strings from integer codes into `labels`; rows where `null` is true become null."""
    idx = pa.array(np.asarray(codes, dtype=np.int64), mask=null)
    return pl.Series(list(labels), dtype=pl.String).gather(pl.from_arrow(idx))


def ts_col(us: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    """Timestamps (naive UTC, microseconds) from epoch microseconds."""
    return pl.from_arrow(pa.array(np.asarray(us, dtype=np.int64), type=pa.timestamp("us"), mask=null))


def num_col(values: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    return pl.from_arrow(pa.array(np.asarray(values), mask=null))


def to_frame(table: str, columns: dict[str, pl.Series | np.ndarray | list]) -> pl.DataFrame:
    """A frame with exactly the contract columns, order and dtypes of `table`."""
    schema = polars_schema(table)
    if set(columns) != set(schema):
        raise ValueError(f"{table}: columns {sorted(columns)} differ from contract {sorted(schema)}")
    series = []
    for name, dtype in schema.items():
        value = columns[name]
        s = value if isinstance(value, pl.Series) else pl.Series(values=value)
        series.append(s.alias(name).cast(dtype))
    return pl.DataFrame(series)
