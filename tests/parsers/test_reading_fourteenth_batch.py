"""The mechanisms the fourteenth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import ParseRules, Timescale, parse_instruction
from parsers.content import extension_request, find_case_ids
from parsers.dates import parse_uk_date, response_timescale
from parsers.instruction import subject_instruction
from parsers.reply import answers_marked_with_name

SENT = date(2027, 9, 8)  # a Wednesday


def test_a_request_to_respond_properly_after_a_meeting() -> None:
    text = ("Permanence panel sits on the 14th and Tyler is on the agenda. Rather than give you half an answer "
            "now, can I respond properly after that?")
    assert extension_request(text, SENT) == (True, None)


@pytest.mark.parametrize("text, verb, until", [
    # Part of the time asked for, in the IRO's own words: the IRO's date stands.
    ("Ruth – I can give you until Wednesday but not Friday. The conference is Thursday.", "EXTEND", date(2027, 9, 15)),
    ("I can give you until Friday 17th, not a day more.", "EXTEND", date(2027, 9, 17)),
    # Agreeing to the request, with its date: still AGREE.
    ("I'm happy to agree your request for extra time until 17 September.", "AGREE", date(2027, 9, 17)),
])
def test_time_granted_in_prose(text: str, verb: str, until: date) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.until, found.prose) == (verb, until, True)


def test_a_negation_before_a_grant_takes_it_back() -> None:
    assert parse_instruction("I'm not going to give you until Friday this time.", SENT) is None


@pytest.mark.parametrize("text", [
    "Resolved, subject to Leila being seen alone on Friday as you've set out.",
    "RESOLVED provided the visit actually happens by Friday.",
    "Escalate to stage 2, as long as Marcus is back from leave.",
])
def test_a_decision_on_a_condition_is_asked_about(text: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.doubt and "condition" in found.doubt


def test_a_decision_without_a_condition_is_not_doubted() -> None:
    found = parse_instruction("Resolved - thanks for getting the plan done.", SENT)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is None


@pytest.mark.parametrize("text", ["Note for the record – don't escalate yet. Mark rang me.",
                                  "Note for the file: the visit happened on Monday."])
def test_a_note_for_the_record(text: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "NOTE"


def test_a_decision_typed_at_the_end_of_the_subject() -> None:
    subject = ("RE: [OFFICIAL-SENSITIVE] [DRP-2027-0874] Stage 1 Team Manager: more time requested - due Tue 19 Oct "
               "2027 EXTEND to 22 October")
    found = subject_instruction(subject, date(2027, 10, 18))
    assert found is not None and (found.verb, found.until) == ("EXTEND", date(2027, 10, 22))
    # Our own subject, untouched, holds no decision.
    assert subject_instruction("RE: [DRP-2027-0874] Stage 1 Team Manager: escalated to you - due Tue 19 Oct 2027",
                               date(2027, 10, 18)) is None


@pytest.mark.parametrize("body, ids", [
    ("Mia's ID is 2207318 and Kai is 2207 319 can you pick this up", ("2207318", "2207319")),
    ("Zoë Hart (ID 4481201)\nNoah Hart – 1190442\nRuby, 1190447.", ("4481201", "1190442", "1190447")),
    ("•\tChild/ren:\t\tGrace Okoye – Mosaic no. 6039181\n\t\t\tHope Okoye – #6039252", ("6039181", "6039252")),
])
def test_the_childrens_ids_written_their_own_ways(rules: ParseRules, body: str, ids: tuple[str, ...]) -> None:
    rules = ParseRules(**{**rules.__dict__, "case_id_pattern": r"\b\d{7}\b"})
    assert find_case_ids("DRP", body, None, rules) == ids


def test_a_day_and_month_after_a_weekday() -> None:
    assert parse_uk_date("response by Fri 3/12 please", date(2027, 11, 30)) == date(2027, 12, 3)
    assert parse_uk_date("Thu 3/12", date(2027, 11, 30)) is None  # 3 December 2027 is a Friday
    assert parse_uk_date("cover 24/7", date(2027, 11, 30)) is None


def test_a_subject_line_asks_for_the_response_by_being_written() -> None:
    subject = "Stage 1 dispute resolution - CP plan Jayden Price - response by Fri 15 Oct"
    assert response_timescale(subject, date(2027, 10, 11), subject=True)[0] == Timescale(until=date(2027, 10, 15))
    assert response_timescale(subject, date(2027, 10, 11))[0] is None  # in a body, a request needs asking


def test_two_timescales_for_one_response_are_not_guessed_between() -> None:
    text = ("Could you come back to me within 3 working days with a date for the letter?\n\n"
            "I'm on leave from the 1st, so I need your response by Friday 25 June.")
    found, note = response_timescale(text, date(2027, 6, 17))
    assert found is None and note and "two timescales" in note


def test_the_same_timescale_twice_is_one() -> None:
    text = "Please respond within 5 working days. Again: I need your response within 5 working days."
    assert response_timescale(text, SENT)[0] == Timescale(working_days=5)


@pytest.mark.parametrize("text, until", [
    ("Honestly I'm going to need a bit longer on this one – realistically it will be the 30th before I can "
     "send you something worth reading.", date(2027, 9, 30)),
    ("Is there any flex on the date? Panel sits on Tuesday the 14th – could I get the full response to you on "
     "the Wednesday, the day after panel?", date(2027, 9, 15)),
    ("Is there any flex on the date? I could respond on Wednesday 15th, the day after panel.", date(2027, 9, 15)),
])
def test_the_time_asked_for_in_a_later_clause(text: str, until: date) -> None:
    assert extension_request(text, SENT) == (True, Timescale(until=until))


def test_answers_tagged_with_initials_when_the_new_text_says_they_are_below() -> None:
    quoted = ("2. No life story work has started.\nAC – Referral to the life story worker went in on 21/09.\n"
              "3. AC is the abbreviation we use.\n")
    assert answers_marked_with_name(quoted, "Abi Cole", "Dev – see my comments in red below.") == [
        "AC – Referral to the life story worker went in on 21/09."]
    # Without that, initials at the start of a quoted line are no one's answer.
    assert answers_marked_with_name(quoted, "Abi Cole", "Thanks, will do.") == []
