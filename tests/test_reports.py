"""Scheduled reports: rendered without a browser within each recipient's scope, mailed over a local
SMTP server (the PDF's text is read back) or posted to a local webhook, once per scheduled time.

The data is tests/test_alerts.py's: the overturn rate of 9-15 Nov 2026 is 3/10 = 30.0 % for the
admin (0 % the week before) and 1/6 = 16.7 % for the europe user (DE and GB only).
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pypdf
import pytest

import cli
from alert_servers import smtp_server, webhook_server
from test_alerts import DEMO_USERS, tiny_url  # noqa: F401 - the module's fixture

REVIEW = """
[[report]]
name = "Weekly review"
page = "review"
format = "{format}"
schedule = "Mon 07:00"
timezone = "Asia/Singapore"
metrics = ["appeals.overturn_rate"]
recipients = ["admin", "europe"]
deliver = ["{target}"]
"""


def _files(tmp_path: Path, rules: str, delivery: str) -> list[str]:
    (tmp_path / "rules.toml").write_text(rules)
    (tmp_path / "delivery.toml").write_text('base_url = "https://gov.example.com"\n' + delivery)
    return ["--rules", str(tmp_path / "rules.toml"), "--delivery", str(tmp_path / "delivery.toml"),
            "--credentials", str(DEMO_USERS), "--state-url", f"sqlite:///{tmp_path / 'state.sqlite'}"]


def _run(capsys: pytest.CaptureFixture[str], url: str, files: list[str], now: str) -> list[dict[str, Any]]:
    code = cli.main(["reports", "run", "--due", "--url", url, *files, "--now", now])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_weekly_review_pdf_by_email_in_each_recipients_scope(
        tiny_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    with smtp_server() as box:
        files = _files(tmp_path, REVIEW.format(format="pdf", target="mail"),
                       f'[targets.mail]\nkind = "email"\nhost = "127.0.0.1"\nport = {box.port}\ntls = "none"\n'
                       'from = "alerts@example.com"\n')
        results = _run(capsys, tiny_url, files, "2026-11-16T07:30:00+08:00")
        assert [r["period"] for r in results] == [{"start": "2026-11-09", "end": "2026-11-15"}] * 2
        rerun = _run(capsys, tiny_url, files, "2026-11-17T09:00:00+08:00")  # same scheduled Monday: nothing new
        assert all(r["already_sent"] for r in rerun)
        assert len(box.messages) == 2
    mails = {message["To"]: message for message in box.messages}
    assert set(mails) == {"admin@example.com", "europe@example.com"}
    for message in mails.values():
        assert message["Subject"] == "Weekly review: Weekly review: 9-15 Nov 2026 vs 2-8 Nov 2026"
    texts = {}
    for to, message in mails.items():
        body = message.get_body(preferencelist=("plain",)).get_content()
        [attachment] = [part for part in message.iter_attachments()]
        assert attachment.get_filename() == "weekly-review-2026-11-09-2026-11-15.pdf"
        texts[to] = (body, _pdf_text(attachment.get_content()))
    admin_body, admin_pdf = texts["admin@example.com"]
    europe_body, europe_pdf = texts["europe@example.com"]
    assert "Overturn rate rose from 0.0% to 30.0% (+30.0 pp)" in admin_pdf.replace("\n", " ")
    assert "Overturn rate rose from 0.0% to 16.7% (+16.7 pp)" in europe_pdf.replace("\n", " ")
    assert "30.0%" in admin_body and "16.7%" in europe_body
    assert "US" not in europe_pdf and "US" not in europe_body
    assert "Open the page: https://gov.example.com/review?range=Custom+range&start=2026-11-09&end=2026-11-15" in admin_body


def test_overview_csv_to_a_webhook(tiny_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                   capsys: pytest.CaptureFixture[str]) -> None:
    rules = REVIEW.format(format="csv", target="ops").replace('page = "review"', 'page = "overview"').replace(
        'recipients = ["admin", "europe"]', 'recipients = ["europe"]')
    with webhook_server() as hooks:
        monkeypatch.setenv("TEST_REPORT_HOOK", hooks.url("/reports"))
        files = _files(tmp_path, rules, '[targets.ops]\nkind = "webhook"\nurl_env = "TEST_REPORT_HOOK"\n')
        _run(capsys, tiny_url, files, "2026-11-16T08:00:00+08:00")
    [posted] = hooks.bodies("/reports")
    [attachment] = posted["attachments"]
    csv = base64.b64decode(attachment["base64"]).decode()
    assert csv.splitlines()[0] == "program,metric,label,value,previous,delta,target,status"
    assert "Appeals,appeals.overturn_rate,Overturn rate,0.166666667,0.0,0.166666667,0.15,off_target" in csv
    assert posted["report"] == "Weekly review" and "1 of 1 KPIs off target" in posted["message"]


def test_a_schedule_that_is_not_a_time_is_named(tiny_url: str, tmp_path: Path,  # noqa: F811
                                                capsys: pytest.CaptureFixture[str]) -> None:
    files = _files(tmp_path, REVIEW.format(format="docx", target="mail").replace("Mon 07:00", "Monday 7am"), "")
    assert cli.main(["alerts", "check", "--url", tiny_url, *files]) == 1
    err = capsys.readouterr().err
    assert "rule 'Weekly review', key 'schedule': 'Monday 7am' is not like 'Mon 07:00'" in err
    assert "rule 'Weekly review', key 'format': 'docx' is not one of pdf, md, csv" in err


APPEALS_PAGE = """
[[report]]
name = "Appeals page"
page = "appeals"
format = "md"
schedule = "Mon 07:00"
timezone = "UTC"
recipients = ["admin", "europe"]
deliver = ["ops"]
"""


def test_a_domain_page_report_has_its_cards_and_its_markets_in_each_recipients_scope(
        tiny_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    # 9-15 Nov, appeals decided by market (tests/test_alerts.py): US 4 with 2 reversed (50.0 %), DE 4 with
    # 1 reversed (25.0 %), GB 2 with none (0.0 %); all markets 3/10 = 30.0 %, the europe user's 1/6 = 16.7 %.
    with webhook_server() as hooks:
        monkeypatch.setenv("TEST_REPORT_HOOK", hooks.url("/reports"))
        files = _files(tmp_path, APPEALS_PAGE, '[targets.ops]\nkind = "webhook"\nurl_env = "TEST_REPORT_HOOK"\n')
        results = _run(capsys, tiny_url, files, "2026-11-16T08:00:00Z")
    assert [r.get("error") for r in results] == [None, None]
    posted = {post["recipient"]: post for post in hooks.bodies("/reports")}
    documents = {who: base64.b64decode(post["attachments"][0]["base64"]).decode() for who, post in posted.items()}
    admin, europe = documents["admin"], documents["europe"]
    assert admin.startswith("# Appeals: 9-15 Nov 2026 vs 2-8 Nov 2026")
    assert "| Appeals | Overturn rate | 30.0% | 0.0% | +30.0 pp |" in admin
    assert "| Appeals | Overturn rate | 16.7% | 0.0% | +16.7 pp |" in europe
    rows = {line.split(" | ")[0].strip("| "): line for line in admin.split("## Appeals by market")[1].splitlines()
            if line.startswith("| ") and "Market" not in line}
    assert set(rows) == {"DE", "GB", "US"}
    assert "| 50.0% |" in rows["US"] and "| 25.0% |" in rows["DE"] and "| 0.0% |" in rows["GB"]
    europe_rows = [line for line in europe.split("## Appeals by market")[1].splitlines() if line.startswith("| ")]
    assert [line.split(" | ")[0].strip("| ") for line in europe_rows[1:]] == ["DE", "GB"]  # after the header
    assert "US" not in europe
    assert "https://gov.example.com/appeals?" in posted["europe"]["message"]
