"""The mechanisms the fifty-first sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain_support import formal_lac_alert, plain_reply

from parsers import parse_instruction
from parsers.content import extension_request

THURSDAY = date(2030, 5, 23)


def test_someone_else_holding_off_does_not_take_the_decision_back() -> None:
    found = parse_instruction("Agreed. The carers say they're willing to hold off on giving notice while we wait.", THURSDAY)
    assert found is not None and found.verb == "AGREE" and found.doubt is None
    # The writer holding off still does.
    found = parse_instruction("RESOLVED. Actually, hold off - the plan isn't signed yet.", THURSDAY)
    assert found is not None and found.doubt is not None


def test_a_grant_until_a_day_in_prose_is_an_extension_to_that_day() -> None:
    found = parse_instruction("I can't agree to ten working days. I'm content for you to have until next "
                              "Wednesday, 29 May, to get your response to me.", THURSDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 5, 29) and found.doubt


def test_asking_that_the_deadline_for_my_response_is_moved_is_a_request_for_time() -> None:
    asked, amount = extension_request("The panel sits on the 28th, so I would ask that the deadline for my "
                                      "response be moved to Friday 31 May.", THURSDAY)
    assert asked and amount is not None and amount.until == date(2030, 5, 31)


def test_a_childs_needs_longer_term_are_no_request_for_time() -> None:
    assert extension_request("A review on 3 June will decide whether the placement meets his needs longer term.",
                             THURSDAY) == (False, None)
    assert extension_request("I need a bit longer on this one.", THURSDAY)[0]


def test_wanting_it_referred_to_cafcass_is_read_in_the_short_form_too() -> None:
    found = parse_instruction("I'd like this referred to CAFCASS.", THURSDAY)
    assert found is not None and found.verb == "CAFCASS" and found.doubt


def test_the_rung_weighed_earlier_goes_with_a_conditional_escalation() -> None:
    text = ("I'm minded to escalate to Morgan at Stage 2, but not while Lee is away. If there's still nothing by "
            "Friday, treat this as my instruction to escalate.")
    found = parse_instruction(text, THURSDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 2 and found.doubt
    # A plain command with no rung is the next rung: nothing is borrowed from elsewhere.
    found = parse_instruction("ESCALATE please. Last month I said I would escalate to stage 4 if needed.", THURSDAY)
    assert found is not None and found.stage is None


def test_agree_with_a_day_said_beside_it_carries_the_day() -> None:
    found = parse_instruction("Agree. Fine for Chris to have until the 31st given the leave.", THURSDAY)
    assert found is not None and found.verb == "AGREE" and found.until == date(2030, 5, 31)
    assert found.day_beside and found.doubt is None
    found = parse_instruction("AGREE", THURSDAY)
    assert found is not None and not found.day_beside


def test_a_stage_said_with_a_first_name_from_another_rung_is_asked_about() -> None:
    from mailbot.routing import parse_rules, route_reply
    from parsers import parse_message

    config, alert = formal_lac_alert()
    # Jamie (Jamie Fox) is the only Jamie on the ladder, at stage 3: "stage 2, to Jamie" is asked.
    raw = plain_reply("sam.iro@luton.example.gov.uk", "Please escalate to stage 2, to Jamie, as Morgan is away.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert route.kind == "confirm" and "Jamie" in route.reason
    # Said with the rung they answer at, it is obeyed.
    raw = plain_reply("sam.iro@luton.example.gov.uk", "Please escalate to stage 3, to Jamie.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert route.kind == "instruction" and route.event.to_stage == 3


def test_agree_with_another_day_beside_it_is_asked_about() -> None:
    from domain_support import DANA, at

    from mailbot import domain as d
    from mailbot.routing import parse_rules, route_reply
    from parsers import parse_message

    config, alert = formal_lac_alert()
    asked = d.PendingExtension(DANA, at(2027, 2, 2), until=date(2027, 2, 12))
    waiting = replace(alert, pending_extension=asked)
    raw = plain_reply("sam.iro@luton.example.gov.uk", "Agree. Fine for Dana to have until the 10th.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), waiting, config)
    assert route.kind == "confirm" and "another day" in route.reason
    raw = plain_reply("sam.iro@luton.example.gov.uk", "Agree. Fine for Dana to have until the 12th.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), waiting, config)
    assert route.kind == "instruction" and route.reading.verb == "AGREE"


def test_agree_with_a_day_beside_a_request_in_days_is_asked_about() -> None:
    # "Another week" asked, "until the 10th" given beside AGREE: only the calendar could say
    # whether they are the same day, so the IRO is asked rather than the week agreed.
    from domain_support import DANA, at

    from mailbot import domain as d
    from mailbot.routing import parse_rules, route_reply
    from parsers import parse_message

    config, alert = formal_lac_alert()
    waiting = replace(alert, pending_extension=d.PendingExtension(DANA, at(2027, 2, 2), working_days=5))
    raw = plain_reply("sam.iro@luton.example.gov.uk", "Agree. Fine for Dana to have until the 10th.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), waiting, config)
    assert route.kind == "confirm"
