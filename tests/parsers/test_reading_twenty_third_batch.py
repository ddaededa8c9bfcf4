"""The mechanisms the twenty-third sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.dates import response_timescale

SENT = date(2027, 7, 20)  # a Tuesday


def test_wanting_it_referred_to_cafcass_is_a_decision_in_prose() -> None:
    found = parse_instruction("I am not prepared to keep going round in circles - I want this referred to "
                              "CAFCASS please.", SENT)
    assert found is not None and (found.verb, found.prose) == ("CAFCASS", True)


def test_a_decision_declared_for_later_is_asked_about() -> None:
    text = ("I'm going to hold off for now - but if the signed plan is not on the file by close of play "
            "Thursday, please take this email as my escalation to Bridget at Stage 4.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.stage) == ("ESCALATE", 4)
    assert found.doubt == "the decision is given on a condition"
    # A conditional prose decision that is not declared so is still no decision.
    assert parse_instruction("If the plan is on file by Friday I'll be escalating to stage 3.", SENT) is None


def test_agreeing_with_a_point_inline_is_no_second_decision_beside_one_in_prose() -> None:
    text = ("Headline: I'm content that Mia's part is resolved, so please close it for her.\n\n"
            "KM: Agreed, seen on the file today.\nKM: Not accepted - the referral is still outstanding.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_until_then_is_the_day_named_before() -> None:
    text = ("ESCALATE\n\nActually scratch that - Abi has just called me, she says the care plan will be signed "
            "off by Friday. Let's give her until then I think.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.until) == ("EXTEND", date(2027, 7, 23))
    assert "take it back" in found.doubt


def test_an_agreed_action_with_its_deadline_in_a_list_sets_the_timescale() -> None:
    text = ("As agreed I'm recording this as an informal DRP.\n\nAgreed next steps:\n"
            "- invites to go to both parents today;\n"
            "- SW report to be completed and shared with mum and dad by the end of Wednesday (21 July).\n\n"
            "If that happens I'll finalise the informal DRP.")
    assert response_timescale(text, SENT)[0] == Timescale(until=date(2027, 7, 21))
    # History in the same shape is not asked for.
    history = "The review decided:\n- SW report was to be completed by 2 July.\n"
    assert response_timescale(history, SENT)[0] is None
