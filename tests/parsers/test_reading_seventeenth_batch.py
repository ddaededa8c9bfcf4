"""The mechanisms the seventeenth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import Timescale, parse_instruction
from parsers.content import extension_request, label_key, promised_response, stated_stage
from parsers.dates import response_timescale, same_deadline
from parsers.reply import new_text

SENT = date(2027, 11, 3)  # a Wednesday


def test_a_decision_in_prose_beside_a_note_is_asked_about() -> None:
    text = ("NOTE – Leanne rang this afternoon. Core group is rebooked for the 16th. Fine by me to give her till "
            "the 30th for the whole lot.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.until, found.prose) == ("EXTEND", date(2027, 11, 30), True)
    assert found.doubt


def test_a_note_alone_stays_a_note() -> None:
    found = parse_instruction("NOTE – Leanne rang this afternoon. Core group is rebooked for the 16th.", SENT)
    assert found is not None and found.verb == "NOTE"


def test_the_same_day_said_two_ways_is_one_deadline() -> None:
    assert same_deadline(Timescale(working_days=5), Timescale(until=date(2027, 11, 10)), SENT)
    assert not same_deadline(Timescale(working_days=2), Timescale(until=date(2027, 11, 10)), SENT)
    text = "Please respond within 5 working days. I need your response by Wednesday 10 November."
    assert response_timescale(text, SENT)[0] == Timescale(working_days=5)


def test_a_form_and_its_covering_text_that_disagree_leave_the_default() -> None:
    from parsers.message import _response_timescale

    form = {"timescale": "5 working days"}
    found, note = _response_timescale(form, "I need your response by Friday 5th at the latest.", SENT)
    assert found is None and "different times" in note
    # The form's own line repeated in the text is the same deadline.
    assert _response_timescale(form, "Response required within 5 working days please.", SENT) == (
        Timescale(working_days=5), None)
    found, note = _response_timescale({"timescale": "ASAP - he turns 18 on 30 November"}, "DRP form below.", SENT)
    assert found is None and "sets no date" in note


def test_an_ids_bracket_stays_part_of_its_label() -> None:
    assert label_key("Carer household (MiCare no.)") == "carer household micare no"
    assert label_key("MiCare ID (carer household)") == "micare id"


def test_another_authoritys_level_is_the_stage_raised() -> None:
    assert stated_stage("Dispute resolution – level 3 (Head of Service) – Ellie-Mae 5590214", "") == 3


@pytest.mark.parametrize("text, until", [
    ("What I can't give you today is the finance confirmation. Would the end of the month be workable for the "
     "full written response?", date(2027, 11, 30)),
])
def test_the_day_asked_for_inside_the_asking_words(text: str, until: date) -> None:
    assert extension_request(text, SENT) == (True, Timescale(until=until))


def test_it_to_you_by_a_day_is_the_response_promised() -> None:
    assert promised_response("I want his views in it. I will have it to you by the 20th.", SENT) == date(2027, 11, 20)


@pytest.mark.parametrize("text, verb", [
    ("I think at this point I have little choice but to escalate to Vikram at stage 2.", "ESCALATE"),
    ("Agreed on the extra time. Can we make it Tuesday 9th rather than today though?", "EXTEND"),
])
def test_hedged_and_counter_offered_decisions(text: str, verb: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == verb and found.prose and found.doubt


def test_the_escalations_timescale_after_id_be_looking_for() -> None:
    text = "I have little choice but to escalate to stage 2, and I'd be looking for his response by Friday 12th."
    found = parse_instruction(text, SENT)
    assert found is not None and found.until == date(2027, 11, 12)


def test_a_decision_word_after_thank_you_between_quotes_is_not_a_signature() -> None:
    text = ("Daniel,\n\nOn 13/09/2027 09:05, Daniel Osei wrote:\n> Tom,\n> - The funding request goes to panel.\n\n"
            "Understood.\n\n> - Mum's assessment is with the ISW.\n\nThank you.\n\n"
            "> Given the panel, can I have until the 20th?\n\nAgreed.\n\nTom\n")
    assert new_text(text).endswith("Agreed.")
