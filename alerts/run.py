"""`cli.py alerts run`: evaluate every due (rule, recipient), record it, and work through the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from alerts.delivery import DeliveryConfig, DeliveryError, Outgoing, send
from alerts.evaluate import Evaluation, evaluate
from alerts.messages import compose
from alerts.periods import last_complete, period_key
from alerts.rules import AlertRule, RulesFile
from alerts.states import step
from auth.users import User, user_record
from connectors.scope import Scope
from connectors.source import Source
from metrics.report import clean_number
from metrics.targets import Settings
from state.alerts_store import AlertStore, EvaluationRecord, NewDelivery


@dataclass(frozen=True)
class Recipients:
    """The credentials file's users, as the alert runner needs them."""

    credentials: Mapping[str, Any]

    def user(self, username: str) -> User | None:
        return user_record(dict(self.credentials), username)

    def scope(self, username: str) -> Scope:
        user = self.user(username)
        return user.scope if user else Scope.nothing()

    def email(self, username: str) -> str | None:
        entry = (self.credentials.get("usernames") or {}).get(username) or {}
        return str(entry.get("email")) if entry.get("email") else None


def evaluation_json(ev: Evaluation, state: str, previous_state: str | None, notify: str | None,
                    link: str | None, skipped: bool = False) -> dict[str, Any]:
    threshold_key = "target" if ev.rule.condition == "off_target" else "threshold"
    return {
        "alert": ev.rule.name,
        "recipient": ev.recipient,
        "metric": ev.rule.metric,
        "period": {"start": ev.period.start.isoformat(), "end": ev.period.end.isoformat()},
        "markets": list(ev.countries) if ev.countries else None,
        "state": state,
        "previous_state": previous_state,
        "condition": ev.rule.condition,
        "value": clean_number(ev.value),
        "previous": clean_number(ev.previous),
        threshold_key: clean_number(ev.threshold),
        "delta": clean_number(ev.delta),
        "drivers": [{k: clean_number(v) for k, v in d.as_json().items()} for d in ev.drivers],
        "notify": notify,
        "link": link,
        "error": ev.error or None,
        "already_evaluated": skipped,
    }


def _already_evaluated(rule: AlertRule, recipient: str, key: str, store: AlertStore) -> dict[str, Any]:
    row = next((r for r in store.statuses([rule.name]) if r["recipient"] == recipient), {})
    threshold_key = "target" if rule.condition == "off_target" else "threshold"
    return {"alert": rule.name, "recipient": recipient, "metric": rule.metric, "period_key": key,
            "state": row.get("state"), "value": row.get("value"), threshold_key: row.get("threshold"),
            "delta": row.get("delta"), "drivers": [], "notify": None, "already_evaluated": True}


def _outbox(rule: AlertRule, ev: Evaluation, event: str, base_url: str) -> tuple[list[NewDelivery], str]:
    message = compose(ev, event, base_url)
    return [NewDelivery("alert", rule.name, ev.recipient, target, ev.period_key, event, message.subject, message.body)
            for target in rule.deliver], message.link


def run_alerts(rules: RulesFile, recipients: Recipients, source: Source, settings: Settings, store: AlertStore,
               delivery: DeliveryConfig, now: dt.datetime, dry_run: bool = False) -> list[dict[str, Any]]:
    """One object per (rule, recipient) evaluated; deliveries are queued and sent unless dry_run."""
    results: list[dict[str, Any]] = []
    for rule in rules.alerts:
        for recipient in rule.recipients:
            key = period_key(rule.period, last_complete(rule.period, rule.timezone, now))
            if not dry_run and store.evaluated(rule.name, recipient, key):
                # this period is done: a second run for the same time changes nothing and sends nothing
                results.append(_already_evaluated(rule, recipient, key, store))
                continue
            ev = evaluate(rule, recipient, recipients.scope(recipient), source, settings, now)
            previous = store.status(rule.name, recipient)
            was = previous.state if previous else None
            transition = step(previous, ev.outcome, rule.for_evaluations, rule.cooldown, now)
            outbox, link = _outbox(rule, ev, transition.notify, delivery.base_url) if transition.notify else ([], None)
            if link is None and ev.request is not None:
                link = compose(ev, "firing", delivery.base_url).link
            results.append(evaluation_json(ev, transition.status.state, was, transition.notify, link))
            if dry_run:
                continue
            record = EvaluationRecord(
                rule.name, recipient, ev.period_key, transition.status.state, was, ev.value, ev.threshold, ev.delta,
                {"drivers": [d.as_json() for d in ev.drivers], "error": ev.error, "notify": transition.notify,
                 "markets": list(ev.countries or ()), "period_end": ev.period.end.isoformat(), "link": link})
            if not store.record_evaluation(record, transition.status, now, outbox):
                results[-1]["already_evaluated"] = True  # another run recorded this period first
    if not dry_run:
        deliver_due(store, delivery, recipients, now)
    return results


def deliver_due(store: AlertStore, delivery: DeliveryConfig, recipients: Recipients, now: dt.datetime) -> list[dict[str, Any]]:
    """Send every queued delivery whose time has come; failures wait (with backoff) for a later run."""
    report: list[dict[str, Any]] = []
    for item in store.due_deliveries(now):
        if not store.claim(item, now):
            continue
        target = delivery.targets.get(item.target)
        try:
            if target is None:
                raise DeliveryError(f"the delivery target '{item.target}' is no longer configured")
            send(target, Outgoing(item.target, item.subject, item.body, recipients.email(item.recipient),
                                  item.attachment_name, item.attachment,
                                  {item.source: item.rule, "recipient": item.recipient, "event": item.event}))
        except DeliveryError as error:
            attempts = item.attempts + 1
            retry_at = now + delivery.backoff(attempts) if attempts < delivery.max_attempts else None
            store.mark_failed_attempt(item, str(error), retry_at)
            report.append({"delivery": item.id, "target": item.target, "status": "pending" if retry_at else "failed",
                           "error": str(error)})
            continue
        store.mark_sent(item.id, now)
        report.append({"delivery": item.id, "target": item.target, "status": "sent"})
    return report
