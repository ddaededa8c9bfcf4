"""The mechanisms the thirty-eighth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.dates import response_timescale

TUESDAY = date(2029, 11, 13)


def test_a_timescale_label_with_who_agreed_it() -> None:
    found, _ = response_timescale("Timescale agreed with you: by the end of Thursday this week.", TUESDAY)
    assert found == Timescale(until=date(2029, 11, 15))


def test_a_response_that_would_be_appreciated_is_asked_for() -> None:
    text = "ESCALATE to Stage 4\n\nCatherine - a response within 2 working days would be appreciated given the risk."
    found = parse_instruction(text, TUESDAY)
    assert found is not None and (found.verb, found.stage, found.working_days) == ("ESCALATE", 4, 2)


def test_time_given_in_prose_before_a_condition_after_but() -> None:
    text = "Liam says the minutes will be on the system by Friday. I'm happy to give him until then but if not it goes to Joanne."
    found = parse_instruction(text, TUESDAY)
    assert found is not None and (found.verb, found.until, found.prose) == ("EXTEND", date(2029, 11, 16), True)


def test_ok_to_close_this_one_is_asked_about() -> None:
    found = parse_instruction("Ok to close this one now thanks - the plan is signed.", TUESDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_please_disregard_this_one_goes_with_a_withdrawal() -> None:
    found = parse_instruction("WITHDRAW\n\nSorry - wrong child's record. Emma, please disregard this one.", TUESDAY)
    assert found is not None and (found.verb, found.doubt) == ("WITHDRAW", None)
    # After another decision it still takes that decision back.
    found = parse_instruction("ESCALATE please.\n\nActually, please disregard that - I'll ring Emma first.", TUESDAY)
    assert found is not None and found.doubt is not None
