"""Replies from every mail client, in a thread started by mailbot's own notice, end to end.

Two alerts are raised through a real Mailbot on a copy of config.yaml; the outbox is sent into a
Maildir; each client's reply (tests/mailclients.py: its headers, MIME layout and quoting) answers
the acknowledgement of the SECOND alert with In-Reply-To/References pointing at it, quoting the
acknowledgement's whole text (which itself lists every instruction word). The reply must land on
that alert, not the first, and its new text must be read as the instruction or response it is.
"""

from __future__ import annotations

import mailbox
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from mailclients import Mail, Quoted, apple_mail, gmail, outlook_desktop, outlook_mobile, owa, thunderbird
from test_service import at, mail

import parsers
from mailbot.config import load_config
from mailbot.maildir import MaildirSink
from mailbot.service import Mailbot
from store import repository as repo

D = "luton.example.gov.uk"
IRO = ("Sam Okafor", f"sam.iro@{D}")
MANAGER = ("Dana Hughes", f"dana.tm@{D}")


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("acknowledgement has no text part")


@pytest.fixture
def thread(tmp_path: Path, root: Path) -> tuple[Mailbot, str, str, Quoted, str]:
    """A bot with two open alerts; the second one's acknowledgement as a client would quote it."""
    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    bot = Mailbot(load_config(tmp_path / "config.yaml"))
    first = bot.ingest(mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
                            at("2027-05-04T10:00"), "raise-1@luton"), at("2027-05-04T10:00")).alert
    second = bot.ingest(mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 7654321\n\nNo care plan.",
                             at("2027-05-04T11:00"), "raise-2@luton"), at("2027-05-04T11:00")).alert
    assert (first, second) == ("DRP-2027-0001", "DRP-2027-0002")
    bot.send(at("2027-05-04T11:01"), MaildirSink(tmp_path / "sent"))
    acks = [m for m in mailbox.Maildir(str(tmp_path / "sent"), factory=None)
            if second in m["Subject"] and m["In-Reply-To"] == "<raise-2@luton>"]
    assert len(acks) == 1
    ack = acks[0]
    ack_id = ack["Message-ID"].strip("<>")
    quoted = Quoted("DRP tracker", f"drp@{D}", parsedate_to_datetime(ack["Date"]), " ".join(ack["Subject"].split()),
                    _text(ack).strip(), to="Sam Okafor", message_id=ack_id)
    return bot, first, second, quoted, ack_id


def _reply_mail(sender: tuple[str, str], quoted: Quoted, ack_id: str, prefix: str = "RE: ") -> Mail:
    return Mail(sender[0], sender[1], (f"drp@{D}",), prefix + quoted.subject, at("2027-05-06T09:30"),
                f"reply-{sender[1].split('@')[0]}-{abs(hash(prefix))}@client.example", cc=(f"dana.tm@{D}",),
                in_reply_to=ack_id, references=("raise-2@luton", ack_id))


INLINE = [("Your alert has been logged as DRP-2027-0002 at Pre-Dispute Resolution.",
           "The care plan was signed off this morning."),
          ("Children:    7654321", "Uploaded to LCS.")]

# (client, who replies, what they type, the writer, the new text read, the alert's status after)
CASES = [
    ("outlook desktop", IRO, "Resolved, thank you Dana.\n\nKind regards\nSam",
     lambda m, n, q: outlook_desktop(m, n, q), "Resolved, thank you Dana.", "resolved"),
    ("outlook desktop #appendonsend", MANAGER, "Hi Sam,\n\nThe care plan has been completed and uploaded today.\n\nDana",
     lambda m, n, q: outlook_desktop(m, n, q, style="appendonsend"),
     "Hi Sam,\n\nThe care plan has been completed and uploaded today.", "response_received"),
    ("outlook -----Original Message-----", IRO, "Withdraw - raised in error.",
     lambda m, n, q: outlook_desktop(m, n, q, style="original"), "Withdraw - raised in error.", "withdrawn"),
    ("outlook German header block", IRO, "Resolved",
     lambda m, n, q: outlook_desktop(m, n, q, language="de"), "Resolved", "resolved"),
    ("outlook on the web", MANAGER, "Sam - could we have until Friday 21st May please? The worker is off sick.",
     lambda m, n, q: owa(m, n, q), "Sam - could we have until Friday 21st May please? The worker is off sick.",
     "awaiting_response"),
    ("outlook on the web, HTML only", IRO, "Resolved - thanks.",
     lambda m, n, q: owa(m, n, q, html_only=True), "Resolved - thanks.", "resolved"),
    ("outlook for iOS", IRO, "Withdrawn",
     lambda m, n, q: outlook_mobile(m, n, q, platform="iOS"), "Withdrawn", "withdrawn"),
    ("outlook for Android", MANAGER, "Care plan done and on LCS.",
     lambda m, n, q: outlook_mobile(m, n, q, platform="Android"), "Care plan done and on LCS.", "response_received"),
    ("gmail", IRO, "Resolved - thank you all.", lambda m, n, q: gmail(m, n, q), "Resolved - thank you all.", "resolved"),
    ("gmail inline answers", MANAGER, "", lambda m, n, q: gmail(m, n, q, inline=INLINE),
     "The care plan was signed off this morning.\n\nUploaded to LCS.", "response_received"),
    ("apple mail", IRO, "RESOLVED", lambda m, n, q: apple_mail(m, n, q), "RESOLVED", "resolved"),
    ("iphone mail", MANAGER, "Done - the visit took place today.",
     lambda m, n, q: apple_mail(m, n, q, iphone=True), "Done - the visit took place today.", "response_received"),
    ("thunderbird", IRO, "Withdraw please", lambda m, n, q: thunderbird(m, n, q), "Withdraw please", "withdrawn"),
    ("thunderbird inline, plain text", MANAGER, "", lambda m, n, q: thunderbird(m, n, q, inline=INLINE, html_part=False),
     "The care plan was signed off this morning.\n\nUploaded to LCS.", "response_received"),
    ("outlook forward (FW:) with a note", IRO, "NOTE forwarding this to the file.",
     lambda m, n, q: outlook_desktop(m, n, q), "NOTE forwarding this to the file.", "awaiting_response"),
]


@pytest.mark.parametrize(("client", "sender", "typed", "writer", "read", "status"), CASES, ids=[c[0] for c in CASES])
def test_client_reply_reaches_the_right_alert_and_is_read(thread, client, sender, typed, writer, read, status) -> None:
    bot, first, second, quoted, ack_id = thread
    prefix = "FW: " if "FW:" in client else "RE: "
    raw = writer(_reply_mail(sender, quoted, ack_id, prefix), typed, quoted)

    parsed = parsers.parse_message(raw, bot.parse_rules)
    assert parsed.reply_text == read
    assert ack_id in parsed.envelope.in_reply_to

    result = bot.ingest(raw, at("2027-05-06T09:30"))
    assert result.status == "processed", result
    assert result.alert == second
    alerts = {a.ref: a for a in bot.alerts()}
    assert alerts[second].status.value == status
    assert alerts[first].status.value == "awaiting_response"  # the other alert is untouched
    with bot.sessions() as session:
        history = [(a.action, a.detail) for a in repo.audit_for(session, second)]
    if "until Friday 21st May" in typed:
        assert result.kind == "extension_request"
        assert any("until 2027-05-21" in (detail or "") for _, detail in history), history
    if typed.startswith("NOTE"):
        assert result.kind == "instruction" and any(action == "AddNote" for action, _ in history)
