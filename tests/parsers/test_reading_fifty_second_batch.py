"""The mechanisms the fifty-second sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.dates import response_timescale

MONDAY = date(2030, 4, 29)


def test_the_procedures_period_acknowledged_is_not_the_one_asked() -> None:
    text = ("I appreciate the procedure gives you 5 working days to respond, but with the hearing listed for "
            "10 May I need your written response by Friday 3 May at the latest.")
    found, note = response_timescale(text, MONDAY)
    assert found is not None and found.until == date(2030, 5, 3) and note is None
    # "I'd appreciate" still asks.
    found, _ = response_timescale("I'd appreciate your response within 3 working days.", MONDAY)
    assert found is not None and found.working_days == 3


def test_needing_it_referred_to_cafcass_is_read() -> None:
    found = parse_instruction("I think we are at the point where this needs to be referred to Cafcass.", MONDAY)
    assert found is not None and found.verb == "CAFCASS" and found.doubt


def test_rather_than_leaving_it_open_takes_nothing_back() -> None:
    found = parse_instruction("WITHDRAW, please. I would rather withdraw it than leave it open for another month.", MONDAY)
    assert found is not None and found.verb == "WITHDRAW" and found.doubt is None
    found = parse_instruction("WITHDRAW. Actually, leave it open for now.", MONDAY)
    assert found is not None and found.doubt is not None


def test_a_relayed_extension_is_read_for_the_routing_to_refuse() -> None:
    found = parse_instruction("Kate has asked me to extend this one by a week while she is on leave.", MONDAY)
    assert found is not None and found.verb == "EXTEND" and found.working_days == 5 and found.prose


def test_a_new_mail_that_says_it_is_the_pre_dispute_email_is_one() -> None:
    from parsers import ParseRules, parse_message

    rules = ParseRules(informal_phrases={"lac": ("pre-dispute resolution",)})
    raw = ("From: sam.iro@luton.example.gov.uk\r\nTo: dana.tm@luton.example.gov.uk\r\nCc: drp@luton.example.gov.uk\r\n"
           "Subject: Concerns re 7781402 - life story work\r\nDate: Mon, 29 Apr 2030 09:00:00 +0100\r\n"
           "Message-ID: <n52@x.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Hi Dana,\r\n\r\nPlease treat this e-mail as my Pre-Dispute Resolution e-mail under the alerts "
           "procedure.\r\n\r\nThe life story book has not been started.\r\n").encode()
    assert parse_message(raw, rules).informal_process == "lac"
    # Mentioning the process is not declaring the mail to be it.
    raw = raw.replace(b"Please treat this e-mail as my Pre-Dispute Resolution e-mail under the alerts procedure.",
                      b"I may need to send a Pre-Dispute Resolution e-mail next week.")
    assert parse_message(raw, rules).informal_process is None
