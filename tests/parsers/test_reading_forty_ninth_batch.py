"""The mechanisms the forty-ninth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction

MONDAY = date(2030, 4, 29)


def test_saying_outright_that_nothing_is_asked_yet_makes_the_prose_no_decision() -> None:
    text = ("I'm minded to escalate this to Daniel. Before I do I'll speak to my manager on Thursday, "
            "so I'm not asking for anything to happen on the alert yet.")
    assert parse_instruction(text, MONDAY) is None
    # Without those words, the same prose is asked about, as before.
    found = parse_instruction("I'm minded to escalate this to Daniel.", MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt
    # A command beside them is still a command, and the contradiction is for the IRO: never obeyed.
    found = parse_instruction("ESCALATE to stage 2. I'm not asking for anything to happen yet.", MONDAY)
    assert found is not None and found.verb == "ESCALATE"
    # "No further action is needed from me" closes an alert: it is not a deferral.
    found = parse_instruction("I'm satisfied with the plan, no further action needed from me.", MONDAY)
    assert found is not None and found.verb == "RESOLVED"


def test_asking_whether_this_should_go_to_a_named_rung_is_asked_about() -> None:
    found = parse_instruction("Do you think this should now go to Priya at Stage 2? I'm inclined to.", MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 2 and found.doubt
    # Said as the writer's view, it is prose read and confirmed.
    found = parse_instruction("I think this should go to Stage 3 now.", MONDAY)
    assert found is not None and found.verb == "ESCALATE" and found.stage == 3 and found.doubt
    # Something else going somewhere is no escalation.
    assert parse_instruction("The report should go to the panel next month.", MONDAY) is None


def test_a_fair_grant_of_time_in_prose_is_read_with_its_day() -> None:
    found = parse_instruction("With the bank holiday I think it is fair to give you until Friday, and if "
                              "it is still missing then I will take it to Marcus.", MONDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 5, 3) and found.doubt


def test_taking_the_day_asked_for_in_so_many_words_agrees() -> None:
    found = parse_instruction("Thanks Jo, that's fine by me - Thursday it is. Please include the core group date.", MONDAY)
    assert found is not None and found.verb == "AGREE" and found.doubt
    # Not as the answer to a question about something else.
    assert parse_instruction("Which day is the conference? Thursday is the one I can do.", MONDAY) is None


def test_time_refused_further_back_than_the_negation_window_is_no_request() -> None:
    from parsers.content import extension_request

    # Noticed last session and left: a responder (or an IRO) refusing to let the concern drift.
    assert extension_request("I am not prepared to let it sit for another week.", MONDAY) == (False, None)
    assert extension_request("I won't let this slide for a further 5 days.", MONDAY) == (False, None)
    # Asked for, the same words are a request.
    asks, amount = extension_request("Could you let it sit for another week?", MONDAY)
    assert asks and amount is not None and amount.working_days == 5


def test_not_asking_for_anything_else_is_no_deferral() -> None:
    # Only "nothing is to happen (yet)" defers; "not asking for anything unreasonable" does not.
    found = parse_instruction("I'm not asking for anything unreasonable. I'll give you until Friday.", MONDAY)
    assert found is not None and found.verb in ("AGREE", "EXTEND")
    assert parse_instruction("I'm minded to escalate this to Daniel, but I'm not asking you to do anything yet.", MONDAY) is None
