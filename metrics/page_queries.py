"""What a page asks of the source besides its metrics, and how its page filters narrow a request.

The app's pages, the CLI and the benchmarks call these same functions (no Streamlit here): the
options of a page filter, the vendor sites, the source's annotations, the chart grain, and the
request a set of chosen page filters gives.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

import polars as pl

from connectors.spec import AggregateSpec, Condition, Count, Dim, Eq
from metrics.base import DataAccess, Grain, MetricRequest
from metrics.vendors import SITE_SEPARATOR

Chosen = Mapping[str, tuple[str, ...] | None]  # page filter key -> the values picked (None: no filter)

FILTER_LABELS: dict[str, str] = {
    "policy": "Policy",
    "channel": "Channel",
    "vendor_site": "Vendor site",
    "priority": "Priority",
}
ANNOTATIONS_SPEC = AggregateSpec(
    "annotations", (Dim("day"), Dim("country_code"), Dim("domain"), Dim("text")), (Count("events"),)
)
VENDOR_SITES_SPEC = AggregateSpec("moderation_cases", (Dim("vendor"), Dim("site")), (Count("rows"),),
                                  where=(Eq("channel", "human"),))
WEEKLY_BEYOND_DAYS = 35  # a chart of a longer period shows one point per week


def grain_for(request: MetricRequest) -> Grain:
    """Daily points up to five weeks, weekly beyond."""
    return "day" if request.period.days <= WEEKLY_BEYOND_DAYS else "week"


def filter_options(data: DataAccess, table: str, column: str, where: tuple[Condition, ...] = ()) -> list[str]:
    """Distinct values of one column in the user's markets (a page filter's options)."""
    frame = data.aggregate(AggregateSpec(table, (Dim(column),), (Count("rows"),), where=where))
    return sorted(str(v) for v in frame[column].drop_nulls().to_list())


def vendor_site_options(data: DataAccess) -> list[str]:
    """'Vendor / Site' of every site with human-reviewed cases in the user's markets."""
    frame = data.aggregate(VENDOR_SITES_SPEC).drop_nulls(["vendor", "site"])
    return sorted(f"{v}{SITE_SEPARATOR}{s}" for v, s in frame.select("vendor", "site").iter_rows())


def source_annotations(data: DataAccess, request: MetricRequest) -> pl.DataFrame:
    """The source's annotations table in the request's markets (every day; callers pick the window)."""
    return data.aggregate(replace(ANNOTATIONS_SPEC, countries=request.countries))


def vendor_site_pairs(values: Sequence[str] | None) -> tuple[tuple[str, str], ...] | None:
    """('Atlas / Lisbon', ...) -> (('Atlas', 'Lisbon'), ...): the exact pairs (None when no filter)."""
    split = (value.split(SITE_SEPARATOR, 1) for value in values or () if SITE_SEPARATOR in value)
    pairs = tuple((vendor, site) for vendor, site in split)
    return pairs or None


def split_vendor_sites(values: Sequence[str] | None) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """('Atlas / Lisbon', ...) -> vendors, sites for MetricRequest (None when no filter)."""
    pairs = vendor_site_pairs(values) or ()
    vendors = tuple(dict.fromkeys(vendor for vendor, _ in pairs))
    sites = tuple(dict.fromkeys(site for _, site in pairs))
    return vendors or None, sites or None


def narrowed_request(request: MetricRequest, chosen: Chosen, keys: Sequence[str] | None = None) -> MetricRequest:
    """The request narrowed by the chosen page filters (only `keys` when given)."""
    use = {k: v for k, v in chosen.items() if keys is None or k in keys}
    narrowed: dict[str, tuple[Any, ...] | None] = {}
    if "policy" in use:
        narrowed["policies"] = use["policy"]
    if "channel" in use:
        narrowed["channels"] = use["channel"]
    if "priority" in use:
        narrowed["priorities"] = use["priority"]
    if "vendor_site" in use:
        narrowed["vendors"], narrowed["sites"] = split_vendor_sites(use["vendor_site"])
        narrowed["vendor_sites"] = vendor_site_pairs(use["vendor_site"])
    return replace(request, **narrowed)


def without(chosen: Chosen, key: str | None) -> dict[str, tuple[str, ...] | None]:
    """The chosen filters minus one (a breakdown by a filtered dimension still shows every key)."""
    return {k: v for k, v in chosen.items() if k != key}


def ignored_filters_text(chosen: Chosen, applied: Sequence[str] | None, why: str) -> str | None:
    """What an element says when active page filters do not apply to it (None when all apply)."""
    ignored = [FILTER_LABELS.get(k, k) for k, v in chosen.items() if v and applied is not None and k not in applied]
    if not ignored:
        return None
    names = " and ".join(ignored)
    return f"Not filtered by {names}: {why}"
