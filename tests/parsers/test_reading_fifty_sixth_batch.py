"""The mechanisms the fifty-sixth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import extension_request

THURSDAY = date(2030, 4, 25)


def test_asking_whether_the_reader_is_happy_for_me_to_close_is_asked_about() -> None:
    found = parse_instruction("I think that covers it. Are you happy for me to close this off now, or shall we keep "
                              "it open until then?", THURSDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt


def test_asking_that_it_be_marked_resolved_is_read() -> None:
    found = parse_instruction("Aisha told me it was resolved, so please can it be marked as resolved and closed.", THURSDAY)
    assert found is not None and found.verb == "RESOLVED" and found.prose


def test_asking_to_be_given_until_a_day_is_a_request_for_time() -> None:
    asked, amount = extension_request("I would be grateful if you could give me until Friday 3 May for the written "
                                      "response.", THURSDAY)
    assert asked and amount is not None and amount.until == date(2030, 5, 3)


def test_asking_for_a_case_to_be_referred_to_cafcass_is_read() -> None:
    found = parse_instruction("I am asking for Leon's case to be referred to CAFCASS.", THURSDAY)
    assert found is not None and found.verb == "CAFCASS" and found.doubt


def test_asking_a_named_manager_to_look_at_it_is_an_escalation() -> None:
    found = parse_instruction("I don't think this can sit with you any longer and I'll be asking Jamie to look at it "
                              "as Assistant Director.", THURSDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt


def test_living_with_a_day_gives_that_day() -> None:
    found = parse_instruction("I can live with Monday for the chronology, but if it isn't on the system by then I "
                              "will take this to Stage 1.", THURSDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 4, 29) and found.doubt


def test_happy_to_leave_it_with_you_until_a_day_gives_that_day() -> None:
    found = parse_instruction("I'd call that resolved in part. I'm happy to leave it with you until the 7th for the PEP.", THURSDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 5, 7) and found.doubt
