"""The mechanisms the thirty-fourth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.content import declines_to_raise, only_warns_of_raising
from parsers.dates import response_timescale
from parsers.reply import new_text

WEDNESDAY = date(2028, 3, 1)


def test_sign_offs_in_other_languages_end_the_new_text() -> None:
    for sign_off in ("Med vänliga hälsningar", "Com os melhores cumprimentos,", "Cofion cynnes,",
                     "Grazie e cordiali saluti,", "Serdecznie pozdrawiam", "Muchas gracias"):
        text = f"The plan is on the system now.\n\n{sign_off}\nKate Moreno\nIndependent Reviewing Officer"
        assert new_text(text) == "The plan is on the system now.", sign_off


def test_non_native_ways_of_asking_for_the_answer() -> None:
    assert response_timescale("I ask Sam Lee to answer until Wednesday next week.", WEDNESDAY)[0] == \
        Timescale(until=date(2028, 3, 8))
    assert response_timescale("I give 7 working days for the response, because of the meeting.", WEDNESDAY)[0] == \
        Timescale(working_days=7)
    assert response_timescale("I ask you to agree a plan with me in 5 working days.", WEDNESDAY)[0] == \
        Timescale(working_days=5)
    # "in" before working days told as history asks nothing.
    assert response_timescale("The visit happened in 5 working days.", WEDNESDAY)[0] is None


def test_a_period_closing_the_escalation_sets_its_time() -> None:
    found = parse_instruction("Escalate this to Jo Whitfield please, 3 working days. It has gone on since March.", WEDNESDAY)
    assert found is not None and (found.verb, found.working_days) == ("ESCALATE", 3)


def test_resolved_for_one_part_beside_an_escalation_of_another_is_asked_about() -> None:
    text = "Resolved for the health assessment, thank you. But the dental check is not booked, so please escalate this part."
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and found.doubt is not None


def test_time_given_before_a_decision_to_come_is_still_given() -> None:
    found = parse_instruction("The PEP comes tomorrow, so I give you extra 24 hours for this before I decide.", WEDNESDAY)
    assert found is not None and found.prose and found.working_days == 1


def test_give_her_until_a_day_is_an_extension_in_prose() -> None:
    found = parse_instruction("Ruth rang me. Give her until Thursday and I'll look again then.", WEDNESDAY)
    assert found is not None and (found.verb, found.until, found.prose) == ("EXTEND", date(2028, 3, 2), True)


def test_the_escalation_notice_is_a_noun() -> None:
    text = "Forwarding the thread before you respond - the escalation notice only gives you the reference."
    assert parse_instruction(text, WEDNESDAY) is None


def test_words_pasted_from_the_other_persons_mail_are_theirs() -> None:
    text = ("Lee, from your email yesterday:\n\nCould we agree an extension to 12 May?\n\n"
            "I can't agree 12 May.\n\nEXTEND to Friday 5 May.")
    found = parse_instruction(text, date(2028, 4, 26))
    assert found is not None and (found.verb, found.until, found.doubt) == ("EXTEND", date(2028, 5, 5), None)


def test_keeping_another_alert_open_does_not_take_this_decision_back() -> None:
    text = "Resolved. Thanks Priya.\n\nHer brother's DRP stays open - so please don't close that one."
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and (found.verb, found.doubt) == ("RESOLVED", None)


def test_no_drp_for_now_and_a_recommendation_to_come_raise_nothing() -> None:
    assert declines_to_raise("WG: PEP review", "For information only. No DRP for now - I will speak to Emma.") is not None
    text = "No plan yet. If there is none by Friday I will send a Stage 1 recommendation."
    assert only_warns_of_raising("PEP review", text) == "I will send a Stage 1 recommendation"
