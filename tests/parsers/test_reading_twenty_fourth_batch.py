"""The mechanisms the twenty-fourth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import ParseRules, Timescale, parse_instruction
from parsers.content import extension_request, find_case_ids
from parsers.dates import response_timescale
from parsers.reply import new_text

SENT = date(2027, 7, 13)  # a Tuesday


def test_a_condition_opening_the_clause_of_a_command_is_asked_about() -> None:
    text = ("I'm on leave from Friday and don't want it sitting, so if there's still nothing from Morgan by "
            "Friday then please escalate it to the AD.")
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "ESCALATE"
    assert found.doubt == "the decision is given on a condition (if ...)"
    # Courtesy is no condition.
    polite = parse_instruction("Thanks Dana, if possible, please escalate to stage 2.", SENT)
    assert polite is not None and (polite.verb, polite.stage, polite.doubt) == ("ESCALATE", 2, None)


def test_what_the_writer_escalated_before_is_a_fact_of_the_story() -> None:
    text = ("I escalated this to stage 2 this morning, but I don't think stage 2 or stage 3 is the right level.\n\n"
            "Please escalate this straight to Pat Quinn, Director of Children and Learning, at stage 4.")
    found = parse_instruction(text, SENT)
    # The Director named is the target (routing finds the rung from the directory).
    assert found is not None and (found.verb, found.target, found.doubt) == ("ESCALATE", "Pat Quinn", None)
    assert found.words.startswith("Please escalate")


def test_a_command_addressed_to_the_mailbox_is_a_command() -> None:
    found = parse_instruction("Could the DRP mailbox please escalate DRP-2027-0141 to stage 4 today?", SENT)
    assert found is not None and (found.verb, found.stage) == ("ESCALATE", 4)


def test_taking_it_to_a_named_manager_is_an_escalation_in_prose() -> None:
    for text, target in (("Im going to take this to Morgan as it hasnt moved since April", "Morgan"),
                         ("I'm not satisfied, and I'll be raising this with Jo Whitfield this week.", "Jo Whitfield")):
        found = parse_instruction(text, SENT)
        assert found is not None and (found.verb, found.prose, found.target) == ("ESCALATE", True, target)
    # Taking a child somewhere is not taking the dispute anywhere.
    assert parse_instruction("I'm going to take Leo to the dentist on Friday.", SENT) is None


def test_recording_it_as_referred_to_cafcass_and_a_hyphenated_name() -> None:
    for text in ("Every stage has now been used, and I am referring Ellie-May's case to Cafcass.",
                 "Please record this alert as referred to Cafcass."):
        found = parse_instruction(text, SENT)
        assert found is not None and (found.verb, found.prose) == ("CAFCASS", True)


def test_you_can_have_until_a_day_grants_that_day() -> None:
    text = ("I'm not going to agree a full further week though. You can have until Monday 19 July to get "
            "section 4 completed. If it isn't there by then I will be escalating to Claire.")
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.until, found.prose) == ("EXTEND", date(2027, 7, 19), True)


def test_agreed_then_who_can_have_it_typed_without_a_comma() -> None:
    found = parse_instruction("Yes agreed Abi can have the extra week she asked for the nurse being off sick isnt "
                              "her teams fault", SENT)
    assert found is not None and (found.verb, found.doubt) == ("AGREE", None)
    assert parse_instruction("Agreed actions can have dates in them.", SENT) is None


def test_asking_that_the_alert_is_closed_as_resolved() -> None:
    found = parse_instruction("I am satisfied the actions are in hand, and I would ask that this alert is now "
                              "closed as resolved at Stage 2.", SENT)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_rather_than_keep_this_open_is_no_retraction() -> None:
    found = parse_instruction("RESOLVED. I'll track the three actions through his next review rather than keep "
                              "this open.", SENT)
    assert found is not None and (found.verb, found.doubt) == ("RESOLVED", None)
    taken_back = parse_instruction("RESOLVED. Actually, keep it open until the plan is signed.", SENT)
    assert taken_back is not None and taken_back.doubt is not None


def test_where_it_is_up_to_is_a_status_question() -> None:
    found = parse_instruction("I've just come back from leave. Can you tell me where it's up to?", SENT)
    assert found is not None and found.verb == "STATUS"


def test_a_period_set_for_the_response_before_the_word_response() -> None:
    text = ("I'm setting 3 working days for Nick's response given the level of risk: the pre-birth "
            "assessment that was due by 20 August has not started.")
    assert response_timescale(text, date(2027, 9, 10)) == (Timescale(working_days=3), None)


def test_wishing_one_had_asked_for_time_is_no_request() -> None:
    text = "I should have asked you for more time rather than let it lapse. Action plan below."
    assert extension_request(text, SENT) == (False, None)


def test_ids_after_a_name_and_comma_typed_with_a_space() -> None:
    body = "Children: Child A – Kai, 612 884; Child B – Ruby-Mae, 612 885\nCategory: core groups"
    assert find_case_ids("CP DRP - Stage 1", body, None, ParseRules()) == ("612884", "612885")


def test_siblings_ids_written_short_after_the_first() -> None:
    rules = ParseRules()
    assert find_case_ids("DRP - 1150431/32/33", "", None, rules) == ("1150431", "1150432", "1150433")
    body = "I'm raising a Stage 1 DRP for Alfie, Isla and Reggie (Mosaic 1150431, -32 and -33)."
    assert find_case_ids("DRP", body, None, rules) == ("1150431", "1150432", "1150433")
    # An ID typed with a space after a slash is an ID of its own, not a short one.
    assert find_case_ids("Mosaic nos: 3085521   /   308 5522", "", None, rules) == ("3085521",)


def test_answers_marked_with_bracketed_initials_in_the_quoted_text() -> None:
    text = ("Ruth - thank you. My comments are inline below in blue, marked [AM].\n\nAlex\n\n"
            "From: Khan, Ruth <ruth.tm@luton.example.gov.uk>\nSent: 14 June 2027 16:20\n"
            "To: Morgan, Alex <alex.cpchair@luton.example.gov.uk>\nSubject: RE: DRP\n\n"
            "1. Core groups - rebooked for 24 June.\n\n[AM] Noted, but please make sure the 24th goes ahead.\n\n"
            "2. Re-assessment - not needed.\n\n[AM] I don't agree, so I am escalating this to Taylor Brooks at Stage 2.\n\n"
            "Regards\nRuth\n")
    found = new_text(text)
    assert "[AM] I don't agree, so I am escalating this to Taylor Brooks at Stage 2." in found
    assert "Re-assessment - not needed" not in found
