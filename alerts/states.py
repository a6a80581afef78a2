"""The alert state machine, after Grafana's: OK, pending, firing, no data, error.

A met condition makes a rule pending; `for_evaluations` met conditions in a row make it firing.
A notification goes out when it starts firing (and, while it keeps firing, again once the cooldown
has passed since the last one); a firing rule that recovers sends one "resolved". The cooldown
also holds back a new firing notification that follows a recent one (a flapping rule).
No data (the metric has no value for the period) and error (the evaluation failed) are states of
their own: they neither fire nor resolve, and they are shown on the Alerts page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

State = Literal["ok", "pending", "firing", "no_data", "error"]
Outcome = Literal["met", "not_met", "no_data", "error"]
Event = Literal["firing", "reminder", "resolved"]
STATE_LABELS: dict[str, str] = {"ok": "OK", "pending": "Pending", "firing": "Firing", "no_data": "No data",
                                "error": "Error"}


@dataclass(frozen=True)
class Status:
    state: State
    consecutive: int  # evaluations in a row with the condition met
    since: dt.datetime
    last_notified_at: dt.datetime | None


@dataclass(frozen=True)
class Transition:
    status: Status
    notify: Event | None


def _cooled(last: dt.datetime | None, now: dt.datetime, cooldown: dt.timedelta) -> bool:
    return last is None or now - last >= cooldown


def step(previous: Status | None, outcome: Outcome, for_evaluations: int, cooldown: dt.timedelta,
         now: dt.datetime) -> Transition:
    """The next status after one evaluation, and the notification it sends (if any)."""
    last_notified = previous.last_notified_at if previous else None
    was = previous.state if previous else None

    def status(state: State, consecutive: int, notified: bool = False) -> Status:
        since = previous.since if previous and previous.state == state else now
        return Status(state, consecutive, since, now if notified else last_notified)

    if outcome == "met":
        consecutive = (previous.consecutive if previous and was in ("pending", "firing", "error") else 0) + 1
        if consecutive < for_evaluations:
            return Transition(status("pending", consecutive), None)
        event: Event = "reminder" if was == "firing" else "firing"
        if _cooled(last_notified, now, cooldown):
            return Transition(status("firing", consecutive, notified=True), event)
        return Transition(status("firing", consecutive), None)
    if outcome == "not_met":
        # the cooldown counts from the last *firing* notification, so "resolved" does not postpone the next one
        return Transition(status("ok", 0), "resolved" if was == "firing" else None)
    if outcome == "no_data":
        return Transition(status("no_data", 0), None)
    # an error keeps the count: one failed query does not restart a pending rule
    return Transition(status("error", previous.consecutive if previous else 0), None)
