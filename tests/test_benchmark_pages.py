"""The benchmark's page call lists (benchmarks/pages.py) run on the small demo: a refactor of the metric
modules cannot leave the benchmarks calling functions that moved or no longer exist."""

from __future__ import annotations

import pytest

from benchmarks.pages import PAGES
from metrics.review import last_complete_week
from connectors.source import ScopedAccess
from metrics.base import MetricRequest
from metrics.targets import Settings


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_benchmarked_page_runs(small_demo: ScopedAccess, page: str) -> None:
    as_of = small_demo.source.latest_event_time()
    assert as_of is not None
    counted = CountingAccess(small_demo)
    PAGES[page](counted, MetricRequest(last_complete_week(as_of.date())), Settings())
    assert counted.calls > 0  # the page reached the database


class CountingAccess:
    """A DataAccess that counts the queries a page makes."""

    def __init__(self, inner: ScopedAccess) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        method = getattr(self.inner, name)

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.calls += 1
            return method(*args, **kwargs)

        return counted
