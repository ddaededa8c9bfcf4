"""The mechanisms the twenty-eighth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.content import extension_request
from parsers.dates import response_timescale
from parsers.reply import answers_in_colour, new_text

FRIDAY = date(2027, 7, 16)


def asked(text: str, sent: date = FRIDAY) -> Timescale | None:
    return response_timescale(text, sent)[0]


def test_a_command_with_its_own_condition_after_it_is_asked_about() -> None:
    found = parse_instruction("I'm off from tomorrow - please escalate if nothing from Dana by Wednesday.", FRIDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt.startswith("the decision is given on a condition")
    # A condition for what the writer will do next is not the command's.
    found = parse_instruction("EXTEND to Thursday 22 July, and if it isn't agreed by then I'll go to Stage 2.", FRIDAY)
    assert found is not None and (found.verb, found.doubt) == ("EXTEND", None)


def test_tuesday_week_and_two_weeks_today() -> None:
    assert asked("Could you let me have a response by Tuesday week please?") == Timescale(until=date(2027, 7, 27))
    assert asked("I would like your written response two weeks today please.") == Timescale(until=date(2027, 7, 30))


def test_the_writers_correction_stands() -> None:
    text = ("Timescale: 5 working days, so by Friday 23 July. Sorry - scrap that, I'm on leave that week. "
            "Please make it Tuesday 27 July.")
    assert asked(text) == Timescale(until=date(2027, 7, 27))


def test_the_day_written_after_i_e_is_meant() -> None:
    text = "Please respond within 5 working days, i.e. by Thursday 22nd - it must be before the break."
    assert asked(text) == Timescale(until=date(2027, 7, 22))


def test_a_contrast_after_the_period_is_no_negation() -> None:
    text = "Given the level of risk I need an agreed plan within 3 working days, not the end of the month."
    assert asked(text) == Timescale(working_days=3)
    # A negation that tells the story still does.
    assert asked("It was agreed with a timescale of 6 weeks, have not been started.") is None


def test_a_hard_wrapped_month_is_no_signed_name() -> None:
    body = ("- 6 December: Mark said the assessment would be complete by 17\nDecember.\n\nI'd ask for your "
            "response by the 5th.\n\nJo\n\nJo Reid\nIndependent Reviewing Officer\n")
    assert "I'd ask for your response by the 5th." in new_text(body)


def test_the_day_of_a_holiday_is_the_reason_not_the_time_asked() -> None:
    text = "With the bank holiday on Monday and Tariq on leave I'm going to need a bit longer."
    assert extension_request(text, date(2027, 8, 27)) == (True, None)


def test_could_the_deadline_run_to_a_day() -> None:
    asks, amount = extension_request("Could the deadline run to Thursday 10th to give me time?", date(2027, 6, 1))
    assert asks and amount == Timescale(until=date(2027, 6, 10))


def test_an_extend_said_twice_is_one_decision() -> None:
    found = parse_instruction("EXTEND to the 31st. Sorry - but I'm happy to give you to the 31st.", date(2027, 12, 16))
    assert found is not None and (found.verb, found.until, found.doubt) == ("EXTEND", date(2027, 12, 31), None)
    # Said twice, it is still one decision checked like any other: given on a condition, it is asked about.
    found = parse_instruction("EXTEND to the 31st if the report is not in by then. I'm happy to give you to the 31st.",
                              date(2027, 12, 16))
    assert found is not None and found.verb == "EXTEND" and found.doubt
    # A grant in prose naming another day is a second reading, asked about.
    found = parse_instruction("EXTEND to the 31st. I'm happy to give you until the 7th.", date(2027, 12, 16))
    assert found is not None and found.doubt


def test_status_and_records_asked_in_prose() -> None:
    found = parse_instruction("Could you tell me where this one has got to?", FRIDAY)
    assert found is not None and found.verb == "STATUS"
    found = parse_instruction("Please treat this as escalated to the next stage.", FRIDAY)
    assert found is not None and (found.verb, found.prose) == ("ESCALATE", True)
    found = parse_instruction("As far as I'm concerned this one is sorted.", FRIDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_answers_typed_in_colour_in_the_quoted_html() -> None:
    html = ('<p>Answers below in blue.</p><hr><p>From: Dev</p><p>1. When is the meeting?</p>'
            '<p><span style="font-size:11pt;color:#0070C0">Booked for 22 July.</span></p>'
            '<p><span style="color:#1F4E79">Chris Young | Team Manager</span></p>'
            '<p><a style="color:#0563C1" href="x">a link</a></p>')
    assert answers_in_colour(html, "Answers below in blue.") == ["Booked for 22 July."]
    assert answers_in_colour(html, "Thanks, see the plan.") == []
