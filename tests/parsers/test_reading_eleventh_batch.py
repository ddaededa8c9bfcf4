"""The mechanisms the eleventh sealed batch found (issue 8), in this file's own words: rungs
called by their initials, a spaced dash ending a target, "it'll be the 30th before I can",
"can it wait till then", "whether he could respond after that", a relayed "asked me to drop you
a line", an emoji after a decision word, a decision word a manager quotes, "Topic - agreed" in a
numbered list, "Ok go on then, one more week", "first thing Monday", a form whose stage is only in
the subject, and list items of two processes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mailbot.config import load_config
from mailbot.routing import _RELAYED, route_new, stage_for_target
from parsers import ParseRules, Timescale, parse_instruction, parse_message
from parsers.content import asks_for_several_alerts, extension_request, processes_by_child
from parsers.dates import response_timescale

ROOT = Path(__file__).resolve().parents[2]
SENT = date(2027, 9, 16)  # a Thursday


@pytest.mark.parametrize("config, process, words, stage", [
    ("luton.yaml", "lac", "AD", 3),
    ("micare.yaml", "lac", "DCS", 5),
    ("micare.yaml", "lac", "HoS", 3),
])
def test_a_rung_called_by_its_initials(config: str, process: str, words: str, stage: int) -> None:
    loaded = load_config(ROOT / "examples" / config)
    assert stage_for_target(loaded, loaded.processes[process], words) == (stage, None)


def test_a_spaced_dash_ends_the_target() -> None:
    found = parse_instruction("Please escalate this to the AD – I'd want Jamie's response by the end of next week.", SENT)
    assert found is not None and found.target == "AD" and found.until == date(2027, 9, 24)
    assert parse_instruction("ESCALATE to Stage 2 - Service Manager please.", SENT).stage == 2


@pytest.mark.parametrize("text, expected", [
    ("Realistically it'll be the 30th before I can give you a proper response. Hope that's ok?",
     Timescale(until=date(2027, 9, 30))),
    ("I'm on leave until the 20th and nobody else knows the case, so can it wait till then?",
     Timescale(until=date(2027, 9, 20))),
    ("The panel sits on the 21st and he has asked whether he could respond after that - by Thursday 23rd at the latest.",
     Timescale(until=date(2027, 9, 23))),
    ("The panel sits on the 21st - can I respond after that?", None),
])
def test_requests_for_time_in_their_own_words(text: str, expected: Timescale | None) -> None:
    asks, amount = extension_request(text, SENT)
    assert asks and amount == expected


def test_a_relay_that_says_so_in_other_words() -> None:
    assert _RELAYED.search("Omar has asked me to drop you a line as he is in court all day today.")
    assert not _RELAYED.search("Omar asked me to look at the plan again.")


def test_an_emoji_closes_the_decision_word_before_it() -> None:
    found = parse_instruction("Resolved 👍 Placement plan signed by the carers on Friday.", SENT)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is None


def test_a_decision_word_in_quotation_marks_is_marked_quoted() -> None:
    quoted = parse_instruction('I saw your note - "ESCALATE to stage 2 if nothing by Friday" - so here it is.', SENT)
    assert quoted is not None and quoted.quoted
    plain = parse_instruction("ESCALATE to stage 2 please.", SENT)
    assert plain is not None and not plain.quoted


def test_agreed_with_a_point_of_a_list_is_not_a_second_decision() -> None:
    text = ("1.\tContact with dad – agreed, supervised contact twice a month is fine.\n"
            "2.\tNo need to extend – your response came in on time.\n"
            "4.\tEscalate to stage 3 please. I'd like a response from Jo within 5 working days.\n")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.stage, found.working_days, found.doubt) == ("ESCALATE", 3, 5, None)


@pytest.mark.parametrize("text, days, until", [
    ("Ok go on then, one more week. But I'll want the appointment date.", 5, None),
    ("Fine, take till the 30th.", None, date(2027, 9, 30)),
])
def test_time_granted_in_their_own_words_is_read_and_confirmed(text: str, days: int | None, until: date | None) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.working_days, found.until, found.prose) == ("EXTEND", days, until, True)
    assert parse_instruction("OK have a look at the plan yourself.", SENT) is None


def test_first_thing_monday_is_a_deadline() -> None:
    text = "Can you let me have the updated plan, or at least a date for the meeting, first thing Monday?"
    assert response_timescale(text, SENT)[0] == Timescale(until=date(2027, 9, 20))


def _new_mail(sender: str, subject: str, body: str) -> bytes:
    return (f"From: {sender}\r\nTo: drp@westbridge.example.gov.uk\r\nSubject: {subject}\r\n"
            "Date: Thu, 02 Sep 2027 16:37:55 +0100\r\nMessage-ID: <n1@x.example>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def test_items_of_two_processes_raise_the_senders_own_with_its_children() -> None:
    from mailbot.routing import parse_rules

    config = load_config(ROOT / "examples" / "micare.yaml")
    body = ("Grace,\n\nTwo things from the review.\n\n"
            "1. Zoe - starred recommendation (Our Children)\nMiCare ID: 20417736\nIssue: no step-down plan.\n"
            "Timescale: I'd expect the plan agreed by the end of the month.\n\n"
            "2. Kai - concern from his CP Chair\nMiCare ID: 20417791\nThe CP plan has not been updated.\n\nOmar\n")
    parsed = parse_message(_new_mail("omar.siddiqui@westbridge.example.gov.uk", "Stage 1 - Starred Recommendation - Zoe",
                                     body), parse_rules(config))
    assert parsed.processes_by_child == (("lac", ("20417736",)), ("cp", ("20417791",)))
    assert parsed.form_stage == 1  # the form has no stage field; the subject names it
    route = route_new(parsed, config, config.authority.mailbox_address)
    assert route.status == "processed" and route.event.process == "lac" and route.event.children == ("20417736",)
    assert route.event.until == date(2027, 9, 30)


def test_a_mail_asking_for_several_alerts_is_a_persons_to_split(rules: ParseRules) -> None:
    assert asks_for_several_alerts("Chris - could you log these as two separate alerts please, one CP and one LAC?")
    assert asks_for_several_alerts("Please treat this as the Pre-Dispute Resolution e-mail for both.")
    assert not asks_for_several_alerts("I am opening an informal DRP for both girls.")
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7}\b"})
    assert processes_by_child("1) Ruby (3390021) - looked after\n2) Lewis (3390020) - looked after\n", rules) == (
        ("lac", ("3390021",)), ("lac", ("3390020",)))
