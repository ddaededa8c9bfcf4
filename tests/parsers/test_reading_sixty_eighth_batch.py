"""The mechanisms the sixty-eighth sealed batch found (issue 8), in this file's own words: the
half-term fortnight around a late-May bank holiday."""

from __future__ import annotations

from datetime import date

from domain_support import formal_lac_alert, plain_reply

from mailbot.routing import CONFIRM, INSTRUCTION, RESPONSE, parse_rules, route_reply
from parsers import parse_instruction, parse_message
from parsers.content import stated_stage
from parsers.dates import date_at
from parsers.reply import new_text

THURSDAY = date(2028, 5, 25)
SAM = "sam.iro@luton.example.gov.uk"
DANA = "dana.tm@luton.example.gov.uk"


def _route(sender: str, body: str):
    config, alert = formal_lac_alert()
    return route_reply(parse_message(plain_reply(sender, body, alert.ref), parse_rules(config)), alert, config)


def test_an_earlier_inline_reply_quoted_whole_under_an_outlook_block_is_history() -> None:
    text = ("STATUS please - Tom is on leave this week.\n\nGareth\n\nGet Outlook for iOS\n"
            "________________________________\nFrom: Tom Whitaker <tom@x.example>\nSent: Friday, May 26, 2028 9:30 AM\n"
            "To: Kwame Mensah <kwame@x.example>\nSubject: Re: DRP Stage 1\n\n"
            "On 25/05/2028 16:10, Kwame Mensah wrote:\n> Could I ask for a bit more time on the PEP?\n\n"
            "No. The PEP was due in April.\n\nPlease escalate Maya's part to Ruth.\n\nTom\n\n> Kwame\n")
    assert new_text(text) == "STATUS please - Tom is on leave this week."
    # The sender's own inline answers under their signature and an attribution are still read.
    text = ("Hi Hannah, answers below.\n\nEmma\n-- \nEmma Clarke\nTeam Manager\n\n"
            "On Mon, 13 Sept 2027 at 16:05, Hannah Price\n<hannah@x.example> wrote:\n\n"
            "> 1. When will the health assessment be booked?\n\nIt's booked for 21 September.\n\n"
            "> 2. Has the plan been signed?\n\nYes, on Friday.\n")
    assert "It's booked for 21 September." in new_text(text)


def test_a_decision_for_one_child_or_one_part_is_asked_about() -> None:
    found = parse_instruction("Resolved as far as Leo is concerned.", THURSDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None
    found = parse_instruction("No. The PEP was due in April.\n\nPlease escalate Maya's part to Ruth.", THURSDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt is not None
    found = parse_instruction("Please escalate to Ruth.", THURSDAY)
    assert found is not None and found.verb == "ESCALATE" and found.doubt is None


def test_closing_the_drp_as_done_is_read_as_prose() -> None:
    found = parse_instruction("I'm satisfied this has now been addressed, so I am closing this DRP as resolved.", THURSDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_a_manager_closing_it_or_sending_it_to_a_rung_by_title_is_told_who_decides() -> None:
    route = _route(DANA, "Sam,\n\nThe core group took place and the plan is updated.\n\n"
                         "I'm satisfied this has now been addressed, so I am closing this DRP as resolved.\n")
    assert route.kind == RESPONSE and route.not_entitled and route.reading.verb == "RESOLVED"
    route = _route(DANA, "Sam,\n\nThe cost is above my budget authority, so it isn't a decision I can make.\n\n"
                         "I'm escalating this to Jamie as Assistant Director and have copied him in.\n")
    assert route.kind == RESPONSE and route.not_entitled and route.reading.verb == "ESCALATE"


def test_prose_escalation_over_the_next_stages_form_is_obeyed() -> None:
    body = ("Morgan,\n\nDana has not accepted the recommendation, so I am escalating it to you at Stage 2.\n\n"
            "Stage: 2\nChild ID: 1234567\nConcern: The placement plan has not been agreed.\n"
            "Response required by: within 5 working days\n")
    route = _route(SAM, body)
    assert route.kind == INSTRUCTION and route.reading.target_stage == 2
    # Without the form the same words are asked about.
    route = _route(SAM, "Morgan,\n\nDana has not accepted the recommendation, so I am escalating it to you at Stage 2.\n")
    assert route.kind == CONFIRM


def test_a_weekday_next_week_is_that_day_of_the_coming_calendar_week() -> None:
    assert date_at("by Friday next week.", 3, THURSDAY) == (date(2028, 6, 2), 19)
    assert date_at("by Friday week.", 3, THURSDAY)[0] == date(2028, 6, 2)
    assert date_at("by Friday.", 3, THURSDAY)[0] == date(2028, 5, 26)


def test_what_a_form_says_was_agreed_with_someone_is_no_agreement_given() -> None:
    found = parse_instruction("Recommendation\tA matching plan for a joint placement, with a timetable, agreed with Omar.",
                              THURSDAY)
    assert found is None or found.verb != "AGREE"
    found = parse_instruction("Agreed, thanks Kwame.", THURSDAY)
    assert found is not None and found.verb == "AGREE"


def test_raising_at_a_rung_named_by_its_title_names_the_stage() -> None:
    titles = {"team manager": 1, "service manager": 2, "head of service": 3, "director": 4}
    body = ("Dear Jo,\n\nI am raising this with you directly, at Head of Service level rather than with Chris, "
            "because of the urgency.\n\nI need a written response within 3 working days.")
    assert stated_stage("Urgent - Amara 3920047 - placement ending", body, titles) == 3
    assert stated_stage("Urgent - Amara 3920047 - placement ending", body) is None
    told = "Dear Jo,\n\nThis was previously raised at Head of Service level in March."
    assert stated_stage("Amara 3920047", told, titles) is None
