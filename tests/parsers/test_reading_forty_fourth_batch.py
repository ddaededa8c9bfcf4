"""The mechanisms the forty-fourth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.dates import response_timescale

MONDAY = date(2030, 3, 11)


def test_asking_that_this_is_sorted_within_a_period_sets_the_time() -> None:
    text = "Because school need notice before Easter, I'd ask that this is sorted within 5 working days rather than the usual 10."
    assert response_timescale(text, MONDAY)[0].working_days == 5


def test_what_we_expect_of_a_named_person_by_a_day_sets_the_time() -> None:
    found, _ = response_timescale("Given the risk we would expect Catherine's direction by Friday 15 March at the latest.", MONDAY)
    assert found is not None and found.until == date(2030, 3, 15)


def test_a_negation_in_the_next_clause_does_not_take_back_the_day() -> None:
    text = "We agreed the informal DRP can be finalised if that is done by Friday; if not I'll need to move it to Stage 1."
    assert response_timescale(text, MONDAY)[0].until == date(2030, 3, 15)
    # Said of the past, the day is still history.
    assert response_timescale("We agreed it would be done by Friday 8 March, which was not met.", MONDAY)[0] is None


def test_this_now_needs_to_be_escalated_is_an_escalation_in_prose() -> None:
    found = parse_instruction("I think this now needs to be escalated to Claire as Head of Service.", MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.prose


def test_a_manager_asking_the_tracker_to_move_it_up_is_told_who_decides() -> None:
    from domain_support import DANA, DEFAULT_CONFIG, SAM, at, raise_alert, rules_from_config
    from mailbot.config import load_config
    from mailbot.routing import parse_rules, route_reply
    from parsers import parse_message

    config = load_config(DEFAULT_CONFIG)
    alert = raise_alert(rules_from_config(config), at(2027, 2, 1), "lac", 1, SAM, (DANA,)).alert
    body = ("I can't approve the cost. I think this now needs to be escalated to Morgan Ellis, and I'd be "
            "grateful if the tracker could move it up to him today.")
    raw = (f"From: dana.tm@luton.example.gov.uk\r\nTo: drp@luton.example.gov.uk\r\nSubject: RE: [{alert.ref}] Stage 1\r\n"
           "Date: Wed, 03 Feb 2027 09:12:00 +0000\r\nMessage-ID: <r44@x.example>\r\nIn-Reply-To: <a1@x.example>\r\n"
           "References: <a1@x.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert route.kind == "manager_response" and route.not_entitled and route.reading.verb == "ESCALATE"
