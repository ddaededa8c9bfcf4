"""The mechanisms the twelfth sealed batch found (issue 8), in this file's own words: a decision
participle inside the writer's own sentence, "extend by 5 days" (calendar or working?), a team
inbox sending the responder's answer on their behalf, "any flex on the date?" with the realistic
date offered later, dictated run-on text, "(case 5561092)", "I'm escalating this straight to
Stage 3" in a new mail, and a name line with letters after it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mailbot.config import load_config
from mailbot.routing import parse_rules, route_reply
from parsers import ParseRules, Timescale, parse_instruction, parse_message
from parsers.content import extension_request, find_case_ids, stated_stage
from parsers.dates import response_timescale
from parsers.reply import cut_at_own_signature
from domain_support import ALEX, DEFAULT_CONFIG, RUTH, at, raise_alert, rules_from_config

ROOT = Path(__file__).resolve().parents[2]
SENT = date(2027, 6, 10)  # a Thursday


def test_a_decision_participle_inside_the_writers_own_sentence_is_confirmed() -> None:
    found = parse_instruction("P.S. I'm happy for this to be closed now, resolved from my side.", SENT)
    assert found is not None and found.verb == "RESOLVED" and found.doubt
    plain = parse_instruction("Not resolved - escalate to stage 2 please.", SENT)
    assert plain is not None and plain.verb == "ESCALATE" and plain.doubt is None


@pytest.mark.parametrize("text, doubted", [
    ("I'd rather not go to the AD yet, so extend by 5 days so I can see the plan.", True),
    ("I'd rather not go to the AD yet, so extend by 5 working days so I can see the plan.", False),
    ("EXTEND to Friday 18 June please.", False),
])
def test_extend_by_days_asks_whether_working_days_were_meant(text: str, doubted: bool) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "EXTEND" and bool(found.doubt) is doubted


def test_any_flex_on_the_date_takes_the_realistic_date_offered_later() -> None:
    text = ("Is there any flex on the date? The matching goes to panel on the 14th and I'd rather give you "
            "a plan that reflects what panel decides. Realistically I could have the plan on the form by the 16th.")
    assert extension_request(text, SENT) == (True, Timescale(until=date(2027, 6, 16)))


def test_dictated_run_on_text_still_asks_for_the_response() -> None:
    text = ("Jo this is Dev the PEP said tuition would start within 10 days it hasn't I need a plan for school "
            "please I'd like your response within ten working days thanks Dev")
    assert response_timescale(text, SENT)[0] == Timescale(working_days=10)


def test_an_id_in_brackets_after_the_word_case_is_the_childs(rules: ParseRules) -> None:
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7}\b"})
    assert find_case_ids("Stage 2", "Amira (case 5561092) has waited since January.", None, rules) == ("5561092",)


def test_escalating_straight_to_a_stage_in_a_new_mail_raises_there() -> None:
    assert stated_stage("Lefèvre children - accommodation", "Mike,\n\nI'm escalating this straight to Stage 3 (Head of Service).") == 3
    assert stated_stage("Escalation - Stage 3 - Lefèvre children", "Mike, see below.") == 3


def test_a_name_line_with_letters_after_it_starts_the_signature() -> None:
    text = "Resolved\n\nTom Whitaker BA (Hons) MA SW\nIndependent Reviewing Officer\nMobile: 07700 900 672"
    assert cut_at_own_signature(text, "Tom Whitaker") == "Resolved"
    kept = "Resolved\n\nTom Whitaker has seen the plan and agrees."
    assert cut_at_own_signature(kept, "Tom Whitaker") == kept


def test_a_team_inbox_sending_the_responders_answer_on_their_behalf() -> None:
    config = load_config(DEFAULT_CONFIG)
    alert = raise_alert(rules_from_config(config), at(2027, 2, 1), "cp", 0, ALEX, (RUTH,)).alert
    assert alert.responder == RUTH
    body = ("Good morning Alex,\n\nI am replying on behalf of Ruth Khan, who is in a strategy meeting.\n\n"
            "The minutes are now on LCS and the chronology has been updated.\n")
    raw = ("From: Child Protection East <cp.east@luton.example.gov.uk>\r\nTo: alex.cpchair@luton.example.gov.uk\r\n"
           "Cc: drp@luton.example.gov.uk\r\nSubject: RE: [DRP-2027-0027] Pre-DRP\r\nDate: Wed, 03 Feb 2027 09:12:00 +0000\r\n"
           "Message-ID: <t1@x.example>\r\nIn-Reply-To: <a1@x.example>\r\nReferences: <a1@x.example>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert (route.kind, route.status) == ("manager_response", "processed")
    stranger = raw.replace(b"cp.east@luton.example.gov.uk", b"cp.east@elsewhere.example.com")
    assert route_reply(parse_message(stranger, parse_rules(config)), alert, config).status == "quarantined"
    decision = raw.replace(b"The minutes are now on LCS", b"RESOLVED. The minutes are now on LCS")
    assert route_reply(parse_message(decision, parse_rules(config)), alert, config).status == "quarantined"
