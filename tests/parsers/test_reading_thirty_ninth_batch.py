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
