"""The mechanisms the sixty-first sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from domain_support import formal_lac_alert, plain_reply

from mailbot.config import load_config
from mailbot.routing import parse_rules, route_new, route_reply
from parsers import parse_instruction, parse_message
from parsers.content import form_to_follow
from parsers.dates import response_timescale
from parsers.reply import new_text

MONDAY = date(2027, 2, 15)
ROOT = Path(__file__).resolve().parents[2]


def test_a_resolution_looked_at_again_and_doubted_is_asked_about() -> None:
    found = parse_instruction("RESOLVED - thank you Daniel, the placement plan is on Mosaic now.\n\nAlthough, looking at it "
                              "again, the safety plan still doesn't say who collects her. I'm not sure we're there yet - can "
                              "we speak on Monday?", MONDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt


def test_a_manager_asking_the_next_rung_to_pick_it_up_as_a_stage_is_told_who_decides() -> None:
    config, alert = formal_lac_alert()  # Dana answers at stage 1
    raw = plain_reply("dana.tm@luton.example.gov.uk", "I can't resolve this at my level.\n\nI'm escalating this to Morgan now "
                      "so that it doesn't sit with me. Morgan - please can you pick this up as a Stage 2?", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert route.not_entitled and route.reading.verb == "ESCALATE"
    # Her own work passed to her manager, with no rung named, stays her response.
    raw = plain_reply("dana.tm@luton.example.gov.uk", "I'm escalating this to Morgan internally for the funding.", alert.ref)
    route = route_reply(parse_message(raw, parse_rules(config)), alert, config)
    assert not route.not_entitled


def test_people_agreeing_on_a_step_is_no_agreement_to_time() -> None:
    found = parse_instruction("Hannah and I spoke this morning. We have agreed to bypass Stage 3.\n\nESCALATE to stage 4. "
                              "We need a response within 2 working days.", MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 4 and found.working_days == 2
    assert found.doubt is None
    found = parse_instruction("I've agreed to give him until Friday.", MONDAY)
    assert found is not None and found.verb in ("AGREE", "EXTEND")


def test_well_before_a_day_sets_no_day() -> None:
    assert response_timescale("J's next review is on 10 March and I would like this settled well before then.", MONDAY)[0] is None
    found, _ = response_timescale("I would like this settled before the review on 10 March.", MONDAY)
    assert found is not None and found.until == date(2027, 3, 9)


def test_a_signature_under_a_name_with_accents_is_cut() -> None:
    text = ("Good morning,\n\nCould you let me know who I should contact for the chronology?\n\nKind regards,\n\n"
            "Nadia Fernández\n\nFamily Court Adviser\nCafcass\nNational Business Centre\n"
            "Cafcass is committed to protecting the personal data it processes. This email is intended for the addressee only.\n")
    out = new_text(text)
    assert "who I should contact" in out and "Fernández" not in out and "committed to protecting" not in out


def test_a_new_mail_whose_form_is_to_follow_and_names_no_child_is_kept_for_a_person() -> None:
    assert form_to_follow("I'm on my phone, so I’ll add the Mosaic ID and raise the form properly tomorrow.")
    assert form_to_follow("Stage 1 DRP for J - form to follow.")
    assert form_to_follow("I will send you the updated plan tomorrow.") is None
    config = load_config(ROOT / "config.yaml")
    body = ("Dana,\n\nFollowing today's review I'm raising a Stage 1 DRP for J. The PEP has not happened.\n\n"
            "I'm on my phone and can't get onto LCS, so I'll add the LCS ID and raise the form properly tomorrow.\n\nSam\n")
    raw = ("From: sam.iro@luton.example.gov.uk\r\nTo: drp@luton.example.gov.uk\r\nSubject: Stage 1 DRP - J\r\n"
           "Date: Tue, 16 Feb 2027 19:00:00 +0000\r\nMessage-ID: <f1@x.example>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    route = route_new(parse_message(raw, parse_rules(config)), config, config.authority.mailbox_address)
    assert route.status == "quarantined" and "still to come" in route.reason
    assert "raise the form properly" not in route.reason  # the reason is logged: never the mail's words
