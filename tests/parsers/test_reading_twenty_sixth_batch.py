"""The mechanisms the twenty-sixth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import Timescale, parse_instruction
from parsers.content import asks_for_figures, extension_request
from parsers.dates import response_timescale
from parsers.reply import new_text

SENT = date(2027, 3, 22)  # a Monday


def asked(text: str, sent: date = SENT) -> Timescale | None:
    return response_timescale(text, sent)[0]


def test_a_day_counted_back_from_an_event_told_earlier() -> None:
    text = ("Leo's review has been moved to Thursday 1 April 2027, so I need your response no later than the day "
            "before that review.")
    assert asked(text) == Timescale(until=date(2027, 3, 31))
    # The event told in another sentence; a day counted from it elsewhere is not its date.
    text = ("Amy's CLA review is on Tuesday 13 April. The report should be shared 5 working days before the "
            "review, which would be Tuesday 6 April. Could you confirm by the Friday before the review?")
    assert asked(text) == Timescale(until=date(2027, 4, 9))


def test_hours_before_an_event_dated_after_it() -> None:
    text = "I'd like your response no later than 24 hours before the core group, which meets at 10am on Wednesday 31 March."
    assert asked(text) == Timescale(until=date(2027, 3, 30))


def test_by_the_time_of_an_event_with_its_date() -> None:
    text = "I need a plan agreed by the time the school breaks up for Easter, which is Friday 26 March."
    assert asked(text) == Timescale(until=date(2027, 3, 26))


def test_within_the_fortnight() -> None:
    assert asked("I would ask for your written response within the fortnight.") == Timescale(working_days=10)


def test_no_later_than_is_no_negation() -> None:
    assert asked("So I need your response no later than Friday 26 March.") == Timescale(until=date(2027, 3, 26))


def test_by_then_is_the_day_just_told() -> None:
    text = ("I would ask for your response before the Easter break. Thursday 1 April is the last working day, "
            "so please let me have it by then at the latest.")
    assert asked(text) == Timescale(until=date(2027, 4, 1))


def test_a_reason_told_in_the_past_is_not_the_time_asked_for() -> None:
    text = "I'm going to need more time on this one, sorry. Her worker left on Friday and the case is being reallocated."
    assert extension_request(text, date(2027, 3, 3)) == (True, None)


def test_a_signature_set_on_one_line_between_bars_is_cut() -> None:
    body = ("Ruth,\n\nI am raising this at Stage 1.\n\nThanks,\n\nAlex\n\nAlex Morgan | Child Protection Conference "
            "Chair | Safeguarding and Quality Assurance Service | Luton Borough Council\n\nThis e-mail may contain "
            "personal data. If you are not the intended recipient, tell the sender and delete it.\n")
    kept = new_text(body)
    assert "I am raising this at Stage 1." in kept and "personal data" not in kept


def test_a_participle_after_a_date_in_a_list_is_history() -> None:
    text = ("Please find below the form at Stage 4.\n\nPrevious stages: Stage 3 Jo Whitfield, 14/04/2027, extended to "
            "23/04/2027; response received 21/05/2027")
    assert parse_instruction(text, date(2027, 5, 24)) is None
    # An instruction word after a comma elsewhere is still read.
    found = parse_instruction("Thanks Jo, extend to Friday 28 May please.", date(2027, 5, 24))
    assert found is not None and found.verb == "EXTEND"


def test_we_can_withdraw_is_a_suggestion_confirmed() -> None:
    found = parse_instruction("Apologies, wrong child. We can withdraw this one and I'll send a fresh one.", SENT)
    assert found is not None and (found.verb, found.prose) == ("WITHDRAW", True) and found.doubt


def test_an_own_decision_on_a_condition_or_as_a_question_is_asked_about() -> None:
    found = parse_instruction("If the report is on Mosaic by Friday, I'm content for this DRP to be closed.", SENT)
    assert found is not None and found.verb == "RESOLVED" and found.doubt == "the decision is given on a condition"
    found = parse_instruction("Should I now be referring this to Cafcass? We have exhausted the stages.", SENT)
    assert found is not None and found.verb == "CAFCASS" and found.doubt == "the decision is asked as a question"


def test_escalate_with_whom_it_goes_to_said_after() -> None:
    found = parse_instruction("ESCALATE\n\nNothing from Dana. Please send this to Morgan Ellis as Service Manager.", SENT)
    assert found is not None and (found.verb, found.target, found.doubt) == ("ESCALATE", "Morgan Ellis", None)


def test_a_request_for_figures_about_alerts_raises_nothing() -> None:
    assert asks_for_figures("Stage 3 and 4 alerts - figures for the IRO annual report", "") is not None
    assert asks_for_figures("", "Could you tell me how many alerts went to Stage 4 this year?") is not None
    assert asks_for_figures("Stage 1 - Leo 612094", "The plan has drifted since March; please respond.") is None
