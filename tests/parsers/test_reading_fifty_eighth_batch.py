"""The mechanisms the fifty-eighth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.content import declines_to_raise, only_warns_of_raising
from parsers.dates import response_timescale
from parsers.reply import new_text

WEDNESDAY = date(2030, 3, 6)


def test_not_raising_anything_yet_raises_nothing() -> None:
    text = ("Just a heads-up. Kian hasn't had a visit since January. I'm not raising anything formally yet. "
            "If they haven't been done, I'll need to put this into the DRP at Stage 1 next week.")
    assert declines_to_raise("Kian - visits", text) is not None or only_warns_of_raising("Kian - visits", text) is not None


def test_the_managers_own_date_accepted_sets_the_timescale() -> None:
    text = ("You said that Joe will have the report uploaded by the end of Friday 8 March, which I am happy with "
            "as it gives mum time to read it.")
    found, _ = response_timescale(text, WEDNESDAY)
    assert found is not None and found.until == date(2030, 3, 8)


def test_nothing_more_needing_to_happen_is_asked_about_as_resolved() -> None:
    found = parse_instruction("I'm satisfied and, from my side, there's nothing more that needs to happen on this one.", WEDNESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt


def test_ignoring_the_mail_that_raised_it_is_part_of_the_withdrawal() -> None:
    found = parse_instruction("WITHDRAW - raised against the wrong child. Apologies, and please ignore my e-mail of "
                              "yesterday.", WEDNESDAY)
    assert found is not None and found.verb == "WITHDRAW" and found.doubt is None
    found = parse_instruction("WITHDRAW. Actually, ignore that - I'll speak to Dana first.", WEDNESDAY)
    assert found is not None and found.doubt is not None


def test_a_named_manager_needing_to_see_it_is_an_escalation_to_them() -> None:
    found = parse_instruction("This can't stay with you any longer and I think Claire needs to see it now.", WEDNESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.target == "Claire" and found.doubt


def test_the_rung_whose_response_is_asked_names_the_target() -> None:
    found = parse_instruction("Escalate please. I would like a response from the Service Manager within 3 working days.", WEDNESDAY)
    assert found is not None and found.target == "Service Manager" and found.working_days == 3 and found.doubt is None


def test_answers_in_line_under_an_original_message_follow_the_signed_top() -> None:
    text = ("Alex,\n\nAnswers in line below.\n\nRuth\n\nRuth Khan\nTeam Manager\n\n-----Original Message-----\n"
            "From: Alex Morgan <alex@x.example>\nSent: 09 March 2030 16:55\nTo: Ruth Khan <ruth@x.example>\n"
            "Subject: Pre-DRP\n\n> 1. Core group minutes are missing.\n\nThe minutes are on the system now.\n\n"
            "> 2. The plan has not changed.\n\nNadia is updating the plan this afternoon.\n\n> Thanks,\n> Alex\n")
    out = new_text(text)
    assert "The minutes are on the system now." in out and "Nadia is updating the plan this afternoon." in out
    assert "Core group minutes are missing" not in out
