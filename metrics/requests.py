"""Turn raw user input (CLI flags, URL parameters, widgets) into a validated MetricRequest.

Bad input gets a clear message and changes nothing: malformed dates, reversed ranges, unknown
markets, SQL-looking strings. Validation happens before any query runs.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterable

from metrics.base import MetricRequest, Period

COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
FILTER_VALUE = re.compile(r"^[A-Za-z0-9_ ./&()-]{1,64}$")
MAX_PERIOD_DAYS = 731


class InvalidRequest(ValueError):
    """The request cannot be served; the message says why and what to change."""


def parse_day(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidRequest(f"{what} '{text}' is not a date in YYYY-MM-DD form") from error


def parse_period(start: str | dt.date, end: str | dt.date) -> Period:
    first = start if isinstance(start, dt.date) else parse_day(start, "start date")
    last = end if isinstance(end, dt.date) else parse_day(end, "end date")
    if last < first:
        raise InvalidRequest(f"the end date {last} is before the start date {first}; swap them")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidRequest(f"a period may span at most {MAX_PERIOD_DAYS} days")
    return Period(first, last)


def split_list(text: str | None) -> tuple[str, ...] | None:
    if text is None or not text.strip():
        return None
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def validate_countries(codes: Iterable[str] | None, known: Iterable[str]) -> tuple[str, ...] | None:
    """Upper-cased ISO codes, each a market the source knows; None means all markets."""
    if codes is None:
        return None
    cleaned = tuple(dict.fromkeys(code.strip().upper() for code in codes))
    malformed = [code for code in cleaned if not COUNTRY_CODE.match(code)]
    if malformed:
        raise InvalidRequest(f"not a two-letter market code: {', '.join(repr(c) for c in malformed)}")
    unknown = sorted(set(cleaned) - set(known))
    if unknown:
        raise InvalidRequest(f"unknown market(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return cleaned


def validate_values(name: str, values: Iterable[str] | None) -> tuple[str, ...] | None:
    """Domain filter values: short, plain identifiers; anything else is refused before querying."""
    if values is None:
        return None
    cleaned = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    bad = [v for v in cleaned if not FILTER_VALUE.match(v)]
    if bad:
        raise InvalidRequest(f"invalid {name} value(s): {', '.join(repr(v) for v in bad)}")
    return cleaned or None


def build_request(
    start: str | dt.date,
    end: str | dt.date,
    countries: Iterable[str] | None,
    known_countries: Iterable[str],
    **domain_filters: Iterable[str] | None,
) -> MetricRequest:
    return MetricRequest(
        period=parse_period(start, end),
        countries=validate_countries(countries, known_countries),
        **{name: validate_values(name, values) for name, values in domain_filters.items()},
    )
