"""The mechanisms the thirty-first sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.content import extension_request
from parsers.dates import find_dates, response_timescale

MONDAY_BEFORE_CHRISTMAS = date(2026, 12, 21)
WEDNESDAY_BEFORE_CHRISTMAS = date(2026, 12, 23)
TUESDAY_IN_MARCH = date(2027, 3, 9)


def test_the_days_of_christmas_and_new_year_are_dates() -> None:
    for words, day in (("Christmas Eve", date(2026, 12, 24)), ("Boxing Day", date(2026, 12, 26)),
                       ("New Year's Eve", date(2026, 12, 31)), ("New Year\u2019s Day", date(2027, 1, 1))):
        found, _ = response_timescale(f"I'd be grateful for your reply by close of play on {words}.", MONDAY_BEFORE_CHRISTMAS)
        assert found == Timescale(until=day), words


def test_a_season_alone_is_not_a_day() -> None:
    assert find_dates("Over Christmas the carers will be away; at New Year they return.", MONDAY_BEFORE_CHRISTMAS) == ()


def test_a_weekday_counted_from_a_named_day() -> None:
    found, _ = response_timescale("Could you let me know by the Monday after New Year?", WEDNESDAY_BEFORE_CHRISTMAS)
    assert found == Timescale(until=date(2027, 1, 4))
    found, _ = response_timescale("Please respond by the Tuesday after Easter.", TUESDAY_IN_MARCH)
    assert found == Timescale(until=date(2027, 3, 30))
    # Counted back too, and a day that has gone is said to have gone, not used.
    found, note = response_timescale("Please reply by the Friday before Christmas.", WEDNESDAY_BEFORE_CHRISTMAS)
    assert found is None and "2026-12-18" in (note or "")


def test_can_we_have_the_work_by_a_day_after_a_courtesy_clause() -> None:
    text = "I know it's a busy week, but can we have the plan on the system by Monday 4 January?"
    found, _ = response_timescale(text, WEDNESDAY_BEFORE_CHRISTMAS)
    assert found == Timescale(until=date(2027, 1, 4))


def test_a_manager_treating_it_as_resolved_is_a_decision_in_prose() -> None:
    found = parse_instruction("Both plans are uploaded. I'm treating this as resolved and have closed it on my side.",
                              TUESDAY_IN_MARCH)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_hoping_the_reader_will_treat_it_as_resolved_leaves_the_decision_to_them() -> None:
    text = "The visits are booked. I hope you will feel able to treat the concern as resolved on the strength of this."
    assert parse_instruction(text, TUESDAY_IN_MARCH) is None
    assert parse_instruction("You may wish to treat this as closed now.", TUESDAY_IN_MARCH) is None
    # Said by the IRO to whoever keeps the record, it is still the IRO's decision.
    found = parse_instruction("Please treat this as resolved.", TUESDAY_IN_MARCH)
    assert found is not None and found.verb == "RESOLVED"


def test_you_have_agreed_tells_back_what_the_reader_did() -> None:
    text = ("The report is still not on the system. You have agreed that it will be uploaded by tomorrow.\n\n"
            "EXTEND 1 working day - that is all the guidance allows.")
    found = parse_instruction(text, TUESDAY_IN_MARCH)
    assert found is not None and (found.verb, found.working_days, found.doubt) == ("EXTEND", 1, None)


def test_time_asked_for_on_someone_elses_behalf() -> None:
    text = "Sam is at a hearing all week. Sam asks whether you would agree to the response coming to you by Monday 22 March instead."
    assert extension_request(text, TUESDAY_IN_MARCH) == (True, Timescale(until=date(2027, 3, 22)))
    # Agreeing to a response that has come is no request for time.
    assert extension_request("I hope you would agree to the response as it stands.", TUESDAY_IN_MARCH) == (False, None)
