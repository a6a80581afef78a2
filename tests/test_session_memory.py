"""A session's memory of last good results (served while the source is down) stays bounded."""

from __future__ import annotations

import datetime as dt

import polars as pl

from data import LastGoodResults

AS_OF = dt.datetime(2026, 11, 15, 12, 0)


def entry(value: int) -> tuple[dt.datetime, pl.DataFrame]:
    return AS_OF, pl.DataFrame({"value": [value]})


def test_oldest_unused_result_is_dropped_beyond_the_limit() -> None:
    memory = LastGoodResults(limit=3)
    for key in ("a", "b", "c"):
        memory[key] = entry(ord(key))
    assert memory["a"][1]["value"].item() == 97  # reading "a" makes "b" the least recently used
    memory["d"] = entry(100)
    assert list(memory) == ["c", "a", "d"]
    assert "b" not in memory and len(memory) == 3


def test_a_long_session_never_holds_more_than_the_limit() -> None:
    memory = LastGoodResults(limit=50)
    for n in range(1000):  # 1000 distinct filter combinations
        memory[("aggregate", n)] = entry(n)
    assert len(memory) == 50
    assert min(key[1] for key in memory) == 950  # the 50 most recent remain
