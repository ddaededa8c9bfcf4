"""The daemon against real servers: Dovecot (IMAP, IDLE, LMTP), aiosmtpd, and Postfix.

Nothing here is mocked: the servers are started by the fixtures in conftest.py on loopback.
Deadlines are never waited for: the daemon's clock is injected where a test needs a date.
"""

from __future__ import annotations

import email
import email.utils
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import func, select

import mailbot.demo as demo
from mailbot.config import load_config
from mailbot.daemon import Daemon, status
from mailbot.domain import Status
from mailbot.maildir import MaildirSink
from mailbot.service import Mailbot, alert_json
from mailbot.shell import make_sink, make_source
from mailbot.smtp import SmtpSink
from store import repository as repo
from store.models import AlertRow, MessageRow
from servers import wait_until

pytestmark = pytest.mark.slow
LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"
PASSWORD_ENV = "MAILBOT_TEST_IMAP_PASSWORD"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def write_config(root: Path, folder: Path, dovecot, smtp=None, *, addresses: dict[str, str] | None = None) -> Path:
    """config.yaml pointed at the test servers (plain IMAP/SMTP, allowed on loopback only)."""
    text = (root / "config.yaml").read_text()
    for old, new in (addresses or {}).items():
        text = text.replace(old, new)
    data = yaml.safe_load(text)
    data["mailbox"] = {"url": f"imap://{dovecot.host}:{dovecot.port}", "username": dovecot.address("drp"),
                       "password_env": PASSWORD_ENV, "allow_plaintext": True, "poll_seconds": 1,
                       "batch_size": 50, "timeout_seconds": 10}
    if smtp is not None:
        data["outbox"] = {"url": f"smtp://{smtp.host}:{smtp.port}", "allow_plaintext": True,
                          "retry_horizon_minutes": 60, "timeout_seconds": 10}
    data["store"] = {"url": f"sqlite:///{folder / 'mailbot.db'}"}
    # The backlog tests deliver hundreds of messages from one IRO in a day: far past the daily
    # limit per sender that stops a robot (tests/test_redteam_trust.py tests that limit).
    data["security"]["per_sender_per_day"] = 100_000
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def imap_env(dovecot, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password("drp"))
    return dovecot


def iro_mail(n: int, when: datetime, sender: str = f"sam.iro@{DOMAIN}", to: str = f"dana.tm@{DOMAIN}") -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Cc"] = f"drp@{DOMAIN}"
    msg["Subject"] = "Pre-Dispute Resolution"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<iro-{n}@{DOMAIN}>"
    msg.set_content(f"Child ID: {1000000 + n}\n\nThe PEP has not been updated.")
    return msg.as_bytes()


def reply_mail(sender: str, to: str, ref: str, body: str, when: datetime, in_reply_to: str) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Cc"] = f"drp@{DOMAIN}"
    msg["Subject"] = f"RE: [{ref}] Pre-Dispute Resolution"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain=DOMAIN)
    msg["In-Reply-To"] = f"<{in_reply_to}>"
    msg["References"] = f"<{in_reply_to}>"
    msg.set_content(body)
    return msg.as_bytes()


class Running:
    """A Daemon on a thread with the real clock, stopped at the end of the test."""

    def __init__(self, daemon: Daemon):
        self.daemon = daemon
        self.thread = threading.Thread(target=daemon.run, kwargs={"install_signals": False}, daemon=True)

    def __enter__(self) -> Daemon:
        self.thread.start()
        return self.daemon

    def __exit__(self, *exc) -> None:
        self.daemon.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the daemon did not stop within 30 s"


def alert_count(bot: Mailbot) -> int:
    # A COUNT, not a load of every alert: the tests poll this while the daemon works.
    with bot.sessions() as session:
        return session.scalar(select(func.count(AlertRow.id))) or 0


