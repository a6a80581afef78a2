"""The state database and what it makes possible: revocable logins, throttling, the audit log (issue 11).

AppTest runs get their request cookies from tests/app_login.py (see conftest.app_request_cookies).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import statistics
import time
from pathlib import Path

import jwt
import pytest
import sqlalchemy as sa
import yaml
from streamlit.testing.v1 import AppTest

import app_login
from app_login import log_in
from auth.throttle import password_matches
from auth.tokens import COOKIE_NAME, decode_token
from auth.users import DEMO_CREDENTIALS_PATH, load_users
from cli import main as cli_main
from state import migrate
from state.store import AuditEvent, StateStore, ThrottlePolicy, open_store, state_url, utc_now

COOKIE_KEY = secrets.token_urlsafe(48)
PASSWORDS = {"admin": "demo-admin-2026", "viewer": "demo-viewer-2026", "europe": "demo-europe-2026"}


@pytest.fixture(autouse=True)
def app_env(monkeypatch: pytest.MonkeyPatch, small_demo_url: str, tmp_path: Path) -> StateStore:
    monkeypatch.setenv("GOVERNANCE_DB_URL", small_demo_url)
    monkeypatch.setenv("GOVERNANCE_CREDENTIALS", str(DEMO_CREDENTIALS_PATH))
    monkeypatch.setenv("GOVERNANCE_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("GOVERNANCE_LOGIN_SLEEP_SECONDS", "0")
    monkeypatch.delenv("GOVERNANCE_CONFIG", raising=False)
    # one state database per test: lockouts and revocations of one test do not leak into another
    monkeypatch.setenv("GOVERNANCE_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    return open_store()


def the_key() -> str:
    return COOKIE_KEY


def open_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=90)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shows_data(at: AppTest) -> bool:
    return len(at.metric) > 0 and any("Signed in as" in c.value for c in at.caption)


def shows_login_form(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["Username", "Password"] and not at.metric


def submit_login(username: str, password: str) -> AppTest:
    """A new session (a new tab) that submits the login form."""
    at = AppTest.from_file("../app.py", default_timeout=90)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# ---- the state database -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_state_schema_is_created_by_migrations_and_upgrading_twice_changes_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (f"sqlite:///{tmp_path / 'fresh.sqlite'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_database"))
    engine = sa.create_engine(url)
    assert migrate.current_revision(engine) is None  # an empty database
    store = open_store(url)
    assert migrate.current_revision(store.engine) == migrate.head_revision() == "0003_views_annotations"
    assert {"login_tokens", "login_attempts", "audit_log", "alembic_version"} <= set(sa.inspect(engine).get_table_names())
    jti = store.issue_token("admin", dt.timedelta(days=1))
    assert migrate.upgrade(store.engine) == "0003_views_annotations"
    assert store.token_valid(jti, "admin", dt.timedelta(days=1))  # nothing was dropped or recreated
    store.engine.dispose()
    engine.dispose()


def test_cli_state_upgrade_prints_the_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert cli_main(["state", "upgrade", "--state-url", url]) == 0
    assert json.loads(capsys.readouterr().out) == {"state_url": url, "revision": "0003_views_annotations"}


def test_an_unreachable_state_database_refuses_logins_and_loses_nothing(
    monkeypatch: pytest.MonkeyPatch, app_env: StateStore
) -> None:
    log_in("admin")
    assert shows_data(open_app())  # the control; its login is in the audit log
    good = state_url()
    monkeypatch.setenv("GOVERNANCE_STATE_URL", "postgresql+psycopg://app:secret@127.0.0.1:9/state")
    down = open_app()
    assert not down.metric and not down.text_input  # fails closed: no data, and no form to try
    (message,) = [e.value for e in down.error]
    assert "state database" in message and "not available" in message and "secret" not in message
    monkeypatch.setenv("GOVERNANCE_STATE_URL", good)
    assert shows_data(open_app())
    logins = app_env.audit_events(utc_now() - dt.timedelta(hours=1), utc_now() + dt.timedelta(hours=1),
                                  actions=("login",))
    assert logins.height == 2  # before the outage and after it


# ---- finding 6: revocable tokens and the server's maximum age ------------------------------------------


def test_a_cookie_copied_before_logout_no_longer_logs_in(app_env: StateStore) -> None:
    jti = log_in("admin")  # the browser's cookie; REQUEST_COOKIES keeps the copy
    at = open_app()
    assert shows_data(at)
    at.button(key="logout_button").click().run()
    assert shows_login_form(at)
    replay = open_app()  # a new tab presenting the copied cookie
    assert shows_login_form(replay)
    assert not app_env.token_valid(jti, "admin", dt.timedelta(days=7))


def test_a_recorded_cookie_logs_in_but_an_unrecorded_one_with_the_right_key_does_not() -> None:
    log_in("viewer")
    assert shows_data(open_app())
    claims = decode_token(app_login.REQUEST_COOKIES[COOKIE_NAME], the_key())
    assert claims is not None
    app_login.REQUEST_COOKIES[COOKIE_NAME] = jwt.encode({**claims, "jti": "never-issued"}, the_key(), "HS256")
    assert shows_login_form(open_app())


@pytest.mark.parametrize(("age_days", "logged_in"), [(1.0, True), (8.0, False)])
def test_the_server_max_age_holds_whatever_expiry_the_token_claims(
    app_env: StateStore, age_days: float, logged_in: bool
) -> None:
    issued = utc_now() - dt.timedelta(days=age_days)
    jti = app_env.issue_token("admin", dt.timedelta(days=7), now=issued)
    year_2286 = dt.datetime(2286, 1, 1).timestamp()
    app_login.REQUEST_COOKIES[COOKIE_NAME] = jwt.encode(
        {"username": "admin", "jti": jti, "exp_date": year_2286}, the_key(), "HS256")
    at = open_app()
    assert shows_data(at) is logged_in
    assert shows_login_form(at) is not logged_in


def test_lowering_the_max_age_ends_older_logins(monkeypatch: pytest.MonkeyPatch, app_env: StateStore) -> None:
    jti = app_env.issue_token("admin", dt.timedelta(days=7), now=utc_now() - dt.timedelta(days=2))
    app_login.REQUEST_COOKIES[COOKIE_NAME] = jwt.encode({"username": "admin", "jti": jti}, the_key(), "HS256")
    assert shows_data(open_app())
    monkeypatch.setenv("GOVERNANCE_TOKEN_MAX_AGE_DAYS", "1")
    assert shows_login_form(open_app())


def test_revoke_user_ends_the_sessions_that_are_open(app_env: StateStore, capsys: pytest.CaptureFixture[str]) -> None:
    log_in("europe")
    at = open_app()
    assert shows_data(at)
    assert cli_main(["revoke-user", "europe"]) == 0
    assert "revoked 1 login token(s) of 'europe'" in capsys.readouterr().out
    at.run()  # the next rerun of the open tab
    assert shows_login_form(at)
    revocations = app_env.audit_events(utc_now() - dt.timedelta(hours=1), utc_now() + dt.timedelta(hours=1),
                                       actions=("revocation",))
    assert json.loads(revocations["detail"][0]) == {"tokens": 1, "user": "europe"}


def test_removing_a_user_from_the_credentials_file_ends_their_open_session(
        app_env: StateStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log_in("europe")
    at = open_app()
    assert shows_data(at)
    document = yaml.safe_load(DEMO_CREDENTIALS_PATH.read_text())
    del document["credentials"]["usernames"]["europe"]
    without_europe = tmp_path / "users.yaml"
    without_europe.write_text(yaml.safe_dump(document))
    monkeypatch.setenv("GOVERNANCE_CREDENTIALS", str(without_europe))
    at.run()  # the next rerun of the open tab, with the same valid login cookie
    assert not at.metric and not any("Signed in as" in c.value for c in at.caption)
    assert "Your account no longer exists. Log in again." in [e.value for e in at.error]
    assert "europe" not in load_users(without_europe)["usernames"]  # the edit really removed the user


# ---- finding 5: throttling across sessions, and the same bcrypt work for unknown users -----------------


def test_repeated_failures_lock_the_account_across_sessions_even_for_the_right_password(app_env: StateStore) -> None:
    for _ in range(ThrottlePolicy().max_failures_per_user):
        failed = submit_login("viewer", "wrong password")  # each in a new session, as parallel tabs are
        assert [e.value for e in failed.error] == ["Username or password is incorrect."]
    locked = submit_login("viewer", PASSWORDS["viewer"])
    assert not locked.metric
    (message,) = [e.value for e in locked.error]
    assert message.startswith("Too many failed logins for this account. Try again after ") and "UTC" in message
    other = submit_login("admin", "wrong password")  # another account is not locked
    assert [e.value for e in other.error] == ["Username or password is incorrect."]
    actions = app_env.audit_events(utc_now() - dt.timedelta(hours=1), utc_now() + dt.timedelta(hours=1))["action"]
    assert actions.to_list().count("login_failed") == 6 and actions.to_list().count("lockout") == 1


def test_a_lockout_says_when_to_retry_and_ends_then(app_env: StateStore) -> None:
    policy = ThrottlePolicy(max_failures_per_user=3, max_failures_per_client=5, window=dt.timedelta(minutes=10))
    start = dt.datetime(2026, 12, 1, 9, 0)
    for minute in (0, 2, 4):  # three failures of one account from three addresses
        app_env.record_attempt("maria", f"10.0.0.{minute}", False, now=start + dt.timedelta(minutes=minute))
    lock = app_env.lockout("maria", "10.9.9.9", policy, now=start + dt.timedelta(minutes=5))
    assert lock is not None and lock.reason == "account"
    assert lock.retry_at == start + dt.timedelta(minutes=10)  # the oldest of the three leaves the window at 9:10
    assert "Try again after 09:10 UTC (in about 5 min)" in lock.message(start + dt.timedelta(minutes=5))
    assert app_env.lockout("maria", "10.9.9.9", policy, now=start + dt.timedelta(minutes=10, seconds=1)) is None


def test_one_address_trying_many_accounts_is_locked_out(app_env: StateStore) -> None:
    policy = ThrottlePolicy(max_failures_per_user=5, max_failures_per_client=4)
    now = utc_now()
    for n in range(4):
        app_env.record_attempt(f"guess{n}", "203.0.113.7", False, now=now)
    lock = app_env.lockout("guess9", "203.0.113.7", policy, now=now)
    assert lock is not None and lock.reason == "address"
    assert app_env.lockout("guess9", "198.51.100.1", policy, now=now) is None


def median_seconds(check, runs: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        check()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved_medians(first, second, runs: int = 9) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median seconds of two checks timed in alternation, so a load spike on a shared machine slows both."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for check, bucket in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            check()
            bucket.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def test_an_unknown_user_costs_the_same_bcrypt_work_as_a_real_one() -> None:
    credentials = load_users()
    known, unknown = interleaved_medians(lambda: password_matches(credentials, "admin", "wrong password"),
                                         lambda: password_matches(credentials, "nobody-by-this-name", "wrong password"))
    assert 0.7 < unknown / known < 1.4, (known, unknown)
    # the control: the library's own check answers an unknown user without bcrypt
    import streamlit_authenticator as stauth

    library = stauth.Authenticate(credentials, "c", "k" * 40, 1.0, auto_hash=False)
    check = library.authentication_controller.authentication_model.check_credentials
    assert median_seconds(lambda: check("nobody-by-this-name", "wrong password")) < known * 0.2


# ---- the audit log ------------------------------------------------------------------------------------


def test_page_views_are_audited_once_per_page_and_filters(app_env: StateStore) -> None:
    log_in("europe")
    at = open_app("app_pages/appeals.py")
    at.run()  # a rerun of the same view is not a new view
    views = app_env.audit_events(utc_now() - dt.timedelta(hours=1), utc_now() + dt.timedelta(hours=1),
                                 actions=("page_view",))
    assert views["page"].to_list() == ["appeals", "overview"]  # newest first
    assert set(views["username"]) == {"europe"}
    assert "filters" in json.loads(views["detail"][0])


def test_an_export_is_audited_with_its_kind_and_rows(app_env: StateStore) -> None:
    from auth.audit import Auditor

    auditor = Auditor(app_env, "admin", "127.0.0.1")
    build = auditor.export("appeals", "csv", "records", 42, lambda: b"a,b\n")
    assert app_env.audit_events(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)).is_empty()  # not yet clicked
    assert build() == b"a,b\n"
    (event,) = app_env.audit_events(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)).iter_rows(named=True)
    assert (event["username"], event["action"], event["page"], event["client"]) == ("admin", "export", "appeals",
                                                                                    "127.0.0.1")
    assert json.loads(event["detail"]) == {"file": "csv", "rows": 42, "what": "records"}


def test_an_unknown_audit_action_is_refused(app_env: StateStore) -> None:
    with pytest.raises(ValueError, match="unknown audit action 'deleted'"):
        app_env.record(AuditEvent("admin", "deleted"))


def test_admins_see_the_audit_page_with_the_events(app_env: StateStore) -> None:
    log_in("admin")
    at = open_app("app_pages/audit.py")
    assert "Audit log" in [t.value for t in at.title]
    (table,) = [d.value for d in at.dataframe]
    assert {"login", "page_view"} <= set(table["action"])
    assert {"CSV", "XLSX"} <= {b.proto.label for b in at.get("download_button")}


@pytest.mark.parametrize("username", ["europe", "viewer"])
def test_other_roles_have_no_audit_page(username: str) -> None:
    log_in(username)
    at = open_app()
    assert shows_data(at)
    with pytest.raises(ValueError, match="audit.py"):  # not in their navigation at all
        at.switch_page("app_pages/audit.py")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_tokens_attempts_and_audit_behave_the_same_on_every_state_backend(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (f"sqlite:///{tmp_path / 'same.sqlite'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_database"))
    store = open_store(url)
    day = dt.timedelta(days=1)
    first, second = store.issue_token("maria", day), store.issue_token("maria", day)
    other = store.issue_token("omar", day)
    assert store.revoke_token(first, "logout") and not store.revoke_token(first, "logout")  # once
    assert store.revoke_user("maria", "admin") == 1  # only the one still valid
    assert not store.token_valid(second, "maria", day) and store.token_valid(other, "omar", day)
    now = utc_now()
    policy = ThrottlePolicy(max_failures_per_user=3, max_failures_per_client=5)
    for minutes_ago in (9, 8, 7):
        store.record_attempt("maria", "10.0.0.1", False, now=now - dt.timedelta(minutes=minutes_ago))
    lock = store.lockout("maria", "", policy, now=now)
    assert lock is not None and lock.retry_at == now - dt.timedelta(minutes=9) + policy.window
    store.record_attempt("maria", "10.0.0.2", True, now=now - dt.timedelta(minutes=6))  # (before the lockout began)
    assert store.lockout("maria", "", policy, now=now) is None  # her own success cleared the account's count
    store.record_attempt("maria", "10.0.0.1", False, now=now)
    store.record_attempt("maria", "10.0.0.1", False, now=now)
    address_lock = store.lockout("ana", "10.0.0.1", policy, now=now)  # 5 failures from the address in all
    assert address_lock is not None and address_lock.reason == "address"
    store.record(AuditEvent("maria", "export", "appeals", {"file": "csv", "rows": 3}, "10.0.0.1"), now=now)
    (event,) = store.audit_events(now - day, now + day).iter_rows(named=True)
    assert (event["action"], json.loads(event["detail"])) == ("export", {"file": "csv", "rows": 3})
    store.engine.dispose()
