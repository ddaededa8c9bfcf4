"""The mechanisms the sixty-ninth sealed batch found (issue 8), in this file's own words: back
after the summer, with people new in post writing in their own way."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert, plain_reply

from mailbot.routing import RESPONSE, parse_rules, route_reply
from parsers import parse_instruction, parse_message

MONDAY = date(2028, 9, 11)
DANA = "dana.tm@luton.example.gov.uk"


def test_not_needing_to_stay_open_is_a_closure_in_prose() -> None:
    found = parse_instruction("I'm satisfied that things are back on track for Lily and I don't think the DRP needs to "
                              "stay open - I'll keep an eye on progress through her review.", MONDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)
    found = parse_instruction("This one doesn't need to stay open now the plan is agreed.", MONDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)
    # Kept open is no closure.
    assert parse_instruction("I think this needs to stay open until the review.", MONDAY) is None


def test_thanks_for_escalating_is_no_escalation() -> None:
    assert parse_instruction("Thank you for escalating this to me. I met the social worker yesterday.", MONDAY) is None
    found = parse_instruction("Sorry for extending this again, but I need the report first.", MONDAY)
    assert found is None or found.verb != "EXTEND"


def test_a_new_manager_closing_it_after_thanks_for_the_escalation_is_told_who_decides() -> None:
    config, alert = formal_lac_alert()
    body = ("Dear Sam,\n\nThank you for escalating this to me. I have only been in post since 1 September.\n\n"
            "The contact arrangements are now agreed.\n\nI am satisfied that the issues raised have now been addressed "
            "and I therefore consider this DRP resolved. Please can the DRP inbox close it.\n")
    route = route_reply(parse_message(plain_reply(DANA, body, alert.ref), parse_rules(config)), alert, config)
    assert route.kind == RESPONSE and route.not_entitled and route.reading.verb == "RESOLVED"


def test_a_condition_typed_without_its_comma_still_holds_the_request() -> None:
    found = parse_instruction("If there's no response by Friday please escalate it to Jo; Dev can pick up the "
                              "conversation with her.", MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt is not None
    found = parse_instruction("Could you please escalate this to stage 2.", MONDAY)
    assert found is not None and found.verb == "ESCALATE"
