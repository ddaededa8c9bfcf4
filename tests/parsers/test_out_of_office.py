"""Out-of-office replies told apart from other automatic mail, and until when the writer is away
(parsers.automatic.out_of_office, issue 10 item 4).

The mail is written as the clients write it: Exchange/Outlook's "Automatic reply:" with its
headers, Gmail's vacation responder (a subject of the writer's own, or "Re:" the original),
iCloud's and Sieve's (Dovecot, Zimbra) vacation replies, and other languages' subjects. Whole
messages go through the MIME layer (read_envelope) and ``away_in``; variants of the wording go
straight to ``out_of_office``.

Choices these tests pin down: the dates are kept as the reply words them (``until``: what it
says the absence lasts until; ``returning``: the day it says its writer is back), neither worked
out from the other. A helpdesk's "we aim to reply within 5 days" acknowledgement is automatic
but not an absence: None.
"""

from __future__ import annotations

from datetime import date

import pytest

from parsers import Away, away_in, out_of_office, read_envelope
from parsers.automatic import automatic_reason

# The day the replies below were sent: Wednesday 12 May 2027.
SENT = date(2027, 5, 12)
EXCHANGE = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All",
            "X-MS-Exchange-Inbox-Rules-Loop": "dana.hughes@luton.example.gov.uk"}


def eml(headers: str, body: str, content_type: str = 'text/plain; charset="utf-8"') -> bytes:
    return (
        "From: Dana Hughes <dana.hughes@luton.example.gov.uk>\r\n"
        "To: DRP Mailbox <drp@luton.example.gov.uk>\r\n"
        "Date: Wed, 12 May 2027 09:14:03 +0100\r\n"
        "Message-ID: <ooo-1@luton.example.gov.uk>\r\n"
        "In-Reply-To: <20270512080000.1a2b.drp-2027-0012.reminder@luton.example.gov.uk>\r\n"
        f"{headers}"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
        f"{body}\r\n"
    ).encode()


# ---- whole messages, as each client sends them ---------------------------------------------------


def test_exchange_automatic_reply_with_a_date_and_our_subject_echoed() -> None:
    raw = eml(
        "Subject: Automatic reply: [DRP-2027-0012] Reminder: response due 24 May 2027\r\n"
        "Thread-Topic: [DRP-2027-0012] Reminder: response due 24 May 2027\r\n"
        "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n"
        "X-MS-Exchange-Inbox-Rules-Loop: dana.hughes@luton.example.gov.uk\r\n",
        "Thank you for your email. I am out of the office until Friday 14 May with limited access to\r\n"
        "email. For anything urgent please contact the duty manager on 01582 547000.",
    )
    env = read_envelope(raw)
    # The subject's "24 May 2027" is our reminder's due date, not the absence.
    assert away_in(env, SENT) == Away(until=date(2027, 5, 14))


def test_exchange_html_only_reply_with_back_on_a_weekday_and_ordinal() -> None:
    raw = eml(
        "Subject: Automatic reply: RE: Pre-Dispute Resolution\r\nAuto-Submitted: auto-replied\r\n"
        "X-MS-Exchange-Inbox-Rules-Loop: dana.hughes@luton.example.gov.uk\r\n",
        "<html><body><p>Hello,</p><p>I am currently on annual leave and will be back on Monday 17th."
        "</p><p>Kind regards<br>Dana</p></body></html>",
        content_type='text/html; charset="utf-8"',
    )
    assert away_in(read_envelope(raw), SENT) == Away(returning=date(2027, 5, 17))


def test_gmail_vacation_responder_with_the_writers_own_subject() -> None:
    # Gmail sends the subject its user typed, and the text; no "Automatic reply" prefix.
    raw = eml("Subject: Annual leave 17-21 May\r\nAuto-Submitted: auto-replied\r\nPrecedence: bulk\r\n",
              "Thanks for your message. I'm away with no access to email and will reply when I'm back.")
    assert away_in(read_envelope(raw), SENT) == Away(until=date(2027, 5, 21))


def test_gmail_vacation_responder_with_re_subject_and_numeric_date() -> None:
    raw = eml("Subject: Re: [DRP-2027-0012] Pre-Dispute Resolution acknowledged\r\nAuto-Submitted: auto-replied\r\n",
              "I am on leave, returning 3/6/2027. Please contact lee.carter@luton.example.gov.uk in my absence.")
    assert away_in(read_envelope(raw), SENT) == Away(returning=date(2027, 6, 3))


def test_icloud_vacation_reply() -> None:
    raw = eml('Subject: Re: Pre-DRP\r\nAuto-Submitted: auto-replied; owner-email="dana.h@icloud.com"\r\n',
              "I'm on holiday from Monday 10 May to Friday 21 May and will respond on my return.")
    assert away_in(read_envelope(raw), SENT) == Away(until=date(2027, 5, 21))


