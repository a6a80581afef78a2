"""Reads and writes of alert state, evaluations, the delivery outbox and scheduled report runs.

An evaluation is recorded once per (rule, recipient, period): the unique key makes a second run
for the same time a no-op, also when two runs race. Deliveries are written to the outbox in the
same transaction as the evaluation that caused them, so none is lost; each is claimed before it is
sent, so none goes out twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import sqlalchemy as sa

from alerts.states import Status
from state.alerts_schema import alert_evaluations, alert_status, deliveries, report_runs
from state.store import UNREACHABLE, StateStore, StateUnavailable

CLAIM = dt.timedelta(minutes=10)  # a send that crashed is retried after this


@dataclass(frozen=True)
class EvaluationRecord:
    rule: str
    recipient: str
    period_key: str
    state: str
    previous_state: str | None
    value: float | None
    threshold: float | None
    delta: float | None
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class NewDelivery:
    source: str  # alert or report
    rule: str
    recipient: str
    target: str
    period_key: str
    event: str
    subject: str
    body: str
    attachment_name: str | None = None
    attachment: bytes | None = None


@dataclass(frozen=True)
class PendingDelivery:
    id: int
    source: str
    rule: str
    recipient: str
    target: str
    event: str
    subject: str
    body: str
    attachment_name: str | None
    attachment: bytes | None
    attempts: int
    next_attempt_at: dt.datetime


class AlertStore:
    def __init__(self, store: StateStore) -> None:
        self.store = store

    def _unavailable(self, error: Exception) -> StateUnavailable:
        return StateUnavailable(f"The app's state database ({self.store.url}) is not available: "
                                f"{type(error).__name__}.")

    def _rows(self, statement: sa.Executable) -> list[sa.Row]:
        try:
            with self.store.engine.connect() as connection:
                return list(connection.execute(statement))
        except UNREACHABLE as error:
            raise self._unavailable(error) from error

    # alert state

    def status(self, rule: str, recipient: str) -> Status | None:
        rows = self._rows(sa.select(alert_status).where(alert_status.c.rule == rule,
                                                        alert_status.c.recipient == recipient))
        if not rows:
            return None
        row = rows[0]
        return Status(row.state, row.consecutive, row.since, row.last_notified_at)  # type: ignore[arg-type]

    def evaluated(self, rule: str, recipient: str, period_key: str) -> bool:
        return bool(self._rows(sa.select(alert_evaluations.c.id).where(
            alert_evaluations.c.rule == rule, alert_evaluations.c.recipient == recipient,
            alert_evaluations.c.period_key == period_key)))

    def record_evaluation(self, record: EvaluationRecord, status: Status, now: dt.datetime,
                          outbox: Sequence[NewDelivery]) -> bool:
        """Store the evaluation, the new status and its deliveries at once; False when this
        (rule, recipient, period) was already recorded (nothing is written then)."""
        values = dict(state=status.state, consecutive=status.consecutive, period_key=record.period_key,
                      evaluated_at=now, value=record.value, threshold=record.threshold, delta=record.delta,
                      since=status.since, last_notified_at=status.last_notified_at,
                      message=str(record.detail.get("error") or ""))
        try:
            with self.store.engine.begin() as connection:
                connection.execute(alert_evaluations.insert().values(
                    rule=record.rule, recipient=record.recipient, period_key=record.period_key, evaluated_at=now,
                    state=record.state, previous_state=record.previous_state, value=record.value,
                    threshold=record.threshold, delta=record.delta,
                    detail=json.dumps(dict(record.detail), default=str, ensure_ascii=False)))
                updated = connection.execute(alert_status.update().where(
                    alert_status.c.rule == record.rule, alert_status.c.recipient == record.recipient).values(**values))
                if updated.rowcount == 0:
                    connection.execute(alert_status.insert().values(rule=record.rule, recipient=record.recipient,
                                                                    **values))
                self._enqueue(connection, outbox, now)
        except sa.exc.IntegrityError:
            return False
        except UNREACHABLE as error:
            raise self._unavailable(error) from error
        return True

    @staticmethod
    def _enqueue(connection: sa.Connection, outbox: Sequence[NewDelivery], now: dt.datetime) -> None:
        for item in outbox:
            connection.execute(deliveries.insert().values(
                **item.__dict__, status="pending", attempts=0, created_at=now, next_attempt_at=now))

    # the outbox

    def due_deliveries(self, now: dt.datetime) -> list[PendingDelivery]:
        rows = self._rows(sa.select(deliveries).where(deliveries.c.status == "pending",
                                                      deliveries.c.next_attempt_at <= now)
                          .order_by(deliveries.c.id))
        return [PendingDelivery(r.id, r.source, r.rule, r.recipient, r.target, r.event, r.subject, r.body,
                                r.attachment_name, r.attachment, r.attempts, r.next_attempt_at) for r in rows]

    def _update(self, statement: sa.Executable) -> int:
        try:
            with self.store.engine.begin() as connection:
                return int(connection.execute(statement).rowcount)
        except UNREACHABLE as error:
            raise self._unavailable(error) from error

    def claim(self, delivery: PendingDelivery, now: dt.datetime) -> bool:
        """Take the delivery for this run; False when another run took it first."""
        return self._update(deliveries.update().where(
            deliveries.c.id == delivery.id, deliveries.c.status == "pending",
            deliveries.c.next_attempt_at == delivery.next_attempt_at).values(next_attempt_at=now + CLAIM)) == 1

    def mark_sent(self, delivery_id: int, now: dt.datetime) -> None:
        self._update(deliveries.update().where(deliveries.c.id == delivery_id).values(
            status="sent", sent_at=now, attempts=deliveries.c.attempts + 1, last_error=""))

    def mark_failed_attempt(self, delivery: PendingDelivery, error: str, retry_at: dt.datetime | None) -> None:
        """One more failed attempt; `retry_at` None means no more attempts (status failed)."""
        self._update(deliveries.update().where(deliveries.c.id == delivery.id).values(
            attempts=delivery.attempts + 1, last_error=error[:2000],
            status="pending" if retry_at else "failed", next_attempt_at=retry_at or delivery.next_attempt_at))

    # reports

    def report_done(self, report: str, recipient: str, period_key: str) -> bool:
        return bool(self._rows(sa.select(report_runs.c.id).where(
            report_runs.c.report == report, report_runs.c.recipient == recipient,
            report_runs.c.period_key == period_key)))

    def record_report(self, report: str, recipient: str, period_key: str, form: str, now: dt.datetime,
                      detail: Mapping[str, Any], outbox: Sequence[NewDelivery]) -> bool:
        try:
            with self.store.engine.begin() as connection:
                connection.execute(report_runs.insert().values(
                    report=report, recipient=recipient, period_key=period_key, rendered_at=now, format=form,
                    detail=json.dumps(dict(detail), default=str, ensure_ascii=False)))
                self._enqueue(connection, outbox, now)
        except sa.exc.IntegrityError:
            return False
        except UNREACHABLE as error:
            raise self._unavailable(error) from error
        return True

    # what the Alerts page shows

    def statuses(self, rules: Sequence[str] | None = None) -> list[dict[str, Any]]:
        query = sa.select(alert_status).order_by(alert_status.c.rule, alert_status.c.recipient)
        if rules is not None:
            query = query.where(alert_status.c.rule.in_(list(rules)))
        return [dict(r._mapping) for r in self._rows(query)]

    def history(self, rule: str, recipients: Sequence[str] | None = None, limit: int = 200) -> list[dict[str, Any]]:
        query = sa.select(alert_evaluations).where(alert_evaluations.c.rule == rule)
        if recipients is not None:
            query = query.where(alert_evaluations.c.recipient.in_(list(recipients)))
        rows = self._rows(query.order_by(alert_evaluations.c.evaluated_at.desc(), alert_evaluations.c.id.desc())
                          .limit(limit))
        return [dict(r._mapping) for r in rows]

    def deliveries_of(self, rule: str, recipients: Sequence[str] | None = None, limit: int = 200) -> list[dict[str, Any]]:
        columns = [c for c in deliveries.c if c.name not in ("attachment", "body")]
        query = sa.select(*columns).where(deliveries.c.rule == rule)
        if recipients is not None:
            query = query.where(deliveries.c.recipient.in_(list(recipients)))
        rows = self._rows(query.order_by(deliveries.c.created_at.desc(), deliveries.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]
