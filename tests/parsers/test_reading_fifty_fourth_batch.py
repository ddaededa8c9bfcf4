"""The mechanisms the fifty-fourth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.dates import response_timescale

WEDNESDAY = date(2030, 3, 13)


def test_a_period_counted_from_an_event_asked_to_be_confirmed_is_a_fact() -> None:
    found, _ = response_timescale("I need confirmation of the date of the next core group, which should be within "
                                  "10 working days of conference.", WEDNESDAY)
    assert found is None
    found, _ = response_timescale("Please respond within 5 working days of receipt of this e-mail.", WEDNESDAY)
    assert found is not None and found.working_days == 5


def test_a_sentence_asking_by_a_day_comes_before_a_listed_actions_day() -> None:
    text = ("My recommendation is:\n- the children to be seen alone this week;\n"
            "- a core group to be held before the end of next week.\n\n"
            "I would expect a plan to be agreed with me by Tuesday 19 March.")
    found, _ = response_timescale(text, WEDNESDAY)
    assert found is not None and found.until == date(2030, 3, 19)
    # With no sentence of its own giving a day, the listed action's day is the one asked.
    found, _ = response_timescale("Agreed actions:\n- SW report to be shared with mum by Friday 15 March.", WEDNESDAY)
    assert found is not None and found.until == date(2030, 3, 15)


def test_setting_the_timescale_for_this_drp_as_a_day_sets_it() -> None:
    found, _ = response_timescale("So I'm setting the timescale for this informal DRP as Friday 22 March.", WEDNESDAY)
    assert found is not None and found.until == date(2030, 3, 22)


def test_recording_the_instruction_word_in_capitals_is_a_command() -> None:
    found = parse_instruction("I am making a referral to Cafcass today. Please record CAFCASS on this DRP.", WEDNESDAY)
    assert found is not None and found.verb == "CAFCASS" and found.doubt is None
    # In lower case it is prose, asked about.
    found = parse_instruction("Please record this as resolved.", WEDNESDAY)
    assert found is not None and found.doubt is not None
    assert parse_instruction("Please record Cafcass's view on the plan.", WEDNESDAY) is None


def test_seeing_no_need_to_take_it_further_is_asked_about_as_resolved() -> None:
    found = parse_instruction("The plan is on the system, and I don't see any need to take this further.", WEDNESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt


def test_a_decision_left_with_the_reader_is_not_the_writers() -> None:
    text = "I'm happy for this to be closed once the core group has met on the 18th, but I'll leave that with you."
    assert parse_instruction(text, WEDNESDAY) is None


def test_agreeing_with_you_that_is_a_view_not_a_grant() -> None:
    found = parse_instruction("I agree with you that fortnightly family time is what the boys need. "
                              "So please escalate this to Claire at Stage 3.", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 3 and found.doubt is None
