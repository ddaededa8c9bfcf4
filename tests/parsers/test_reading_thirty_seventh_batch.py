"""The mechanisms the thirty-seventh sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction

WEDNESDAY = date(2029, 10, 17)


def test_a_sentence_opening_with_the_period_sets_the_escalations_time() -> None:
    text = "Escalate please - to Jo. No response from Marcus after 3 months. 3 working days given how long this has gone on."
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and (found.verb, found.target, found.working_days) == ("ESCALATE", "Jo", 3)
    # A period told as history is not one.
    found = parse_instruction("ESCALATE please. 10 working days have passed with nothing.", WEDNESDAY)
    assert found is not None and found.working_days is None


def test_id_like_a_named_manager_to_look_at_it_is_an_escalation_in_prose() -> None:
    text = "I don't think we can keep this at team manager level any longer and I'd like Joanne to look at it."
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and (found.verb, found.target, found.prose) == ("ESCALATE", "Joanne", True)


def test_happy_to_leave_it_there_is_asked_about() -> None:
    found = parse_instruction("Happy to leave it there for now, but please send me the outcome.", WEDNESDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)
