"""What a scenario says: volume moves between channels, target mixes per segment, and assumptions.

A scenario comes from a TOML file (cli.py plan), the planner page's URL or its editable table; all
three hand a plain dict to `parse_plan` / `parse_scenario`, so the rules and messages are the same.
A bad value raises ScenarioError naming the field (`scenario[1].move[2].share`); nothing is half-applied.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

CHANNELS: tuple[str, ...] = ("algo", "llm", "human")
MAX_SCENARIOS = 3
SHARE_TOLERANCE = 1e-6


class ScenarioError(ValueError):
    """A scenario that cannot be projected; the message names the field and what is wrong."""


@dataclass(frozen=True)
class Assumptions:
    """Overrides of measured rates and the staffing model's parameters (None = measured)."""

    llm_price_per_1k: float | None = None  # USD per 1,000 LLM decisions, replaces measured LLM cost
    llm_accuracy: float | None = None  # QA accuracy of the LLM in segments it has not handled yet
    shrinkage: float = 0.30  # share of paid time not available for work (leave, training, meetings)
    occupancy: float = 0.85  # share of available time spent handling items
    productive_hours_per_week: float = 40.0  # paid hours of one FTE per week
    capacity_headroom: float = 0.10  # contract capacity of a site = baseline FTE x (1 + headroom)
    short_sla_hours: float = 8.0  # queues with an SLA this short are staffed by Erlang C
    service_level: float = 0.90  # Erlang C: share of short-SLA items started within their SLA
    site_allocation: tuple[tuple[str, float], ...] | None = None  # ("Vendor / Site", share) of human volume
    site_capacity_fte: tuple[tuple[str, float], ...] = ()  # explicit contract capacities, FTE

    def as_dict(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["site_allocation"] = dict(self.site_allocation) if self.site_allocation else None
        values["site_capacity_fte"] = dict(self.site_capacity_fte)
        return values


@dataclass(frozen=True)
class Move:
    """Move `share` of the from-channel's volume to the to-channel, in the matching segments."""

    source: str
    target: str
    share: float
    policy: str | None = None  # None = every policy
    queue: str | None = None  # None = every queue


@dataclass(frozen=True)
class Mix:
    """Set one segment's channel shares outright (they sum to 1)."""

    policy: str | None
    queue: str | None
    algo: float
    llm: float
    human: float


@dataclass(frozen=True)
class Scenario:
    name: str
    moves: tuple[Move, ...] = ()
    mixes: tuple[Mix, ...] = ()
    assumptions: Assumptions = field(default_factory=Assumptions)


@dataclass(frozen=True)
class Plan:
    """A baseline period and up to MAX_SCENARIOS scenarios."""

    start: dt.date
    end: dt.date
    scenarios: tuple[Scenario, ...]
    assumptions: Assumptions = field(default_factory=Assumptions)


# ---- parsing -------------------------------------------------------------------------------------

SCENARIO_KEYS = {"name", "move", "mix", "assumptions"}
MOVE_KEYS = {"from", "to", "share", "policy", "queue"}
MIX_KEYS = {"policy", "queue", *CHANNELS}
RATIO_ASSUMPTIONS = {"llm_accuracy", "shrinkage", "occupancy", "service_level"}
POSITIVE_ASSUMPTIONS = {"productive_hours_per_week", "short_sla_hours"}


def parse_plan(raw: Mapping[str, Any]) -> Plan:
    """A Plan from the TOML shape documented in README.md (### Planning the moderation mix)."""
    _no_unknown(raw, {"baseline", "scenario", "assumptions"}, "the file")
    baseline = raw.get("baseline")
    if not isinstance(baseline, Mapping):
        raise ScenarioError("[baseline] is missing: give start and end (YYYY-MM-DD) of the measured period")
    start, end = _day(baseline, "start"), _day(baseline, "end")
    if end < start:
        raise ScenarioError(f"baseline.end {end} is before baseline.start {start}")
    defaults = parse_assumptions(raw.get("assumptions", {}), "assumptions")
    scenarios = raw.get("scenario", [])
    if not isinstance(scenarios, list) or not scenarios:
        raise ScenarioError("no [[scenario]] given: add at least one with a name and moves")
    if len(scenarios) > MAX_SCENARIOS:
        raise ScenarioError(f"scenario: at most {MAX_SCENARIOS} scenarios side by side, got {len(scenarios)}")
    parsed = tuple(parse_scenario(s, f"scenario[{i + 1}]", defaults) for i, s in enumerate(scenarios))
    names = [s.name for s in parsed]
    if len(set(names)) != len(names):
        raise ScenarioError(f"scenario.name: names must differ, got {names}")
    return Plan(start, end, parsed, defaults)


def parse_scenario(raw: Any, where: str, defaults: Assumptions | None = None) -> Scenario:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: expected a table with name, move and assumptions")
    _no_unknown(raw, SCENARIO_KEYS, where)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{where}.name: give every scenario a name")
    moves = tuple(_move(m, f"{where}.move[{i + 1}]") for i, m in enumerate(_list(raw, "move", where)))
    mixes = tuple(_mix(m, f"{where}.mix[{i + 1}]") for i, m in enumerate(_list(raw, "mix", where)))
    assumptions = parse_assumptions(raw.get("assumptions", {}), f"{where}.assumptions", defaults)
    return Scenario(name.strip(), moves, mixes, assumptions)


def parse_assumptions(raw: Any, where: str, defaults: Assumptions | None = None) -> Assumptions:
    base = defaults or Assumptions()
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: expected a table of assumptions")
    known = {f.name for f in fields(Assumptions)}
    _no_unknown(raw, known, where)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("site_allocation", "site_capacity_fte"):
            values[key] = _site_shares(value, f"{where}.{key}", must_sum=key == "site_allocation")
            continue
        number = _number(value, f"{where}.{key}")
        if number < 0:
            raise ScenarioError(f"{where}.{key}: must not be negative, got {number}")
        if key == "llm_accuracy" and number > 1:
            raise ScenarioError(f"{where}.{key}: an accuracy is between 0 and 1, got {number}")
        if key in RATIO_ASSUMPTIONS - {"llm_accuracy"} and number >= 1:
            raise ScenarioError(f"{where}.{key}: must be a fraction below 1, got {number}")
        if key in POSITIVE_ASSUMPTIONS and number == 0:
            raise ScenarioError(f"{where}.{key}: must be positive")
        if key in ("occupancy", "service_level") and number == 0:
            raise ScenarioError(f"{where}.{key}: must be above 0")
        values[key] = number
    return replace(base, **values)


def _move(raw: Any, where: str) -> Move:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: expected a table with from, to and share")
    _no_unknown(raw, MOVE_KEYS, where)
    source, target = _channel(raw, "from", where), _channel(raw, "to", where)
    if source == target:
        raise ScenarioError(f"{where}.to: moving from {source} to itself changes nothing")
    return Move(source, target, _share(raw.get("share"), f"{where}.share"), *_segment(raw, where))


def _mix(raw: Any, where: str) -> Mix:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: expected a table with algo, llm and human shares")
    _no_unknown(raw, MIX_KEYS, where)
    shares = {c: _share(raw.get(c, 0.0), f"{where}.{c}") for c in CHANNELS}
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ScenarioError(
            f"{where}: the shares algo + llm + human must sum to 100 %, they sum to {total:.1%}"
        )
    return Mix(*_segment(raw, where), **shares)


def _segment(raw: Mapping[str, Any], where: str) -> tuple[str | None, str | None]:
    out = []
    for key in ("policy", "queue"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ScenarioError(f"{where}.{key}: expected a {key} name, got {value!r}")
        out.append(value.strip() if isinstance(value, str) and value.strip() not in ("", "*", "all") else None)
    return out[0], out[1]


def _channel(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if value not in CHANNELS:
        raise ScenarioError(f"{where}.{key}: unknown channel {value!r}; use one of {', '.join(CHANNELS)}")
    return str(value)


def _share(value: Any, where: str) -> float:
    number = _number(value, where)
    if number < 0 or number > 1:
        raise ScenarioError(f"{where}: a share is between 0 and 1 (0 % to 100 %), got {number}")
    return number


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ScenarioError(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def _site_shares(raw: Any, where: str, must_sum: bool) -> tuple[tuple[str, float], ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise ScenarioError(f'{where}: expected a table of "Vendor / Site" = number')
    pairs = tuple((str(site), _number(value, f"{where}.{site}")) for site, value in raw.items())
    if any(value < 0 for _, value in pairs):
        raise ScenarioError(f"{where}: values must not be negative")
    if must_sum and abs(sum(v for _, v in pairs) - 1.0) > SHARE_TOLERANCE:
        raise ScenarioError(f"{where}: site shares must sum to 100 %, they sum to {sum(v for _, v in pairs):.1%}")
    return pairs


def _day(raw: Mapping[str, Any], key: str) -> dt.date:
    value = raw.get(key)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise ScenarioError(f"baseline.{key}: {value!r} is not a date in YYYY-MM-DD form") from error


def _list(raw: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ScenarioError(f"{where}.{key}: expected a list ([[{where.split('[')[0]}.{key}]] tables)")
    return value


def _no_unknown(raw: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")


# ---- back to plain data (URL, exports) --------------------------------------------------------


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario in the same shape parse_scenario reads (only assumptions that differ from defaults)."""
    defaults = Assumptions().as_dict()
    assumptions = {k: v for k, v in scenario.assumptions.as_dict().items() if v != defaults[k] and v not in (None, {})}
    out: dict[str, Any] = {"name": scenario.name}
    if scenario.moves:
        out["move"] = [
            {k: v for k, v in {"from": m.source, "to": m.target, "share": m.share, "policy": m.policy,
                               "queue": m.queue}.items() if v is not None}
            for m in scenario.moves
        ]
    if scenario.mixes:
        out["mix"] = [
            {k: v for k, v in {"policy": m.policy, "queue": m.queue, "algo": m.algo, "llm": m.llm,
                               "human": m.human}.items() if v is not None}
            for m in scenario.mixes
        ]
    if assumptions:
        out["assumptions"] = assumptions
    return out


# ---- the compact text form of a scenario (the planner page's URL) -------------------------------
# name|from>to:share:policy:queue;...|key=value,...   e.g. "LLM 10%|human>llm:0.1:spam:|llm_price_per_1k=35"
# An empty policy or queue means all. Only moves travel in this form (mix rows come from TOML files).

URL_ASSUMPTIONS = ("llm_price_per_1k", "llm_accuracy", "shrinkage", "occupancy", "productive_hours_per_week")


def encode_scenario(scenario: Scenario) -> str:
    moves = ";".join(
        f"{m.source}>{m.target}:{m.share:g}:{m.policy or ''}:{m.queue or ''}" for m in scenario.moves
    )
    defaults = Assumptions()
    values = [
        f"{key}={getattr(scenario.assumptions, key):g}"
        for key in URL_ASSUMPTIONS
        if getattr(scenario.assumptions, key) is not None and getattr(scenario.assumptions, key) != getattr(defaults, key)
    ]
    if scenario.assumptions.site_allocation:
        values.append("site_allocation=" + ";".join(f"{site}:{share:g}" for site, share in scenario.assumptions.site_allocation))
    return "|".join([scenario.name.replace("|", "/"), moves, ",".join(values)])


def decode_scenario(text: str, where: str) -> Scenario:
    """The scenario of encode_scenario's text; ScenarioError naming `where` (the URL key) when malformed."""
    parts = text.split("|")
    if len(parts) != 3:
        raise ScenarioError(f"{where}: expected name|moves|assumptions, got {text!r}")
    name, moves_text, assumptions_text = parts
    moves = []
    for index, item in enumerate(filter(None, moves_text.split(";"))):
        fields_ = item.split(":")
        channels = fields_[0].split(">")
        if len(fields_) != 4 or len(channels) != 2:
            raise ScenarioError(f"{where}.move[{index + 1}]: expected from>to:share:policy:queue, got {item!r}")
        try:
            share: Any = float(fields_[1])
        except ValueError:
            share = fields_[1]
        moves.append({"from": channels[0], "to": channels[1], "share": share,
                      **({"policy": fields_[2]} if fields_[2] else {}), **({"queue": fields_[3]} if fields_[3] else {})})
    assumptions: dict[str, Any] = {}
    for item in filter(None, assumptions_text.split(",")):
        key, _, value = item.partition("=")
        if key == "site_allocation":
            assumptions[key] = _url_sites(value, f"{where}.assumptions.site_allocation")
            continue
        if key not in URL_ASSUMPTIONS:
            raise ScenarioError(f"{where}.assumptions: unknown field {key!r}; known: {', '.join(URL_ASSUMPTIONS)}")
        try:
            assumptions[key] = float(value)
        except ValueError:
            assumptions[key] = value
    return parse_scenario({"name": name, "move": moves, "assumptions": assumptions}, where)


def _url_sites(text: str, where: str) -> dict[str, Any]:
    shares: dict[str, Any] = {}
    for item in filter(None, text.split(";")):
        site, _, value = item.rpartition(":")
        if not site:
            raise ScenarioError(f"{where}: expected Vendor / Site:share, got {item!r}")
        try:
            shares[site] = float(value)
        except ValueError:
            shares[site] = value
    return shares
