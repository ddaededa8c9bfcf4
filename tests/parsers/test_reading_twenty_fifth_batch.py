"""The mechanisms the twenty-fifth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.content import extension_request
from parsers.dates import date_at, response_timescale
from parsers.reply import new_text

SENT = date(2027, 9, 6)  # a Monday


def test_ticking_it_resolved_on_the_case_system_is_a_decision_in_prose() -> None:
    for text in ("Thanks Jo, that's fine. I've ticked resolved on Mosaic and finalised the form.",
                 "Good. I have marked it as resolved on MiCare."):
        found = parse_instruction(text, SENT)
        assert found is not None and (found.verb, found.prose) == ("RESOLVED", True), text
    # Ticking a box on some other form decides nothing about the alert.
    assert parse_instruction("I've ticked the consent box on the PEP form.", SENT) is None


def test_a_heading_over_a_sentence_is_not_a_name_over_a_signature() -> None:
    body = ("Jo,\n\nThe plan has drifted since March.\n\nTimescale\n"
            "I would like the plan agreed and recorded on Mosaic by Friday 17 September.\n\n"
            "Ana\n\nAna Lopes\nIndependent Reviewing Officer\nT: 01632 960000\n")
    kept = new_text(body)
    assert "by Friday 17 September." in kept
    assert "Independent Reviewing Officer" not in kept and "01632" not in kept


def test_a_couple_more_weeks_is_ten_working_days() -> None:
    asked = extension_request("Sorry, can I have a couple more weeks? The meeting is on the 21st.", SENT)
    assert asked == (True, Timescale(working_days=10))


def test_a_weekday_and_its_day_of_the_month_with_a_comma_name_that_day() -> None:
    # The next Thursday from Monday 6 September is the 9th; "the Thursday, the 16th" is the 16th.
    assert date_at("the Thursday, the 16th", 0, SENT)[0] == date(2027, 9, 16)
    assert extension_request("Could I have till after panel? I can get it to you on the Thursday, the 16th.",
                             SENT) == (True, Timescale(until=date(2027, 9, 16)))


def test_a_response_wanted_before_an_event_is_due_the_working_day_before_it() -> None:
    found, _ = response_timescale("I need your written response before Leo's review on the 14th, please.", SENT)
    assert found == Timescale(until=date(2027, 9, 13))
    # The event on a Monday: the Friday before.
    found, _ = response_timescale("Please respond before the core group on Monday 20 September.", SENT)
    assert found == Timescale(until=date(2027, 9, 17))
    # A plain "before <date>" keeps the date, as it always has.
    found, _ = response_timescale("Please respond before Friday 10 September.", SENT)
    assert found == Timescale(until=date(2027, 9, 10))


def test_the_time_allowed_for_a_reply_before_the_words_for_a_reply() -> None:
    text = ("The procedure says two working days for concerns raised at conference, but with the leave in "
            "your team I'm happy to go to close of play Thursday for a reply.")
    assert response_timescale(text, SENT)[0] == Timescale(until=date(2027, 9, 9))


def test_the_timescale_set_as_a_date_outweighs_the_one_normally_asked() -> None:
    text = ("Normally I would ask for this within five working days, but with the bank holiday I am setting "
            "the timescale for the written response as Friday 24 September 2027.")
    assert response_timescale(text, SENT)[0] == Timescale(until=date(2027, 9, 24))


def test_a_direction_asked_of_a_director_is_the_response() -> None:
    text = "Pat, I'd ask for your direction within 3 working days, with the Strategic Lead copied."
    assert response_timescale(text, SENT)[0] == Timescale(working_days=3)
    # A decision the writer asks about in the story is not the response.
    story = "What I am asking for is a decision on a placement and a strategy meeting before the end of the week."
    assert response_timescale(story, SENT)[0] != Timescale(working_days=3)
