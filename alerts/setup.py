"""Everything `cli.py alerts` and `cli.py reports` load: the rules file, users, delivery targets, state."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from alerts.delivery import DeliveryConfig, load_delivery
from alerts.rules import Known, Problem, RulesFile, parse_rules, read_rules_file
from alerts.run import Recipients
from auth.users import credentials_path, load_users
from connectors.scope import Scope
from connectors.source import ScopedAccess, Source
from metrics.base import country_regions
from state.alerts_store import AlertStore
from state.store import open_store

RULES_ENV_VAR = "GOVERNANCE_ALERT_RULES"


@dataclass(frozen=True)
class AlertSetup:
    rules: RulesFile
    recipients: Recipients
    delivery: DeliveryConfig

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.delivery.problems + self.rules.problems


def rules_path(given: str | None) -> Path:
    chosen = given or os.environ.get(RULES_ENV_VAR)
    if not chosen:
        raise ValueError(f"give --rules FILE or set {RULES_ENV_VAR} (README: Alerts and scheduled reports)")
    return Path(chosen)


def load_setup(source: Source, demo: bool, rules: str | None, credentials: str | None,
               delivery: str | None) -> AlertSetup:
    path = credentials or credentials_path(demo)
    if path is None:
        raise ValueError("alert recipients are users of a credentials file: pass --credentials or set "
                         "GOVERNANCE_CREDENTIALS (the demo users apply to the demo database only)")
    users = load_users(path)
    config = load_delivery(delivery)
    regions = country_regions(ScopedAccess(source, Scope.everything()))
    known = Known(markets=regions["country_code"].to_list(), regions=regions["region"].unique().to_list(),
                  users=list(users.get("usernames") or {}), targets=list(config.targets))
    parsed = parse_rules(read_rules_file(rules_path(rules)), known)
    return AlertSetup(parsed, Recipients(users), config)


def open_alert_store(url: str | None = None) -> AlertStore:
    return AlertStore(open_store(url))
