"""The mechanisms the twenty-first sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import parse_instruction
from parsers.content import declines_to_raise, extension_request

SENT = date(2027, 6, 15)  # a Tuesday


@pytest.mark.parametrize("text, stage, target", [
    ("I spoke to my manager and I'm going to take this to Claire as Head of Service rather than to Ruth.",
     None, "Claire"),
    ("Having read the response I will take this up to stage 3.", 3, None),
])
def test_taking_it_to_someone_is_an_escalation_in_prose(text: str, stage: int | None, target: str | None) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.prose, found.stage, found.target) == ("ESCALATE", True, stage, target)
    assert found.doubt


def test_what_the_writer_comes_round_to_is_what_is_asked_about() -> None:
    text = ("Resolved I think - the revised plan went out yesterday.\n\nActually no, thinking about it, it still "
            "doesn't say when the strategy meeting is. Probably needs to go up to Joanne? I'll talk to my manager.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.target, found.prose) == ("ESCALATE", "Joanne", True)
    assert "take it back" in found.doubt


def test_someone_elses_working_days_in_a_response_ask_for_nothing() -> None:
    text = "2. PEP\nAction: PEP held and recorded\nBy: 23 June (the Virtual School need 5 working days to QA it)"
    assert extension_request(text, SENT) == (False, None)
    # The writer's own need is still asked for.
    assert extension_request("We need 5 working days more to get the plan signed off.", SENT)[0] is True


@pytest.mark.parametrize("subject, text, declined", [
    ("Harrison B - heads up (not a pre-dispute)", "Just so it's on your radar.", "not a pre-dispute"),
    ("Conference today", "I am NOT raising a pre-dispute on this at this stage, just so you know.",
     "NOT raising a pre-dispute"),
    ("Core group dates", "I've copied the DRP inbox out of habit, please don't log this one.", "please don't log this"),
    ("Pre-Dispute Resolution - Amir", "The plan is drifting and I need a response within 5 working days.", None),
    ("Pre-dispute", "Not a dispute process matter yet? No - the plan has drifted and I am raising this now.", None),
])
def test_a_new_mail_that_says_it_raises_nothing(subject: str, text: str, declined: str | None) -> None:
    assert declines_to_raise(subject, text) == declined
