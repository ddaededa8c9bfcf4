"""The mechanisms the thirty-third sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.content import extension_request
from parsers.dates import response_timescale
from parsers.instruction import only_assent

MONDAY = date(2027, 11, 1)


def test_a_command_after_so_typed_without_a_comma() -> None:
    found = parse_instruction("the actions still arent done\nPriya has agreed so escalate to stage 2 please", MONDAY)
    assert found is not None and (found.verb, found.stage, found.doubt) == ("ESCALATE", 2, None)


def test_autocorrected_extent_before_a_day_is_extend() -> None:
    found = parse_instruction("Happy to give Sam till Fri 5th for the paperwork so extent to then pls", MONDAY)
    assert found is not None and (found.verb, found.until) == ("EXTEND", date(2027, 11, 5))
    # The noun stays a noun.
    assert parse_instruction("The extent to which the plan was followed is unclear.", MONDAY) is None


def test_a_choice_weighed_is_not_a_decision_and_a_guess_is_asked_about() -> None:
    text = "Escalate or extend? Not sure. The plan should be signed off by Thursday. Extend to Thurs I guess."
    found = parse_instruction(text, MONDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2027, 11, 4)
    assert found.doubt is not None and "I guess" in found.doubt


def test_yes_with_its_reason_assents() -> None:
    found = parse_instruction("Yep thats fine with me given the planning meeting is next wk", MONDAY)
    assert found is not None and (found.verb, found.prose) == ("AGREE", True)
    assert not only_assent("Yes as long as the plan is in by Friday")


def test_bypassing_a_stage_to_a_named_rung_is_an_escalation_in_prose() -> None:
    text = "I am bypassing Stage 2 and progressing the dispute directly to the Assistant Director at Stage 3."
    found = parse_instruction(text, MONDAY)
    assert found is not None and (found.verb, found.stage, found.prose) == ("ESCALATE", 3, True)


def test_withdraw_with_where_the_concern_belongs_is_one_decision() -> None:
    text = "WITHDRAW - raised against the wrong team, so this needs to go to Mark. I'll raise a fresh one with him."
    found = parse_instruction(text, MONDAY)
    assert found is not None and (found.verb, found.doubt) == ("WITHDRAW", None)


def test_can_we_say_an_amount_asks_for_it() -> None:
    text = "Panel doesn't sit until the 25th so I can't answer by tomorrow. Can we say 10 working days?"
    assert extension_request(text, MONDAY) == (True, Timescale(working_days=10))


def test_a_day_in_a_reason_before_so_is_not_the_periods_day() -> None:
    # Monday 20 September + 5 working days is Monday 27 September, the day school starts.
    text = "J starts at his new school on 27 September, so I would ask that this is resolved within 5 working days."
    assert response_timescale(text, date(2027, 9, 20))[0] == Timescale(working_days=5)
    text = "Timescale: J starts school on 27 September, so I would ask for a response within 5 working days."
    assert response_timescale(text, date(2027, 9, 20))[0] == Timescale(working_days=5)


def test_a_timescale_label_is_read_for_its_value() -> None:
    text = "Timescale: as this was raised at conference it needs to be resolved by the end of Thursday 30 September."
    assert response_timescale(text, date(2027, 9, 28))[0] == Timescale(until=date(2027, 9, 30))
    assert response_timescale("Timescale: no response was received by 30 September.", date(2027, 9, 28))[0] is None
