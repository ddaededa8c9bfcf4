"""The mechanisms the forty-second sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.dates import response_timescale

THURSDAY = date(2030, 3, 14)


def test_what_a_meeting_agreed_is_the_plans_history_not_the_responses_time() -> None:
    text = "The review agreed that the PEP would be done within 10 working days, i.e. by 28 March."
    assert response_timescale(text, THURSDAY) == (None, None)
    # What the writer agreed with the reader still sets the time.
    assert response_timescale("We agreed that it will be on Mosaic by Friday 22 March.", THURSDAY)[0].until == date(2030, 3, 22)


def test_this_one_can_be_marked_as_resolved_is_a_resolution_in_prose() -> None:
    found = parse_instruction("Happy with Abi's update, so this one can be marked as resolved.", THURSDAY)
    assert found is not None and found.verb == "RESOLVED" and found.prose


def test_a_condition_on_the_escalation_after_and_is_not_a_condition_on_the_time() -> None:
    found = parse_instruction("I'll give it another 24 hours and escalate to Claire if there's still nothing.", THURSDAY)
    assert found is not None and found.verb == "AGREE" and found.working_days == 1 and found.doubt is not None
    # A condition on the time itself still takes it back to a question of its own.
    assert parse_instruction("I'll give it another 24 hours if housing confirm today.", THURSDAY) is None
