"""The mechanisms the sixty-fourth sealed batch found (issue 8), in this file's own words: mail
that passes through other hands (PAs, team inboxes, forwards to a colleague)."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert, plain_reply

from mailbot.routing import CONFIRM, EXTENSION_REQUEST, RESPONSE, UNRECOGNISED, parse_rules, route_reply
from parsers import parse_instruction, parse_message
from parsers.reply import new_text

FRIDAY = date(2027, 4, 30)
SAM = "sam.iro@luton.example.gov.uk"


def _route(sender: str, body: str):
    config, alert = formal_lac_alert()
    return route_reply(parse_message(plain_reply(sender, body, alert.ref), parse_rules(config)), alert, config)


def test_the_responders_answer_from_a_shared_council_address_is_hers() -> None:
    # A PA, "on her behalf", the responder's name under the text (cut as the signature).
    route = _route("hannah.pa@luton.example.gov.uk",
                   "Good afternoon Sam,\n\nPlease see below Dana's response. Dana is at panel all afternoon and asked "
                   "me to send it on her behalf.\n\nThe placement plan will be updated by Friday.\n\nDana Hughes\n"
                   "Team Manager, Children in Care North\n")
    assert route.kind == RESPONSE
    # The team inbox, signed with her first name: her request for time.
    route = _route("cicnorth@luton.example.gov.uk",
                   "Hi Sam,\n\nSorry - sending this from the team inbox as my laptop is with IT.\n\nCould we have until "
                   "Friday 14 May to respond properly?\n\nThanks,\nDana\n\nChildren in Care North\n")
    assert route.kind == EXTENSION_REQUEST
    # A shared management mailbox the responder writes from under her own full name.
    route = _route("cic.management@luton.example.gov.uk",
                   "Dear Sam,\n\nMy response to the Stage 1 DRP is below.\n\n1. The visit is booked for 6 May.\n\n"
                   "Regards,\n\nDana Hughes\nTeam Manager\n")
    assert route.kind == RESPONSE
    # Someone else's signature that only names her ("PA to Dana Hughes") over a forward is not her answer.
    route = _route("bev.pa@luton.example.gov.uk",
                   "Good morning Sam,\n\nPlease see below Dana's response, sent on Dana's behalf.\n\nKind regards\n\n"
                   "Bev Wallace\nPA to Dana Hughes, Team Manager\n")
    assert route.kind == UNRECOGNISED


def test_an_escalation_to_one_stage_for_someone_at_another_is_asked() -> None:
    route = _route(SAM, "ESCALATE to stage 3 please - I have discussed this with Jamie, and Morgan needs to see this now.")
    assert route.kind == CONFIRM and "stage 2" in route.reason
    assert _route(SAM, "ESCALATE to stage 2 please - Morgan needs to see this now.").kind != CONFIRM


def test_the_day_made_of_a_period_is_the_day() -> None:
    found = parse_instruction("AGREE - an extra week is fine, so by Friday 7 May please.", FRIDAY)
    assert found is not None and (found.verb, found.until, found.working_days) == ("AGREE", date(2027, 5, 7), None)
    # What the time is for is no day of its own.
    found = parse_instruction("Extend by 2 working days please, so the core group on Tuesday can go ahead.", FRIDAY)
    assert found is not None and found.working_days == 2


def test_answers_between_a_quote_whose_attribution_is_quoted_follow_the_signature() -> None:
    body = ("Hi Nadia,\n\nMy answers are in your e-mail below.\n\nKwame\n\nKwame Mensah\nTeam Manager\n\n"
            "> On 20 May 2027, at 14:10, Nadia Kowalska <nadia@example.gov.uk> wrote:\n>\n"
            "> 1. The placement plan has not been updated.\n\nUpdated and signed by the carers yesterday.\n\n"
            "> Please respond within 5 working days.\n\nCould I have until Friday 4 June?\n\n> Nadia\n")
    text = new_text(body)
    assert "Updated and signed by the carers yesterday." in text and "Could I have until Friday 4 June?" in text
    assert "Kwame Mensah" not in text and "The placement plan has not been updated" not in text


def test_agreeing_to_the_request_just_told_is_an_agreement_in_prose() -> None:
    found = parse_instruction("Abi has asked for an extension to Friday 14th because Femi is off sick. I'm fine with that - "
                              "could you let her know and keep an eye on it?", FRIDAY)
    assert found is not None and (found.verb, found.prose) == ("AGREE", True)
    assert parse_instruction("The visit was on Tuesday. I'm fine with that.", FRIDAY) is None


def test_a_handover_to_a_colleague_leaves_the_condition_to_them() -> None:
    assert parse_instruction("Could you keep an eye on this one for me while I'm on leave? The PEP should be on MiCare "
                             "by the 14th. If it isn't, I think it needs to go to Stage 2.", FRIDAY) is None
    found = parse_instruction("The PEP should be on MiCare by the 14th. If it isn't, I think it needs to go to Stage 2.", FRIDAY)
    assert found is not None and found.doubt is not None


def test_a_new_mail_is_cut_at_its_writers_signature_set_with_bars() -> None:
    raw = ("From: Kerry Doyle <kerry.doyle@luton.example.gov.uk>\r\nTo: drp@luton.example.gov.uk\r\n"
           "Subject: new recommendation for logging\r\nDate: Mon, 10 May 2027 09:30:58 +0000\r\nMessage-ID: <k@x>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nHi,\r\n\r\nMaria has asked me to log the recommendation below.\r\n"
           "\r\nStage: 1\r\nCase ID: 5100239\r\nPlease can this be done within 5 working days.\r\nMaria Santos, CP Chair\r\n\r\n"
           "Kerry Doyle | Business Manager | Safeguarding Unit | Luton\r\n\r\nThis e-mail and any files transmitted with "
           "it are confidential and intended solely for the use of the individual or entity to whom they are addressed.\r\n"
           "\r\nLuton Borough Council, Town Hall, Luton\r\n").encode()
    config, _alert = formal_lac_alert()
    parsed = parse_message(raw, parse_rules(config))
    assert "Maria Santos, CP Chair" in parsed.reply_text and "Business Manager" not in parsed.reply_text
