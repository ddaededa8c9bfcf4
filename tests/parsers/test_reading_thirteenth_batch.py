"""The mechanisms the thirteenth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import ParseRules, Timescale, parse_instruction
from parsers.content import extension_request, find_case_ids, stated_stage
from parsers.dates import response_timescale
from parsers.reply import new_text

SENT = date(2027, 9, 9)  # a Thursday


def test_an_issue_treated_as_withdrawn_in_prose() -> None:
    found = parse_instruction("P.S. With all that in place, please treat the issue I raised as withdrawn.", SENT)
    assert found is not None and (found.verb, found.prose) == ("WITHDRAW", True)


def test_dictated_text_asking_can_you_come_back_within_a_period() -> None:
    text = ("Hi Lee Kayden has still not had his health assessment nobody has rebooked it "
            "can you look into it and come back to me within 3 working days with dates thanks Jo")
    assert response_timescale(text, SENT)[0] == Timescale(working_days=3)


@pytest.mark.parametrize("body, ids", [
    ("I am raising this for Harvey (5520187).\n\nHis brother Mason (5520190) is on a CP plan; that is being "
     "dealt with through the CP process, not this alert.", ("5520187",)),
    ("Following the review for Mr and Mrs Fernandez (household 2041773) I am raising an issue.", ("2041773",)),
    ("I need to raise this formally now. Riley Okonjo, 5581903.", ("5581903",)),
])
def test_the_childs_id_in_more_ways_and_not_a_sibling_left_to_another_process(rules: ParseRules, body: str,
                                                                             ids: tuple[str, ...]) -> None:
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7}\b"})
    assert find_case_ids("Stage 1", body, None, rules) == ids


@pytest.mark.parametrize("text, expected", [
    ("The resources panel sits on Tuesday 14th. Can I respond the day after panel, once I know?",
     Timescale(until=date(2027, 9, 15))),
    ("It needs counsel's view, so realistically it'll be the 30th before it goes out. Is that OK?",
     Timescale(until=date(2027, 9, 30))),
])
def test_the_time_asked_for_in_more_words(text: str, expected: Timescale) -> None:
    assert extension_request(text, SENT) == (True, expected)


@pytest.mark.parametrize("text, doubted", [
    ("I'd rather not go to the Head of Service yet, so I'm going to extend by 5 working days.", True),
    ("I'd rather not go to the Head of Service yet, so extend by 5 working days please.", False),
])
def test_what_the_writer_means_to_do_is_confirmed_and_an_imperative_obeyed(text: str, doubted: bool) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "EXTEND" and bool(found.doubt) is doubted


def test_a_body_of_only_a_signature_above_an_outlook_block_says_nothing() -> None:
    body = ("--\nTom Whitaker\nIRO, Independent Reviewing Service\n\n________________________________\n"
            "From: Daniel Osei\nSent: 16 March 2027 17:40\nTo: Tom Whitaker\nSubject: RE: DRP\n\n"
            "Tom,\n\nI haven't been able to get to this.\n\nDaniel\n")
    assert new_text(body) == ""


def test_a_stage_named_before_a_dash() -> None:
    assert stated_stage("Starred recommendation - Zoe", "Dear Grace,\n\nStage 1 – starred recommendation for Zoe.") == 1
