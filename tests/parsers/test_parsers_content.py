"""Subject phrases, process hints, DRP forms, case IDs, categories and requests for more time."""

from __future__ import annotations

from datetime import date

import pytest

from parsers import ParseRules, Timescale, parse_message
from parsers.content import (
    extension_request,
    find_reference,
    form_stage,
    parse_form,
    strip_subject_prefixes,
)

SENT = date(2027, 5, 10)


def _msg(subject: str, body: str, sender: str = "jo.bloggs@luton.example.gov.uk") -> bytes:
    return (
        f"From: {sender}\r\nTo: sam.carter@luton.example.gov.uk\r\n"
        f"Subject: {subject}\r\nDate: Mon, 10 May 2027 09:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()


@pytest.mark.parametrize(
    "subject",
    ["Pre-Dispute Resolution", "PRE DISPUTE RESOLUTION - 1234567", "RE: FW: pre-drp", "Pre DRP",
     "AW: WG: Pre–Dispute  Resolution", "Predispute resolution", "SV: TR: Re: Fwd: Pre-DRP"],
)
def test_informal_phrase_spelt_loosely(subject: str, rules: ParseRules) -> None:
    parsed = parse_message(_msg(subject, "Hi Sam,\n"), rules)
    assert parsed.informal_process == "lac"
    assert parsed.informal_processes == ("lac", "cp")


@pytest.mark.parametrize("subject", ["Dispute Resolution Form", "Resolution of pre-existing issues", "DRP"])
def test_not_informal(subject: str, rules: ParseRules) -> None:
    assert parse_message(_msg(subject, "Hi\n"), rules).informal_process is None


def test_process_hint_picks_informal_process(rules: ParseRules) -> None:
    parsed = parse_message(_msg("Pre-DRP - child protection plan - 1234567", "x"), rules)
    assert parsed.process_hint == "cp" and parsed.informal_process == "cp"


def test_ambiguous_process_hint_is_none(rules: ParseRules) -> None:
    parsed = parse_message(_msg("Pre-DRP - LAC and child protection", "x"), rules)
    assert parsed.process_hint is None and parsed.informal_process == "lac"


def test_subject_prefixes() -> None:
    assert strip_subject_prefixes("RE: Fw: AW: WG: TR: SV: Fwd: RE[2]: Pre-DRP") == "Pre-DRP"


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("RE: [DRP-2026-0042] Stage 2", "", "DRP-2026-0042"),
        ("RE: [drp-2026-0042]", "", "DRP-2026-0042"),
        ("RE: DRP-2026-12345 follow up", "", "DRP-2026-12345"),
        ("RE: concerns", "\n\nRe DRP-2026-0042: resolved\n", "DRP-2026-0042"),
        ("RE: concerns", "a\nb\nc\nd\ne\nf\nDRP-2026-0042\n", None),
        ("RE: XDRP-2026-0042", "", None),
        ("RE: DRP-26-0042", "", None),
    ],
)
def test_reference(subject: str, body: str, expected: str | None) -> None:
    assert find_reference("DRP", subject, body) == expected


def test_reference_uses_configured_prefix() -> None:
    assert find_reference("IRP", "[irp-2027-0001]", "") == "IRP-2027-0001"
    assert find_reference("IRP", "[DRP-2027-0001]", "") is None


def test_case_ids_labelled_lines_and_subject(rules: ParseRules) -> None:
    body = (
        "Hi Sam,\n\nChild IDs: 1234567, 1234568 and 1234569\nTel: 01582 547123\n"
        "Mosaic ID - 7654321\nThe review on 123456 things\n"
    )
    parsed = parse_message(_msg("Pre-DRP 2223334 [DRP-2027-1234567]", body), rules)
    assert parsed.case_ids == ("2223334", "1234567", "1234568", "1234569", "7654321")


def test_case_ids_on_lines_below_a_label(rules: ParseRules) -> None:
    parsed = parse_message(_msg("Pre-DRP", "Child IDs:\n1234567\n1234568\n\n9999999\n"), rules)
    assert parsed.case_ids == ("1234567", "1234568")


def test_categories_name_or_synonym_word_bounded(rules: ParseRules) -> None:
    body = "The PEP is overdue and there has been drift.\nPepper and adrift do not count.\n"
    parsed = parse_message(_msg("Pre-DRP", body), rules)
    assert parsed.categories == {
        "lac": ("Significant drift in permanence planning", "Key documentation missing")
    }


TEXT_FORM = """DISPUTE RESOLUTION FORM
Stage of dispute: Stage two
Child/young person ID: 1234567
Category for alert: Failure to visit as required by regulations/internal protocol
Issues of concern:
Visits have not taken place.

Response required by: Friday 14th May
"""


def test_form_labels_and_values(rules: ParseRules) -> None:
    form = parse_form(TEXT_FORM, rules)
    assert form == {
        "stage": "Stage two",
        "case_ids": "1234567",
        "categories": "Failure to visit as required by regulations/internal protocol",
        "concern": "Visits have not taken place.",
        "timescale": "Friday 14th May",
    }
    parsed = parse_message(_msg("[DRP-2027-0001] DRP form", TEXT_FORM), rules)
    assert parsed.form_stage == 2
    assert parsed.missing_form_fields == ()
    assert parsed.timescale == Timescale(until=date(2027, 5, 14))
    assert parsed.categories == {
        "lac": ("Failure to visit as required by regulations/internal protocol",)
    }


