"""The mechanisms the fifty-ninth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert, plain_reply

from mailbot.routing import parse_rules, route_reply
from parsers import parse_instruction, parse_message
from parsers.reply import new_text

WEDNESDAY = date(2030, 3, 6)
SAM = "sam.iro@luton.example.gov.uk"


def test_a_footer_of_views_and_opinions_goes_with_the_signature() -> None:
    text = ("Hi Dana,\n\nThe PEP has still not been booked. Please can you respond in writing by Friday.\n\n"
            "Many thanks,\n\nSam Okafor\nIndependent Reviewing Officer\nLuton Borough Council | Tel: 01582 546000\n\n"
            "This email and any files transmitted with it are confidential and intended solely for the use of the "
            "individual or entity to whom they are addressed.\n"
            "Any views or opinions presented are solely those of the author and do not necessarily represent those "
            "of Luton Borough Council.\n")
    out = new_text(text)
    assert "Please can you respond in writing by Friday." in out
    assert "views or opinions" not in out and "Sam Okafor" not in out


def test_needing_to_go_straight_to_a_named_manager_is_an_escalation_asked_about() -> None:
    found = parse_instruction("Given that Joanne is on leave, I think this needs to go straight to Mike as Head of "
                              "Service now rather than waiting for Stage 2.", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt and found.target.startswith("Mike")


def test_saying_when_a_decision_will_be_made_makes_none() -> None:
    assert parse_instruction("I'll look again after the PEP on the 6th and let you know then whether I'm happy for "
                             "this to close.", WEDNESDAY) is None
    # The decision made now, on a condition, is still asked about.
    found = parse_instruction("If the PEP goes ahead on the 6th I'm happy for this to close.", WEDNESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt


def test_a_command_with_an_exception_still_to_come_is_asked_about() -> None:
    found = parse_instruction("ESCALATE to Stage 1 unless the session you've pencilled in for the 30th actually goes "
                              "ahead.", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt and "unless" in found.doubt
    found = parse_instruction("ESCALATE to Stage 2.", WEDNESDAY)
    assert found is not None and found.doubt is None


def test_a_decision_addressed_to_a_manager_with_no_part_in_the_alert_is_asked_about() -> None:
    config, alert = formal_lac_alert()  # Sam's alert with Dana; Lee manages another team
    parsed = parse_message(plain_reply(SAM, "Resolved - thanks Lee. The PEP is now on LCS.", alert.ref), parse_rules(config))
    route = route_reply(parsed, alert, config)
    assert route.kind == "confirm" and "lee.tm@luton.example.gov.uk" in route.reason
    # Said to the alert's own manager, or to someone copied in, it is obeyed.
    for body in ("Resolved - thanks Dana. The PEP is now on LCS.", "Resolved, thank you. The PEP is now on LCS."):
        route = route_reply(parse_message(plain_reply(SAM, body, alert.ref), parse_rules(config)), alert, config)
        assert route.kind == "instruction" and route.reading.verb == "RESOLVED", body
    copied = plain_reply(SAM, "Resolved - thanks Lee for chasing it.", alert.ref).replace(
        b"To: drp@luton.example.gov.uk", b"To: drp@luton.example.gov.uk\r\nCc: lee.tm@luton.example.gov.uk")
    route = route_reply(parse_message(copied, parse_rules(config)), alert, config)
    assert route.kind == "instruction"
