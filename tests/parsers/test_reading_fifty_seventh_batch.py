"""The mechanism the fifty-seventh sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction

MONDAY = date(2030, 3, 25)


def test_the_same_day_given_as_hours_and_as_a_day_is_one_extension() -> None:
    found = parse_instruction("EXTEND 24 hours\n\nYou're confirming the funding today, so I'm giving you until tomorrow "
                              "for that rather than escalating.", MONDAY)
    assert found is not None and found.verb == "EXTEND" and found.working_days == 1 and found.doubt is None
    # Two different days are still asked about.
    found = parse_instruction("EXTEND 24 hours\n\nI'm giving you until Friday for that.", MONDAY)
    assert found is not None and found.doubt is not None