def test_form_from_html_table(rules: ParseRules) -> None:
    raw = (
        b"From: jo.bloggs@luton.example.gov.uk\r\nSubject: DRP form\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<table><tr><td><b>Stage</b></td><td>Informal</td></tr>"
        b"<tr><td>Type</td><td>Child Protection</td></tr>"
        b"<tr><td>Concern</td><td>Core group minutes missing</td></tr></table>"
    )
    parsed = parse_message(raw, rules)
    assert parsed.form is not None
    assert parsed.form_stage == 0
    assert parsed.process_hint == "cp"
    assert parsed.missing_form_fields == ("case_ids",)


def test_one_label_is_not_a_form(rules: ParseRules) -> None:
    assert parse_form("Hi Sam,\nChild ID: 1234567\nThanks", rules) is None


@pytest.mark.parametrize(
    ("value", "stage"),
    [("Stage 2", 2), ("2", 2), ("Stage two", 2), ("two", 2), ("Informal", 0), ("Pre-DRP", 0),
     ("Stage III - Assistant Director", 3), ("3 (Assistant Director)", 3), ("", None), ("n/a", None)],
)
def test_form_stage(value: str, stage: int | None) -> None:
    assert form_stage(value) == stage


def test_compliment_in_form(rules: ParseRules) -> None:
    body = "Type: Compliment\nChild ID: 1234567\nDetails of concern: none\n"
    assert parse_message(_msg("IRO feedback", body), rules).is_compliment


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("could I have until Friday 14th May to finish this?", Timescale(until=date(2027, 5, 14))),
        ("I would like to request an extension of 3 working days.", Timescale(working_days=3)),
        ("We need a further 5 working days to complete the assessment.", Timescale(working_days=5)),
        ("Can we have an extra week please?", Timescale(working_days=5)),
        ("Could we extend the deadline to 28/05/2027?", Timescale(until=date(2027, 5, 28))),
        ("I will need more time as the worker is off sick.", None),
        # Asking leave to answer later, without the words "extension" or "more time".
        ("Would it be OK if I came back to you by Friday?", Timescale(until=date(2027, 5, 14))),
        ("Realistically I could get a considered response to you by close of play on Wednesday 19th.",
         Timescale(until=date(2027, 5, 19))),
        ("Could the deadline be pushed back a week?", Timescale(working_days=5)),
        ("Would it be OK if I get both to you first thing Monday rather than tomorrow?", Timescale(until=date(2027, 5, 17))),
        ("Can I ask for another fortnight?", Timescale(working_days=10)),
        ("Could you give me a bit of grace on this one? Kelly has been off sick since Monday and nobody else knows.", None),
    ],
)
def test_more_time(text: str, wanted: Timescale | None) -> None:
    assert extension_request(text, SENT) == (True, wanted)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, I have allocated a social worker who will visit by Friday.",
        "I don't need more time, the plan is attached.",
        "No extension is required.",
        "Would it be OK if I came back to you with any questions?",
        "I will send you my response by Friday.",
        "",
    ],
)
def test_not_more_time(text: str) -> None:
    assert extension_request(text, SENT) == (False, None)


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("Reply needed by", "timescale"),
        ("Resolve by", "timescale"),
        ("Child's LCS no.", "case_ids"),
        ("Mosaic person ref.", "case_ids"),
        ("Child ID (Mosaic)", "case_ids"),
        ("Dispute level", "stage"),
        ("Stage of escalation", "stage"),
        ("Area of concern", "categories"),
        ("Concern type(s)", "categories"),
    ],
)
def test_reworded_labels_still_name_their_field(label: str, field: str, rules: ParseRules) -> None:
    form = parse_form(f"{label}: value one\nDetails of concern: the PEP is missing\n", rules)
    assert form is not None and form.get(field) == "value one"


@pytest.mark.parametrize("label", ["Date completed by manager", "Child's name", "Child's NHS number", "Stage 1", "Level of need"])
def test_labels_that_name_no_field_stay_unread(label: str, rules: ParseRules) -> None:
    form = parse_form(f"{label}: value one\nDetails of concern: the PEP is missing\nChild ID: 1234567\n", rules)
    assert form is not None and "value one" not in form.values()


def test_a_blank_line_ends_a_value_written_on_its_label_line(rules: ParseRules) -> None:
    form = parse_form("Stage: 1\nResponse required by: 05/02/2027\n\nThere is little to show for the last "
                      "four weeks.\n", rules)
    assert form is not None and form["timescale"] == "05/02/2027"


def test_ids_in_a_list_of_names_with_ages_and_systems(rules: ParseRules) -> None:
    from parsers.content import find_case_ids

    body = "The children are:\n  Amira Haddad, 11 - ID 845120\n  Yusuf Haddad, 8 - 845121\n  Hana (LCS no. 8451330)\nCall 01234 567890"
    assert find_case_ids("", body, None, rules) == ("845120", "845121", "8451330")
