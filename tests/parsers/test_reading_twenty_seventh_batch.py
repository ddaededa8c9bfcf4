"""The mechanisms the twenty-seventh sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.content import asks_about_the_process, extension_request
from parsers.dates import response_timescale
from parsers.reply import new_text

SENT = date(2027, 6, 14)  # a Monday


def test_escalate_alone_on_its_line_takes_its_arguments_from_the_next() -> None:
    found = parse_instruction("Escalate\nTo Head of Service please - 3 working days, second lapse.", SENT)
    assert found is not None and (found.verb, found.target, found.working_days) == ("ESCALATE", "Head of Service", 3)
    # A line under it that is not its argument is not read as one.
    found = parse_instruction("Escalate\nThe plan has still not been shared with mum.", SENT)
    assert found is not None and (found.target, found.working_days) == (None, None)


def test_a_phone_line_over_the_history_and_nothing_else_is_no_text() -> None:
    body = ("\nGet Outlook for Android<https://aka.ms/x>\n________________________________\nFrom: DRP tracker "
            "<drp@council.example>\nSent: Friday, July 16, 2027 5:02 PM\nTo: Jo <jo@council.example>\nSubject: "
            "[DRP-2027-0142] response received\n\nDear Jo,\n\nPlease tell mailbot your decision.\n")
    assert new_text(body) == ""


def test_a_sentence_typed_under_the_signed_name_is_kept() -> None:
    body = "Could I have a bit longer?\n\nThanks\nMark\nend of Weds should do it\n"
    assert "end of Weds should do it" in new_text(body)
    assert extension_request(new_text(body), SENT) == (True, Timescale(until=date(2027, 6, 16)))


def test_a_period_counted_from_the_recommendation_counts_from_now() -> None:
    text = "I'm asking for a plan to be agreed within 5 working days of this Starred Recommendation being issued."
    assert response_timescale(text, SENT)[0] == Timescale(working_days=5)
    # Counted from another event, it is that event's deadline, a fact.
    assert response_timescale("I'm asking for a visit within 5 working days of the review.", SENT)[0] is None


def test_an_agreed_next_step_under_its_label_sets_the_time() -> None:
    text = "Agreed next step: SW to upload the life story book to Mosaic by Friday 18 June."
    assert response_timescale(text, SENT)[0] == Timescale(until=date(2027, 6, 18))


def test_extending_the_plans_own_actions_is_no_command() -> None:
    assert parse_instruction("Extend Leo's current placement beyond the 12-week assessment period.", SENT) is None
    assert parse_instruction("Extend the placement while matching continues.", SENT) is None
    found = parse_instruction("Extend the deadline to Friday 18 June please.", SENT)
    assert found is not None and found.verb == "EXTEND"


def test_a_decision_for_once_something_is_done_is_not_stated() -> None:
    text = "I'm not escalating, as I'm confident we can close this once points 2 and 3 are sorted."
    found = parse_instruction(text, SENT)
    assert found is None or found.verb != "RESOLVED" or found.doubt


def test_a_question_about_the_process_raises_nothing() -> None:
    assert asks_about_the_process("Question re pre-DRP timescales") is not None
    assert asks_about_the_process("Query: DRP tracker and bank holidays") is not None
    assert asks_about_the_process("Pre-DRP - Leo 4410093 - PEP") is None
