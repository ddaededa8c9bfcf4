"""The mechanisms the seventy-first sealed batch found (issue 8), in this file's own words: a
child protection fortnight."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert, plain_reply

from mailbot.routing import CONFIRM, INSTRUCTION, parse_rules, route_reply
from parsers import parse_instruction, parse_message
from parsers.content import asks_a_question_of_the_process

TUESDAY = date(2028, 12, 5)
SAM = "sam.iro@luton.example.gov.uk"


def test_a_subject_asking_about_the_process_is_a_question_not_a_concern() -> None:
    assert asks_a_question_of_the_process("Pre-dispute resolution emails for CP - do they come here too?")
    assert asks_a_question_of_the_process("Pre-dispute resolution - Leo - core group minutes") is None


def test_handed_over_to_someone_at_another_rung_than_the_stage_named_is_asked_about() -> None:
    config, alert = formal_lac_alert()
    rules = parse_rules(config)
    # Morgan Ellis is the Service Manager, at stage 2.
    route = route_reply(parse_message(plain_reply(SAM, "ESCALATE to stage 3 - over to Morgan please.\n", alert.ref), rules),
                        alert, config)
    assert route.kind == CONFIRM
    route = route_reply(parse_message(plain_reply(SAM, "ESCALATE to stage 2 - over to Morgan please.\n", alert.ref), rules),
                        alert, config)
    assert route.kind == INSTRUCTION and route.reading.target_stage == 2


def test_resolved_once_something_has_happened_is_not_yet() -> None:
    found = parse_instruction("Resolved from my point of view once I have the updated plan. The police did not attend.",
                              TUESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None
    # "once" later in the sentence, about something else, is no condition of the decision.
    found = parse_instruction("CAFCASS - I'll make the referral tomorrow and send the reference once I have it.", TUESDAY)
    assert found is not None and (found.verb, found.doubt) == ("CAFCASS", None)


def test_the_record_asked_to_change_on_a_condition_is_asked_about() -> None:
    found = parse_instruction("If I don't have the visit record by the end of Monday, please treat this as escalated to "
                              "the next stage.", TUESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt is not None
    # The writer's own expectation, told beside "leave this open", is never obeyed.
    found = parse_instruction("Please leave this open for now. If the core group goes ahead on Friday I would expect to "
                              "treat this as resolved then, but not before.", TUESDAY)
    assert found is None or found.doubt is not None


def test_no_need_to_take_it_further_is_the_writers_closure_in_prose() -> None:
    found = parse_instruction("Now that the minutes are out to everyone, I don't think I need to take this any further.",
                              TUESDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)
    # "we" from a manager is their view of their own response.
    found = parse_instruction("I don't think we need to take this any further at this stage.", TUESDAY)
    assert found is None or found.verb != "RESOLVED"
