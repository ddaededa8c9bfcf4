"""The mechanisms the fifteenth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.config import load_config
from mailbot.routing import stage_for_target
from parsers import ParseRules, Timescale, parse_instruction
from parsers.content import extension_request, find_case_ids, label_key, parse_form
from parsers.dates import response_timescale

SENT = date(2027, 9, 14)  # a Tuesday


def test_a_second_timescale_after_ill_need() -> None:
    text = ("Could you respond within 3 working days please.\n\n"
            "I'll need the revised plan and your response by Monday 20 September at the latest.")
    found, note = response_timescale(text, SENT)
    assert found is None and "two timescales" in note


def test_a_qualifier_in_brackets_after_a_label(rules: ParseRules) -> None:
    assert label_key("MiCare ID (carer household)") == "micare id"
    assert label_key("Response required (date)") == "response required"
    # Brackets inside a word are no qualifier, and "(s)" is a plural.
    assert label_key("Child(ren)'s ID(s)") == "child ren 's ids"
    assert label_key("(optional)") == "optional"  # nothing before it: kept
    form = parse_form("Stage: Stage 1\nMiCare ID (carer household): 60233147\nRespond by: Friday 17 September",
                      rules)
    assert form is not None and form["case_ids"] == "60233147"


@pytest.mark.parametrize("body, ids", [
    ("the children are Kacey 2204417 Mason 220 4418 and baby Esme who is 2204419 the conference was quorate",
     ("2204417", "2204418", "2204419")),
    ("the three children: Precious (3301876), Divine – LCS 3301877 – and Blessing, #3301878.",
     ("3301876", "3301877", "3301878")),
    ("A recommendation for Summer (ID 3110487).\n\nFor completeness: her brother Callum (3110480) is looked "
     "after; this recommendation is for Summer only.", ("3110487",)),
])
def test_more_ways_of_naming_the_children(rules: ParseRules, body: str, ids: tuple[str, ...]) -> None:
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7}\b"})
    assert find_case_ids("DRP", body, None, rules) == ids


@pytest.mark.parametrize("text, until", [
    ("Tom – is there any flex on the date? I'm on leave from tomorrow until the 23rd and I want to speak to "
     "the provider first. Could it wait till then?", date(2027, 9, 23)),
    ("Realistically it'll be the 30th before the revised safety plan is ready – can you bear with me until "
     "then on this one?", date(2027, 9, 30)),
    ("I'm off from tomorrow and on leave until the 20th, so can the placement plan part wait till then?",
     date(2027, 9, 20)),
])
def test_until_then_points_back_to_the_day_named(text: str, until: date) -> None:
    assert extension_request(text, SENT) == (True, Timescale(until=until))


@pytest.mark.parametrize("config, target, stage", [
    ("examples/merton.yaml", "the DCS", 4),  # the rung is just "Director"
    ("config.yaml", "AD", 3),
    ("config.yaml", "DCS", 4),
])
def test_titles_by_their_initials(root, config: str, target: str, stage: int) -> None:
    loaded = load_config(root / config)
    assert stage_for_target(loaded, loaded.processes["lac"], target) == (stage, None)


def test_pls_ends_the_target() -> None:
    found = parse_instruction("Escalte to the AD pls - response within 3 working days.", SENT)
    assert found is not None and (found.verb, found.target, found.working_days) == ("ESCALATE", "AD", 3)


@pytest.mark.parametrize("text", ["In line with the protocol, I am now escalating this to the DCS.",
                                  "I'm escalating this to stage 3 today."])
def test_i_am_escalating_is_the_writer_telling_and_is_confirmed(text: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "ESCALATE" and found.doubt


def test_escalating_in_capitals_is_still_the_command() -> None:
    found = parse_instruction("I am ESCALATING to stage 3.", SENT)
    assert found is not None and found.verb == "ESCALATE" and found.doubt is None


def test_go_on_then_take_till_a_day() -> None:
    found = parse_instruction("ok go on then - take till Thursday, but that's the limit.", SENT)
    assert found is not None and (found.verb, found.until, found.prose) == ("EXTEND", date(2027, 9, 16), True)


def test_agreeing_with_a_plan_is_not_the_decision() -> None:
    text = ("Agree with the family time plan, thank you Priya - that's a real improvement.\n\n"
            "But the PEPs still aren't on Mosaic. Please escalate to stage 2.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.stage, found.doubt) == ("ESCALATE", 2, None)
