"""The mechanisms the fortieth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import declines_to_raise
from parsers.instruction import _target

TUESDAY = date(2030, 3, 12)


def test_time_given_to_see_whether_something_happens_is_given_not_conditional() -> None:
    found = parse_instruction("We'll let them have it. Let's give it another week and see if the report arrives.", TUESDAY)
    assert found is not None and found.verb == "AGREE" and found.working_days == 5 and found.doubt is not None
    # A real condition on the time is still a condition: nothing is read.
    assert parse_instruction("Let's give it another week if the report is nearly done.", TUESDAY) is None


def test_having_to_take_it_to_a_named_manager_is_an_escalation_in_prose() -> None:
    found = parse_instruction("I'm going to have to take this\nto Ruth, I'm afraid.", TUESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.target == "Ruth" and found.prose
    found = parse_instruction("I'll need to raise it with Gareth Price this week.", TUESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.prose


def test_needing_nothing_further_from_the_manager_is_a_resolution_asked_about() -> None:
    found = parse_instruction("That is what I asked for, and I don't need anything further from you now.", TUESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None
    # Needing nothing further from someone else is not about the response.
    assert parse_instruction("We don't need anything further from the school for the review.", TUESDAY) is None


def test_a_reply_opening_resolved_in_part_then_escalating_is_asked_about() -> None:
    text = "Partly resolved - the visit happened. The letter is still missing, so please escalate the letter to Ruth."
    found = parse_instruction(text, TUESDAY)
    assert found is not None and found.verb == "ESCALATE" and "resolved in part" in (found.doubt or "")
    plain = parse_instruction("The letter is still missing, so please escalate the letter to Ruth.", TUESDAY)
    assert plain is not None and plain.doubt is None


def test_the_part_escalated_stands_between_the_verb_and_the_rung() -> None:
    assert _target(" the letter to Ruth.") == (None, "Ruth")
    assert _target(" the contact plan to stage 3") == (3, None)
    # A deadline is never the thing escalated: "to" after it is not a rung.
    assert _target(" the deadline to Friday") == (None, None)


def test_asking_a_colleague_whether_to_raise_raises_nothing() -> None:
    subject = "Possible pre-dispute? 4431187"
    assert declines_to_raise(subject, "Could I run a possible pre-dispute past you before I send it?") is not None
    assert declines_to_raise(subject, "Should I raise a pre-DRP about the contact, do you think?") is not None
    # Minded to, and then raising it after all: raised.
    body = "I was minded to wait, but I'm inclined to raise it now. I am raising a pre-dispute about the contact."
    assert declines_to_raise(subject, body) is None
