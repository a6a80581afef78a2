"""Delivery targets (email over SMTP, Slack-compatible webhooks, generic JSON webhooks) sent through apprise.

Targets are named in a delivery file of their own (never the rules file); every secret in it is
the *name* of an environment variable holding it, so the files can be committed:

    base_url = "https://governance.example.com"   # links in messages
    max_attempts = 5                              # then a delivery is marked failed
    retry_minutes = 5                             # first retry; doubles per attempt

    [targets.ops]
    kind = "webhook"                              # webhook | slack | email
    url_env = "GOVERNANCE_OPS_WEBHOOK_URL"
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote, urlencode, urlsplit

import apprise

from alerts.rules import Problem

KINDS: tuple[str, ...] = ("webhook", "slack", "email")
TLS_MODES: dict[str, tuple[str, str]] = {  # our setting -> (apprise scheme, apprise mode)
    "starttls": ("mailtos", "starttls"),
    "ssl": ("mailtos", "ssl"),
    "none": ("mailto", "insecure"),
}
TARGET_KEYS: dict[str, frozenset[str]] = {
    "webhook": frozenset({"kind", "url_env", "timeout_seconds"}),
    "slack": frozenset({"kind", "url_env", "timeout_seconds"}),
    "email": frozenset({"kind", "host", "port", "tls", "from", "username_env", "password_env", "timeout_seconds",
                        "verify_certificate"}),
}
TOP_KEYS = frozenset({"base_url", "max_attempts", "retry_minutes", "targets"})
DELIVERY_ENV_VAR = "GOVERNANCE_DELIVERY_CONFIG"


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class DeliveryConfig:
    base_url: str = "http://localhost:8501"
    max_attempts: int = 5
    retry: dt.timedelta = dt.timedelta(minutes=5)
    targets: Mapping[str, Target] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def backoff(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failed attempt: retry, 2 x retry, 4 x retry, ..."""
        return self.retry * (2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class Outgoing:
    """One message to one target, as stored in the outbox."""

    target: str
    subject: str
    body: str
    email: str | None = None  # the recipient's address (email targets)
    attachment_name: str | None = None
    attachment: bytes | None = None
    fields: Mapping[str, str] = field(default_factory=dict)  # extra JSON fields (generic webhooks)


class DeliveryError(RuntimeError):
    """A send failed; the message says why (secrets are never in it)."""


def _target(name: str, entry: Any) -> tuple[Target | None, list[Problem]]:
    where = f"[targets.{name}]"
    if not isinstance(entry, dict):
        return None, [Problem(where, name, "must be a table")]
    kind = entry.get("kind")
    if kind not in KINDS:
        return None, [Problem(where, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")]
    problems = [Problem(where, key, "secrets do not belong in a file: put the value in an environment variable "
                                    f"and name it with {key}_env" if key in ("url", "password", "username")
                        else f"unknown key (allowed: {', '.join(sorted(TARGET_KEYS[kind]))})")
                for key in sorted(set(entry) - TARGET_KEYS[kind])]
    required = ("url_env",) if kind != "email" else ("host", "from")
    problems += [Problem(where, key, "is required") for key in required if not entry.get(key)]
    if kind == "email" and entry.get("tls", "starttls") not in TLS_MODES:
        problems.append(Problem(where, "tls", f"{entry.get('tls')!r} is not one of {', '.join(TLS_MODES)}"))
    return (None if problems else Target(name, kind, dict(entry))), problems


def parse_delivery(document: Mapping[str, Any]) -> DeliveryConfig:
    problems = [Problem("(delivery file)", key, "unknown key") for key in sorted(set(document) - TOP_KEYS)]
    targets: dict[str, Target] = {}
    for name, entry in (document.get("targets") or {}).items():
        target, found = _target(name, entry)
        problems += found
        if target:
            targets[name] = target
    attempts, retry = document.get("max_attempts", 5), document.get("retry_minutes", 5)
    if not isinstance(attempts, int) or attempts < 1:
        problems.append(Problem("(delivery file)", "max_attempts", f"must be a whole number of at least 1, not {attempts!r}"))
        attempts = 5
    if not isinstance(retry, (int, float)) or retry <= 0:
        problems.append(Problem("(delivery file)", "retry_minutes", f"must be a positive number, not {retry!r}"))
        retry = 5
    base_url = str(document.get("base_url") or "http://localhost:8501").rstrip("/")
    return DeliveryConfig(base_url, attempts, dt.timedelta(minutes=retry), targets, tuple(problems))


def load_delivery(path: str | Path | None) -> DeliveryConfig:
    """The delivery file at `path` (or $GOVERNANCE_DELIVERY_CONFIG); no file means no targets."""
    chosen = path or os.environ.get(DELIVERY_ENV_VAR)
    if not chosen:
        return DeliveryConfig()
    try:
        with open(chosen, "rb") as handle:
            return parse_delivery(tomllib.load(handle))
    except OSError as error:
        raise ValueError(f"cannot read the delivery file {chosen}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"the delivery file {chosen} is not valid TOML: {error}") from error


def _secret(target: Target, key: str, required: bool) -> str | None:
    variable = target.options.get(key)
    if not variable:
        return None
    value = os.environ.get(str(variable))
    if required and not value:
        raise DeliveryError(f"target '{target.name}': the environment variable {variable} ({key}) is not set")
    return value


def _webhook_url(target: Target, message: Outgoing) -> str:
    url = _secret(target, "url_env", required=True) or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DeliveryError(f"target '{target.name}': the URL in {target.options['url_env']} is not an http(s) URL")
    scheme = "jsons" if parts.scheme == "https" else "json"
    timeout = float(target.options.get("timeout_seconds", 15))
    query: dict[str, str] = {"cto": str(timeout), "rto": str(timeout)}
    if target.kind == "slack":  # {"text": ...}: what Slack, Mattermost and Rocket.Chat incoming webhooks take
        query.update({":message": "text", ":title": "", ":version": "", ":type": "", ":attachments": ""})
    else:
        query.update({f":{key}": value for key, value in message.fields.items()})
    original = f"&{parts.query}" if parts.query else ""
    return f"{scheme}://{parts.netloc}{parts.path}?{urlencode(query, quote_via=quote)}{original}"


def _email_url(target: Target, message: Outgoing) -> str:
    if not message.email:
        raise DeliveryError(f"target '{target.name}': the recipient has no email address in the credentials file")
    scheme, mode = TLS_MODES[str(target.options.get("tls", "starttls"))]
    user = _secret(target, "username_env", required=True)
    password = _secret(target, "password_env", required=True)
    auth = f"{quote(user, safe='')}:{quote(password or '', safe='')}@" if user else ""
    port = f":{int(target.options['port'])}" if target.options.get("port") else ""
    query = {"mode": mode, "from": str(target.options["from"]), "to": message.email,
             "smtp": str(target.options["host"]), "cto": str(float(target.options.get("timeout_seconds", 15)))}
    if target.options.get("verify_certificate") is False:  # a relay with a self-signed certificate
        query["verify"] = "no"
    return f"{scheme}://{auth}{target.options['host']}{port}?{urlencode(query)}"


def send(target: Target, message: Outgoing) -> None:
    """Send one message; DeliveryError when it did not go out."""
    url = _email_url(target, message) if target.kind == "email" else _webhook_url(target, message)
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise DeliveryError(f"target '{target.name}': apprise does not accept its settings")
    body = f"{message.subject}\n\n{message.body}" if target.kind == "slack" else message.body
    with tempfile.TemporaryDirectory() as folder, apprise.LogCapture(level=logging.WARNING) as log:
        attach = None
        if message.attachment is not None and target.kind != "slack":
            path = Path(folder) / (message.attachment_name or "report.bin")
            path.write_bytes(message.attachment)
            attach = apprise.AppriseAttachment(str(path))
        sent = notifier.notify(body=body, title=message.subject, attach=attach,
                               body_format=apprise.NotifyFormat.TEXT)
        if not sent:
            lines = [line.split(" - ", 2)[-1] for line in log.getvalue().splitlines() if line.strip()]
            raise DeliveryError(f"target '{target.name}': " + ("; ".join(lines[-2:]) or "not delivered"))
