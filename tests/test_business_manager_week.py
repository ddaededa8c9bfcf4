"""The Business Manager's week, through e-mail alone (issue 10, "done when").

A real Dovecot holds the shared mailbox; mailbot's mail goes to a real SMTP listener (aiosmtpd),
from which the test reads what the Business Manager, the IROs and the managers would read: the
digest with its Q- handles, the answers to her commands, the workbook OPEN attaches. The daemon
runs pass by pass (``Daemon.run_once``) on an injected clock, so a week takes seconds and no test
waits for a deadline. The directory change is a real edit of the configuration file, taken into
use by the running daemon without a restart. Nothing is mocked.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from openpyxl import load_workbook

from mailbot.cli import main
from mailbot.config import load_config
from mailbot.daemon import Daemon
from mailbot.domain import Status
from mailbot.service import Mailbot
from mailbot.shell import make_sink, make_source
from store import repository as repo
from test_daemon import PASSWORD_ENV, write_config

pytestmark = pytest.mark.slow
LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"
BM = f"chris.bm@{DOMAIN}"


class Week:
    """The mailbox, the listener and a daemon on a clock the test moves."""

    def __init__(self, root: Path, folder: Path, dovecot, smtp) -> None:
        self.dovecot, self.smtp = dovecot, smtp
        self.config_path = write_config(root, folder, dovecot, smtp)
        self.now = datetime(2027, 5, 10, 9, 0, tzinfo=LONDON)
        config = load_config(self.config_path)
        self.bot = Mailbot(config)
        self.daemon = Daemon(self.bot, make_source(config), make_sink(config), clock=lambda: self.now)
        self.read = 0  # how many of the listener's messages the test has looked at
        self.count = 0

    def at(self, text: str) -> None:
        self.now = datetime.fromisoformat(text).replace(tzinfo=LONDON)

    def write(self, sender: str, subject: str, body: str, *, to: str = "drp", in_reply_to: str | None = None,
              **headers: str) -> str:
        """``sender`` writes to the mailbox (copying ``to``); the daemon makes one pass."""
        self.count += 1
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = f"{sender}@{DOMAIN}"
        msg["To"] = f"{to}@{DOMAIN}"
        if to != "drp":
            msg["Cc"] = f"drp@{DOMAIN}"
        msg["Subject"] = subject
        msg["Date"] = format_datetime(self.now)
        mid = f"week-{self.count}@{DOMAIN}"
        msg["Message-ID"] = f"<{mid}>"
        if in_reply_to:
            msg["In-Reply-To"] = msg["References"] = f"<{in_reply_to}>"
        for name, value in headers.items():
            msg[name.replace("_", "-")] = value
        msg.set_content(body)
        self.dovecot.append("drp", "INBOX", msg.as_bytes())
        self.daemon.run_once()
        return mid

    def pass_(self) -> None:
        self.daemon.run_once()

    def new_mail(self) -> list[EmailMessage]:
        """What reached the listener since the last look, as the recipients' clients read it."""
        received = self.smtp.received[self.read:]
        self.read = len(self.smtp.received)
        return [message_from_bytes(r.data, policy=policy.default) for r in received]

    def answer_to(self, mid: str) -> EmailMessage:
        [answer] = [m for m in self.new_mail() if m["In-Reply-To"] == f"<{mid}>" and BM in m["To"]]
        return answer

    def alert(self, ref: str):
        with self.bot.sessions() as session:
            return repo.load_alert(session, ref)

    def audit(self, ref: str) -> list[tuple[str, str]]:
        with self.bot.sessions() as session:
            return [(a.actor, a.action) for a in repo.audit_for(session, ref)]


def _text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _ref(subject: str) -> str:
    return re.search(r"DRP-\d{4}-\d{4}", subject).group(0)


