"""The service's order of work (DESIGN §6): record first, decide and queue in one transaction,
quarantine with a reason, never act twice on the same message, mail only configured people."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mailbot import domain as d
from mailbot.config import load_config
from mailbot.maildir import MaildirSink, MaildirSource
from mailbot.service import Mailbot
from mailbot.shell import drain_mailbox
from store import repository as repo
from store.models import MessageRow

LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"


@pytest.fixture
def bot(tmp_path: Path, root: Path) -> Mailbot:
    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    return Mailbot(load_config(tmp_path / "config.yaml"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def mail(sender: str, to: str, subject: str, body: str, when: datetime, message_id: str | None,
         in_reply_to: str | None = None, **headers: str) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"{sender}@{DOMAIN}" if "@" not in sender else sender
    msg["To"] = f"{to}@{DOMAIN}"
    msg["Cc"] = f"drp@{DOMAIN}"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    if message_id:
        msg["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def raise_informal(bot: Mailbot, when: datetime = at("2027-05-04T10:00")) -> str:
    raw = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
               when, "raise-1@luton")
    result = bot.ingest(raw, when)
    assert result.status == "processed", result
    return result.alert


def test_raw_message_is_recorded_and_reingest_is_a_no_op(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    raw = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
               at("2027-05-04T10:00"), "raise-1@luton")
    again = bot.ingest(raw, at("2027-05-05T10:00"))
    assert again.duplicate and again.alert == ref
    with bot.sessions() as session:
        rows = session.scalars(select(MessageRow)).all()
        assert len(rows) == 1 and rows[0].raw == raw and rows[0].status == "processed"
        assert len(repo.list_alerts(session)) == 1
        assert len(repo.outbox_rows(session)) == 1


def test_message_without_message_id_is_deduplicated_by_its_bytes(bot: Mailbot) -> None:
    raw = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567", at("2027-05-04T10:00"), None)
    first, second = bot.ingest(raw, at("2027-05-04T10:00")), bot.ingest(raw, at("2027-05-04T10:05"))
    assert first.status == "processed" and second.duplicate and second.alert == first.alert


def test_a_failing_handler_quarantines_and_the_next_message_goes_on(bot: Mailbot, monkeypatch) -> None:
    # The failure is forced (a broken handler cannot be produced with real input on demand).
    def broken(*args, **kwargs):
        raise RuntimeError("handler blew up")

    monkeypatch.setattr(bot, "_handle", broken)
    raw = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567", at("2027-05-04T10:00"), "x@1")
    result = bot.ingest(raw, at("2027-05-04T10:00"))
    assert result.status == "quarantined" and "handler blew up" in result.reason
    monkeypatch.undo()
    assert raise_informal(bot) == "DRP-2027-0001"
    with bot.sessions() as session:
        kept = repo.find_message(session, "mid:x@1")
        assert kept.raw == raw and kept.status == "quarantined"
    # Re-reading a quarantined message is a no-op too: a person decides what happens to it.
    assert bot.ingest(raw, at("2027-05-04T11:00")).duplicate


def test_over_size_message_is_quarantined_with_the_reason(bot: Mailbot, tmp_path: Path, root: Path) -> None:
    text = (root / "config.yaml").read_text().replace("  quarantine_folder: quarantine",
                                                       "  quarantine_folder: quarantine\n  max_message_bytes: 200")
    (tmp_path / "small.yaml").write_text(text)
    small = Mailbot(load_config(tmp_path / "small.yaml"), bot.sessions)
    result = small.ingest(mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "x" * 500, at("2027-05-04T10:00"), "big@1"),
                          at("2027-05-04T10:00"))
    assert result.status == "quarantined" and "over the configured limit" in result.reason


def test_maildir_moves_only_after_commit_and_quarantine_has_the_reason(bot: Mailbot) -> None:
    source = MaildirSource(bot.config.resolve_path("var/mail"))
    source.deliver(mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567", at("2027-05-04T10:00"), "m1@x"))
    source.deliver(mail("stranger@elsewhere.example.com", "dana.tm", "Hello", "hi", at("2027-05-04T10:01"), "m2@x"))
    results = drain_mailbox(bot, at("2027-05-04T10:05"), source)
    assert [r.status for r in results] == ["processed", "quarantined"]
    assert source.pending() == []
    assert "not part of a known thread" in source.reasons_log.read_text()


def test_manager_cannot_resolve_and_is_told_why(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    raw = mail("dana.tm", "sam.iro", f"RE: [{ref}] Pre-Dispute Resolution", "Resolved - all done.",
               at("2027-05-05T10:00"), "tm-1@x", in_reply_to="raise-1@luton")
    result = bot.ingest(raw, at("2027-05-05T10:00"))
    # A manager's "resolved" is their response; it cannot close the alert.
    assert result.kind == "manager_response"
    alert = bot.alerts()[0]
    assert alert.status is d.Status.RESPONSE_RECEIVED
    escalate = mail("dana.tm", "sam.iro", f"RE: [{ref}] Pre-Dispute Resolution", "ESCALATE to stage 3",
                    at("2027-05-05T11:00"), "tm-2@x", in_reply_to="raise-1@luton")
    bot.ingest(escalate, at("2027-05-05T11:00"))
    assert bot.alerts()[0].stage == 0


def test_refused_instruction_from_the_iro_gets_a_reply_and_changes_nothing(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    raw = mail("sam.iro", "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", "AGREE", at("2027-05-05T10:00"), "i-1@x")
    result = bot.ingest(raw, at("2027-05-05T10:00"))
    assert result.status == "processed" and result.reason.startswith("refused: no one has asked for more time")
    # "Agreed, thanks" to a response, with nothing to agree: the IRO is given the words to send.
    assert "reply RESOLVED if the response settles the concern, or EXTEND" in result.reason
    with bot.sessions() as session:
        templates = [r.template for r in repo.outbox_rows(session)]
    assert templates == ["acknowledgement", "instruction_refused"]
    assert bot.alerts()[0].status is d.Status.AWAITING_RESPONSE


def test_reply_matched_by_subject_reference_when_headers_are_lost(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    raw = mail("sam.iro", "dana.tm", f"RE: {ref} Pre-Dispute Resolution", "Withdraw please", at("2027-05-05T10:00"), "w@x")
    assert bot.ingest(raw, at("2027-05-05T10:00")).alert == ref
    assert bot.alerts()[0].status is d.Status.WITHDRAWN


def test_out_of_office_is_recorded_and_never_answered(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    raw = mail("dana.tm", "sam.iro", "Automatic reply: Pre-Dispute Resolution", "I am away.", at("2027-05-04T10:01"),
               "ooo@x", in_reply_to="raise-1@luton", Auto_Submitted="auto-replied")
    result = bot.ingest(raw, at("2027-05-04T10:01"))
    assert (result.kind, result.status) == ("automatic", "ignored")
    assert bot.alerts()[0].status is d.Status.AWAITING_RESPONSE
    with bot.sessions() as session:
        rows = repo.outbox_rows(session)
    # The IRO is told the responder is away (issue 10); the automatic reply is never answered.
    assert [r.template for r in rows] == ["acknowledgement", "responder_away"]
    assert rows[1].to_addrs == [f"sam.iro@{DOMAIN}"]


def test_sweep_is_idempotent_and_outbox_rows_are_sent_once(bot: Mailbot, tmp_path: Path) -> None:
    raise_informal(bot, at("2027-05-04T10:00"))  # due Tue 18 May (10 working days, 3 May already past)
    assert bot.tick(at("2027-05-17T08:00")) == [("DRP-2027-0001", "ReminderDue")]
    assert bot.tick(at("2027-05-17T09:00")) == []
    assert bot.tick(at("2027-05-18T23:59")) == []
    assert bot.tick(at("2027-05-19T00:00")) == [("DRP-2027-0001", "DeadlineLapsed")]
    sink = MaildirSink(tmp_path / "out")
    first = bot.send(at("2027-05-19T00:05"), sink)
    assert len(first) == 4  # acknowledgement, reminder, chaser, lapse notice
    assert bot.send(at("2027-05-19T00:10"), sink) == []
    assert len(list((tmp_path / "out" / "new").iterdir())) == 4


def test_outgoing_mail_threads_carries_the_reference_and_no_narrative(bot: Mailbot, tmp_path: Path) -> None:
    raise_informal(bot)
    sink = MaildirSink(tmp_path / "out")
    bot.send(at("2027-05-04T10:05"), sink)
    import email
    from email import policy

    (path,) = list((tmp_path / "out" / "new").iterdir())
    sent = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert sent["Subject"].startswith("OFFICIAL-SENSITIVE [DRP-2027-0001]")
    assert sent["In-Reply-To"].strip() == "<raise-1@luton>"
    assert sent["Auto-Submitted"] == "auto-replied"
    body = sent.get_body(("plain",)).get_content()
    assert "1234567" in body and "PEP is missing" not in body
    assert "PEP" not in sent["Subject"]


def test_mail_only_goes_to_configured_people(bot: Mailbot) -> None:
    ref = raise_informal(bot)
    with bot.sessions.begin() as session:
        alert = repo.load_alert(session, ref)
        bot._queue(session, alert, d.Notice("status_reply", ("outsider@gmail.example.com",), "x"), at("2027-05-04T11:00"))
    with bot.sessions() as session:
        assert [r.template for r in repo.outbox_rows(session)] == ["acknowledgement"]
        refused = [a.detail for a in repo.audit_for(session, ref) if a.action == "recipient_refused"]
    assert refused == ["status_reply not addressed to outsider@gmail.example.com: not a configured person"]


def test_informal_mail_with_labelled_lines_is_not_a_formal_form(bot: Mailbot) -> None:
    raw = mail("jo.iro", "lee.tm", "Pre-Dispute Resolution", "Child IDs: 1234567, 1234568\nTimescale: within 3 working days",
               at("2027-05-04T10:00"), "labelled@x")
    result = bot.ingest(raw, at("2027-05-04T10:00"))
    assert (result.kind, result.status) == ("new_alert", "processed")
    alert = bot.alerts()[0]
    assert alert.stage == 0 and alert.children == ("1234567", "1234568")
    assert alert.current.due.isoformat() == "2027-05-07"  # Wed 5, Thu 6, Fri 7


def test_form_missing_its_stage_is_kept_for_a_person(bot: Mailbot) -> None:
    raw = mail("jo.iro", "lee.tm", "Dispute Resolution Form", "Child ID: 1234567\nCategory: drift\nConcern: x",
               at("2027-05-04T10:00"), "form@x")
    result = bot.ingest(raw, at("2027-05-04T10:00"))
    assert (result.kind, result.status) == ("drp_form", "quarantined")
    assert result.reason == "DRP form is missing: stage"
    # The sender is told what is missing, in a reply to their form, and no alert is opened.
    with bot.sessions() as session:
        rows = repo.outbox_rows(session)
        kept = repo.find_message(session, "mid:form@x")
    assert [(r.template, list(r.to_addrs), r.in_reply_to) for r in rows] == [
        ("form_incomplete", ["jo.iro@luton.example.gov.uk"], "form@x")]
    assert "the stage (level of dispute)" in rows[0].body_text and "1234567" not in rows[0].subject
    assert kept.status == "quarantined" and bot.alerts() == []


def test_incomplete_form_from_a_stranger_gets_no_reply(bot: Mailbot) -> None:
    raw = mail("someone@elsewhere.example.com", "lee.tm", "Dispute Resolution Form",
               "Child ID: 1234567\nCategory: drift\nConcern: x", at("2027-05-04T10:00"), "form2@x")
    result = bot.ingest(raw, at("2027-05-04T10:00"))
    assert result.status == "quarantined"
    with bot.sessions() as session:
        assert repo.outbox_rows(session) == []


def test_a_heads_up_that_says_it_is_not_a_pre_dispute_is_kept_for_a_person(bot: Mailbot) -> None:
    raw = mail("sam.iro", "dana.tm", "Heads up (not a pre-dispute)",
               "Child ID: 1234567\n\nDates not set at conference; I'll raise it if they're not in by Weds.",
               at("2027-05-04T18:00"), "heads-up@luton")
    result = bot.ingest(raw, at("2027-05-04T18:00"))
    assert (result.status, result.alert) == ("quarantined", None)
    assert result.reason == "says it raises no concern ('not a pre-dispute'): kept for a person"
    assert bot.alerts() == []
