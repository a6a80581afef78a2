"""Alerts: the rules file, the state machine over --now, idempotent runs, retried deliveries, scope.

Hand-made appeals (every appeal is decided 2 hours after it is submitted, same day):

    previous week 2-8 Nov 2026:  US 4 upheld (3 Nov), DE 4 upheld (4 Nov)         -> overturn 0/8 = 0
    week 9-15 Nov 2026:          9 Nov US 2 (1 reversed), 10 Nov US 2 (1 reversed),
                                 11 Nov DE 2 (1 reversed), 12 Nov none,
                                 13 Nov DE 2 upheld, 14 Nov GB 2 upheld          -> overturn 3/10 = 0.3
    submitted per day: 9: 2, 10: 2, 11: 2, 12: 0, 13: 2, 14: 2

The overturn-rate target is 0.15 (lower is better). The admin sees every market: 3/10 = 0.3.
The europe user (GB, DE, FR, ES, IT, IE) sees DE and GB only: 1/6 = 0.1667, up from 0/4 = 0.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

import cli
from alert_servers import Webhooks, webhook_server
from alerts.rules import Known, parse_rules
from alerts.states import Status, step
from metrics import registry
from tiny import T, frame, load_frames

DEMO_USERS = Path(__file__).resolve().parent.parent / "auth" / "demo_users.yaml"
KNOWN = Known(markets=["US", "DE", "GB"], regions=["Europe", "Americas"], users=["admin", "europe"],
              targets=["ops"])


def _appeals() -> list[dict[str, Any]]:
    plan = [  # (day, country, outcomes)
        (3, "US", ["upheld"] * 4), (4, "DE", ["upheld"] * 4),
        (9, "US", ["reversed", "upheld"]), (10, "US", ["reversed", "upheld"]), (11, "DE", ["reversed", "upheld"]),
        (13, "DE", ["upheld", "upheld"]), (14, "GB", ["upheld", "upheld"]),
    ]
    rows, n = [], 0
    for day, country, outcomes in plan:
        for outcome in outcomes:
            n += 1
            rows.append(dict(appeal_id=n, case_id=100 + n, submitted_at=T(2026, 11, day, 9),
                             decided_at=T(2026, 11, day, 11), country_code=country, appellant_type="seller",
                             policy="counterfeit", original_action="remove", original_channel="algo",
                             outcome=outcome, reviewer="r1", sla_hours=48.0, qa_score=80.0, is_reappeal=False))
    return rows


@pytest.fixture(scope="module")
def tiny_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('alerts') / 'tiny.duckdb'}"
    countries = frame("countries", [dict(country_code="US", country_name="United States", region="Americas"),
                                    dict(country_code="DE", country_name="Germany", region="Europe"),
                                    dict(country_code="GB", country_name="United Kingdom", region="Europe")])
    load_frames(url, {"appeals": frame("appeals", _appeals()), "countries": countries})
    return url


@pytest.fixture()
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhooks]:
    with webhook_server() as server:
        monkeypatch.setenv("TEST_OPS_WEBHOOK", server.url("/ops"))
        yield server


def _files(tmp_path: Path, rules: str, max_attempts: int = 3) -> list[str]:
    (tmp_path / "rules.toml").write_text(rules)
    (tmp_path / "delivery.toml").write_text(
        f'base_url = "https://gov.example.com"\nmax_attempts = {max_attempts}\nretry_minutes = 5\n'
        '[targets.ops]\nkind = "webhook"\nurl_env = "TEST_OPS_WEBHOOK"\n')
    return ["--rules", str(tmp_path / "rules.toml"), "--delivery", str(tmp_path / "delivery.toml"),
            "--credentials", str(DEMO_USERS), "--state-url", f"sqlite:///{tmp_path / 'state.sqlite'}"]


def _run(capsys: pytest.CaptureFixture[str], url: str, files: list[str], now: str, *extra: str) -> list[dict[str, Any]]:
    code = cli.main(["alerts", "run", "--url", url, *files, "--now", now, "--format", "json", *extra])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return json.loads(out)


DAILY = """
[[alert]]
name = "Appeals per day"
metric = "appeals.submitted"
condition = "above"
value = 1
period = "day"
timezone = "UTC"
for_evaluations = 2
cooldown_hours = 100
recipients = ["admin"]
deliver = ["ops"]
"""


def test_pending_then_firing_cooldown_resolved_and_idempotent_reruns(
        tiny_url: str, tmp_path: Path, hooks: Webhooks, capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(tmp_path, DAILY)
    states = []
    for day in (10, 11, 12, 13, 14, 15):  # each run evaluates the day before
        now = f"2026-11-{day}T08:00:00"
        first = _run(capsys, tiny_url, files, now)[0]
        again = _run(capsys, tiny_url, files, now)[0]  # cron ran twice: nothing new
        assert again["already_evaluated"] and again["state"] == first["state"]
        states.append((first["state"], first["notify"]))
    assert states == [
        ("pending", None),      # 9 Nov: 2 > 1, first of the 2 evaluations needed
        ("firing", "firing"),   # 10 Nov: second in a row
        ("firing", None),       # 11 Nov: still firing, 24 h after the notification < 100 h cooldown
        ("ok", "resolved"),     # 12 Nov: no appeals
        ("pending", None),      # 13 Nov
        ("firing", None),       # 14 Nov: fires again 96 h after the last firing notification: cooled down not yet
    ]
    texts = [body["message"] for body in hooks.bodies("/ops")]
    assert len(texts) == 2  # one firing, one resolved, never twice
    assert hooks.bodies("/ops")[0]["title"].startswith("[FIRING] Appeals per day: Appeals submitted 2")
    assert hooks.bodies("/ops")[1]["title"].startswith("[RESOLVED] Appeals per day")
    assert "Value: 2 against a threshold: above 1" in texts[0]


def test_dry_run_prints_the_contract_and_records_nothing(
        tiny_url: str, tmp_path: Path, hooks: Webhooks, capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(tmp_path, DAILY.replace("for_evaluations = 2", "for_evaluations = 1"))
    for _ in range(2):
        result = _run(capsys, tiny_url, files, "2026-11-11T08:00:00", "--dry-run")[0]
        # a dry run records nothing: the second one is not "already evaluated" and would fire again
        assert result["state"] == "firing" and result["notify"] == "firing" and not result["already_evaluated"]
    assert {"alert", "recipient", "state", "value", "threshold", "delta", "drivers"} <= set(result)
    assert (result["value"], result["threshold"], result["delta"]) == (2, 1, 0)  # 10 Nov: 2, 9 Nov: 2
    assert hooks.received == []


WEEKLY = """
[[alert]]
name = "Overturn off target"
metric = "appeals.overturn_rate"
condition = "off_target"
period = "week"
timezone = "Asia/Singapore"
recipients = ["admin", "europe"]
deliver = ["ops"]
"""


def test_a_regional_recipient_gets_its_own_numbers_and_no_other_market(
        tiny_url: str, tmp_path: Path, hooks: Webhooks, capsys: pytest.CaptureFixture[str]) -> None:
    # Monday 16 Nov 07:00 in Singapore is Sunday 23:00 UTC: the last complete week there is 9-15 Nov
    results = _run(capsys, tiny_url, _files(tmp_path, WEEKLY), "2026-11-16T07:00:00+08:00")
    admin, europe = results
    assert admin["period"] == europe["period"] == {"start": "2026-11-09", "end": "2026-11-15"}
    assert (admin["value"], admin["target"], admin["previous"]) == (0.3, 0.15, 0.0)
    assert europe["value"] == pytest.approx(1 / 6, abs=1e-9)
    assert europe["markets"] == ["DE", "ES", "FR", "GB", "IE", "IT"]  # the user's scope (of it, DE and GB have data)
    assert admin["state"] == europe["state"] == "firing"
    by_recipient = {body["recipient"]: body for body in hooks.bodies("/ops")}
    admin_text, europe_text = by_recipient["admin"]["message"], by_recipient["europe"]["message"]
    assert "Value: 30.0% against a target of 15.0% (off target)" in admin_text
    assert "Value: 16.7% against a target of 15.0% (off target)" in europe_text
    assert "Change: +16.7 pp" in europe_text and "Change: +30.0 pp" in admin_text
    assert "US" not in europe_text and "United States" not in europe_text and "US" in admin_text
    # the drivers of the message are the driver analysis's, in the recipient's scope
    assert "Top 2 drivers" in europe_text or "Top 1 drivers" in europe_text or "Top 3 drivers" in europe_text
    assert europe["drivers"] and all("US" not in d["segment"] for d in europe["drivers"])
    link = "https://gov.example.com/appeals?range=Custom+range&start=2026-11-09&end=2026-11-15" + "".join(
        f"&countries={c}" for c in ("DE", "ES", "FR", "GB", "IE", "IT"))
    assert f"Open the page: {link}" in europe_text
    assert "Open the page: https://gov.example.com/appeals?range=Custom+range&start=2026-11-09&end=2026-11-15\n" \
        in admin_text + "\n"


def test_no_data_and_error_are_different_states(
        tiny_url: str, tmp_path: Path, hooks: Webhooks, capsys: pytest.CaptureFixture[str]) -> None:
    rules = """
