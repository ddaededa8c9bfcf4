"""The mechanisms the fiftieth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.dates import response_timescale

WEDNESDAY = date(2030, 5, 15)


def test_the_timescale_of_past_actions_told_is_not_the_one_asked() -> None:
    text = ("Both actions were set at his first review, with a timescale of 20 working days, and neither "
            "has been done. I would ask for a response within 5 working days rather than the usual 10.")
    found, note = response_timescale(text, WEDNESDAY)
    assert found is not None and found.working_days == 5 and note is None
    # Set now, "with a timescale of" still asks.
    found, _ = response_timescale("Please treat this as formal, with a timescale of 3 working days for your reply.",
                                  WEDNESDAY)
    assert found is not None and found.working_days == 3


def test_a_new_day_agreed_with_the_manager_is_asked_about_as_an_extension() -> None:
    text = ("I rang Ben and we agreed he will get the form signed and on the system by 5pm tomorrow. "
            "If not, this will need to go to Daniel.")
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 5, 16) and found.doubt
    # An agreement about something with no day by which it is due is no new deadline.
    assert parse_instruction("We agreed he will speak to the carers about it.", WEDNESDAY) is None


def test_one_part_said_resolved_as_far_as_the_writer_is_concerned_is_asked_about() -> None:
    text = ("The visits have happened, so that part is resolved as far as I'm concerned. The PEP is the bigger "
            "issue, so can we leave it open till Friday?")
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and found.doubt
