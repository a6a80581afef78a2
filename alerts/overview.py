"""What the Alerts page shows: the rules a user may see, their state, history and deliveries.

Admins see every rule and every recipient's row; any other user sees only the rules they receive
and only their own rows (another recipient's numbers may cover markets outside their scope).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

import polars as pl

from alerts.rules import CONDITIONS, RulesFileError, read_rules_file
from alerts.setup import RULES_ENV_VAR
from alerts.states import STATE_LABELS
from metrics import registry
from state.alerts_store import AlertStore

RULE_SCHEMA = {"rule": pl.String, "metric": pl.String, "condition": pl.String, "period": pl.String,
               "recipients": pl.String, "deliver": pl.String}
STATUS_SCHEMA = {"rule": pl.String, "recipient": pl.String, "state": pl.String, "since": pl.Datetime("us"),
                 "last_evaluated": pl.Datetime("us"), "value": pl.String, "threshold": pl.String, "delta": pl.String,
                 "message": pl.String}


@dataclass(frozen=True)
class AlertsView:
    configured: bool
    problem: str
    rules: pl.DataFrame
    status: pl.DataFrame


def _condition_text(entry: Mapping[str, Any]) -> str:
    condition = str(entry.get("condition", ""))
    if condition not in CONDITIONS:
        return condition
    if condition == "off_target":
        return "off target"
    words = condition.replace("_", " ")
    if condition in ("above", "below"):
        value = entry.get("value")
        return f"{words} {_shown(str(entry.get('metric', '')), value if isinstance(value, (int, float)) else None)}"
    return f"{words} {_threshold(entry, entry.get('value'))}"


def _metric(metric_id: str) -> registry.MetricDef | None:
    try:
        return registry.get(metric_id)
    except KeyError:
        return None


def _shown(metric_id: str, value: float | None) -> str:
    definition = _metric(metric_id)
    if value is None:
        return "—"
    return definition.display(value) if definition else f"{value:g}"


def _delta(metric_id: str, value: float | None) -> str:
    definition = _metric(metric_id)
    if value is None:
        return "—"
    return definition.change_text(value) if definition else f"{value:+g}"


def _threshold(entry: Mapping[str, Any], value: float | None) -> str:
    """A target or threshold in the metric's unit; a change or driver size in the rule's points or percent."""
    metric_id = str(entry.get("metric", ""))
    if entry.get("condition") in ("change_above", "change_below", "driver_above") and value is not None:
        definition = _metric(metric_id)
        if entry.get("change") == "percent":
            return f"{value:g} %"
        return f"{value:g} pp" if definition and definition.unit == "ratio" else f"{value:g}"
    return _shown(metric_id, value)


def visible_rules(document: Mapping[str, Any], username: str, is_admin: bool) -> list[dict[str, Any]]:
    entries = [e for e in document.get("alert", []) if isinstance(e, dict) and isinstance(e.get("name"), str)]
    return [e for e in entries if is_admin or username in (e.get("recipients") or [])]


def alerts_view(store: AlertStore, username: str, is_admin: bool, rules_path: str | None = None) -> AlertsView:
    path = rules_path or os.environ.get(RULES_ENV_VAR)
    empty = AlertsView(False, "", pl.DataFrame(schema=RULE_SCHEMA), pl.DataFrame(schema=STATUS_SCHEMA))
    if not path:
        return empty
    try:
        entries = visible_rules(read_rules_file(path), username, is_admin)
    except RulesFileError as error:
        return AlertsView(True, str(error), empty.rules, empty.status)
    metric_of = {e["name"]: str(e.get("metric", "")) for e in entries}
    entry_of = {e["name"]: e for e in entries}
    rules = pl.DataFrame([{
        "rule": e["name"], "metric": metric_of[e["name"]], "condition": _condition_text(e),
        "period": str(e.get("period", "week")),
        "recipients": ", ".join(e.get("recipients") or []) if is_admin else username,
        "deliver": ", ".join(e.get("deliver") or []),
    } for e in entries], schema=RULE_SCHEMA)
    rows = [r for r in store.statuses(list(metric_of)) if is_admin or r["recipient"] == username]
    status = pl.DataFrame([{
        "rule": r["rule"], "recipient": r["recipient"], "state": STATE_LABELS.get(r["state"], r["state"]),
        "since": r["since"], "last_evaluated": r["evaluated_at"], "value": _shown(metric_of[r["rule"]], r["value"]),
        "threshold": _threshold(entry_of[r["rule"]], r["threshold"]),
        "delta": _delta(metric_of[r["rule"]], r["delta"]), "message": r["message"],
    } for r in rows], schema=STATUS_SCHEMA)
    return AlertsView(True, "", rules, status)


def rule_history(store: AlertStore, rule: str, metric_id: str, username: str, is_admin: bool) -> pl.DataFrame:
    recipients = None if is_admin else [username]
    rows = store.history(rule, recipients)
    return pl.DataFrame([{
        "evaluated_at": r["evaluated_at"], "recipient": r["recipient"], "period": r["period_key"],
        "state": STATE_LABELS.get(r["state"], r["state"]),
        "previous_state": STATE_LABELS.get(r["previous_state"] or "", r["previous_state"] or ""),
        "value": _shown(metric_id, r["value"]), "threshold": _shown(metric_id, r["threshold"]),
    } for r in rows], schema={"evaluated_at": pl.Datetime("us"), "recipient": pl.String, "period": pl.String,
                              "state": pl.String, "previous_state": pl.String, "value": pl.String,
                              "threshold": pl.String})


def rule_deliveries(store: AlertStore, rule: str, username: str, is_admin: bool) -> pl.DataFrame:
    rows = store.deliveries_of(rule, None if is_admin else [username])
    return pl.DataFrame([{
        "created_at": r["created_at"], "recipient": r["recipient"], "target": r["target"], "event": r["event"],
        "status": r["status"], "attempts": r["attempts"], "sent_at": r["sent_at"], "subject": r["subject"],
        "last_error": r["last_error"],
    } for r in rows], schema={"created_at": pl.Datetime("us"), "recipient": pl.String, "target": pl.String,
                              "event": pl.String, "status": pl.String, "attempts": pl.Int64,
                              "sent_at": pl.Datetime("us"), "subject": pl.String, "last_error": pl.String})