def test_appended_message_becomes_an_alert_under_idle_within_2_seconds(root, tmp_path, imap_env) -> None:
    config = load_config(write_config(root, tmp_path, imap_env))
    bot = Mailbot(config)
    with Running(Daemon(bot, make_source(config), MaildirSink(tmp_path / "out"))):
        # Wait until the daemon is idling on an empty inbox, then deliver.
        wait_until(lambda: status(bot)["last_poll"], 10, what="the first poll")
        time.sleep(0.3)
        started = time.monotonic()
        imap_env.append("drp", "INBOX", iro_mail(1, datetime.now(LONDON)))
        wait_until(lambda: alert_count(bot) == 1 or None, 5, what="the alert")
        elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert imap_env.messages("drp", "INBOX") == []
    assert len(imap_env.messages("drp", "processed")) == 1


def test_a_managers_reply_stops_the_chaser(root, tmp_path, imap_env, smtp_server) -> None:
    config = load_config(write_config(root, tmp_path, imap_env, smtp_server))
    bot = Mailbot(config)
    clock = {"now": at("2027-05-04T10:00")}
    daemon = Daemon(bot, make_source(config), make_sink(config), clock=lambda: clock["now"])
    imap_env.append("drp", "INBOX", iro_mail(1, clock["now"]))
    imap_env.append("drp", "INBOX", iro_mail(2, clock["now"], sender=f"jo.iro@{DOMAIN}", to=f"lee.tm@{DOMAIN}"))
    daemon.run_once()
    refs = {a.raised_by: a.ref for a in bot.alerts()}
    clock["now"] = at("2027-05-10T11:00")
    imap_env.append("drp", "INBOX", reply_mail(f"dana.tm@{DOMAIN}", f"sam.iro@{DOMAIN}", refs[f"sam.iro@{DOMAIN}"],
                                               "The PEP meeting is booked for Thursday.", clock["now"], f"iro-1@{DOMAIN}"))
    daemon.run_once()
    clock["now"] = at("2027-05-19T08:00")  # both informal deadlines (Tue 18 May) have passed
    daemon.run_once()
    chasers = [r for r in smtp_server.received if b"no response" in r.data.lower() or b"chaser" in r.data.lower()]
    subjects = [email.message_from_bytes(r.data, policy=policy.default)["Subject"] for r in smtp_server.received]
    answered, unanswered = refs[f"sam.iro@{DOMAIN}"], refs[f"jo.iro@{DOMAIN}"]
    with bot.sessions() as session:
        templates = {(r.alert_ref, r.template) for r in repo.outbox_rows(session)}
    assert (unanswered, "chaser") in templates
    assert (answered, "chaser") not in templates
    assert all(r.rcpt_tos for r in smtp_server.received) and subjects and chasers is not None


