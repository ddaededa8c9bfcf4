"""The mechanisms the sixty-seventh sealed batch found (issue 8), in this file's own words: an
ordinary autumn fortnight."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import extension_request

MONDAY = date(2027, 11, 1)


def test_happy_with_where_it_has_got_to_is_no_status_question() -> None:
    found = parse_instruction("Thanks Abi. The PEP went ahead this afternoon, so I'm happy with where this has got to "
                              "and we can close this one now.", MONDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)
    found = parse_instruction("Could you tell me where this one has got to?", MONDAY)
    assert found is not None and found.verb == "STATUS"


def test_closure_in_the_writers_own_words_is_asked_about() -> None:
    found = parse_instruction("I'm happy that's now sorted from my side - Chris, can you update the log.", MONDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)
    found = parse_instruction("That plan looks right to me. I'm happy to sign this off once the visit on Friday has "
                              "happened.", MONDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None


def test_closing_the_case_systems_record_is_not_closing_the_alert() -> None:
    found = parse_instruction("WITHDRAW - Zara is no longer looked after following the SGO, so this DRP no longer "
                              "applies. I will close it on Mosaic.", MONDAY)
    assert found is not None and (found.verb, found.doubt) == ("WITHDRAW", None)


def test_what_the_iro_will_do_when_the_time_runs_out_is_no_second_decision() -> None:
    found = parse_instruction("EXTEND 3 working days\n\nChris rang me this morning. I would rather have a considered "
                              "answer than escalate this now, but I will escalate if nothing arrives.", MONDAY)
    assert found is not None and (found.verb, found.working_days, found.doubt) == ("EXTEND", 3, None)


def test_the_day_of_the_reason_is_not_the_time_asked_for() -> None:
    assert extension_request("I'm only seeing them with the supervising social worker on Thursday, so I'm going to need "
                             "a bit more time before I can give you a proper response.", MONDAY) == (True, None)
    assert extension_request("I'm going to need a bit more time on this one sorry. Mo cancelled the pathway plan meeting "
                             "on Monday. We've rebooked it but I can't give you a firm date yet.", MONDAY) == (True, None)
    asked, amount = extension_request("The panel is on Thursday so I need until Friday 5th please.", MONDAY)
    assert asked and amount is not None and amount.until == date(2027, 11, 5)
