"""The mechanisms the forty-seventh sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.dates import response_timescale

MONDAY = date(2030, 3, 11)


def test_the_escalations_own_sentence_asks_for_its_response() -> None:
    text = "I am not satisfied, and I would like this escalated to Morgan, with a written response within 5 working days."
    found = parse_instruction(text, MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.working_days == 5
    # History in that sentence is still history.
    found = parse_instruction("ESCALATE to stage 2 - no response within 5 working days was received.", MONDAY)
    assert found is not None and found.working_days is None


def test_would_like_your_response_and_asked_for_a_response_ask() -> None:
    text = "I am raising this at Stage 1 and would like your written response within 10 working days."
    assert response_timescale(text, MONDAY)[0].working_days == 10
    assert response_timescale("I've rung Mike and asked for a response by Friday.", MONDAY)[0].until == date(2030, 3, 15)


def test_a_wrapped_target_line_is_one_line() -> None:
    found = parse_instruction("ESCALATE this to Marcus at\nStage 2 please.", MONDAY)
    assert found is not None and found.stage == 2


def test_a_managers_own_escalation_told_is_history() -> None:
    found = parse_instruction("I have therefore escalated this to Daniel today with a request for funding.", MONDAY)
    assert found is None or found.verb != "ESCALATE" or found.prose
    # The IRO's "I've agreed a further 24 hours" is a decision told as made.
    found = parse_instruction("so I've agreed a further 24 hours for the PEP date to be on Mosaic.", MONDAY)
    assert found is not None and found.verb == "AGREE"


def test_more_decisions_in_plain_words() -> None:
    found = parse_instruction("On that basis I consider this DRP resolved and would ask for it to be closed.", MONDAY)
    assert found is not None and found.verb == "RESOLVED" and found.prose
    found = parse_instruction("Please log this as a referral to Cafcass.", MONDAY)
    assert found is not None and found.verb == "CAFCASS"
    found = parse_instruction("Given the session is booked for Monday 18th, I'm inclined to let this run until then.", MONDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 3, 18)
    text = "I am therefore asking for this alert to be escalated to Jamie Fox, with a response by Friday 15 March."
    found = parse_instruction(text, MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.until == date(2030, 3, 15) and found.prose


def test_whether_after_the_time_given_is_what_the_answer_is_about() -> None:
    text = "I'm minded to take this higher, but I'll give you until Friday to come back to me on whether the panel will agree."
    found = parse_instruction(text, MONDAY)
    assert found is not None and found.until == date(2030, 3, 15)
