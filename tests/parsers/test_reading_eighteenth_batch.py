"""The mechanisms the eighteenth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import ParseRules, Timescale, parse_instruction
from parsers.content import extension_request, find_case_ids, promised_response, stated_stage
from parsers.dates import response_timescale
from parsers.reply import answers_marked_with_name

SENT = date(2027, 6, 15)  # a Tuesday


def test_a_later_clause_of_dictated_text_asks_when_an_earlier_one_tells_history() -> None:
    text = ("the placement plan on LCS is the one from January before he moved to the Harrisons so it doesn't say "
            "anything about the move I need a date for the PEP and an updated placement plan by close of play "
            "Thursday please")
    assert response_timescale(text, SENT)[0] == Timescale(until=date(2027, 6, 17))


def test_a_period_and_the_day_it_gives_are_read_as_the_day_written() -> None:
    text = "As this arises from conference I need your response within 2 working days, i.e. by Thursday 17 June."
    assert response_timescale(text, SENT)[0] == Timescale(until=date(2027, 6, 17))
    # A day that is not the period's end leaves the period.
    text = "I need your response within 2 working days. The review is on Monday 21 June."
    assert response_timescale(text, SENT)[0] == Timescale(working_days=2)


@pytest.mark.parametrize("text, asked", [
    # "I'll need until" reads only what follows: Monday is the reason.
    ("The worker who does our referrals is off until Monday, so I'll need until Weds 23rd for this one.",
     Timescale(until=date(2027, 6, 23))),
    # A date between a request and a later "can I respond after that?" is the reason: no amount.
    ("Is there any flex on the date for this one? The permanence panel sits on the 22nd and I'd rather give "
     "you a proper response. Can I respond after that?", None),
    ("Is there any flex on the date? Panel sits on Tuesday 22nd and I'd rather come back to you with the "
     "decision. Could I have until the end of that week?", Timescale(until=date(2027, 6, 25))),
])
def test_the_time_asked_for_and_the_reasons_around_it(text: str, asked: Timescale | None) -> None:
    assert extension_request(text, SENT) == (True, asked)


def test_a_hedged_escalation_said_again_with_its_target() -> None:
    text = ("I think at this point I have little choice but to escalate, and in line with the practice guidance I "
            "am escalating this DRP to stage 3, Head of Service.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.stage, found.prose) == ("ESCALATE", 3, True)


def test_you_will_have_my_response_on_a_day() -> None:
    assert promised_response("Realistically you'll have my full response on the 19th.", SENT) == date(2027, 6, 19)


def test_a_tier_is_a_stage() -> None:
    assert stated_stage("Dispute Resolution – tier 3 – R.T. 712004", "") == 3


@pytest.mark.parametrize("subject, body, ids", [
    ("DRP", "Child/ren:\tHarley Boyce\tMosaic no. 1566021\n\t\tSkye Boyce\tMosaic no. 15 66 034",
     ("1566021", "1566034")),
    # The subject names a second child whom the body only passes on: not the alert's.
    ("Pre-Dispute Resolution – baby Noah (5561830) CP plan / Skye (4401772)",
     "1) Noah (5561830) – CP plan. I need it resolved within 2 working days.\n\n2) Skye (4401772) – Jo is on leave "
     "and asked me to flag that Skye's PEP is outstanding. Jo will pick this up when she's back; I'm only passing\n"
     "it on so it doesn't get lost.", ("5561830",)),
])
def test_the_childrens_ids(rules: ParseRules, subject: str, body: str, ids: tuple[str, ...]) -> None:
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7}\b"})
    assert find_case_ids(subject, body, None, rules) == ids


def test_answers_signed_with_initials_at_their_end() -> None:
    quoted = ("Recommendation 1: PEP meeting within 10 working days.\n"
              "PEP meeting held 13/07 with the virtual school; record uploaded this morning. – GO\n"
              "The plan was agreed with the team – GO said so at the review.\n")
    assert answers_marked_with_name(quoted, "Grace Obi", "Hannah,\n\nSee my comments in red below. Grace") == [
        "PEP meeting held 13/07 with the virtual school; record uploaded this morning. – GO"]