def test_sieve_vacation_reply_from_the_null_return_path() -> None:
    # Dovecot Pigeonhole's default: "Auto: <original subject>", sent with Return-Path <>.
    raw = eml("Return-Path: <>\r\nSubject: Auto: Pre-Dispute Resolution\r\n",
              "I am out of the office until further notice. Please write to the team inbox.")
    assert away_in(read_envelope(raw), SENT) == Away(until_further_notice=True)


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("Réponse automatique : RE: [DRP-2027-0003] Pre-DRP", "Je suis absente du bureau jusqu'au 21/05/2027.",
         Away(until=date(2027, 5, 21))),
        ("Abwesenheitsnotiz: [DRP-2027-0003] Pre-DRP", "Ich bin bis 21.05.2027 nicht im Büro.",
         Away(until=date(2027, 5, 21))),
        ("Automatisch antwoord: [DRP-2027-0003] Pre-DRP", "I have limited access to email until 28 May.",
         Away(until=date(2027, 5, 28))),
        # The language's month names are not read: away, date unknown.
        ("Réponse automatique : Pre-DRP", "Je suis en congé jusqu'au 21 mai.", Away()),
    ],
)
def test_other_languages(subject: str, body: str, expected: Away) -> None:
    assert out_of_office(subject, body, EXCHANGE, SENT) == expected


# ---- the dates, as people word them --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("I am out of the office until Friday 14 May.", Away(until=date(2027, 5, 14))),
        ("Thank you for your email. I am away from the office and will be back on Monday 17th.",
         Away(returning=date(2027, 5, 17))),
        ("I am currently on annual leave from 10 to 21 May, with no access to e-mail.", Away(until=date(2027, 5, 21))),
        ("I'm on leave between 10th and 21st May.", Away(until=date(2027, 5, 21))),
        ("I am out of the office until Friday 14 May, returning on Monday 17 May.",
         Away(until=date(2027, 5, 14), returning=date(2027, 5, 17))),
        ("I have limited access to email until 28 May 2027. I will respond on my return.", Away(until=date(2027, 5, 28))),
        ("I am out of the office until Monday.", Away(until=date(2027, 5, 17))),
        ("I am on maternity leave. My return date is 6 June 2028.", Away(returning=date(2028, 6, 6))),
        ("I'm out of the office on Friday 14 May.", Away(until=date(2027, 5, 14))),
        ("I am on sick leave until further notice.", Away(until_further_notice=True)),
        ("I have now left Luton Borough Council. Please redirect your email to the team inbox.", Away(left=True)),
    ],
)
def test_dates_as_people_word_them(body: str, expected: Away) -> None:
    assert out_of_office("Automatic reply: Pre-DRP", body, EXCHANGE, SENT) == expected


def test_the_sent_date_and_dates_of_the_quoted_original_are_not_taken() -> None:
    body = (
        "Your email of Wednesday 12 May 2027 has been received. I am out of the office and will be back\r\n"
        "in the office on Tuesday 18 May.\r\n\r\n"
        "________________________________\r\n"
        "From: DRP tracker <drp@luton.example.gov.uk>\r\n"
        "Sent: 12 May 2027 09:00\r\n"
        "To: Dana Hughes <dana.hughes@luton.example.gov.uk>\r\n"
        "Subject: [DRP-2027-0012] Reminder\r\n\r\n"
        "A response is due by Monday 24 May 2027. If you are away until 21 May, reply EXTEND.\r\n"
    )
    assert out_of_office("Automatic reply: [DRP-2027-0012] Reminder", body, EXCHANGE, SENT) == Away(
        returning=date(2027, 5, 18))


def test_a_quoted_original_alone_gives_no_date() -> None:
    body = ("I am out of the office.\r\n\r\nOn Wed, 12 May 2027 at 09:00, DRP tracker <drp@luton.example.gov.uk> wrote:\r\n"
            "> A response is due by Monday 24 May 2027; until 21 May the Team Manager is responsible.\r\n")
    assert out_of_office("Out of Office: Re: Pre-DRP", body, EXCHANGE, SENT) == Away()


def test_a_reply_left_on_after_its_date_gives_no_date() -> None:
    # Sent on 12 May, still saying "until 7 May": the writer may be back; the date is not used.
    assert out_of_office("Automatic reply: x", "I am on leave until Friday 7 May.", EXCHANGE, SENT) == Away()


def test_two_dates_that_contradict_each_other_give_neither() -> None:
    body = "I am on leave until 21 May. I will be back on 17 May."
    assert out_of_office("Automatic reply: x", body, EXCHANGE, SENT) == Away()


