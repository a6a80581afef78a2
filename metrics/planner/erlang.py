"""Erlang C: agents needed so that a share of work items waits at most a target time.

A maintained library was considered: pyworkforce (0.5.x) computes the same formula but pulls in
OR-Tools, pandas and joblib for it, and erlangccmath depends on an HTTP client. The formula is a
few lines, so it lives here with a test against a published worked example (tests/test_planner_erlang.py).

Erlang B is computed by its stable recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)), which
never forms A^N / N! (overflows past ~170 agents); Erlang C follows from it:
C(N, A) = N B / (N - A (1 - B)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 100_000


@dataclass(frozen=True)
class Staffing:
    """The smallest number of agents meeting a service level, and what they achieve."""

    agents: int
    traffic_erlangs: float
    wait_probability: float
    service_level: float
    occupancy: float


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that an arriving item waits, with `agents` servers and `traffic` Erlangs."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0  # overloaded: the queue grows without bound
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def service_level(agents: int, traffic: float, handle_time: float, answer_within: float) -> float:
    """Share of items whose wait is at most `answer_within` (same time unit as `handle_time`)."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waits = erlang_c(agents, traffic)
    return max(0.0, 1.0 - waits * math.exp(-(agents - traffic) * answer_within / handle_time))


def required_agents(
    arrivals_per_hour: float,
    handle_hours: float,
    answer_within_hours: float,
    target_service_level: float,
    max_occupancy: float = 1.0,
) -> Staffing:
    """The fewest agents with service level >= target and occupancy <= max_occupancy.

    No arrivals need no agents. ValueError for a target outside (0, 1) or a non-positive time.
    """
    if not 0.0 < target_service_level < 1.0:
        raise ValueError(f"service level target must be between 0 and 1, got {target_service_level}")
    if handle_hours <= 0 or answer_within_hours < 0:
        raise ValueError("handle time must be positive and the answer time not negative")
    if not 0.0 < max_occupancy <= 1.0:
        raise ValueError(f"maximum occupancy must be in (0, 1], got {max_occupancy}")
    traffic = arrivals_per_hour * handle_hours
    if traffic <= 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0)
    agents = max(1, math.floor(traffic) + 1)
    while agents <= MAX_AGENTS:
        level = service_level(agents, traffic, handle_hours, answer_within_hours)
        if level >= target_service_level and traffic / agents <= max_occupancy:
            return Staffing(agents, traffic, erlang_c(agents, traffic), level, traffic / agents)
        agents += 1
    raise ValueError(f"more than {MAX_AGENTS} agents needed for {traffic:.0f} Erlangs")
