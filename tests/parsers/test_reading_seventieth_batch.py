"""The mechanisms the seventieth sealed batch found (issue 8), in this file's own words: long
threads that run for weeks and change hands."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert, plain_reply

from mailbot.routing import IRO_REPLY, RESPONSE, parse_rules, route_reply
from parsers import parse_instruction, parse_message
from parsers.reply import new_text

WEDNESDAY = date(2028, 11, 22)


def test_a_plan_to_close_later_while_keeping_it_open_is_no_closure() -> None:
    found = parse_instruction("NOTE: Hannah visited Mia today and saw her alone.\n\nI'll keep this open until the visit "
                              "is written up on LCS, then I'll close it.", WEDNESDAY)
    assert found is not None and (found.verb, found.doubt) == ("NOTE", None)
    # Weighing the two, asked, is still a closure asked about.
    found = parse_instruction("I think that probably covers it. Are you happy for me to close this off now, or shall we "
                              "keep it open until then?", WEDNESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None


def test_happy_to_close_my_concern_is_a_closure_in_prose() -> None:
    found = parse_instruction("I'm satisfied with the plan you've set out for Ellie and I'm happy to close my concern on "
                              "that basis.", WEDNESDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_a_capital_decision_under_inline_answers_is_not_a_signature() -> None:
    text = ("On 15/11/2028 16:20, Liam Foster wrote:\n> 1. Core group held today.\n\nGood - I've seen the minutes.\n\n"
            "> 2. The plan will be circulated by Friday.\n\nThanks.\n\n> 3. Visits are now fortnightly.\n\n"
            "That's what the plan needed.\n\nRESOLVED - thank you Liam, I'm closing this one.\n\nBen\n\n-- \nBen Okoro\n"
            "Child Protection Conference Chair\n")
    assert "RESOLVED - thank you Liam, I'm closing this one." in new_text(text)


def test_another_iros_update_in_the_thread_is_a_note_not_the_response() -> None:
    config, alert = formal_lac_alert()
    body = ("Hi Dana,\n\nJo Reid here - I'm covering Sam's cases until he is back.\n\nI still need a date for the PEP "
            "meeting. I'll look at this again on Friday.\n")
    route = route_reply(parse_message(plain_reply("jo.iro@luton.example.gov.uk", body, alert.ref), parse_rules(config)),
                        alert, config)
    assert route.kind == IRO_REPLY
    # The responder's own update is still her response.
    route = route_reply(parse_message(plain_reply("dana.tm@luton.example.gov.uk", "Sam,\n\nThe PEP meeting is booked for "
                                                  "Tuesday.\n", alert.ref), parse_rules(config)), alert, config)
    assert route.kind == RESPONSE
