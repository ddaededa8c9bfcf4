"""The mechanisms the thirty-second sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import ParseRules, Timescale, parse_instruction
from parsers.content import declines_to_raise, find_case_ids, only_warns_of_raising
from parsers.dates import response_timescale

THURSDAY = date(2027, 5, 27)
CONFERENCE_NEXT_DAY = date(2027, 7, 15)


def test_i_meant_a_stage_corrects_the_rung_and_is_asked_about() -> None:
    found = parse_instruction("No - I meant stage 3. It has been with Morgan for a month.", THURSDAY)
    assert found is not None and (found.verb, found.stage, found.prose) == ("ESCALATE", 3, True)


def test_needs_to_go_to_a_person_named_in_full() -> None:
    text = "This has been with the team manager for weeks and needs to go to Jamie Fox as Assistant Director."
    found = parse_instruction(text, THURSDAY)
    assert found is not None and (found.verb, found.prose, found.doubt is not None) == ("ESCALATE", True, True)
    # A report going to a panel is no escalation.
    assert parse_instruction("The report needs to go to panel next month.", THURSDAY) is None


def test_a_corrected_deadline_is_an_extension_asked_about() -> None:
    found = parse_instruction("Apologies, my mistake in the first e-mail - the deadline is the 14th not the 4th.", THURSDAY)
    assert found is not None and (found.verb, found.until, found.prose) == ("EXTEND", date(2027, 6, 14), True)
    # The deadline told as a fact, with no correction, decides nothing.
    assert parse_instruction("The deadline is the 14th, so there is still time.", THURSDAY) is None


def test_an_events_own_deadline_restated_as_a_day_is_a_fact() -> None:
    text = ("The first core group must meet within 10 working days of conference, i.e. by 28 July, and I would like "
            "assurance that the assessment will be ready for it and shared with the parents before then.")
    assert response_timescale(text, CONFERENCE_NEXT_DAY) == (None, None)
    # A day asked for in its own right still counts.
    text = "The core group must meet within 10 working days of conference. I would like the minutes by 30 July."
    assert response_timescale(text, CONFERENCE_NEXT_DAY)[0] == Timescale(until=date(2027, 7, 30))


def test_a_list_of_bare_ids_under_a_sentence_about_the_children() -> None:
    body = "I'm raising this for the three children below.\n\n- 5520913 (aged 11)\n- 5520914 (aged 8)\n\nThanks"
    assert find_case_ids("Pre-DRP", body, None, ParseRules()) == ("5520913", "5520914")


def test_a_labelled_id_in_a_sentence_that_sets_the_child_aside() -> None:
    body = ("Child's ID: 6093381\nDetails: His brother is placed elsewhere (ID 6093390); he has another IRO, "
            "so he is not part of this alert. The assessment has not started.")
    assert find_case_ids("DRP Stage 1", body, None, ParseRules()) == ("6093381",)


def test_warning_of_a_concern_to_come_raises_nothing() -> None:
    text = "If there is no school place by Wednesday, I'll raise a Stage 1 starred recommendation next week."
    assert only_warns_of_raising("School place (heads up)", text) == "I'll raise a Stage 1 starred recommendation"
    assert declines_to_raise("School place (heads up)", text) is not None
    # Raising one now, with a warning of the next step, is a concern raised.
    text = "I am raising this as a pre-dispute. If nothing changes by Friday I'll raise a Stage 1 next week."
    assert only_warns_of_raising("Pre-dispute - school place", text) is None
