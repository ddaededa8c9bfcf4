"""The mechanisms the thirtieth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.dates import response_timescale

WEDNESDAY = date(2027, 5, 12)


def test_can_we_agree_by_a_day_asks_for_it() -> None:
    found, _ = response_timescale("Can we agree next steps by the end of next week? Happy to talk.", WEDNESDAY)
    assert found == Timescale(until=date(2027, 5, 21))


def test_id_like_this_to_go_to_a_named_manager_with_the_time_expected() -> None:
    text = "I'd like this to go to Jo Whitfield as Head of Service now, and I'd expect her response within 5 working days."
    found = parse_instruction(text, WEDNESDAY)
    assert found is not None and (found.verb, found.prose, found.target, found.working_days) == \
        ("ESCALATE", True, "Jo Whitfield", 5)


def test_send_to_a_rung_named_with_its_stage_but_a_bare_name_is_the_next_rung() -> None:
    found = parse_instruction("ESCALATE\n\nNo report yet. Please send to Taylor at Stage 2.", WEDNESDAY)
    assert found is not None and found.stage == 2
    found = parse_instruction("ESCALATE\n\nDana is on leave. Please send to Morgan.", WEDNESDAY)
    assert found is not None and (found.stage, found.target) == (None, None)
