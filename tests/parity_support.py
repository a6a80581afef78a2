"""Comparing results across backends."""

from __future__ import annotations

import math
from typing import Any

# Spark sums doubles in parallel, in an order that depends on its partitions, so a float may differ
# from DuckDB's in the last few bits; 1e-9 relative is far below any displayed digit, and every
# other value (counts, strings, dates, nulls, structure) must be equal.
REL_TOLERANCE = 1e-9


def assert_json_close(actual: Any, expected: Any, path: str = "$") -> None:
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        assert math.isclose(actual, expected, rel_tol=REL_TOLERANCE, abs_tol=1e-12), f"{path}: {actual} != {expected}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{path}: keys differ"
        for key in expected:
            assert_json_close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: lengths differ"
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_json_close(a, e, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