def test_a_weekday_needs_the_sent_date() -> None:
    body = "I am out of the office until Monday."
    assert out_of_office("Automatic reply: x", body, EXCHANGE, None) == Away()
    # A date with its year needs no sent date.
    assert out_of_office("Automatic reply: x", "Back on 17 May 2027.  I am out of the office.", EXCHANGE,
                         None) == Away(returning=date(2027, 5, 17))


# ---- automatic, but not an absence; or an absence, but not automatic -----------------------------


def test_a_delivery_failure_is_not_out_of_office() -> None:
    raw = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.luton.example.gov.uk>\r\n"
        "To: drp@luton.example.gov.uk\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Date: Wed, 12 May 2027 09:00:01 +0100\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\n"
        "The recipient is out of the office until 14 May and the mailbox is full.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.luton.example.gov.uk\r\n\r\nFinal-Recipient: rfc822; dana@luton.example.gov.uk\r\n"
        "Action: failed\r\nStatus: 5.2.2\r\n--b--\r\n"
    ).encode()
    env = read_envelope(raw)
    assert automatic_reason(env) is not None  # automatic, as before
    assert away_in(env, SENT) is None


def test_a_read_receipt_is_not_out_of_office() -> None:
    raw = eml("Subject: Read: [DRP-2027-0012] Reminder: response due 24 May 2027\r\n",
              "--r\r\nContent-Type: text/plain\r\n\r\nYour message was read on Wednesday, 12 May 2027. "
              "I am out of the office until 14 May.\r\n--r\r\n"
              "Content-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822;dana@x\r\n"
              "Disposition: manual-action/MDN-sent-manually; displayed\r\n--r--",
              content_type='multipart/report; report-type=disposition-notification; boundary="r"')
    assert away_in(read_envelope(raw), SENT) is None
    # Known by its subject even when the headers are lost in forwarding.
    assert out_of_office("Read: Pre-DRP", "Your message was read on 12 May 2027.", EXCHANGE, SENT) is None


def test_a_helpdesk_acknowledgement_is_automatic_but_not_an_absence() -> None:
    body = ("Thank you for contacting the Children's Services Front Door. Your email has been received and we "
            "aim to reply within 5 working days. This mailbox is not monitored out of office hours "
            "(5pm to 9am) or at weekends.")
    assert out_of_office("Automatic reply: Pre-DRP", body, EXCHANGE, SENT) is None


def test_a_calendar_answer_is_not_out_of_office() -> None:
    assert out_of_office("Accepted: DRP meeting", "I am out of the office until 14 May.", EXCHANGE, SENT) is None


def test_list_mail_is_not_out_of_office() -> None:
    headers = {"List-Id": "<staff-news.luton.example.gov.uk>", "Precedence": "list"}
    assert out_of_office("Staff news: who is on leave", "Jo is out of the office until 14 May.", headers, SENT) is None


def test_a_person_writing_about_leave_later_in_a_reply_is_not_an_auto_reply() -> None:
    # No automatic header, an ordinary subject, and the leave is not how the mail opens: this
    # is a manager's response (a person), not an out-of-office robot.
    body = ("Thanks Sam, I have spoken to the social worker and the PEP will be updated this week.\n"
            "Please note I am on leave until 21 May; Lee is covering.")
    assert out_of_office("RE: [DRP-2027-0012] Pre-Dispute Resolution", body, {}, SENT) is None


def test_an_exchange_reply_with_no_headers_left_is_read_by_its_subject_and_text() -> None:
    # Headers stripped by a relay: the "Automatic reply:" subject says it is automatic.
    assert out_of_office("Automatic reply: Pre-DRP", "I am out of the office until Monday 24 May with no access to "
                         "e-mail.", {}, SENT) == Away(until=date(2027, 5, 24))


def test_headers_as_pairs_or_mapping_read_alike() -> None:
    body = "I'm on leave until 14 May."
    pairs = [("auto-submitted", "auto-replied"), ("Received", "from a"), ("Received", "from b")]
    assert out_of_office("Re: x", body, pairs, SENT) == out_of_office("Re: x", body, {"Auto-Submitted": "auto-replied"},
                                                                     SENT) == Away(until=date(2027, 5, 14))


def test_existing_automatic_fixtures_are_read(root) -> None:
    for name, expected in (("out_of_office.eml", Away(until=date(2027, 5, 24))),
                           ("c_mime_exchange_ooo_no_headers.eml", Away(until=date(2027, 5, 24))),
                           ("dsn_bounce.eml", None)):
        env = read_envelope((root / "tests" / "fixtures" / "mail" / name).read_bytes())
        assert away_in(env, env.date.date()) == expected, name


def test_a_date_in_the_echoed_subject_is_not_taken() -> None:
    subject = "Automatic reply: [DRP-2027-0012] Extension agreed until 28 May"
    assert out_of_office(subject, "I am out of the office.", EXCHANGE, SENT) == Away()
