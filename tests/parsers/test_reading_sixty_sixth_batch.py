"""The mechanisms the sixty-sixth sealed batch found (issue 8), in this file's own words: what else
arrives at the mailbox (automatic mail, calendar mail) beside ordinary business."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert

from mailbot.routing import parse_rules
from parsers import parse_instruction, parse_message
from parsers.reply import new_text

MONDAY = date(2027, 9, 20)


def test_resolved_as_far_as_one_part_goes_is_asked_about() -> None:
    found = parse_instruction("Resolved as far as the placement plan goes - thank you, it's now on MiCare.\n\n"
                              "But the sibling contact still isn't happening, and I'd like that part escalated to Mike.", MONDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None
    # As far as the writer is concerned, it is the whole concern.
    found = parse_instruction("Resolved as far as I'm concerned.", MONDAY)
    assert found is not None and (found.verb, found.doubt) == ("RESOLVED", None)


def test_an_automatic_forward_of_our_own_notice_has_no_new_text() -> None:
    config, _alert = formal_lac_alert()
    raw = ("From: Sam Okafor <sam.iro@luton.example.gov.uk>\r\nTo: drp@luton.example.gov.uk\r\n"
           "Subject: FW: [DRP-2027-0057] Response received - your decision needed\r\nDate: Mon, 27 Sep 2027 08:14:31 +0000\r\n"
           "Message-ID: <fw1@x.example>\r\nReferences: <drp-2027-0057.1@luton.example.gov.uk>\r\n"
           "Auto-Submitted: auto-generated\r\nX-MS-Exchange-Organization-AutoForwarded: true\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n________________________________\r\n"
           "From: Luton DRP tracker <drp@luton.example.gov.uk>\r\nSent: 27 September 2027 09:14\r\n"
           "To: Sam Okafor <sam.iro@luton.example.gov.uk>\r\nSubject: [DRP-2027-0057] Response received - your decision needed\r\n"
           "\r\nDana Hughes has responded to DRP-2027-0057.\r\n\r\nReply RESOLVED if you are satisfied, or ESCALATE.\r\n").encode()
    parsed = parse_message(raw, parse_rules(config))
    assert parsed.is_automatic and parsed.reply_text == ""


def test_a_calendar_invitations_own_footer_is_not_the_writers_text() -> None:
    body = ("[DRP-2027-0052] Stage 3 meeting\nTuesday 28 Sept 2027 14:00 - 15:00\n\nGrace, please bring the updated care "
            "plan.\n\n~~//~~\nInvitation from Google Calendar: https://calendar.google.com/calendar/\n\nYou are receiving "
            "this email because you are an attendee on the event.\n")
    text = new_text(body)
    assert "Grace, please bring the updated care plan." in text and "Invitation from Google Calendar" not in text
