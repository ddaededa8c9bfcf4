"""Red team (issue 9): forged senders, mail loops and floods against a real Mailbot on real SQLite.

Each attack is played as real message bytes through ``Mailbot.ingest``, the daemon's own path,
and each must end safe: nothing obeyed that should not be, at most one answer per loop, every
message recorded (the raw bytes are in the store) and either handled or set aside with a reason.
The loops are played by a robot that answers every mail mailbot sends it, for 50 rounds.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot import domain as d
from mailbot.config import load_config
from mailbot.service import Mailbot
from store import repository as repo
from store.models import MessageRow
from test_service import DOMAIN, at, mail, raise_informal

GATEWAY = "mx.luton.example.gov.uk"
PASS = f"{GATEWAY}; spf=pass smtp.mailfrom={DOMAIN}; dkim=pass header.d={DOMAIN}; dmarc=pass header.from={DOMAIN}"
FAIL = f"{GATEWAY}; spf=fail smtp.mailfrom=evil.example; dkim=none; dmarc=fail header.from={DOMAIN}"


def _bot(tmp_path: Path, root: Path, security: str = "") -> Mailbot:
    text = (root / "config.yaml").read_text()
    for line in security.splitlines():
        key = line.split(":")[0]
        text, count = re.subn(rf"(?m)^{key}:.*$", line, text)
        assert count == 1, f"config.yaml has no {key.strip()} line"
    (tmp_path / "config.yaml").write_text(text)
    return Mailbot(load_config(tmp_path / "config.yaml"))


@pytest.fixture
def guarded(tmp_path: Path, root: Path) -> Mailbot:
    return _bot(tmp_path, root, f"  trusted_authserv_ids: [{GATEWAY}]\n")


@pytest.fixture
def open_bot(tmp_path: Path, root: Path) -> Mailbot:
    return _bot(tmp_path, root)


def _raise(bot: Mailbot) -> str:
    raw = mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
               at("2027-05-04T10:00"), "raise-1@luton", Authentication_Results=PASS)
    result = bot.ingest(raw, at("2027-05-04T10:00"))
    assert result.status == "processed", result
    return result.alert


def _outbox(bot: Mailbot) -> list[tuple[str, tuple[str, ...], str]]:
    with bot.sessions() as session:
        return [(r.template, tuple(r.to_addrs), r.message_id) for r in repo.outbox_rows(session)]


def _messages(bot: Mailbot) -> list[MessageRow]:
    with bot.sessions() as session:
        return list(session.scalars(select(MessageRow).where(MessageRow.direction == "in")))


# ---- forged senders -----------------------------------------------------------------------------

@pytest.mark.parametrize("auth", [FAIL, None, f"evil.example; dmarc=pass header.from={DOMAIN}"],
                         ids=["dmarc-fail", "no-results", "untrusted-server"])
def test_a_forged_iro_closes_nothing_and_the_real_iro_is_told(guarded: Mailbot, auth: str | None) -> None:
    ref = _raise(guarded)
    headers = {"Authentication_Results": auth} if auth else {}
    raw = mail("sam.iro", "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", "RESOLVED", at("2027-05-05T10:00"),
               "forged-1@evil", in_reply_to="raise-1@luton", **headers)
    result = guarded.ingest(raw, at("2027-05-05T10:00"))
    assert result.status == "quarantined" and result.reason.startswith("not acted on: the sender could not be proven")
    assert guarded.alerts()[0].status is d.Status.AWAITING_RESPONSE
    told = [(t, to) for t, to, _ in _outbox(guarded) if t == "not_acted_on"]
    assert told == [("not_acted_on", (f"sam.iro@{DOMAIN}",))]


def test_a_trusted_pass_is_obeyed(guarded: Mailbot) -> None:
    ref = _raise(guarded)
    raw = mail("sam.iro", "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", "RESOLVED", at("2027-05-05T10:00"),
               "real-1@luton", in_reply_to="raise-1@luton", Authentication_Results=PASS)
    assert guarded.ingest(raw, at("2027-05-05T10:00")).kind == "instruction"
    assert guarded.alerts()[0].status is d.Status.RESOLVED


def test_a_forged_header_below_the_gateways_own_is_not_believed(guarded: Mailbot) -> None:
    ref = _raise(guarded)
    msg = EmailMessage(policy=SMTP)
    # The gateway prepends its result; the sender's own copy of a "pass" sits below it.
    msg["Authentication-Results"] = FAIL
    msg["Authentication-Results"] = PASS
    msg["From"], msg["To"], msg["Subject"] = f"sam.iro@{DOMAIN}", f"drp@{DOMAIN}", f"RE: [{ref}] x"
    msg["Date"], msg["Message-ID"], msg["In-Reply-To"] = format_datetime(at("2027-05-05T10:00")), "<f2@evil>", "<raise-1@luton>"
    msg.set_content("WITHDRAW")
    assert guarded.ingest(msg.as_bytes(), at("2027-05-05T10:00")).status == "quarantined"
    assert guarded.alerts()[0].status is d.Status.AWAITING_RESPONSE


@pytest.mark.parametrize(
    ("from_header", "extra"),
    [
        (f"sam.iro@{DOMAIN}, eve@evil.example", {}),
        (f"sam.iro@{DOMAIN} <eve@evil.example>", {}),
        (f'"sam.iro@{DOMAIN}" <eve@evil.example>', {}),
        (f"sam.iro@{DOMAIN}", {"Sender": "eve@evil.example"}),
    ],
    ids=["two-addresses", "unquoted-lookalike", "quoted-lookalike", "sender-differs"],
)
def test_a_from_that_is_not_one_proven_person_decides_nothing(open_bot: Mailbot, from_header: str, extra: dict) -> None:
    ref = raise_informal(open_bot)
    raw = mail(from_header, "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", "ESCALATE to stage 4",
               at("2027-05-05T10:00"), "two-1@evil", in_reply_to="raise-1@luton", **extra)
    result = open_bot.ingest(raw, at("2027-05-05T10:00"))
    assert result.status == "quarantined" and result.reason.startswith("not acted on")
    assert open_bot.alerts()[0].stage == 0


def test_a_delegate_may_carry_a_managers_response(open_bot: Mailbot) -> None:
    ref = raise_informal(open_bot)
    raw = mail("dana.tm", "sam.iro", f"RE: [{ref}] Pre-Dispute Resolution", "The PEP is now on LCS.",
               at("2027-05-05T10:00"), "pa-1@luton", in_reply_to="raise-1@luton", Sender=f"chris.bm@{DOMAIN}")
    assert open_bot.ingest(raw, at("2027-05-05T10:00")).status == "processed"
    assert open_bot.alerts()[0].status is d.Status.RESPONSE_RECEIVED


def test_a_subject_reference_alone_is_not_enough_for_anyone_but_the_iro(open_bot: Mailbot) -> None:
    ref = raise_informal(open_bot)
    manager = mail("dana.tm", "sam.iro", f"[{ref}] update", "All done.", at("2027-05-05T10:00"), "s-1@luton")
    result = open_bot.ingest(manager, at("2027-05-05T10:00"))
    assert result.status == "quarantined" and "subject only" in result.reason
    iro = mail("sam.iro", "dana.tm", f"[{ref}] my decision", "RESOLVED", at("2027-05-05T11:00"), "s-2@luton")
    assert open_bot.ingest(iro, at("2027-05-05T11:00")).kind == "instruction"


def test_a_subject_naming_another_alert_than_the_thread_is_kept_for_a_person(open_bot: Mailbot) -> None:
    raise_informal(open_bot)
    raw = mail("sam.iro", "dana.tm", "RE: [DRP-2027-0099] Pre-Dispute Resolution", "RESOLVED", at("2027-05-05T10:00"),
               "x-1@luton", in_reply_to="raise-1@luton")
    result = open_bot.ingest(raw, at("2027-05-05T10:00"))
    assert result.status == "quarantined" and "DRP-2027-0099" in result.reason
    assert open_bot.alerts()[0].status is d.Status.AWAITING_RESPONSE


# ---- loops --------------------------------------------------------------------------------------

def _robot_rounds(bot: Mailbot, robot: str, body: str, rounds: int = 50, subject_prefix: str = "RE: ") -> int:
    """A robot at ``robot`` answers the last mail mailbot sent it, ``rounds`` times, a minute
    apart; returns how many answers mailbot sent it in all."""
    start = len([m for m in _outbox(bot) if robot in m[1]])
    when = at("2027-05-05T10:00")
    for n in range(rounds):
        ours = [m for m in _outbox(bot) if robot in m[1]]
        last = ours[-1][2] if ours else "raise-1@luton"
        raw = mail(robot, "drp", f"{subject_prefix}DRP notice", body, when, f"robot-{n}@{DOMAIN}", in_reply_to=last)
        bot.ingest(raw, when)
        when += timedelta(minutes=1)
    return len([m for m in _outbox(bot) if robot in m[1]]) - start


def test_an_autoresponder_whose_text_begins_status_gets_at_most_one_answer(open_bot: Mailbot) -> None:
    raise_informal(open_bot)
    answers = _robot_rounds(open_bot, f"sam.iro@{DOMAIN}",
                            "Status: I am out of the office until Monday 10 May with no access to e-mail.")
    assert answers <= 1
    assert len(_messages(open_bot)) == 51  # every round recorded


def test_an_autoresponder_that_says_escalated_changes_nothing(open_bot: Mailbot) -> None:
    raise_informal(open_bot)
    answers = _robot_rounds(open_bot, f"sam.iro@{DOMAIN}",
                            "Your email has been escalated to the duty team and will be answered shortly.")
    assert answers <= 1
    assert open_bot.alerts()[0].stage == 0


def test_a_robot_asking_status_in_the_iros_name_is_answered_once(open_bot: Mailbot) -> None:
    # No header or text gives this robot away: the answer-to-an-answer rule ends the loop.
    raise_informal(open_bot)
    answers = _robot_rounds(open_bot, f"sam.iro@{DOMAIN}", "STATUS")
    assert answers == 1
    with open_bot.sessions() as session:
        # Rounds 2-40 are handled and not answered; 41-50 are over the 40-a-day limit (set aside).
        assert [a.action for a in repo.audit_for(session, "DRP-2027-0001")].count("not_answered") == 39
    assert len([m for m in _messages(open_bot) if (m.reason or "").startswith("rate limit")]) == 10


def test_a_bounce_of_our_bounce_report_is_not_reported_again(open_bot: Mailbot) -> None:
    ref = raise_informal(open_bot)
    ack = [m for m in _outbox(open_bot) if m[0] == "acknowledgement"][0][2]
    when = at("2027-05-05T10:00")
    bounced = ack
    reports = 0
    for n in range(50):
        dsn = _dsn(bounced, when, f"dsn-{n}@mx")
        open_bot.ingest(dsn, when)
        made = [m for m in _outbox(open_bot) if m[0] == "bounce_report"]
        reports = len(made)
        bounced = made[-1][2]  # the business manager's mailbox bounces our report in turn
        when += timedelta(minutes=1)
    assert reports == 1
    assert ref


def _dsn(original_id: str, when, message_id: str) -> bytes:
    return (
        f"From: MAILER-DAEMON@{DOMAIN}\r\nTo: drp@{DOMAIN}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(when)}\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nmailbox full\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; chris.bm@{DOMAIN}\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{original_id}>\r\nSubject: x\r\n\r\n--b--\r\n"
    ).encode()


def test_a_flood_from_one_sender_is_recorded_not_acted_on_and_the_business_manager_told_once(
    tmp_path: Path, root: Path
) -> None:
    bot = _bot(tmp_path, root, "  per_sender_per_day: 5\n")
    ref = raise_informal(bot)
    when = at("2027-05-05T10:00")
    results = []
    for n in range(12):
        raw = mail("sam.iro", "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", f"NOTE visit {n} noted",
                   when, f"flood-{n}@luton", in_reply_to="raise-1@luton")
        results.append(bot.ingest(raw, when))
        when += timedelta(minutes=1)
    limited = [r for r in results if r.reason and r.reason.startswith("rate limit")]
    assert len(limited) == 12 - 5  # the raising mail was the day before: five notes are within 5 a day
    assert [t for t, _, _ in _outbox(bot)].count("rate_limited") == 1
    assert len(_messages(bot)) == 13


# ---- smaller holes ------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "why"), [("", "no text of its own"), ("Hi Sam,\n\nWhich PEP do you mean?\n\nDana", "only a question")])
def test_an_empty_forward_or_a_bare_question_from_the_responder_does_not_stop_the_clock(
    open_bot: Mailbot, body: str, why: str
) -> None:
    ref = raise_informal(open_bot)
    raw = mail("dana.tm", "sam.iro", f"RE: [{ref}] Pre-Dispute Resolution", body, at("2027-05-05T10:00"),
               "q-1@luton", in_reply_to="raise-1@luton")
    assert open_bot.ingest(raw, at("2027-05-05T10:00")).status == "processed"
    assert open_bot.alerts()[0].status is d.Status.AWAITING_RESPONSE
    with open_bot.sessions() as session:
        assert any(why in a.detail for a in repo.audit_for(session, ref))


def test_time_is_asked_only_by_the_responder_or_someone_above_them(open_bot: Mailbot) -> None:
    ref = raise_informal(open_bot)
    other = mail("lee.tm", "sam.iro", f"RE: [{ref}] Pre-Dispute Resolution", "Could we have another week please?",
                 at("2027-05-05T10:00"), "t-1@luton", in_reply_to="raise-1@luton")
    open_bot.ingest(other, at("2027-05-05T10:00"))
    assert open_bot.alerts()[0].pending_extension is None
    above = mail("morgan.sm", "sam.iro", f"RE: [{ref}] Pre-Dispute Resolution", "Could we have another week please?",
                 at("2027-05-05T11:00"), "t-2@luton", in_reply_to="raise-1@luton")
    open_bot.ingest(above, at("2027-05-05T11:00"))
    assert open_bot.alerts()[0].pending_extension is not None


class _KilledAfterHandOff:
    """A sink that hands the message over and then the process 'dies' (a BaseException, as a
    kill would stop the code between the hand-off and the commit). Stands in for SMTP here;
    the real SMTP path is tested against a real listener in test_servers.py."""

    def __init__(self) -> None:
        self.delivered: list[str] = []

    def send(self, message) -> str:
        self.delivered.append(message["Message-ID"])
        raise SystemExit("killed")


class _Recording:
    def __init__(self) -> None:
        self.delivered: list[str] = []

    def send(self, message) -> str:
        self.delivered.append(message["Message-ID"])
        return "250 ok"


def test_a_notice_handed_over_when_the_process_is_killed_is_never_sent_twice(open_bot: Mailbot) -> None:
    raise_informal(open_bot)
    killed = _KilledAfterHandOff()
    with pytest.raises(SystemExit):
        open_bot.send(at("2027-05-04T10:01"), killed)
    assert len(killed.delivered) == 1
    # Restarted at once and ten minutes later: the interrupted notice is not handed over again.
    again = _Recording()
    open_bot.send(at("2027-05-04T10:02"), again)
    open_bot.send(at("2027-05-04T10:12"), again)
    assert killed.delivered[0] not in again.delivered
    with open_bot.sessions() as session:
        row = [r for r in repo.outbox_rows(session) if f"<{r.message_id}>" == killed.delivered[0]][0]
        assert row.status == "failed" and "never sent twice" in row.last_error
