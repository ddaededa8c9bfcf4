"""The mechanisms the twenty-second sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import ParseRules, parse_instruction
from parsers.content import parse_form

SENT = date(2027, 6, 15)  # a Tuesday


def test_a_command_after_its_condition_is_asked_about() -> None:
    text = "Thanks, plan is fine. If it's not on the system by Monday lunchtime then please escalate to stage 1."
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.stage) == ("ESCALATE", 1)
    assert found.doubt is not None and "condition" in found.doubt
    # Without the condition it is obeyed.
    found = parse_instruction("Please escalate to stage 1.", SENT)
    assert found is not None and found.doubt is None


@pytest.mark.parametrize("text, verb", [
    ("Told you they'd come round. I think we can put this one to bed now. Coffee's on me Monday.", "RESOLVED"),
    ("Thanks Abi, happy with this. Can you make sure the referral goes in before the summer?", "RESOLVED"),
    ("I'm satisfied with the response.", "RESOLVED"),
    ("That part is resolved from my point of view, but the letter still isn't done, so I think this probably "
     "has to go to Ruth.", "ESCALATE"),
])
def test_decisions_in_prose_are_read_and_asked_about(text: str, verb: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.prose) == (verb, True) and found.doubt


def test_someone_elses_contentment_decides_nothing() -> None:
    assert parse_instruction("6. Manager's comments: the carers are aware and are happy with the plan.", SENT) is None


def test_a_two_column_table_written_as_text_is_a_form() -> None:
    # Outlook writes a table's cells on lines of their own, with blank lines between.
    text = ("DISPUTE RESOLUTION FORM\n\nChild\n\nTyler B\n\nLCS number\n\n3187740\n\nStage\n\nStage 1 - Team Manager\n\n"
            "Concern\n\nNo referral has been made since the review.\n\nResponse required\n\nIn writing within 5 "
            "working days\n")
    form = parse_form(text, ParseRules())
    assert form is not None
    assert (form["case_ids"], form["stage"]) == ("3187740", "Stage 1 - Team Manager")
    assert form["timescale"].startswith("In writing within 5 working days")
    # One label alone on a line in prose is no form.
    assert parse_form("Thanks for this.\n\nConcern\n\nThe plan has drifted again.\n", ParseRules()) is None


def test_the_form_timescale_labels_people_use() -> None:
    for label in ("Response required", "Time allowed for response", "Response timescale"):
        form = parse_form(f"Stage: 1\nChild ID: 1234567\n{label}: 5 working days\n", ParseRules())
        assert form is not None and form["timescale"] == "5 working days", label
