"""The mechanisms the fifty-fifth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import extension_request

TUESDAY = date(2030, 5, 7)


def test_happy_to_leave_it_open_for_a_period_is_asked_about_as_more_time() -> None:
    found = parse_instruction("I'm happy to leave this open for another week or so, and we can take stock after that.", TUESDAY)
    assert found is not None and found.verb == "EXTEND" and found.doubt


def test_time_it_should_not_sit_is_no_request() -> None:
    assert extension_request("Can you escalate this to him so it doesn't sit with me for another week?", TUESDAY) == (False, None)
    assert extension_request("Could it sit with me for another week?", TUESDAY)[0]


def test_the_road_not_taken_before_a_command_does_not_hide_it() -> None:
    found = parse_instruction("You've told me both will be uploaded by tomorrow, so rather than escalate I will "
                              "EXTEND by 24 hours as the guidance allows.", TUESDAY)
    assert found is not None and found.verb == "EXTEND" and found.working_days == 1 and found.doubt is None


def test_a_decision_word_in_capitals_inside_prose_is_the_instruction() -> None:
    found = parse_instruction("As IRO Service Manager I am asking for this DRP to be ESCALATED to Stage 3.", TUESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 3 and found.doubt is None
    # In lower case the same words are asked about.
    found = parse_instruction("As IRO Service Manager I am asking for this DRP to be escalated to Stage 3.", TUESDAY)
    assert found is not None and found.doubt
    # CAFCASS in capitals is also the organisation's name: still asked about in prose.
    found = parse_instruction("I am now making a referral to CAFCASS and will send the form today.", TUESDAY)
    assert found is not None and found.verb == "CAFCASS" and found.doubt


def test_not_escalating_yet_but_wanting_it_by_a_day_gives_time() -> None:
    found = parse_instruction("I'm not escalating at this point, but I want the minutes on the system by Friday, "
                              "otherwise it goes to Mike.", TUESDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 5, 10) and found.doubt


def test_a_decision_word_in_capitals_is_still_asked_about_when_unsure_or_on_a_condition() -> None:
    # Review mend: the capitals make prose a command, and a command is doubted as any other is.
    found = parse_instruction("I think I'm asking for this DRP to be ESCALATED to Stage 3, I'm not sure.", TUESDAY)
    assert found is not None and found.doubt is not None
    found = parse_instruction("Perhaps I'm asking for this alert to be ESCALATED to Stage 3?", TUESDAY)
    assert found is not None and found.doubt is not None
