"""Evaluation periods: the last complete day or week in a rule's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from metrics.base import Period
from metrics.review import last_complete_week


def local_today(now: dt.datetime, timezone: str) -> dt.date:
    """The calendar day at `now` (naive = UTC) in the time zone."""
    aware = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return aware.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def last_complete(period: str, timezone: str, now: dt.datetime) -> Period:
    """The last complete day, or Monday-Sunday week, before today in the time zone."""
    yesterday = local_today(now, timezone) - dt.timedelta(days=1)
    return Period(yesterday, yesterday) if period == "day" else last_complete_week(yesterday)


def period_key(kind: str, period: Period) -> str:
    return f"{kind}:{period.start.isoformat()}"


def parse_now(text: str | None) -> dt.datetime:
    """--now as naive UTC; an ISO time with an offset is converted, one without is taken as UTC."""
    if not text:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise ValueError(f"--now '{text}' is not an ISO time like 2026-11-30T07:00:00+08:00") from error
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
