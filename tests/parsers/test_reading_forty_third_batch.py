"""The mechanisms the forty-third sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import extension_request
from parsers.dates import period_or_date

FRIDAY = date(2030, 3, 15)


def test_a_decision_word_asked_as_a_question_is_asked_about() -> None:
    found = parse_instruction("Not resolved overall. Escalate? I'll speak to Helen in the morning.", FRIDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt == "the decision is asked as a question"
    # Asked and answered no, it is no decision at all.
    assert parse_instruction("Resolved? Not really. The PEP is still missing.", FRIDAY) is None
    # STATUS is a question by nature: it stands.
    found = parse_instruction("Status? I've lost track of this one.", FRIDAY)
    assert found is not None and found.verb == "STATUS" and found.doubt is None
    # Asking someone to do it is a request, not a decision weighed.
    found = parse_instruction("So can this please be escalated to Sana as Service Manager?", FRIDAY)
    assert found is None or found.doubt != "the decision is asked as a question"


def test_a_decision_word_as_the_subject_of_a_sentence_is_no_command() -> None:
    assert parse_instruction("CAFCASS isn't open to us for a child protection concern.", FRIDAY) is None
    found = parse_instruction("Cafcass isn't an option here, but please escalate to Stage 3.", FRIDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 3


def test_agreeing_with_a_persons_view_is_not_agreeing_to_time() -> None:
    found = parse_instruction("So I agree with Aisha that this needs to go up to Claire.", FRIDAY)
    assert found is None or found.verb != "AGREE"


def test_a_negation_in_an_earlier_clause_does_not_reach_the_decision() -> None:
    found = parse_instruction("I don't feel it goes far enough and I'd like this to go to Nick Evans now.", FRIDAY)
    assert found is not None and found.verb == "ESCALATE" and found.target == "Nick Evans"
    text = "I'm not going to escalate yet, but I need it before the review on 25 March, so I'll give you until Tuesday."
    found = parse_instruction(text, FRIDAY)
    assert found is not None and found.until == date(2030, 3, 19)


def test_what_should_happen_unless_something_happens_is_asked_about() -> None:
    found = parse_instruction("Unless he responds tonight I think this needs to go up to Joanne tomorrow.", FRIDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt is not None
    # Still deciding whether it needs to go: nothing.
    assert parse_instruction("I'll talk to Gareth before I decide whether this needs to go to Stage 2.", FRIDAY) is None
    # The writer's warning stays a warning.
    assert parse_instruction("If I can't get a date I will have to escalate to Daniel.", FRIDAY) is None


def test_more_requests_and_grants_of_time() -> None:
    asked, amount = extension_request("Would you be able to give me until Friday 22 March to complete the plan?", FRIDAY)
    assert asked and amount.until == date(2030, 3, 22)
    assert period_or_date("another couple of days", FRIDAY).working_days == 2
    found = parse_instruction("From my point of view this one is sorted.", FRIDAY)
    assert found is not None and found.verb == "RESOLVED" and found.prose
