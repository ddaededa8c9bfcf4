"""The mechanisms the twentieth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import Timescale, parse_instruction
from parsers.content import extension_request

SENT = date(2027, 6, 15)  # a Tuesday


def test_an_escalation_with_a_period_said_in_place_of_the_default() -> None:
    text = ("Escalate to Morgan please. Nobody picked this up over the holidays. 3 working days not 5 - "
            "the child starts at a new school on the 28th.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.working_days, found.doubt) == ("ESCALATE", 3, None)
    # A day of the month after "not" is no period replaced: no timescale is read from it.
    found = parse_instruction("Escalate please. He has waited 3 working days not 5th as promised.", SENT)
    assert found is not None and found.working_days is None


def test_an_extension_to_a_date_is_not_doubted_for_the_days_it_turns_down() -> None:
    found = parse_instruction("EXTEND to Fri 25 June - not the 10 days asked for. The review is on the 29th.", SENT)
    assert found is not None
    assert (found.verb, found.until, found.doubt) == ("EXTEND", date(2027, 6, 25), None)
    # Days with no date stay doubted: calendar or working?
    found = parse_instruction("EXTEND by 10 days please.", SENT)
    assert found is not None and found.doubt is not None


@pytest.mark.parametrize("text", [
    "This one's resolved - the assessment was done on Wednesday. Can you close it please.",
    "Thanks. I think we can call it resolved now the carers have agreed to stay on.",
    "Resolved I think - the plan is fine. I'll ring him in the morning.",
    "Can you close this please, the plan is signed.",
])
def test_closing_in_prose_is_read_and_asked_about(text: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True) and found.doubt


def test_a_hedged_closing_with_a_conditional_escalation_is_not_an_escalation() -> None:
    text = ("I think we can call it resolved. BUT if the referral isn't on the system by Friday I'll be "
            "escalating to Claire at Stage 3.")
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "RESOLVED" and found.doubt


def test_asking_for_the_further_time_the_procedure_allows() -> None:
    text = "Can I ask for the further 24 hours the DRP guidance allows to get the referral submitted?"
    assert extension_request(text, SENT) == (True, Timescale(working_days=1))
    # Thanks for time already given asks for nothing.
    assert extension_request("Thanks for the extra 2 days, the plan is now on the system.", SENT)[0] is False
