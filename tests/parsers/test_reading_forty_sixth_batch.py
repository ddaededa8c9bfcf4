"""The mechanisms the forty-sixth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import parse_instruction
from parsers.dates import response_timescale

TUESDAY = date(2030, 3, 12)


def test_more_resolutions_in_prose() -> None:
    for text in ("I think we can now call this one resolved - please can the tracker be closed.",
                 "From my side there's nothing further needed on this one.",
                 "I'm satisfied, and I don't think there's anything further I need from you on this one.",
                 "On that basis this DRP is resolved from our side and I would be grateful if it could now be closed."):
        found = parse_instruction(text, TUESDAY)
        assert found is not None and found.verb == "RESOLVED" and found.prose, text


def test_resolved_once_something_is_done_is_asked_about() -> None:
    found = parse_instruction("I think we can probably call this resolved once the care plan is on Mosaic.", TUESDAY)
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None


def test_leaving_it_until_a_day_gives_that_day_and_the_later_threat_is_its_own() -> None:
    text = "so let's leave it until Friday and if I haven't got the signed plan by then I'll take it up to Stage 2."
    found = parse_instruction(text, TUESDAY)
    assert found is not None and found.verb == "EXTEND" and found.until == date(2030, 3, 15)


def test_asking_that_the_alert_is_withdrawn_or_escalated_is_prose() -> None:
    found = parse_instruction("so I'd ask that this alert is withdrawn, and I'll write to Wigan today.", TUESDAY)
    assert found is not None and found.verb == "WITHDRAW" and found.prose
    found = parse_instruction("so I'd ask that this is escalated to Jamie as Assistant Director.", TUESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.target == "Jamie"


def test_a_shared_view_is_no_agree() -> None:
    found = parse_instruction("We agree that Mia needs the specialist placement identified at her review.", TUESDAY)
    assert found is None
    # Agreeing that someone has more time still is.
    found = parse_instruction("Agree that Dana can have until Friday.", TUESDAY)
    assert found is not None and found.verb == "AGREE"


def test_the_person_to_look_at_it_after_escalate() -> None:
    found = parse_instruction("ESCALATE - I would like Daniel to look at the health assessment specifically.", TUESDAY)
    assert found is not None and found.verb == "ESCALATE" and found.target == "Daniel"


def test_a_change_of_mind_to_more_time_with_a_threat_after_it() -> None:
    text = "Escalate - actually, hold on. Abi has just rung me. Let's give her until Friday instead and I'll escalate then if it isn't there."
    found = parse_instruction(text, TUESDAY)
    assert found is not None and found.verb in ("AGREE", "EXTEND") and found.until == date(2030, 3, 15) and found.doubt


def test_assent_said_to_the_asker_by_name() -> None:
    found = parse_instruction("That's fine Daniel, Friday 22 March it is.", TUESDAY)
    assert found is not None and found.verb == "AGREE"


def test_who_is_to_respond_and_what_they_were_assured_set_the_time() -> None:
    assert response_timescale("Catherine to respond within 3 working days.", TUESDAY)[0].working_days == 3
    text = "You and Sam have assured me the report will be on Mosaic by the end of Wednesday 13 March."
    assert response_timescale(text, TUESDAY)[0].until == date(2030, 3, 13)
