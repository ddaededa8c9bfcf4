"""The mechanisms the sixty-fifth sealed batch found (issue 8), in this file's own words: new
concerns, every way they arrive."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert

from mailbot.routing import parse_rules, route_new
from parsers import parse_instruction, parse_message
from parsers.dates import response_timescale

WEDNESDAY = date(2027, 7, 14)
SAM = "sam.iro@luton.example.gov.uk"


def _new(subject: str, body: str):
    config, _alert = formal_lac_alert()
    raw = (f"From: Sam Okafor <{SAM}>\r\nTo: dana.tm@luton.example.gov.uk\r\nCc: drp@luton.example.gov.uk\r\n"
           f"Subject: {subject}\r\nDate: Tue, 20 Jul 2027 09:48:14 +0000\r\nMessage-ID: <n1@x.example>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    parsed = parse_message(raw, parse_rules(config))
    return parsed, route_new(parsed, config, config.authority.mailbox_address)


FORM = ("Case ID: 2290175\nCategory: Health\nStage: 1 - Team Manager\nConcern: the annual health assessment is "
        "overdue.\nTimescale: 5 working days\n")


def test_what_was_agreed_under_its_label_sets_the_day_before_a_later_action() -> None:
    found, _ = response_timescale("Agreed: the core group minutes and an updated CP plan will be with me by 5pm on Friday "
                                  "16 July, so the outcomes can go out. A core group to be held before the end of the month.",
                                  WEDNESDAY)
    assert found is not None and found.until == date(2027, 7, 16)


def test_an_agreement_with_the_day_asked_for_in_the_next_sentence() -> None:
    found = parse_instruction("AGREE - thanks Mark. Please make sure the new family time plan is in place by Wednesday "
                              "21st at the latest, and let me know once mum has the dates.", WEDNESDAY)
    assert found is not None and (found.verb, found.until) == ("AGREE", date(2027, 7, 21))


def test_a_decision_not_taken_is_no_second_reading() -> None:
    found = parse_instruction("WITHDRAW\n\nLeanne - thanks. I'm withdrawing this rather than recording it as resolved, "
                              "because the core group issue was only addressed after the dispute was raised.", WEDNESDAY)
    assert found is not None and (found.verb, found.doubt) == ("WITHDRAW", None)


def test_a_correction_or_a_mail_to_be_sent_again_is_kept_for_a_person() -> None:
    parsed, route = _new("CORRECTED - Stage 1 DRP - 2290175",
                         "Dana,\n\nSorry - wrong ID on the DRP form I sent at 14:10. It should be 2290175, not 2290157. "
                         "Please disregard the earlier email; the corrected form is below.\n\n" + FORM)
    assert route.status == "quarantined" and "corrects a mail already sent" in route.reason
    assert "2290175" not in route.reason  # the reason is logged: never the mail's words or IDs
    _parsed, route = _new("Stage 1 DRP - 2290175", "Dana,\n\nThe form says Stage 1, but I think it needs to start higher. "
                                                  "Let me know which and I'll re-send it properly.\n\n" + FORM)
    assert route.status == "quarantined"
    _parsed, route = _new("Stage 1 DRP - 2290175", "Dana,\n\nAs discussed.\n\n" + FORM)
    assert route.status == "processed"


def test_a_form_at_a_stage_in_a_mail_that_says_informal_is_kept_for_a_person() -> None:
    _parsed, route = _new("Pre-Dispute Resolution - 2290175", "Hi Dana,\n\nThanks for the call. I'm happy to keep this informal for "
                                                    "now, and I've put the form below so that it's logged.\n\n" + FORM)
    assert route.status == "quarantined" and "Stage 1" in route.reason and "informal" in route.reason


def test_a_new_mail_is_cut_at_the_signature_under_its_writers_first_name() -> None:
    parsed, _route = _new("Stage 1 DRP - 2290175",
                          "Dana,\n\nThe form is below.\n\nIRO\nSam Okafor\n\n" + FORM + "\nHappy to talk. Many thanks,\nSam\n\n"
                          "Sam Okafor\nIndependent Reviewing Officer\nSafeguarding Services | Luton Borough Council\n"
                          "Civic Centre, London Road\nMob: 07700 900418\n\n"
                          "This email and any attachments are confidential and may be legally privileged.\nIf you are not "
                          "the intended recipient please notify the sender immediately and delete it from your system.\n"
                          "Any views expressed are those of the sender and not necessarily those of the Council.\n"
                          "Luton Council may monitor email traffic data and content.\n")
    text = parsed.reply_text
    assert "IRO\nSam Okafor" in text and "Timescale: 5 working days" in text
    assert "Civic Centre" not in text and "07700 900418" not in text
