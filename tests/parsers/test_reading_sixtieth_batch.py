"""The mechanisms the sixtieth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from mailbot.config import load_config
from mailbot.routing import parse_report, parse_rules, route_new
from parsers import parse_instruction, parse_message
from parsers.content import chaired_process, find_case_ids
from parsers.types import ParseRules

MONDAY = date(2027, 1, 18)
ROOT = Path(__file__).resolve().parents[2]


def test_resolved_for_every_child_is_the_command() -> None:
    for text in ("Resolved for all three children - thank you Leanne, that's a full answer.", "Resolved for both, thanks."):
        found = parse_instruction(text, MONDAY)
        assert found is not None and found.verb == "RESOLVED" and found.doubt is None, text


def test_resolved_only_for_now_is_asked_about() -> None:
    found = parse_instruction("Resolved for now, thank you - but if Dom hasn't seen him by Wednesday I will be escalating "
                              "this to Stage 1.", MONDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt and "for now" in found.doubt


def test_a_siblings_id_named_for_their_own_drp_is_not_this_alerts(rules: ParseRules) -> None:
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7}\b"})
    body = ("Following our conversation I am raising this formally at Stage 1.\n\nChild: Amara Osei\nID: 1104410\n\n"
            "Amara has not had a statutory visit since 3 November.\n\n"
            "I have raised a separate DRP for her brother Kofi (1104411) as his visits are also out of timescale.\n")
    assert find_case_ids("Stage 1 DRP - Amara", body, None, rules) == ("1104410",)


def test_someone_to_pick_it_up_is_an_escalation_to_them() -> None:
    found = parse_instruction("I'd like Marcus to pick this up now please, and I'd want to hear from him by the end of "
                              "next week.", MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.target == "Marcus" and found.doubt
    assert found.until == date(2027, 1, 29)


def _chaired_mail(sender: str) -> bytes:
    body = ("Dana,\n\nI chaired the review child protection conference for Lily (1101957) yesterday as cover. "
            "I'm raising a Stage 1 concern from it.\n\nStage: 1\n\nThe core group has not met since October and the plan "
            "has not been updated.\n\nSam\n")
    return (f"From: {sender}\r\nTo: drp@luton.example.gov.uk\r\nSubject: Stage 1 concern - Lily\r\n"
            "Date: Tue, 19 Jan 2027 10:00:00 +0000\r\nMessage-ID: <c1@x.example>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def test_a_conference_chaired_by_someone_who_may_not_raise_its_process_is_kept_for_a_person(tmp_path) -> None:
    config = load_config(ROOT / "config.yaml")  # Sam is an IRO only: looked-after alerts
    parsed = parse_message(_chaired_mail("sam.iro@luton.example.gov.uk"), parse_rules(config))
    assert parsed.chaired_process == "cp" and parse_report(parsed)["chaired_process"] == "cp"  # `mailbot parse` shows it
    route = route_new(parsed, config, config.authority.mailbox_address)
    assert route.status == "quarantined" and "conference" in route.reason
    # The directory giving Sam both roles, the concern is raised under the conference's process.
    text = (ROOT / "config.yaml").read_text().replace(
        "name: Sam Okafor, role: iro,", "name: Sam Okafor, role: 'iro;cp_chair',")
    assert "iro;cp_chair" in text
    (tmp_path / "config.yaml").write_text(text)
    both = load_config(tmp_path / "config.yaml")
    route = route_new(parse_message(_chaired_mail("sam.iro@luton.example.gov.uk"), parse_rules(both)), both,
                      both.authority.mailbox_address)
    assert route.status == "processed" and route.event.process == "cp"


def test_a_conference_attended_is_not_one_chaired(rules: ParseRules) -> None:
    assert chaired_process("I chaired the review child protection conference on Tuesday.", rules) == "cp"
    assert chaired_process("I attended the child protection conference on Tuesday.", rules) is None
    assert chaired_process("I chaired the LAC review on Tuesday.", rules) is None
