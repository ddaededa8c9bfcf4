"""The mechanisms the forty-fifth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import extension_request
from parsers.dates import response_timescale

WEDNESDAY = date(2030, 3, 13)


def test_happy_to_agree_is_prose_and_a_threat_after_or_is_a_condition() -> None:
    text = "Happy to agree the extra week, but I need the plan by Friday at the latest or I'll have to take it to Morgan."
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and found.verb == "AGREE" and found.prose and found.doubt is not None


def test_people_being_agreed_is_no_agree_command() -> None:
    found = parse_instruction("I spoke to Abi, and we are agreed: please withdraw this alert.", WEDNESDAY)
    assert found is not None and found.verb == "WITHDRAW" and found.doubt is None


def test_a_rung_corrected_in_the_same_breath() -> None:
    found = parse_instruction("Please escalate this to stage 3 - sorry, I mean stage 2, to Marcus.", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 2


def test_close_alone_may_mean_resolved_or_withdrawn() -> None:
    found = parse_instruction("We are done here. Please close this one.", WEDNESDAY)
    assert found is not None and found.verb == "RESOLVED" and "withdrawn" in (found.doubt or "")
    found = parse_instruction("It is resolved - please close this one.", WEDNESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is None


def test_friday_week_and_a_meetings_day() -> None:
    assert response_timescale("I'd like a visit completed by Friday week (22 March).", WEDNESDAY)[0].until == date(2030, 3, 22)
    text = "I would like a plan agreed by the fostering panel on Thursday 21 March, as it has to go there anyway."
    assert response_timescale(text, WEDNESDAY)[0].until == date(2030, 3, 21)


def test_more_ways_of_asking_and_giving_time() -> None:
    asked, amount = extension_request("Could the deadline on this be moved to Friday 22 March please?", WEDNESDAY)
    assert asked and amount.until == date(2030, 3, 22)
    found = parse_instruction("As agreed, I'm giving you the further 24 hours for the referral, rather than taking it to Daniel.", WEDNESDAY)
    assert found is not None and found.working_days == 1 and found.prose
    found = parse_instruction("I'm happy that this has been sorted.", WEDNESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.prose
    found = parse_instruction("That's fine for Lacey. I want his part escalated to Marcus.", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.prose


def _route(sender: str, body: str):
    from domain_support import DANA, DEFAULT_CONFIG, JO, at, raise_alert, rules_from_config
    from mailbot.config import load_config
    from mailbot.routing import parse_rules, route_reply
    from parsers import parse_message

    config = load_config(DEFAULT_CONFIG)
    alert = raise_alert(rules_from_config(config), at(2027, 2, 1), "lac", 1, JO, (DANA,)).alert
    raw = (f"From: {sender}\r\nTo: drp@luton.example.gov.uk\r\nSubject: RE: [{alert.ref}] Stage 1\r\n"
           "Date: Wed, 03 Feb 2027 09:12:00 +0000\r\nMessage-ID: <r45@x.example>\r\nIn-Reply-To: <a1@x.example>\r\n"
           "References: <a1@x.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    return route_reply(parse_message(raw, parse_rules(config)), alert, config)


def test_another_iros_command_is_told_who_decides_whatever_else_it_says() -> None:
    body = ("ESCALATE to stage 2 please.\n\nJo is on leave and I have picked up her alerts. I can't let "
            "this sit for another week.\n\nSam\n")
    route = _route("sam.iro@luton.example.gov.uk", body)
    assert route.kind == "manager_response" and route.not_entitled and route.reading.verb == "ESCALATE"


def test_a_response_relayed_with_the_managers_agreement_is_the_response() -> None:
    body = ("Dana is on leave and asked me to respond on her behalf; she has seen this and agrees with it.\n\n"
            "The PEP is booked for 10 February.\n")
    route = _route("lee.tm@luton.example.gov.uk", body)
    assert route.kind == "manager_response" and not route.not_entitled


def test_the_responders_request_for_time_beside_a_decision_word_still_counts() -> None:
    body = "RESOLVED for the PEP part. Could I have until Friday 5 February for the health assessment?\n\nDana\n"
    route = _route("dana.tm@luton.example.gov.uk", body)
    assert route.kind == "extension_request"


def test_a_stage_named_after_sorry_is_no_correction_without_the_words_that_make_one() -> None:
    found = parse_instruction("Please escalate this to stage 3 - sorry, stage 2 has already been tried.", WEDNESDAY)
    assert found is not None and found.stage == 3
    found = parse_instruction("Please escalate this to stage 3, or rather - make that stage 2.", WEDNESDAY)
    assert found is not None and found.stage == 2
