"""The mechanisms the thirty-ninth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import ParseRules, parse_instruction
from parsers.content import extension_request, find_case_ids

WEDNESDAY = date(2030, 3, 13)


def test_does_need_escalating_with_a_hold_is_asked_about() -> None:
    found = parse_instruction("Yes, I think this does need escalating, but can we hold off until I've spoken to Rachel?", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt is not None


def test_ids_in_brackets_after_the_brothers() -> None:
    body = "On Friday the two brothers (1301122 and 1301123) were moved without a planning meeting."
    assert find_case_ids("Dispute resolution - Stage 3", body, None, ParseRules()) == ("1301122", "1301123")


def test_someones_leave_until_a_day_is_the_reason_not_the_time_asked() -> None:
    text = "Sorry - can I have a bit more time on this one? The SW is on leave until Wednesday and I want to check with her."
    assert extension_request(text, WEDNESDAY) == (True, None)


def test_the_writers_own_leave_until_a_day_is_the_time_asked() -> None:
    text = "I'm on leave until the 25th, so can it wait till then?"
    assert extension_request(text, WEDNESDAY) == (True, extension_request("Could I have until the 25th?", WEDNESDAY)[1])


def test_review_mends_keep_doubtful_readings_asked_about() -> None:
    from parsers.dates import corrected_timescale

    # "that one" alone may be this alert: a retraction, asked about.
    found = parse_instruction("Resolved. Please don't close that one yet.", WEDNESDAY)
    assert found is not None and found.doubt is not None
    # "please disregard this e-mail" takes the withdrawal back; said to the manager about the alert, it does not.
    found = parse_instruction("WITHDRAW\n\nSorry, please disregard this e-mail.", WEDNESDAY)
    assert found is not None and found.doubt is not None
    found = parse_instruction("WITHDRAW\n\nWrong record. Emma, please disregard this one.", WEDNESDAY)
    assert found is not None and found.doubt is None
    # A period told as history after an escalation is not its time.
    found = parse_instruction("ESCALATE please. 5 working days went by without a reply.", WEDNESDAY)
    assert found is not None and found.working_days is None
    # The last correction stands.
    text = "By Friday. Scrap that - make it Monday 18 March. Correction: make it Tuesday 19 March."
    assert corrected_timescale(text, WEDNESDAY).until == date(2030, 3, 19)
