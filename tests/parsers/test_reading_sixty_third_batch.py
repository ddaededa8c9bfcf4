"""The mechanisms the sixty-third sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain_support import formal_lac_alert, plain_reply

from mailbot.routing import parse_rules, route_reply
from parsers import parse_instruction, parse_message
from parsers.dates import response_timescale
from parsers.reply import new_text

TUESDAY = date(2027, 3, 30)
SAM = "sam.iro@luton.example.gov.uk"


def _read(text: str):
    return parse_instruction(text, TUESDAY)


def test_esc_typed_on_a_phone_is_the_escalation_and_s2_its_stage() -> None:
    found = _read("esc to S2 pls. Late April is not acceptable, it will be 9 months since the ADM decision.")
    assert found is not None and (found.verb, found.stage, found.doubt) == ("ESCALATE", 2, None)
    found = _read("esc to S3 pls - Marcus is off until the 12th and this can't wait that long. Jo to respond by Weds 7th.")
    assert found is not None and (found.verb, found.stage, found.until) == ("ESCALATE", 3, date(2027, 4, 7))
    # Not the key on a keyboard, and not a word in a sentence.
    assert _read("The esc key on my laptop is broken, sorry for the typos.") is None


def test_a_response_needed_by_a_day_sets_it_without_the_i() -> None:
    found, _ = response_timescale("Need his response by Thurs.", TUESDAY)
    assert found is not None and found.until == date(2027, 4, 1)


def test_the_rung_said_in_a_sentence_of_its_own_after_a_bare_command() -> None:
    found = _read("ESCALATE!! Straight to Catherine Bell at Stage 4 please.\n\nI spoke to Simon Ward this afternoon.")
    assert found is not None and (found.verb, found.stage, found.target) == ("ESCALATE", 4, "Catherine Bell")
    found = _read("ESCALATE!!\nThird time this referral has been promised since January.\nTo Claire please. I've spoken to Gareth.")
    assert found is not None and (found.verb, found.target) == ("ESCALATE", "Claire")
    # "To be honest ...", "To date ..." open sentences; they name no rung.
    for text in ("ESCALATE. To be honest I am tired of chasing this.", "ESCALATE. To date nothing has happened."):
        found = _read(text)
        assert found is not None and (found.stage, found.target) == (None, None)


def test_resolved_for_one_child_beside_an_escalation_for_the_other_is_asked() -> None:
    found = _read("Thanks. Resolved for Leo then.\n\nThat isn't good enough for Maya. Escalate hers please.")
    assert found is not None and found.doubt is not None
    found = _read("Resolved for Leo then.")
    assert found is not None and found.verb == "RESOLVED" and found.doubt is not None
    found = _read("Resolved then.")
    assert found is not None and (found.verb, found.doubt) == ("RESOLVED", None)


def test_the_escalation_told_of_is_no_command() -> None:
    assert _read("Lee was acting up for me while I was away, but the escalation came to my inbox rather than his, "
                 "so it sat there.") is None


def test_the_readers_view_asked_for_is_no_decision() -> None:
    assert _read("Let me know if you're happy for this to be resolved.") is None
    found = _read("I'm happy for this to be resolved.")
    assert found is not None and found.verb == "RESOLVED" and found.prose


def test_decisions_in_prose_are_read_and_asked_about() -> None:
    found = _read("Can this go to Morgan for the placement plan please?")
    assert found is not None and (found.verb, found.target, found.prose) == ("ESCALATE", "Morgan", True)
    found = _read("We both feel it doesn't go far enough, and I've agreed with Hannah that this now goes to Stage 2 with Joanne.")
    assert found is not None and (found.verb, found.stage, found.prose) == ("ESCALATE", 2, True)
    found = _read("I'm satisfied with that and I'll close this one down.")
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)
    # A sentence that opens with its condition holds the decision to it.
    assert _read("Once I have them, and I'm satisfied the plan is right, I'll close this - but I haven't seen "
                 "anything yet, so please leave it open for now.") is None


def test_withdrawing_an_alert_raised_on_the_wrong_child_is_obeyed() -> None:
    config, alert = formal_lac_alert()
    alert = replace(alert, children=("5561270",))
    body = ("Withdraw please - I raised this on the wrong child, sorry. It should have been her brother, "
            "ID 5561278.\nI'll send a new one for him today.")
    route = route_reply(parse_message(plain_reply(SAM, body, alert.ref), parse_rules(config)), alert, config)
    assert route.kind == "instruction"


def test_a_footer_under_a_rule_of_stars_goes_with_the_signature() -> None:
    body = ("Good morning,\n\nI would like this escalated please.\n\nKind regards\n\nPriya Nair\nDesignated Nurse\n"
            "Westbridge Community Health NHS Trust\n\n" + "*" * 116 + "\n\nThis message may contain confidential "
            "information. If you are not the intended recipient please inform the\nsender that you have received the "
            "message in error before deleting it.\n\nNHSmail is the secure email and directory service available for "
            "all NHS staff in England.\n\n" + "*" * 116 + "\n")
    assert new_text(body) == "Good morning,\n\nI would like this escalated please."