[[alert]]
name = "Daily overturn"
metric = "appeals.overturn_rate"
condition = "above"
value = 0.4
period = "day"
recipients = ["admin"]

[[alert]]
name = "US for Europe"
metric = "appeals.overturn_rate"
condition = "above"
value = 0.4
period = "day"
countries = ["US"]
recipients = ["europe"]
"""
    daily, out_of_scope = _run(capsys, tiny_url, _files(tmp_path, rules), "2026-11-13T08:00:00")
    assert daily["state"] == "no_data" and daily["value"] is None  # 12 Nov: no appeal decided
    assert out_of_scope["state"] == "error" and "scope" in out_of_scope["error"]
    (tmp_path / "broken").mkdir()
    broken = _files(tmp_path / "broken", rules)
    empty = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    load_frames(empty, {})
    engine = sa.create_engine(empty)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE appeals"))
    engine.dispose()
    failed = _run(capsys, empty, broken, "2026-11-13T08:00:00")[0]
    assert failed["state"] == "error" and "appeals" in failed["error"]


def test_a_failed_delivery_is_retried_with_backoff_and_delivered_once(
        tiny_url: str, tmp_path: Path, hooks: Webhooks, capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(tmp_path, DAILY.replace("for_evaluations = 2", "for_evaluations = 1"))
    hooks.fail_next = 1
    assert _run(capsys, tiny_url, files, "2026-11-11T08:00:00")[0]["notify"] == "firing"
    assert hooks.failed == 1 and hooks.received == []
    _run(capsys, tiny_url, files, "2026-11-11T08:04:00")  # the retry waits 5 minutes
    assert hooks.failed == 1 and hooks.received == []
    _run(capsys, tiny_url, files, "2026-11-11T08:05:00")
    _run(capsys, tiny_url, files, "2026-11-11T09:00:00")
    assert hooks.failed == 1 and len(hooks.bodies("/ops")) == 1


def test_after_max_attempts_a_delivery_is_marked_failed(
        tiny_url: str, tmp_path: Path, hooks: Webhooks, capsys: pytest.CaptureFixture[str]) -> None:
    from alerts.setup import open_alert_store

    files = _files(tmp_path, DAILY.replace("for_evaluations = 2", "for_evaluations = 1"), max_attempts=2)
    hooks.fail_next = 99
    for now in ("2026-11-11T08:00:00", "2026-11-11T08:05:00", "2026-11-11T09:00:00", "2026-11-11T12:00:00"):
        _run(capsys, tiny_url, files, now)
    assert hooks.failed == 2  # two attempts, then no more
    store = open_alert_store(files[-1])
    [delivery] = store.deliveries_of("Appeals per day")
    assert (delivery["status"], delivery["attempts"]) == ("failed", 2)
    assert "500" in delivery["last_error"]


def test_the_rules_file_names_each_mistake_and_keeps_the_good_rules() -> None:
    document = {"alert": [
        {"name": "Good", "metric": "appeals.overturn_rate", "condition": "off_target", "recipients": ["admin"]},
        {"name": "Typo", "metric": "appeals.overturn", "condition": "above", "value": 1, "recipients": ["admin"]},
        {"name": "Operator", "metric": "appeals.submitted", "condition": ">>", "recipients": ["admin"]},
        {"name": "Market", "metric": "appeals.submitted", "condition": "above", "value": 1, "countries": ["XX"],
         "recipients": ["nobody"], "deliver": ["pager"]},
        {"name": "No target", "metric": "appeals.submitted", "condition": "off_target", "recipients": ["admin"]},
    ]}
    parsed = parse_rules(document, KNOWN)
    assert [rule.name for rule in parsed.alerts] == ["Good"]
    found = {(p.rule, p.key) for p in parsed.problems}
    assert found == {("Typo", "metric"), ("Operator", "condition"), ("Market", "countries"),
                     ("Market", "recipients"), ("Market", "deliver"), ("No target", "condition")}
    assert "did you mean appeals.overturn_rate" in next(str(p) for p in parsed.problems if p.rule == "Typo")


def test_alerts_check_reports_the_rule_and_key(tiny_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(tmp_path, DAILY + '\n[[alert]]\nname = "Bad"\nmetric = "appeals.submitted"\ncondition = "above"\n'
                                     'value = "lots"\nrecipients = ["admin"]\n')
    code = cli.main(["alerts", "check", "--url", tiny_url, *files])
    captured = capsys.readouterr()
    assert code == 1
    assert "rule 'Bad', key 'value': must be a number, not 'lots'" in captured.err
    assert "1 rule(s) valid, 1 problem(s)" in captured.out


def test_state_machine_steps() -> None:
    t0 = dt.datetime(2026, 11, 1)
    cooldown = dt.timedelta(hours=24)
    pending = step(None, "met", 3, cooldown, t0)
    assert (pending.status.state, pending.status.consecutive, pending.notify) == ("pending", 1, None)
    errored = step(pending.status, "error", 3, cooldown, t0 + dt.timedelta(days=1))
    assert errored.status.state == "error" and errored.status.consecutive == 1  # an error keeps the count
    fired = step(step(errored.status, "met", 3, cooldown, t0).status, "met", 3, cooldown, t0)
    assert (fired.status.state, fired.notify) == ("firing", "firing")
    reminder = step(fired.status, "met", 3, cooldown, t0 + dt.timedelta(hours=24))
    assert reminder.notify == "reminder"
    no_data = step(Status("firing", 3, t0, t0), "no_data", 3, cooldown, t0)
    assert (no_data.status.state, no_data.notify, no_data.status.consecutive) == ("no_data", None, 0)


def test_an_alert_by_email_and_to_a_slack_compatible_webhook(
        tiny_url: str, tmp_path: Path, hooks: Webhooks, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from alert_servers import smtp_server

    monkeypatch.setenv("TEST_SLACK_WEBHOOK", hooks.url("/slack"))
    rules = WEEKLY.replace('["admin", "europe"]', '["europe"]').replace('["ops"]', '["mail", "slack"]')
    with smtp_server() as box:
        files = _files(tmp_path, rules)
        delivery = Path(files[3])
        delivery.write_text(delivery.read_text() + f'[targets.mail]\nkind = "email"\nhost = "127.0.0.1"\n'
                            f'port = {box.port}\ntls = "none"\nfrom = "alerts@example.com"\n'
                            '[targets.slack]\nkind = "slack"\nurl_env = "TEST_SLACK_WEBHOOK"\n')
        [result] = _run(capsys, tiny_url, files, "2026-11-16T07:00:00+08:00")
    [mail] = box.messages
    assert box.envelopes == [("alerts@example.com", ["europe@example.com"])]
    assert mail["Subject"] == "[FIRING] Overturn off target: Overturn rate 16.7% (9-15 Nov 2026)"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Value: 16.7% against a target of 15.0% (off target)" in body
    assert result["drivers"], "the driver analysis names at least one segment"
    overturn = registry.get("appeals.overturn_rate")
    for n, driver in enumerate(result["drivers"], 1):  # the message lists the drivers the JSON holds, in order
        assert f"{n}. {driver['segment']}: {overturn.change_text(driver['contribution'])} (" in body
    assert "US" not in body
    assert "Open the page: https://gov.example.com/appeals?range=Custom+range&start=2026-11-09&end=2026-11-15" in body
    [slack] = hooks.bodies("/slack")
    assert set(slack) == {"text"}  # what a Slack incoming webhook takes
    assert slack["text"].startswith(mail["Subject"] + "\n\n") and "Top " in slack["text"]


def test_email_tls_settings_and_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from alerts.delivery import Outgoing, Target, _email_url, parse_delivery

    monkeypatch.setenv("TEST_SMTP_USER", "alerts")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "p@ss word")
    options = {"kind": "email", "host": "smtp.example.com", "port": 587, "tls": "starttls",
               "from": "alerts@example.com", "username_env": "TEST_SMTP_USER", "password_env": "TEST_SMTP_PASSWORD"}
    url = _email_url(Target("mail", "email", options), Outgoing("mail", "s", "b", email="ada@example.com"))
    assert url.startswith("mailtos://alerts:p%40ss%20word@smtp.example.com:587?mode=starttls&")
    implicit = _email_url(Target("mail", "email", {**options, "tls": "ssl", "port": 465}),
                          Outgoing("mail", "s", "b", email="ada@example.com"))
    assert implicit.startswith("mailtos://alerts:p%40ss%20word@smtp.example.com:465?mode=ssl&")
    config = parse_delivery({"targets": {"hook": {"kind": "webhook", "url": "https://hooks.example.com/x"},
                                         "mail": {**options, "tls": "maybe"}}})
    assert config.targets == {}
    assert {(p.rule, p.key) for p in config.problems} == {("[targets.hook]", "url"), ("[targets.hook]", "url_env"),
                                                         ("[targets.mail]", "tls")}
    assert "environment variable" in next(p.message for p in config.problems if p.key == "url")


def _rule(**entry: Any) -> Any:
    from alerts.rules import parse_alert

    rule, problems = parse_alert({"name": "r", "recipients": ["admin"], **entry}, 0, KNOWN)
    assert not problems, problems
    return rule


@pytest.mark.parametrize(("entry", "value", "previous", "target", "drivers", "expected"), [
    # off target for a lower-is-better metric: 0.20 > 0.15 met; 0.15 is on target (not strictly above)
    ({"metric": "appeals.overturn_rate", "condition": "off_target"}, 0.20, 0.10, 0.15, (), "met"),
    ({"metric": "appeals.overturn_rate", "condition": "off_target"}, 0.15, 0.10, 0.15, (), "not_met"),
    # higher is better: 0.90 < 0.95 met
    ({"metric": "vendors.tat_adherence", "condition": "off_target"}, 0.90, 0.96, 0.95, (), "met"),
    # a ratio's change in points: 0.20 - 0.10 = +10 pp > 5; percent: +100 % > 50
    ({"metric": "appeals.overturn_rate", "condition": "change_above", "value": 5}, 0.20, 0.10, None, (), "met"),
    ({"metric": "appeals.overturn_rate", "condition": "change_above", "value": 11}, 0.20, 0.10, None, (), "not_met"),
    ({"metric": "appeals.submitted", "condition": "change_above", "value": 50, "change": "percent"},
     30.0, 20.0, None, (), "not_met"),  # +50 % is not above 50 %
    ({"metric": "appeals.submitted", "condition": "change_below", "value": -20, "change": "percent"},
     10.0, 20.0, None, (), "met"),  # -50 % < -20 %
    # no previous value: a change cannot be judged
    ({"metric": "appeals.submitted", "condition": "change_above", "value": 1}, 10.0, None, None, (), "no_data"),
    # a driver of -3 pp (0.12 -> 0.09 in one segment's contribution) is larger than 2 pp
    ({"metric": "appeals.overturn_rate", "condition": "driver_above", "value": 2}, 0.2, 0.2, None,
     ((0.01, 0.12), (-0.03, 0.05)), "met"),
    ({"metric": "appeals.overturn_rate", "condition": "driver_above", "value": 4}, 0.2, 0.2, None,
     ((0.01, 0.12), (-0.03, 0.05)), "not_met"),
])
def test_conditions_golden(entry: dict[str, Any], value: float, previous: float | None, target: float | None,
                           drivers: tuple[tuple[float, float], ...], expected: str) -> None:
    from alerts.evaluate import DriverLine, Evaluation, condition_met
    from metrics.base import Period

    week = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    lines = tuple(DriverLine(f"s{i}", c, None, p) for i, (c, p) in enumerate(drivers))
    ev = Evaluation(_rule(**entry), "admin", week, "week:2026-11-09", "error", None, value, previous, target, lines)
    assert condition_met(ev) == expected


def test_the_period_is_the_last_complete_one_in_the_rules_time_zone() -> None:
    from alerts.periods import last_complete

    # Monday 16 Nov 01:00 UTC: already Monday in Singapore, still Sunday in Los Angeles
    now = dt.datetime(2026, 11, 16, 1, 0)
    assert (last_complete("week", "Asia/Singapore", now).start, last_complete("week", "Asia/Singapore", now).end) == \
        (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert last_complete("week", "America/Los_Angeles", now).end == dt.date(2026, 11, 8)
    assert last_complete("day", "America/Los_Angeles", now).end == dt.date(2026, 11, 14)


def test_the_state_database_can_be_postgresql(tiny_url: str, tmp_path: Path, hooks: Webhooks,
                                              postgres_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(tmp_path, DAILY.replace("for_evaluations = 2", "for_evaluations = 1"))
    files[-1] = postgres_database
    first = _run(capsys, tiny_url, files, "2026-11-11T08:00:00")[0]
    again = _run(capsys, tiny_url, files, "2026-11-11T08:00:00")[0]
    assert (first["state"], first["notify"], again["already_evaluated"]) == ("firing", "firing", True)
    assert len(hooks.bodies("/ops")) == 1


def test_migration_0002_adds_the_alert_tables_to_a_database_at_0001_and_keeps_its_rows(tmp_path: Path) -> None:
    from alembic import command

    from state import migrate
    from state.store import StateStore, open_store

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # a state database of the release before alerts
        command.upgrade(migrate._config(connection), "0001")
    old = StateStore(engine)
    jti = old.issue_token("admin", dt.timedelta(days=1))
    assert migrate.current_revision(engine) == "0001"
    store = open_store(url)
    assert migrate.current_revision(store.engine) == migrate.head_revision()  # 0002 and every later one
    assert {"alert_status", "alert_evaluations", "deliveries", "report_runs"} <= set(sa.inspect(store.engine).get_table_names())
    assert store.token_valid(jti, "admin", dt.timedelta(days=1))
    with store.engine.begin() as connection:
        command.downgrade(migrate._config(connection), "0001")
    assert "deliveries" not in sa.inspect(store.engine).get_table_names()


def test_email_over_starttls_with_a_login_from_the_environment(
        tiny_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from alert_servers import starttls_smtp_server

    monkeypatch.setenv("TEST_SMTP_USER", "alerts")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret pass")
    rules = WEEKLY.replace('["admin", "europe"]', '["admin"]').replace('["ops"]', '["mail"]')
    with starttls_smtp_server(str(tmp_path), "alerts", "s3cret pass") as box:
        files = _files(tmp_path, rules, max_attempts=1)
        delivery = Path(files[3])
        delivery.write_text(delivery.read_text() + f'[targets.mail]\nkind = "email"\nhost = "127.0.0.1"\n'
                            f'port = {box.port}\ntls = "starttls"\nfrom = "alerts@example.com"\n'
                            'username_env = "TEST_SMTP_USER"\npassword_env = "TEST_SMTP_PASSWORD"\n'
                            'verify_certificate = false\n')
        _run(capsys, tiny_url, files, "2026-11-16T07:00:00+08:00")
        # the same target with a wrong password: the server refuses, the delivery is failed
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
        (tmp_path / "second").mkdir()
        second = _files(tmp_path / "second", rules, max_attempts=1)
        Path(second[3]).write_text(delivery.read_text())
        _run(capsys, tiny_url, second, "2026-11-16T07:00:00+08:00")
    [mail] = box.messages
    assert mail["Subject"].startswith("[FIRING] Overturn off target") and mail["To"] == "admin@example.com"
    from alerts.setup import open_alert_store

    [refused] = open_alert_store(second[-1]).deliveries_of("Overturn off target")
    assert refused["status"] == "failed"
