"""parse_instruction: each verb, its arguments, greetings, and what must not count."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import Instruction, parse_instruction

SENT = date(2027, 5, 10)  # a Monday


@pytest.mark.parametrize(
    ("text", "verb", "stage", "working_days", "until"),
    [
        ("Resolved - thanks", "RESOLVED", None, None, None),
        ("resolved, thank you", "RESOLVED", None, None, None),
        ("RESOLVED", "RESOLVED", None, None, None),
        ("Please escalate to stage 3", "ESCALATE", 3, None, None),
        ("ESCALATE to Service Manager", "ESCALATE", None, None, None),
        ("Escalate to stage two", "ESCALATE", 2, None, None),
        ("Not resolved - escalate to stage 2", "ESCALATE", 2, None, None),
        ("Extend 3 working days", "EXTEND", None, 3, None),
        ("extend by five working days please", "EXTEND", None, 5, None),
        ("extend to 21/05/2027", "EXTEND", None, None, date(2027, 5, 21)),
        ("extend until Friday", "EXTEND", None, None, date(2027, 5, 14)),
        ("Extend Friday 28th May", "EXTEND", None, None, date(2027, 5, 28)),
        ("Agreed", "AGREE", None, None, None),
        ("I agree to the extension", "AGREE", None, None, None),
        ("I agree to the extension until Friday 14th May", "AGREE", None, None, date(2027, 5, 14)),
        ("Withdraw", "WITHDRAW", None, None, None),
        ("withdrawn - child has moved placement", "WITHDRAW", None, None, None),
        ("Cafcass referral made", "CAFCASS", None, None, None),
        ("Note: spoke to TM today", "NOTE", None, None, None),
        ("status?", "STATUS", None, None, None),
        ("What is the status please", "STATUS", None, None, None),
    ],
)
def test_verbs(text: str, verb: str, stage: int | None, working_days: int | None, until: date | None) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None
    assert (found.verb, found.stage, found.working_days, found.until) == (verb, stage, working_days, until)


@pytest.mark.parametrize(
    "text",
    [
        "Not resolved",
        "unresolved",
        "this is not resolved",
        "This is NOT resolved yet, the visits are still outstanding.",
        "I don't agree",
        "No need to escalate at this point",
        "Thanks, I have allocated a social worker and the visits will be completed this week.",
        "Hi Jo,\n\nThe care plan was updated on Friday and is on the system.",
        "",
        "   \n\n",
    ],
)
def test_not_instructions(text: str) -> None:
    assert parse_instruction(text, SENT) is None


@pytest.mark.parametrize(
    "text",
    [
        "Hi Sam,\n\nResolved, thanks.",
        "Dear all,\nResolved",
        "Thanks,\n\nresolved - visits now done",
        "Good morning Sam,\nThank you.\nResolved.",
        "Hi Sam, resolved thanks",
    ],
)
def test_greeting_lines_are_skipped(text: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "RESOLVED"


def test_prose_that_states_a_decision_is_read_with_a_doubt() -> None:
    text = "I have read the manager's response carefully and on balance I think it is resolved"
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "RESOLVED" and found.doubt


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("I'm satisfied with the plan, so we can close this.", "RESOLVED"),
        ("Given the move, please treat this as withdrawn.", "WITHDRAW"),
        ("Having spoken to my manager I am now making a referral to Cafcass.", "CAFCASS"),
    ],
)
def test_decisions_in_prose_are_read_and_doubted(text: str, verb: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, bool(found.doubt)) == (verb, True)


def test_a_command_after_the_first_sentence_counts() -> None:
    found = parse_instruction("The plan is in place.\nResolved", SENT)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is None


def test_text_is_what_follows_the_verb() -> None:
    found = parse_instruction("Note: spoke to TM today\nVisits booked.", SENT)
    assert found is not None and (found.verb, found.text) == ("NOTE", "spoke to TM today\nVisits booked.")
    found = parse_instruction("Withdraw", SENT)
    assert found is not None and (found.verb, found.text, found.doubt) == ("WITHDRAW", "", None)


@pytest.mark.parametrize(
    ("text", "stage", "target", "working_days"),
    [
        ("Escalate please, the stage 1 deadline has passed", None, None, None),
        ("Please escalate - no response by 3 June despite the stage 2 reminder", None, None, None),
        ("Escalate straight to the Head of Service as this is urgent", None, "Head of Service", None),
        ("Escalate to Stage 2 Service Manager", 2, None, None),
        ("Escalate to stage 2, response within 3 working days please", 2, None, 3),
        ("I'd like to escalate this to stage 3 because the stage 2 response of 4 May was silent on visits", 3, None, None),
        ("Escalation to the next stage please", None, None, None),
    ],
)
def test_escalation_target_is_read_from_its_own_words(
    text: str, stage: int | None, target: str | None, working_days: int | None
) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "ESCALATE" and found.doubt is None
    assert (found.stage, found.target, found.working_days) == (stage, target, working_days)


def test_two_different_decisions_are_a_doubt() -> None:
    found = parse_instruction("Resolved.\nActually, on reflection, please escalate to stage 2.", SENT)
    assert found is not None and found.doubt


def test_relative_dates_need_a_sent_date() -> None:
    found = parse_instruction("extend until Friday", None)
    assert found is not None and found.verb == "EXTEND" and found.until is None
    found = parse_instruction("extend to 21/05/2027", None)
    assert found is not None and found.until == date(2027, 5, 21)


@pytest.mark.parametrize(
    "text",
    [
        "Agreed actions from the meeting are attached.",
        "Closed contact has been arranged.",
        "Withdrawn from school last term, Kyle is now home educated.",
        "The matter was escalated to the Head of Service last year.",
        "Could you let me know whether you want me to escalate?",
        "Thanks for the update, I will review it and come back to you.",
    ],
)
def test_decision_words_used_for_something_else_are_no_decision(text: str) -> None:
    assert parse_instruction(text, SENT) is None


def test_a_command_in_capitals_stands_whatever_follows() -> None:
    found = parse_instruction("NOTE for the file", SENT)
    assert found is not None and found.verb == "NOTE"


def test_a_response_timescale_in_the_escalation_sentence() -> None:
    found = parse_instruction("Please escalate to Stage 2, I also want a response within 5 working days.", SENT)
    assert found is not None and (found.verb, found.stage, found.working_days) == ("ESCALATE", 2, 5)


@pytest.mark.parametrize(
    "text",
    [
        "RESOLVED\n\nActually - hold on. Please don't close this yet.",
        "Escalate please, and I'd like the Service Manager's response by 3 May.",  # already past
    ],
)
def test_taken_back_or_past_dated_decisions_are_doubted(text: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.doubt


@pytest.mark.parametrize(
    ("text", "verb", "until"),
    [
        # The decision taken back is replaced by the one written after the retraction (time
        # given "until Friday" in the IRO's own words sets the IRO's date: EXTEND).
        ("ESCALATE - nothing by the deadline.\n\nActually, scratch that. He rang: I'll give him until "
         "Friday, but if it isn't here on Friday I will be going to Jo.", "EXTEND", date(2027, 5, 14)),
        ("Escalate to stage 3 please.\n\nIgnore the above for now - I'll give him until Friday and decide "
         "after that.", "EXTEND", date(2027, 5, 14)),
    ],
)
def test_a_decision_taken_back_gives_way_to_the_later_one_and_is_confirmed(text: str, verb: str, until: date) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and (found.verb, found.until) == (verb, until)
    assert found.doubt and "take it back" in found.doubt


def test_a_decision_with_a_question_about_its_terms_is_confirmed() -> None:
    text = ("I'm happy to agree the extra week you've asked for. Can you just confirm whether you mean a "
            "week from today or a week from the original deadline?")
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "AGREE" and found.doubt and "question" in found.doubt


def test_an_unrelated_question_leaves_the_decision_standing() -> None:
    text = "Agreed - 24 hours is fine.\nCan you also let me know whether the dental check has been booked?"
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == "AGREE" and found.doubt is None


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("So I'm happy for us to close this one.", "RESOLVED"),
        ("She has asked for this to be escalated to Bridget Owens at stage 4.", "ESCALATE"),
        # A date of the IRO's own: EXTEND (routing made AGREE with a date into EXTEND before).
        ("I'll give him until Friday, but if it isn't here I will go to the Service Manager.", "EXTEND"),
    ],
)
def test_more_decisions_in_prose(text: str, verb: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == verb and found.doubt


def test_a_condition_in_the_decision_clause_is_no_decision() -> None:
    assert parse_instruction("If the visit happens by Friday I'm happy for us to close this one.", SENT) is None


@pytest.mark.parametrize(
    ("subject", "verb"),
    [("RESOLVED - Re: [DRP-2027-0212] Stage 1 Team Manager", "RESOLVED"),
     ("AGREE RE: OFFICIAL-SENSITIVE [DRP-2027-0098] more time requested", "AGREE"),
     ("Re: [DRP-2027-0098] Stage 1 Team Manager", None),
     ("Resolved issues with the plan - Re: [DRP-2027-0098]", None)],
)
def test_a_decision_typed_in_front_of_the_subject(subject: str, verb: str | None) -> None:
    from parsers.instruction import subject_instruction

    found = subject_instruction(subject, SENT)
    assert (found.verb if found else None) == verb


def test_a_command_after_if_then_is_read() -> None:
    found = parse_instruction("If that's the case then please escalate this back down to Ruth.", SENT)
    assert found is not None and (found.verb, found.target) == ("ESCALATE", "Ruth")


@pytest.mark.parametrize(
    ("text", "verb"),
    [("Jo has asked me to let you know that she is happy to extend to Friday 14 May.", "EXTEND"),
     ("I'm happy to go along with the extra day you've asked for.", "AGREE")],
)
def test_time_given_in_prose(text: str, verb: str) -> None:
    found = parse_instruction(text, SENT)
    assert found is not None and found.verb == verb and found.doubt


# ---- wordings found by the eighth sealed batch (issue 8) ----------------------------------


def test_wait_as_a_word_of_the_reason_does_not_take_a_decision_back() -> None:
    found = parse_instruction("EXTEND to close of play Thursday.\n\nIf panel doesn't approve it on Wednesday "
                              "I'd expect you to tell me straight away rather than wait.", SENT)
    assert found.verb == "EXTEND" and found.doubt is None and found.until == date(2027, 5, 13)
    taken_back = parse_instruction("RESOLVED - wait, no, not yet.", SENT)
    assert taken_back.doubt and "take it back" in taken_back.doubt


@pytest.mark.parametrize("text", [
    "Agree with Priya's plan, but I'm not closing this yet.",
    "Agree with the plan for the family time sessions, but I'd like to see the first one happen.",
    "Agree with your assessment of the placement; the PEP is still outstanding.",
])
def test_agreeing_with_a_point_is_not_agree(text: str) -> None:
    assert parse_instruction(text, SENT) is None


@pytest.mark.parametrize("text", ["Agree with Ruth's request - please give her until Tuesday.",
                                  "Agree with the extension."])
def test_agreeing_with_the_request_for_time_is_agree(text: str) -> None:
    assert parse_instruction(text, SENT).verb == "AGREE"


@pytest.mark.parametrize("text", [
    "Yes, that's fine - but not beyond that please, it's already been outstanding since March.",
    "Good - please make sure Sunita has the chronology before she starts.\n\nYes, fine.",
    "That's fine.",
])
def test_assent_in_prose_is_agree_to_be_confirmed(text: str) -> None:
    found = parse_instruction(text, SENT)
    assert found.verb == "AGREE" and found.prose and found.doubt


@pytest.mark.parametrize("text", ["Yes, the PEP meeting went ahead and I have the notes.",
                                  "Thanks. I have seen the plan and I'm fine with the contact arrangements."])
def test_ordinary_prose_with_yes_or_fine_is_no_decision(text: str) -> None:
    assert parse_instruction(text, SENT) is None


def test_an_escalation_in_a_numbered_point_takes_no_date_from_the_next_point() -> None:
    text = ("Thanks for this. Taking your points in order:\n\n"
            "1.\tPEP - thank you, I can see it now.\n"
            "2.\tPlacement plan - still not signed, and the stage 1 timescale ran out on 2 May. "
            "ESCALATE to stage 2 please.\n"
            "3.\tSibling contact - can you confirm whether the contact on 24 May is still going ahead?\n")
    found = parse_instruction(text, SENT)
    assert (found.verb, found.stage, found.until, found.working_days) == ("ESCALATE", 2, None, None)


def test_a_response_time_in_a_ps_comes_with_the_escalation() -> None:
    found = parse_instruction("I don't think another round at this level will get us there.\n\nNadia\n\n"
                              "P.S. Having discussed it with Gareth this morning: please escalate to Stage 3. "
                              "I'd want a response within the next fortnight, given that Claire will need to "
                              "meet the team.", SENT)
    assert (found.verb, found.stage, found.working_days) == ("ESCALATE", 3, 10)


# ---- wordings found by the ninth sealed batch (issue 8) -----------------------------------


@pytest.mark.parametrize(("text", "verb"), [
    ("extnd by 5 working days pls - Paul's on leave til Monday.", "EXTEND"),
    ("resloved 👍 – visit record is on MiCare.", "RESOLVED"),
    ("ESCALTE TO STAGE 3 - Simon has agreed we skip the Locality Service Lead.", "ESCALATE"),
    ("withdarw please, the family have moved out of area.", "WITHDRAW"),
])
def test_a_decision_word_typed_with_one_slip_is_still_the_decision(text: str, verb: str) -> None:
    assert parse_instruction(text, SENT).verb == verb


@pytest.mark.parametrize("text", ["Extent of the drift is worrying.", "Expend no more effort on the old plan.",
                                  "Withdrew from the meeting early, sorry.", "Resolves nothing, I'm afraid."])
def test_real_words_one_slip_from_a_decision_word_are_not_decisions(text: str) -> None:
    assert parse_instruction(text, SENT) is None


def test_a_relayed_recommendation_closed_as_resolved_is_read_as_prose() -> None:
    found = parse_instruction("He says the recommendation can be closed as resolved.", SENT)
    assert found.verb == "RESOLVED" and found.prose


def test_a_response_time_below_the_list_belongs_to_the_escalation_in_it() -> None:
    text = ("Taking your points in order:\n\n1. Health assessment - booked for 24 May. That's fine.\n"
            "2. Sibling contact - still nothing since February.\n3. Escalate to stage 2 please.\n"
            "4. Can you confirm who is now the allocated social worker?\n\n"
            "Joanne - I'd like your response by close of play Thursday, please.")
    found = parse_instruction(text, SENT)
    assert (found.verb, found.stage, found.until) == ("ESCALATE", 2, date(2027, 5, 13))
