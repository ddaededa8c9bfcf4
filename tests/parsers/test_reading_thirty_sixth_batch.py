"""The mechanisms the thirty-sixth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import extension_request

THURSDAY = date(2029, 3, 8)


def test_an_extension_of_something_in_the_plan_is_no_request_for_time() -> None:
    for text in ("The court has already granted an extension of the interim care order to 2 March.",
                 "The extension of his school place has been agreed with the SENCO.",
                 "The placement extension and the funding both sit with Mike's budget."):
        assert extension_request(text, THURSDAY) == (False, None), text
    # An extension of the deadline still is one.
    assert extension_request("Could I ask for an extension of the deadline to Friday?", THURSDAY)[0]


def test_resolving_something_in_the_plan_is_no_decision() -> None:
    assert parse_instruction("We need to resolve the contact arrangements with the Guardian first.", THURSDAY) is None
    found = parse_instruction("Please resolve the matter now.", THURSDAY)
    assert found is not None and found.verb == "RESOLVED"


def test_an_escalation_in_risk_is_the_social_work_term() -> None:
    text = "The core group has agreed the plan, and the escalation of risk has been addressed."
    assert parse_instruction(text, THURSDAY) is None


def test_agreed_with_people_this_morning_tells_of_an_agreement() -> None:
    text = "ESCALATE to stage 4.\n\nAgreed with Hannah and Simon this morning: this cannot wait. A response within 2 working days please."
    found = parse_instruction(text, THURSDAY)
    assert found is not None and (found.verb, found.stage, found.working_days, found.doubt) == ("ESCALATE", 4, 2, None)


def test_resolved_for_one_part_alone_is_asked_about() -> None:
    found = parse_instruction("Resolved re the pathway plan, thanks Sophie - but I'm not happy about the accommodation.", THURSDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None
    found = parse_instruction("Resolved, thanks Sophie.", THURSDAY)
    assert found is not None and found.doubt is None