def test_sigkill_halfway_through_a_backlog_processes_every_message_exactly_once(root, tmp_path, imap_env) -> None:
    config_path = write_config(root, tmp_path, imap_env)
    total = 500
    client = imap_env.client("drp")
    when = at("2027-05-04T10:00")
    for n in range(total):
        client.append("INBOX", iro_mail(n, when))
    client.logout()
    env = {**os.environ, PASSWORD_ENV: imap_env.password("drp"), "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "mailbot", "--config", str(config_path), "--now", when.isoformat(), "run"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bot = Mailbot(load_config(config_path))
    try:
        wait_until(lambda: alert_count(bot) >= total // 2 or None, 120, interval=0.05, what="half the backlog")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    halfway = alert_count(bot)
    assert halfway < total, "the daemon finished before it could be killed halfway"
    second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: alert_count(bot) == total or None, 180, interval=0.1, what="the whole backlog")
        wait_until(lambda: not imap_env.messages("drp", "INBOX") or None, 30, what="an empty inbox")
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(timeout=30)
    assert code == 0
    alerts = bot.alerts()
    assert len({a.ref for a in alerts}) == total
    assert sorted(a.children[0] for a in alerts) == sorted(str(1000000 + n) for n in range(total))
    with bot.sessions() as session:
        assert repo.count_messages(session, "processed") == total
        assert repo.count_messages(session, "received") == 0
    assert len(imap_env.messages("drp", "processed")) == total


def test_dovecot_restart_while_running_loses_nothing(root, tmp_path, imap_env, caplog) -> None:
    config = load_config(write_config(root, tmp_path, imap_env))
    bot = Mailbot(config)
    daemon = Daemon(bot, make_source(config), MaildirSink(tmp_path / "out"))
    with caplog.at_level("WARNING", logger="mailbot.daemon"), Running(daemon):
        imap_env.append("drp", "INBOX", iro_mail(1, datetime.now(LONDON)))
        wait_until(lambda: alert_count(bot) == 1 or None, 20, what="the first alert")
        imap_env.stop()
        time.sleep(2)  # the daemon notices the loss while the server is down
        imap_env.start()
        imap_env.append("drp", "INBOX", iro_mail(2, datetime.now(LONDON)))
        wait_until(lambda: alert_count(bot) == 2 or None, 60, what="the alert after the restart")
    outage_lines = [r for r in caplog.records if "mailbox unavailable" in r.getMessage()]
    assert len(outage_lines) == 1, [r.getMessage() for r in caplog.records]
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    assert imap_env.messages("drp", "INBOX") == []


def test_smtp_421_then_accepting_delivers_each_notice_exactly_once(root, tmp_path, imap_env, smtp_server) -> None:
    config = load_config(write_config(root, tmp_path, imap_env, smtp_server))
    bot = Mailbot(config)
    now = at("2027-05-04T10:00")
    for n in range(3):
        bot.ingest(iro_mail(n, now), now)
    sink = SmtpSink(config.settings.outbox, config.authority.mailbox_address)
    smtp_server.refuse_next(4, "421 4.3.2 Service not available", stage="MAIL")
    sent: list[str] = []
    for step in range(12):
        sent += bot.send(now + timedelta(minutes=step * 5), sink)
    assert len(sent) == 3
    ids = [email.message_from_bytes(r.data)["Message-ID"] for r in smtp_server.received]
    assert len(ids) == 3 == len(set(ids))
    with bot.sessions() as session:
        rows = repo.outbox_rows(session)
    assert all(r.status == "sent" for r in rows)
    assert max(r.attempts for r in rows) > 1  # some were retried, keeping their Message-ID
    assert {f"<{r.message_id}>" for r in rows} == set(ids)


def test_permanent_refusal_is_recorded_for_the_digest(root, tmp_path, imap_env, smtp_server) -> None:
    config = load_config(write_config(root, tmp_path, imap_env, smtp_server))
    bot = Mailbot(config)
    now = at("2027-05-04T10:00")
    bot.ingest(iro_mail(1, now), now)
    smtp_server.refuse_always("550 5.7.1 Message refused", stage="RCPT")
    assert bot.send(now, SmtpSink(config.settings.outbox, config.authority.mailbox_address)) == []
    with bot.sessions() as session:
        (row,) = repo.outbox_rows(session)
    assert row.status == "failed" and "550" in row.last_error
    assert status(bot)["outbox_failed"] == 1


def test_postfix_round_trip_chaser_and_reply(root, tmp_path, imap_env, postfix, monkeypatch) -> None:
    """mailbot's chaser goes through Postfix into Dana's Dovecot mailbox; Dana's reply goes back
    through Postfix into the shared mailbox and is matched to its alert."""
    addresses = {f"dana.tm@{DOMAIN}": f"dana@{DOMAIN}", f"sam.iro@{DOMAIN}": f"sam@{DOMAIN}"}
    path = write_config(root, tmp_path, imap_env, postfix, addresses=addresses)
    config = load_config(path)
    bot = Mailbot(config)
    clock = {"now": at("2027-05-04T10:00")}
    daemon = Daemon(bot, make_source(config), make_sink(config), clock=lambda: clock["now"])
    imap_env.append("drp", "INBOX", iro_mail(1, clock["now"], sender=f"sam@{DOMAIN}", to=f"dana@{DOMAIN}"))
    daemon.run_once()
    (alert,) = bot.alerts()
    clock["now"] = at("2027-05-19T08:00")
    daemon.run_once()  # the deadline has lapsed: chaser to Dana, lapse notice to Sam
    dana_mail = imap_env.wait_for_messages("dana", "INBOX", count=2, timeout=30)
    chaser = next(m for m in (email.message_from_bytes(raw, policy=policy.default) for raw in dana_mail)
                  if "no response" in m["Subject"].lower() or "overdue" in m["Subject"].lower()
                  or "passed" in m["Subject"].lower())
    assert alert.ref in chaser["Subject"]
    # Dana replies to the chaser through Postfix, to Sam and the shared mailbox.
    reply = reply_mail(f"dana@{DOMAIN}", f"sam@{DOMAIN}", alert.ref, "Apologies - the PEP is now done.",
                       at("2027-05-19T09:00"), chaser["Message-ID"].strip("<> "))
    import smtplib

    with smtplib.SMTP(postfix.host, postfix.port, timeout=10) as relay:
        relay.sendmail(f"dana@{DOMAIN}", [f"sam@{DOMAIN}", f"drp@{DOMAIN}"], reply)
    imap_env.wait_for_messages("drp", "INBOX", count=1, timeout=30)
    clock["now"] = at("2027-05-19T09:05")
    daemon.run_once()
    (after,) = bot.alerts()
    assert after.status is Status.RESPONSE_RECEIVED


def test_sigterm_stops_cleanly_with_exit_0(root, tmp_path, imap_env) -> None:
    config_path = write_config(root, tmp_path, imap_env)
    env = {**os.environ, PASSWORD_ENV: imap_env.password("drp"), "PYTHONPATH": str(root)}
    process = subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(config_path),
                                "--log-format", "json", "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    bot = Mailbot(load_config(config_path))
    wait_until(lambda: status(bot)["last_poll"], 20, what="the first poll")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    lines = [json.loads(line) for line in process.stderr.read().splitlines() if line.strip()]
    assert any(line["message"] == "mailbot stopped" for line in lines)


def test_a_month_through_dovecot_ends_as_through_ingest(root, tmp_path, imap_env) -> None:
    """The demo's month: the daemon is left running against Dovecot (IDLE) while each message is
    APPENDed to the shared mailbox with the daemon's clock fixed at the message's Date, and each
    morning's sweep is run at 08:00. It ends with the same alerts as the same files fed to
    `mailbot ingest` with `tick` each morning."""
    arrivals = sorted((email.utils.parsedate_to_datetime(email.message_from_bytes(p.read_bytes())["Date"]), p)
                      for p in Path(demo.__file__).parent.glob("*.eml"))
    (tmp_path / "imap").mkdir()
    (tmp_path / "files").mkdir()
    config = load_config(write_config(root, tmp_path / "imap", imap_env))
    via_imap = Mailbot(config)
    clock = {"now": arrivals[0][0]}
    daemon = Daemon(via_imap, make_source(config), MaildirSink(tmp_path / "out"), clock=lambda: clock["now"])
    (tmp_path / "files" / "config.yaml").write_text((root / "config.yaml").read_text())
    via_files = Mailbot(load_config(tmp_path / "files" / "config.yaml"))

    def handled() -> int:
        with via_imap.sessions() as session:
            return session.scalar(select(func.count(MessageRow.id)).where(MessageRow.status != "received")) or 0

    delivered = 0
    # The count of handled messages below stands for "the one just appended" only on a clean inbox.
    assert imap_env.messages("drp", "INBOX") == []
    with Running(daemon):
        wait_until(lambda: status(via_imap)["last_poll"], 10, what="the first poll")
        day = arrivals[0][0].date()
        while day <= demo.LAST_DAY:
            morning = datetime.combine(day, datetime.min.time(), LONDON).replace(hour=8)
            clock["now"] = morning
            daemon.sweep()
            via_files.tick(morning)
            for when, path in (a for a in arrivals if a[0].astimezone(LONDON).date() == day):
                clock["now"] = when
                imap_env.append("drp", "INBOX", path.read_bytes())
                delivered += 1
                wait_until(lambda: handled() >= delivered or None, 10, what=f"{path.name} to be handled")
                via_files.ingest(path.read_bytes(), when)
            day += timedelta(days=1)
    through_imap = [alert_json(a, config) for a in via_imap.alerts()]
    through_ingest = [alert_json(a, via_files.config) for a in via_files.alerts()]
    assert through_imap == through_ingest
    assert {a["ref"]: a["status"] for a in through_imap} == {r: e.status for r, e in demo.EXPECTED.items()}
    assert imap_env.messages("drp", "INBOX") == []


def test_digest_and_reports_once_even_after_downtime(root, tmp_path, imap_env) -> None:
    """A daemon down over the digest time sends that digest when it comes back, and never twice;
    the month's and quarter's reports go on the first working day after their period, once."""
    config = load_config(write_config(root, tmp_path, imap_env))
    bot = Mailbot(config)
    clock = {"now": at("2027-06-29T10:00")}
    daemon = Daemon(bot, make_source(config), MaildirSink(tmp_path / "out"), clock=lambda: clock["now"])
    imap_env.append("drp", "INBOX", iro_mail(1, clock["now"]))
    daemon.run_once()  # Tue 29 Jun, 10:00: after 08:30, so today's digest goes now
    clock["now"] = at("2027-06-29T16:00")
    daemon.run_once()
    clock["now"] = at("2027-07-01T07:00")  # Thu 1 Jul before the digest time: nothing yet
    daemon.run_once()
    clock["now"] = at("2027-07-01T12:00")  # back after being down over 08:30
    daemon.run_once()
    daemon.run_once()
    with bot.sessions() as session:
        templates = [r.template for r in repo.outbox_rows(session)]
    assert templates.count("digest") == 2  # 29 Jun and 1 Jul
    assert templates.count("monthly_summary") == 1  # June's, on 1 Jul
    assert templates.count("quarterly_report") == 1  # 2027 Q2, on 1 Jul
    assert "monthly_manager" in templates  # Dana has an alert outstanding


def test_the_watcher_outlives_a_fault_and_records_it(root, tmp_path, imap_env, monkeypatch) -> None:
    """A fault that is not a lost connection (here the store refusing once, forced because a real
    store cannot be made to fail on cue) is logged and recorded; the watcher carries on."""
    config = load_config(write_config(root, tmp_path, imap_env))
    bot = Mailbot(config)
    daemon = Daemon(bot, make_source(config), MaildirSink(tmp_path / "out"))
    real_ingest, calls = bot.ingest_batch, []

    def flaky_ingest(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real_ingest(*args, **kwargs)

    monkeypatch.setattr(bot, "ingest_batch", flaky_ingest)
    imap_env.append("drp", "INBOX", iro_mail(1, datetime.now(LONDON)))
    with Running(daemon):
        wait_until(lambda: alert_count(bot) == 1 or None, 15, what="the alert after the fault")
        # The poll that worked marks the error cleared, so status does not show it as current.
        cleared = wait_until(lambda: status(bot)["last_error_cleared"], 10, what="the error to be cleared")
    assert "watcher: RuntimeError: database is locked" in status(bot)["last_error"]
    assert cleared > status(bot)["last_error"].split()[0]
    assert imap_env.messages("drp", "INBOX") == []


def test_mail_that_lands_just_before_idle_is_not_left_waiting(root, tmp_path, imap_env) -> None:
    """A message APPENDed after the inbox was searched but before IDLE began may be announced
    before IDLE starts, where idle_check never sees it; the wait must still end within
    poll_seconds (1 s here), not at the 25-minute IDLE renewal."""
    from mailbot.imap import ImapSource

    config = load_config(write_config(root, tmp_path, imap_env))
    source = ImapSource(config.settings.mailbox)
    source.connect()
    try:
        assert list(source.pending()) == []
        imap_env.append("drp", "INBOX", iro_mail(1, datetime.now(LONDON)))
        stop = threading.Event()
        waiter = threading.Thread(target=source.wait_for_mail, args=(stop,), daemon=True)
        started = time.monotonic()
        waiter.start()
        waiter.join(timeout=10)
        stop.set()
        assert not waiter.is_alive(), "wait_for_mail did not return"
        assert time.monotonic() - started < 3
        assert len(list(source.pending())) == 1
    finally:
        source.close()
