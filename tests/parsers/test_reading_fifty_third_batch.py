"""The mechanisms the fifty-third sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import extension_request
from parsers.dates import response_timescale
from parsers.reply import new_text

TUESDAY = date(2030, 6, 4)


def test_a_meetings_agreement_told_in_a_new_concern_is_no_timescale() -> None:
    text = ("The strategy discussion that day agreed that the assessment would be updated within 10 working days. "
            "That has not happened. I would ask you to respond in writing setting out when it will be done.")
    found, _ = response_timescale(text, TUESDAY)
    assert found is None
    # The writer's own agreement with the manager still sets it.
    found, _ = response_timescale("We agreed that the plan will be on the system by Friday 7 June.", TUESDAY)
    assert found is not None and found.until == date(2030, 6, 7)


def test_wanting_it_to_go_straight_to_a_person_is_an_escalation() -> None:
    found = parse_instruction("Going to Sana will not help, so I would like this to go straight to Nick now.", TUESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.target == "Nick" and found.doubt


def test_letting_someone_have_the_extra_days_they_asked_for_agrees() -> None:
    found = parse_instruction("That's fine by me. She is in court all week, so she can have the three extra days "
                              "she has asked for.", TUESDAY)
    assert found is not None and found.verb == "AGREE" and found.doubt


def test_keeping_it_open_for_a_period_is_asked_about_as_more_time() -> None:
    found = parse_instruction("So I'd like to keep this open for another week to give you time to update the plan.", TUESDAY)
    assert found is not None and found.verb == "EXTEND" and found.working_days == 5 and found.doubt
    # Open until something happens is a condition, no day.
    found = parse_instruction("I'll keep this open until I've seen it on the system.", TUESDAY)
    assert found is None or found.verb != "EXTEND"


def test_a_request_for_time_with_an_adverb_in_it_is_read() -> None:
    asked, amount = extension_request("Could I therefore have until the end of next week to send my response?", TUESDAY)
    assert asked and amount is not None and amount.until == date(2030, 6, 14)


def test_an_answer_typed_into_a_form_stops_at_the_forms_next_field() -> None:
    text = ("Fiona,\n\nThank you, my responses are below marked [LF].\n\nLeanne\n\n"
            "From: Fiona Baker <fiona@x.example>\nSent: 12 April 2030 14:03\nTo: Leanne Ford <leanne@x.example>\n"
            "Subject: Stage 1\n\nConcern: No core group has been held.\n"
            "[LF] This is accurate and I apologise.\n"
            "Impact on the child: she has not been seen alone.\n"
            "[LF] Agreed. The core group is booked for 27 April.\n"
            "Timescale: 10 working days\n")
    out = new_text(text)
    assert "[LF] This is accurate and I apologise." in out and "[LF] Agreed. The core group is booked for 27 April." in out
    assert "Impact on the child" not in out and "Timescale: 10 working days" not in out
