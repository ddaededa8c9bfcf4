"""The mechanisms the twenty-ninth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.content import extension_request
from parsers.dates import response_timescale

THURSDAY = date(2027, 6, 10)


def asked(text: str, sent: date = THURSDAY) -> Timescale | None:
    return response_timescale(text, sent)[0]


def test_the_over_polite_ask_sets_the_time() -> None:
    assert asked("I don't want to put any pressure on the team, but would it be possible to have something back "
                 "by the end of next week?") == Timescale(until=date(2027, 6, 18))
    assert asked("I wondered if it might be possible to have a response within the next few days, perhaps by "
                 "Wednesday?") == Timescale(until=date(2027, 6, 16))


def test_a_need_without_the_i_and_a_required_label() -> None:
    assert asked("Need a decision on family time + RA on Mosaic within 48 hours.") == Timescale(working_days=2)
    assert asked("Required: police checks requested and a revised safety plan, by Friday 18 June.") == \
        Timescale(until=date(2027, 6, 18))


def test_probably_close_this_is_a_decision_in_prose() -> None:
    found = parse_instruction("I think we can probably close this now, thank you so much.", THURSDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_a_ps_sending_it_higher_is_the_same_decision() -> None:
    text = ("ESCALATE please - nothing received.\n\nDev\n\nPS - on reflection I'd like this to go straight to "
            "Jo Whitfield (Head of Service) rather than to Marcus.")
    found = parse_instruction(text, THURSDAY)
    assert found is not None and (found.verb, found.target, found.doubt) == ("ESCALATE", "Jo Whitfield", None)
    # Holding off is still taking it back.
    found = parse_instruction("Escalate to stage 3 please.\n\nActually, hold off on that for now.", THURSDAY)
    assert found is not None and found.doubt


def test_agreed_but_by_my_own_day_is_extend() -> None:
    found = parse_instruction("Agreed - but I need it by Wednesday 16th at the latest please.", THURSDAY)
    assert found is not None and (found.verb, found.until) == ("EXTEND", date(2027, 6, 16))
    found = parse_instruction("OK - agree to Friday, but no later than that please.", THURSDAY)
    assert found is not None and found.verb == "AGREE"


def test_withdraw_pls_and_escalating_internally() -> None:
    found = parse_instruction("withdraw pls - Kai moved to another team last wk.", THURSDAY)
    assert found is not None and found.verb == "WITHDRAW"
    found = parse_instruction("It is above my authority, so I will escalate internally to Morgan today.", THURSDAY)
    assert found is None or found.prose


def test_the_rung_said_before_a_bare_command_and_the_amount_after_it() -> None:
    found = parse_instruction("We agree it now needs to go to Joanne as Locality Service Lead.\n\nPlease escalate.", THURSDAY)
    assert found is not None and (found.verb, found.target) == ("ESCALATE", "Joanne")
    found = parse_instruction("No - extend instead. Give Emma 2 more working days, the meeting is on Wednesday.", THURSDAY)
    assert found is not None and (found.verb, found.working_days) == ("EXTEND", 2)
    found = parse_instruction("Escalate please - to Morgan Ellis as Service Manager (Stage 2).", THURSDAY)
    assert found is not None and found.stage == 2


def test_requests_for_time_with_a_number_and_after_a_condition() -> None:
    assert extension_request("Please can I have 3 more working days on this one?", THURSDAY) == (True, Timescale(working_days=3))
    text = ("I need to speak to legal before I can give you a proper answer, and legal can't see me until "
            "Wednesday. Please can I have until Friday 18 June?")
    assert extension_request(text, THURSDAY) == (True, Timescale(until=date(2027, 6, 18)))
