"""The Alerts page under AppTest: admins see every rule and recipient; a regional user only the rules
they receive, with their own numbers; history and failed deliveries are shown."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import cli
from app_login import log_in
from test_alerts import DEMO_USERS, tiny_url  # noqa: F401 - the module's fixture

REPO = Path(__file__).resolve().parent.parent
RULES = """
[[alert]]
name = "Page: appeals per day"
metric = "appeals.submitted"
condition = "above"
value = 1
period = "day"
recipients = ["admin"]

[[alert]]
name = "Page: overturn off target"
metric = "appeals.overturn_rate"
condition = "off_target"
period = "week"
recipients = ["admin", "europe"]
deliver = ["ops"]
"""


@pytest.fixture()
def evaluated(tiny_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
              small_demo_url: str) -> None:
    (tmp_path / "rules.toml").write_text(RULES)
    # the webhook's URL variable is not set: the delivery fails, and after its one attempt it is failed
    (tmp_path / "delivery.toml").write_text('max_attempts = 1\n[targets.ops]\nkind = "webhook"\n'
                                            'url_env = "TEST_PAGE_HOOK_NOT_SET"\n')
    monkeypatch.delenv("TEST_PAGE_HOOK_NOT_SET", raising=False)
    assert cli.main(["alerts", "run", "--url", tiny_url, "--rules", str(tmp_path / "rules.toml"), "--delivery",
                     str(tmp_path / "delivery.toml"), "--credentials", str(DEMO_USERS),
                     "--now", "2026-11-16T08:00:00"]) == 0
    monkeypatch.setenv("GOVERNANCE_ALERT_RULES", str(tmp_path / "rules.toml"))
    monkeypatch.setenv("GOVERNANCE_DB_URL", small_demo_url)
    monkeypatch.setenv("GOVERNANCE_CREDENTIALS", str(REPO / "auth" / "demo_users.yaml"))
    monkeypatch.setenv("GOVERNANCE_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("GOVERNANCE_LOGIN_SLEEP_SECONDS", "0")
    monkeypatch.delenv("GOVERNANCE_CONFIG", raising=False)


def alerts_page(username: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=90)
    log_in(username)
    at.switch_page("app_pages/alerts.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_admin_sees_every_rule_recipient_history_and_failed_delivery(evaluated: None) -> None:
    at = alerts_page("admin")
    rules = at.dataframe[0].value
    assert sorted(zip(rules["rule"], rules["recipient"])) == [
        ("Page: appeals per day", "admin"), ("Page: overturn off target", "admin"),
        ("Page: overturn off target", "europe")]
    overturn = rules[rules["rule"] == "Page: overturn off target"].set_index("recipient")
    assert overturn.loc["admin", "state"] == "Firing" and overturn.loc["admin", "value"] == "30.0%"
    assert overturn.loc["europe", "value"] == "16.7%" and overturn.loc["europe", "threshold"] == "15.0%"
    assert {m.label: m.value for m in at.metric}["Firing"] == "2"
    at.selectbox(key="alert-rule").set_value("Page: overturn off target").run()
    history, deliveries = at.dataframe[1].value, at.dataframe[2].value
    assert sorted(history["recipient"]) == ["admin", "europe"] and set(history["period"]) == {"week:2026-11-09"}
    assert list(deliveries["status"]) == ["failed", "failed"]
    assert "TEST_PAGE_HOOK_NOT_SET" in deliveries["last_error"].iloc[0]
    assert any("2 deliveries failed" in e.value for e in at.error)


def test_a_regional_user_sees_only_the_rules_they_receive_with_their_numbers(evaluated: None) -> None:
    at = alerts_page("europe")
    rules = at.dataframe[0].value
    assert list(zip(rules["rule"], rules["recipient"])) == [("Page: overturn off target", "europe")]
    assert list(rules["value"]) == ["16.7%"]
    shown = " ".join(str(v) for frame in at.dataframe for v in frame.value.astype(str).to_numpy().ravel())
    assert "30.0%" not in shown and "admin" not in shown
    assert [o for o in at.selectbox(key="alert-rule").options] == ["Page: overturn off target"]
