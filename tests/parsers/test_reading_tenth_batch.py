"""The mechanisms the tenth sealed batch found (issue 8), each in its own words here rather than
the corpus's: a rung named with its person, a decision asked as a question, a relayed "can be
marked as resolved", a body that points at the subject, inline answers tagged "[Tom W]", a P.S.
below a long signature, a period counted from another event, MiCare's "Stage 1 recommendation",
"the following Monday", an amount asked in a later sentence, "Can I respond after that?", and
one mail raising concerns under two processes."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import ParseRules, Timescale, parse_instruction, parse_message
from parsers.content import extension_request, processes_by_child, stated_stage
from parsers.dates import response_timescale
from parsers.reply import new_text

SENT = date(2027, 10, 11)  # a Monday


def _mail(subject: str, body: str, *, reply: bool = True, name: str = "Tom Whitaker",
          sender: str = "tom.whitaker@luton.example.gov.uk") -> bytes:
    thread = "In-Reply-To: <n1@drp.example>\r\nReferences: <n1@drp.example>\r\n" if reply else ""
    return (f"From: {name} <{sender}>\r\nTo: drp@luton.example.gov.uk\r\nSubject: {subject}\r\n"
            f"Date: Mon, 11 Oct 2027 09:00:00 +0100\r\nMessage-ID: <m1@x.example>\r\n{thread}"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


@pytest.mark.parametrize("text, stage", [
    ("I am escalating this to Vikram at stage 2.", 2),
    ("ESCALATE to Bridget (Stage 4) please.", 4),
    ("ESCALATE to Vikram please, the stage 1 deadline has passed.", None),
])
def test_a_person_named_with_their_rung_gives_the_stage(text: str, stage: int | None) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "ESCALATE" and found.stage == stage


@pytest.mark.parametrize("text", ["Can we close this now?", "Could we close the DRP now? Happy with the plan."])
def test_closing_asked_as_a_question_is_read_and_confirmed(text: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True) and found.doubt


def test_closing_in_the_passive_is_read_and_confirmed() -> None:
    found = parse_instruction("He has asked me to let you know that the DRP can be marked as resolved.", SENT)
    assert found is not None and found.verb == "RESOLVED" and found.doubt
    assert parse_instruction("The visit can be marked as done on the system.", SENT) is None


def test_a_body_that_points_at_the_subject_takes_its_decision(rules: ParseRules) -> None:
    parsed = parse_message(_mail("WITHDRAW - Re: [DRP-2027-0048] Stage 1", "As per subject - thanks Leanne.\n"), rules)
    assert parsed.instruction is not None and parsed.instruction.verb == "WITHDRAW"
    plain = parse_message(_mail("WITHDRAW - Re: [DRP-2027-0048] Stage 1",
                                "Thanks Leanne, I have read the plan and will come back to you tomorrow.\n"), rules)
    assert plain.instruction is None or plain.instruction.verb != "WITHDRAW"


def test_inline_answers_tagged_with_initials_are_the_writers_and_can_assent(rules: ParseRules) -> None:
    body = ("Kwame - replies in line below.\n\n-----Original Message-----\nFrom: Kwame Mensah\n"
            "Sent: 13 July 2027 16:02\nSubject: RE: DRP\n\n"
            "Can I have until the 20th for the medical?\n[Tom W] Yes, fine - but that's the last one.\n"
            "The rest is done.\n[Lee C] Not mine.\n")
    parsed = parse_message(_mail("RE: [DRP-2027-0091] Stage 1", body), rules)
    assert "[Tom W] Yes, fine - but that's the last one." in parsed.reply_text
    assert "Not mine" not in parsed.reply_text
    assert parsed.instruction is not None and parsed.instruction.verb == "AGREE"


def test_a_postscript_below_a_signature_block_is_kept_and_the_footer_is_not() -> None:
    text = ("Emma,\n\nThanks for the response, it helped.\n\nThanks,\nHannah\n\nHannah Price | Independent Reviewing Officer\n"
            "Safeguarding Unit\nM: 07700 900 377\n\nP.S. EXTEND to Friday 9 July please - SEND need time.\n\n"
            "OFFICIAL - SENSITIVE: this email is confidential and may be legally privileged.\n")
    cleaned = new_text(text)
    assert "P.S. EXTEND to Friday 9 July please" in cleaned
    assert "legally privileged" not in cleaned and "07700" not in cleaned


@pytest.mark.parametrize("text, expected", [
    ("We agreed that the social worker would visit within 10 working days of the review.", None),
    ("I'd ask that a core group is held within 10 working days of conference.", None),
    ("Please respond within 5 working days of receiving this e-mail.", Timescale(working_days=5)),
    ("I need a plan within 10 working days.", Timescale(working_days=10)),
])
def test_a_period_counted_from_another_event_is_not_the_response_time(text: str, expected: Timescale | None) -> None:
    assert response_timescale(text, SENT)[0] == expected


def test_micare_stage_1_recommendation_is_a_formal_start() -> None:
    assert stated_stage("Child Protection - Stage 1 recommendation - Begum children", "Tariq, see below.") == 1
    assert stated_stage("Begum children", "Stage 1 recommendation (child protection):\n\n1. An updated assessment.") == 1


@pytest.mark.parametrize("text, expected", [
    # "the following Monday" from Monday 11 October is the 18th.
    ("Could I have until the following Monday to respond?", Timescale(until=date(2027, 10, 18))),
    # The amount is in the later sentence that asks again, not in the reasons between.
    ("I'll need a bit longer. She is on leave until Monday. Would you be agreeable to another week?",
     Timescale(working_days=5)),
    ("The panel sits on the 14th. Can I respond after that? I'd have it with you by the end of the 15th.",
     Timescale(until=date(2027, 10, 15))),
    ("I'll need a bit longer, sorry. Is that OK?", None),
])
def test_the_time_asked_for(text: str, expected: Timescale | None) -> None:
    asks, amount = extension_request(text, SENT)
    assert asks and amount == expected


def test_one_mail_raising_concerns_under_two_processes_for_both(rules: ParseRules) -> None:
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7}\b"})
    two = ("1) Ruby Walker (3390021) - child protection plan (my concern)\nThe minutes are missing.\n\n"
           "2) Lewis Walker (3390020) - looked after, placed with his aunt\nNo placement plan.\n")
    assert processes_by_child(two, rules) == (("cp", ("3390021",)), ("lac", ("3390020",)))
    parsed = parse_message(_mail("Pre-Dispute Resolution - Walker children",
                                 "Ruth,\n\n" + two + "\nPlease treat this as the Pre-Dispute Resolution e-mail for both.\n",
                                 reply=False), rules)
    assert [key for key, _ids in parsed.processes_by_child] == ["cp", "lac"] and parsed.asks_for_several_alerts
