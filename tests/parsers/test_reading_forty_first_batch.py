"""The mechanisms the forty-first sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert, plain_reply

from parsers import parse_instruction
from parsers.content import extension_request, stated_stage
from parsers.dates import response_timescale

WEDNESDAY = date(2030, 3, 13)


def test_an_instruction_framed_as_one_is_a_command() -> None:
    found = parse_instruction("Please treat this as an instruction to escalate this to Stage 3 now.", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 3 and found.doubt is None
    found = parse_instruction("This e-mail is my instruction to withdraw the alert.", WEDNESDAY)
    assert found is not None and found.verb == "WITHDRAW" and not found.prose


def test_the_response_asked_of_a_named_person_sets_the_escalations_time() -> None:
    assert response_timescale("and ask her for a response within 2 working days.", WEDNESDAY)[0].working_days == 2
    assert response_timescale("Please ask Jo Smith for a reply within 4 working days.", WEDNESDAY)[0].working_days == 4


def test_a_stage_said_with_a_person_keeps_the_person() -> None:
    found = parse_instruction("Please escalate to stage 3 - Sana Ali - with a response in 5 working days.", WEDNESDAY)
    assert found is not None and found.stage == 3 and found.target == "Sana Ali"
    found = parse_instruction("ESCALATE to Stage 4 (Catherine Bell) please.", WEDNESDAY)
    assert found is not None and found.stage == 4 and found.target == "Catherine Bell"


def test_where_it_should_go_said_after_the_word() -> None:
    found = parse_instruction("ESCALATE - I agree this should go to Stage 2, to Vikram.", WEDNESDAY)
    assert found is not None and found.stage == 2


def test_holding_off_an_escalation_until_a_day_gives_time() -> None:
    text = "You've agreed to put both on the form by Friday, so I'll hold off on stage 2 until then."
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 3, 15) and found.doubt is not None


def test_granting_time_after_a_dash_is_read() -> None:
    found = parse_instruction("That's fine by me - Jo can have until the 25th.", WEDNESDAY)
    assert found is not None and found.until == date(2030, 3, 25) and found.prose


def test_asking_that_the_deadline_is_extended_is_a_request_for_time() -> None:
    asked, amount = extension_request("Could I ask that the deadline is extended to Friday 22 March?", WEDNESDAY)
    assert asked and amount is not None and amount.until == date(2030, 3, 22)
    # Said of someone else's deadline, in the past: no request.
    assert extension_request("The court asked that the date is moved to the 22nd.", WEDNESDAY) == (False, None)


def test_escalating_with_an_adverb_between() -> None:
    found = parse_instruction("I am therefore escalating this DRP to Ruth Khan at stage 3.", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.prose


def test_the_mailbox_told_where_to_log_it_names_the_stage() -> None:
    body = ("Jo,\n\nI'm raising a formal dispute about the brothers' permanence plan.\n\n"
            "The assessment has not started.\n\nWhat I need is a named worker.\n\n"
            "I've copied the DRP mailbox so that this is logged at Stage 3.")
    assert stated_stage("Permanence planning - raising at Head of Service level", body) == 3


def test_a_stage_and_a_person_who_disagree_are_asked_about_proposing_the_persons_rung() -> None:
    from mailbot.routing import parse_rules, route_reply
    from parsers import parse_message

    config, alert = formal_lac_alert()
    assert alert.stage == 1
    # Morgan Ellis answers at stage 2, the next rung: "ESCALATE" (the next rung) is proposed.
    raw = plain_reply("sam.iro@luton.example.gov.uk", "Please escalate to stage 3 - Morgan Ellis - thanks.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert route.kind == "confirm" and "Morgan Ellis" in route.reason and route.reading.target_stage is None
    # Jamie Fox answers at stage 3: named with stage 3, nothing to ask.
    raw = plain_reply("sam.iro@luton.example.gov.uk", "Please escalate to stage 3 - Jamie Fox - thanks.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert route.kind == "instruction" and route.event.to_stage == 3


def test_a_manager_moving_the_drp_up_a_rung_is_told_who_decides() -> None:
    from mailbot.routing import parse_rules, route_reply
    from parsers import parse_message

    config, alert = formal_lac_alert()
    raw = plain_reply("dana.tm@luton.example.gov.uk", "I am therefore escalating this DRP to Morgan Ellis at stage 2.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert route.kind == "manager_response" and route.not_entitled and route.reading.verb == "ESCALATE"
    # Her own work, passed to her manager, is her response.
    raw = plain_reply("dana.tm@luton.example.gov.uk", "I'm escalating the funding request to my Service Manager today.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert route.kind == "manager_response" and not route.not_entitled
