"""The mechanisms the thirty-fifth sealed batch found (issue 8), in this file's own words."""

from __future__ import annotations

from datetime import date

from parsers import ParseRules, parse_instruction, parse_message
from parsers.content import promised_response
from parsers.dates import response_timescale

MONDAY = date(2028, 7, 17)


def reply(subject: str, body: str, html: str | None = None) -> bytes:
    head = (f"From: Jo Reid <jo@example.gov.uk>\r\nTo: drp@example.gov.uk\r\nSubject: {subject}\r\n"
            "Date: Mon, 17 Jul 2028 10:00:00 +0100\r\nMessage-ID: <a@example.gov.uk>\r\n"
            "In-Reply-To: <n@drp.example.gov.uk>\r\nMIME-Version: 1.0\r\n")
    if html is None:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    return (head + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html).encode()


def test_the_day_after_tomorrow() -> None:
    found = parse_instruction("EXTEND until the day after tomorrow.", MONDAY)
    assert found is not None and found.until == date(2028, 7, 19)
    assert response_timescale("Please reply by tomorrow.", MONDAY)[0].until == date(2028, 7, 18)


def test_resolved_as_far_as_i_am_concerned_is_a_decision_in_prose() -> None:
    found = parse_instruction("That's resolved as far as I'm concerned.", MONDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_not_taking_it_further_is_a_decision_in_prose() -> None:
    found = parse_instruction("I am not going to take this any further, but I will keep an eye on it.", MONDAY)
    assert found is not None and (found.verb, found.prose) == ("RESOLVED", True)


def test_a_typo_corrected_with_make_that_is_an_extension_asked_about() -> None:
    found = parse_instruction("Apologies, typo in my last - please make that 21 July, not 7 July.", MONDAY)
    assert found is not None and (found.verb, found.until, found.prose) == ("EXTEND", date(2028, 7, 21), True)


def test_happy_for_him_to_have_the_time_he_asked_for_agrees() -> None:
    found = parse_instruction("I am happy for him to have the extra time he has asked for.", MONDAY)
    assert found is not None and (found.verb, found.prose) == ("AGREE", True)


def test_the_work_promised_to_you_by_a_day_is_the_response_promised() -> None:
    text = "I will have the revised care plan and the placement plan to you by Wednesday 19 July."
    assert promised_response(text, MONDAY) == date(2028, 7, 19)


def test_a_decision_typed_in_front_of_the_subject_counts_over_a_long_body() -> None:
    body = "The core group met this afternoon and the plan has been updated.\n\nMinutes will be circulated tomorrow.\n\nRuth\n"
    parsed = parse_message(reply("RESOLVED - RE: [DRP-2028-0102] Pre-Dispute Resolution: alert logged", body), ParseRules())
    assert parsed.instruction is not None and parsed.instruction.verb == "RESOLVED"
    # Against a different decision in the text, it is asked about.
    parsed = parse_message(reply("ESCALATE - RE: [DRP-2028-0073] Stage 1", "Thanks Abi.\n\nThat's resolved as far as I'm concerned.\n"),
                           ParseRules())
    assert parsed.instruction is not None and parsed.instruction.doubt is not None


def test_extend_to_the_time_in_a_table_reads_the_table() -> None:
    html = ("<html><body><p>Ruth,</p><p>Further to our call, EXTEND as agreed, to the time in the table below.</p>"
            "<table><tr><td>Action</td><td>Who</td><td>By</td></tr>"
            "<tr><td>Risk re-assessment after the incident on 29 June</td><td>Ruth</td><td>12 noon on Wednesday 19 July</td></tr>"
            "<tr><td>Safety plan to the core group</td><td>Ruth</td><td>12 noon on Wednesday 19 July</td></tr></table>"
            "<p>Alex</p></body></html>")
    parsed = parse_message(reply("RE: [DRP-2028-0079] Pre-Dispute Resolution", "", html), ParseRules())
    assert parsed.instruction is not None and (parsed.instruction.verb, parsed.instruction.until) == ("EXTEND", date(2028, 7, 19))