def test_the_business_managers_week_by_email_alone(root, tmp_path, dovecot, smtp_server, monkeypatch, capsys) -> None:
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password("drp"))
    week = Week(root, tmp_path, dovecot, smtp_server)

    # Monday: three concerns. Kim is a new IRO, not yet in the directory; Sam mistypes a child ID.
    week.write("kim.iro", "Pre-Dispute Resolution", "Child ID: 3456789\n\nNo PEP since March.", to="lee.tm")
    week.write("sam.iro", "Pre-Dispute Resolution", "Child ID: 1111111\n\nThe care plan is not updated.", to="dana.tm")
    week.write("jo.iro", "Pre-Dispute Resolution", "Child ID: 2222222\n\nThe review is overdue.", to="lee.tm")
    acks = {m["To"]: m for m in week.new_mail() if "alert logged" in m["Subject"]}
    sams = _ref(next(m["Subject"] for to, m in acks.items() if "sam.iro" in to))
    jos_ack = next(m for to, m in acks.items() if "jo.iro" in to)
    jos = _ref(jos_ack["Subject"])

    # Tuesday 08:30: the digest shows Kim's concern with its handle and what to write.
    week.at("2027-05-11T08:31")
    week.pass_()
    [digest] = [m for m in week.new_mail() if BM in m["To"]]
    handle = re.search(r"Q-\d{4}", _text(digest)).group(0)
    assert "RETRY" in _text(digest) and "kim.iro" in _text(digest)

    # The administrator adds Kim to the directory; the running daemon takes it into use.
    data = yaml.safe_load(week.config_path.read_text())
    data["directory"].append({"email": f"kim.iro@{DOMAIN}", "name": "Kim Patel", "role": "iro",
                              "team": "Safeguarding and QA"})
    week.config_path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert week.daemon.reload_if_changed() is True
    week.at("2027-05-11T09:00")
    mid = week.write("chris.bm", "Work queue", f"Hello,\n\nRETRY {handle}\n\nChris")
    answer = _text(week.answer_to(mid))
    kims = re.search(rf"RETRY {handle}: processed as (DRP-\d{{4}}-\d{{4}})", answer).group(1)
    assert week.alert(kims).raised_by == f"kim.iro@{DOMAIN}"

    # Dana answers Sam in a new mail instead of replying: set aside, then attached.
    week.at("2027-05-11T10:00")
    week.write("dana.tm", f"[{sams}] update", "The care plan was updated yesterday.", to="sam.iro")
    [(misfiled, row)] = [(h, r) for h, r in week.bot.quarantined() if r.from_addr == f"dana.tm@{DOMAIN}"]
    mid = week.write("chris.bm", "Misfiled", f"ATTACH {misfiled} TO {sams}")
    assert f"ATTACH {misfiled}: processed as {sams}" in _text(week.answer_to(mid))
    assert week.alert(sams).status is Status.RESPONSE_RECEIVED

    # Wednesday: the child ID is corrected; Sam is told.
    week.at("2027-05-12T09:00")
    mid = week.write("chris.bm", "Correction", f"CORRECT {sams} child 1111112")
    assert "child IDs corrected" in _text(week.answer_to(mid))
    assert week.alert(sams).children == ("1111112",)

    # Lee's out-of-office answers the acknowledgement of Jo's alert: Jo and Chris are told.
    week.write("lee.tm", f"Automatic reply: {jos_ack['Subject']}",
               "I am on annual leave until Friday 21 May 2027 and will not be checking email.",
               to="jo.iro", in_reply_to=jos_ack["Message-ID"].strip("<>"),
               Auto_Submitted="auto-replied", X_Auto_Response_Suppress="All")
    away = [m for m in week.new_mail() if "away" in m["Subject"]]
    assert away and "jo.iro" in away[0]["To"] and BM in away[0]["Cc"]
    assert "Monday 24 May 2027" in _text(away[0]) and f"REASSIGN {jos} TO" in _text(away[0])
    mid = week.write("chris.bm", "Cover", f"REASSIGN {jos} TO dana.tm@{DOMAIN} Lee on leave")
    assert "changed from lee.tm" in _text(week.answer_to(mid))
    assert week.alert(jos).responder == f"dana.tm@{DOMAIN}"

    # Thursday: Sam resolves by mistake; Chris reopens. Dana, who has no such role, is not obeyed.
    week.at("2027-05-13T09:00")
    week.write("sam.iro", f"RE: [{sams}] Pre-Dispute Resolution", "RESOLVED", to="dana.tm",
               in_reply_to=f"week-2@{DOMAIN}")
    assert week.alert(sams).status is Status.RESOLVED
    mid = week.write("chris.bm", "Reopen", f"REOPEN {sams} Sam meant to resolve a different alert")
    assert f"REOPEN {sams}: reopened" in _text(week.answer_to(mid))
    assert week.alert(sams).status is Status.AWAITING_RESPONSE
    week.write("dana.tm", "Reassign", f"REASSIGN {jos} TO lee.tm@{DOMAIN}")
    assert week.alert(jos).responder == f"dana.tm@{DOMAIN}"

    # Friday: OPEN returns the workbook, the same list as `mailbot alerts --open`.
    week.at("2027-05-14T09:00")
    mid = week.write("chris.bm", "Open list", "OPEN")
    reply = week.answer_to(mid)
    [attachment] = list(reply.iter_attachments())
    sheet = load_workbook(io.BytesIO(attachment.get_content())).active
    in_book = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert main(["--config", str(week.config_path), "--now", "2027-05-14T09:00:00+01:00", "alerts", "--open"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]]
    assert in_book == listed and sorted(listed) == sorted([sams, jos, kims])

    # Every action is in the audit history, with who did it.
    assert (BM, "retried") in week.audit(kims)
    assert {(BM, "retried"), (BM, "Correct"), (BM, "Reopen")} <= set(week.audit(sams))
    assert (BM, "Reassign") in week.audit(jos)
    assert (f"lee.tm@{DOMAIN}", "responder_away") in week.audit(jos)
    assert not any(actor == f"dana.tm@{DOMAIN}" and action == "Reassign" for actor, action in week.audit(jos))

