"""Automatic-mail detection: RFC 3834 headers, Exchange's suppression header, bulk, OOO, DSNs."""

from __future__ import annotations

import pytest

from parsers import ParseRules, parse_message


def _msg(headers: str, subject: str = "RE: [DRP-2027-0012] Pre-DRP", body: str = "Resolved") -> bytes:
    return (
        "From: Sam Carter <sam.carter@luton.example.gov.uk>\r\n"
        "To: drp@luton.example.gov.uk\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 17 May 2027 09:00:05 +0000\r\n"
        "Message-ID: <x1@luton.example.gov.uk>\r\n"
        f"{headers}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("headers", "subject", "reason"),
    [
        ("Auto-Submitted: auto-replied\r\n", "RE: x", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated\r\n", "RE: x", "Auto-Submitted: auto-generated"),
        ("X-Auto-Response-Suppress: All\r\n", "RE: x", "X-Auto-Response-Suppress: All"),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply\r\n", "RE: x", "X-Auto-Response-Suppress: DR, OOF, AutoReply"),
        ("Precedence: bulk\r\n", "RE: x", "Precedence: bulk"),
        ("Precedence: list\r\n", "RE: x", "Precedence: list"),
        ("Precedence: Junk\r\n", "RE: x", "Precedence: junk"),
        ("", "Automatic reply: RE: [DRP-2027-0012] Pre-DRP", "out-of-office subject"),
        ("", "Auto-Reply: [DRP-2027-0012]", "out-of-office subject"),
        ("", "Out of Office: RE: [DRP-2027-0012]", "out-of-office subject"),
        ("", "Autosvar: [DRP-2027-0012]", "out-of-office subject"),
        ("", "Abwesend: [DRP-2027-0012]", "out-of-office subject"),
    ],
)
def test_automatic(headers: str, subject: str, reason: str, rules: ParseRules) -> None:
    parsed = parse_message(_msg(headers, subject), rules)
    assert parsed.is_automatic
    assert parsed.automatic_reason == reason
    # An out-of-office robot's text is never an instruction.
    assert parsed.instruction is None


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ("Auto-Submitted: no\r\n", "RE: x"),
        ("X-Auto-Response-Suppress: RN, NRN\r\n", "RE: x"),
        ("Precedence: first-class\r\n", "RE: x"),
        ("", "RE: out of office hours placement - Pre-DRP"),
        ("", "RE: [DRP-2027-0012] Pre-DRP"),
    ],
)
def test_people(headers: str, subject: str, rules: ParseRules) -> None:
    parsed = parse_message(_msg(headers, subject), rules)
    assert not parsed.is_automatic
    assert parsed.automatic_reason is None
    assert parsed.instruction is not None and parsed.instruction.verb == "RESOLVED"


def test_old_style_bounce_from_mailer_daemon(rules: ParseRules) -> None:
    raw = (
        b"From: MAILER-DAEMON@luton.example.gov.uk\r\n"
        b"To: drp@luton.example.gov.uk\r\n"
        b"Subject: failure notice\r\n\r\n"
        b"Sorry, we were unable to deliver your message.\r\n\r\n"
        b"--- Below this line is a copy of the message.\r\n\r\n"
        b"Message-ID: <orig-1@mailbot.luton.example.gov.uk>\r\n"
        b"Subject: [DRP-2027-0012] Reminder\r\n"
    )
    parsed = parse_message(raw, rules)
    assert parsed.is_automatic and parsed.is_bounce
    assert parsed.automatic_reason == "From: mailer-daemon"
    assert parsed.bounced_message_ids == ("orig-1@mailbot.luton.example.gov.uk",)


def test_dsn_with_embedded_original(rules: ParseRules) -> None:
    raw = (
        b"From: postmaster@luton.example.gov.uk\r\n"
        b"To: drp@luton.example.gov.uk\r\n"
        b"Subject: Undeliverable: [DRP-2027-0012] Reminder\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type="delivery-status"; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain\r\n\r\nDelivery has failed.\r\n"
        b"--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns;exchange.luton.example.gov.uk\r\n\r\n"
        b"Final-Recipient: rfc822;gone@luton.example.gov.uk\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        b"--b1\r\nContent-Type: message/rfc822\r\n\r\n"
        b"From: drp@luton.example.gov.uk\r\nMessage-ID: <orig-2@mailbot.luton.example.gov.uk>\r\n"
        b"Subject: [DRP-2027-0012] Reminder\r\n\r\nbody\r\n"
        b"--b1--\r\n"
    )
    parsed = parse_message(raw, rules)
    assert parsed.is_bounce and parsed.is_automatic
    assert parsed.automatic_reason == "delivery status notification"
    assert parsed.bounced_message_ids == ("orig-2@mailbot.luton.example.gov.uk",)
    assert parsed.reference == "DRP-2027-0012"
    assert [a.content_type for a in parsed.envelope.attachments] == [
        "message/delivery-status",
        "message/rfc822",
    ]
