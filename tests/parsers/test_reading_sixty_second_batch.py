"""The mechanisms the sixty-second sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain_support import formal_lac_alert, plain_reply

from mailbot.routing import parse_rules, route_reply
from parsers import parse_instruction, parse_message
from parsers.content import ids_named
from parsers.dates import response_timescale
from parsers.types import ParseRules

MONDAY = date(2027, 3, 15)
SAM = "sam.iro@luton.example.gov.uk"


def _route(body: str, children: tuple[str, ...]):
    config, alert = formal_lac_alert()
    alert = replace(alert, children=children)
    return route_reply(parse_message(plain_reply(SAM, body, alert.ref), parse_rules(config)), alert, config)


def test_a_decision_naming_only_another_childs_id_is_asked_about() -> None:
    route = _route("Resolved - Marcus has confirmed Tyler's PEP is now in place (1048213).", ("1051620",))
    assert route.kind == "confirm" and "case ID" in route.reason and "1048213" not in route.reason
    route = _route("ESCALATE.\n\nStill nothing from Lee about Mia's contact (4420117).", ("4420116",))
    assert route.kind == "confirm"
    # The alert's own child, or a child set aside by the writer, leaves the decision as it is.
    assert _route("Resolved - Tyler's PEP is now in place (1051620).", ("1051620",)).kind == "instruction"
    assert _route("Escalate to stage 2 please.\n\nSeparately, and not part of this DRP: Kai (4417702) has had a third "
                  "change of social worker.", ("1051620",)).kind == "instruction"


def test_the_ids_a_reply_names_leave_out_phones_and_other_alerts_children(rules: ParseRules) -> None:
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7,8}\b"})
    assert ids_named("ESCALATE both - this one and her brother's, DRP-2027-0053 (40301553).", rules) == ()
    assert ids_named("Call me on 0161 4960214 or 07700 9004170.", rules) == ()
    assert ids_named("Tyler (1048213) and Kai 1048214, and Tyler again (1048213).", rules) == ("1048213", "1048214")


def test_a_recommendation_asks_for_the_response_it_names() -> None:
    found, _ = response_timescale("I recommend that the review report is completed and an unannounced visit made, with a "
                                  "response to me within 10 working days.", MONDAY)
    assert found is not None and found.working_days == 10


def test_escalating_both_names_the_rung() -> None:
    found = parse_instruction("ESCALATE both to Stage 2 (Vikram Patel) - this one and her brother's.", MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 2
