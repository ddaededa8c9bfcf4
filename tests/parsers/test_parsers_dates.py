"""parse_uk_date and parse_timescale: UK forms, relative dates against the sent date, no clock."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import Timescale, parse_timescale, parse_uk_date
from parsers.dates import DATE_RE, response_timescale

SENT = date(2027, 5, 10)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/01/2027", date(2027, 1, 12)),
        ("12/1/27", date(2027, 1, 12)),
        ("12.01.2028", date(2028, 1, 12)),
        ("12 Jan", date(2028, 1, 12)),
        ("12th January", date(2028, 1, 12)),
        ("12 January 2027", date(2027, 1, 12)),
        ("the 3rd of June", date(2027, 6, 3)),
        ("June 3rd", date(2027, 6, 3)),
        ("10 May", date(2027, 5, 10)),  # on the sent date itself: this year
        ("Friday", date(2027, 5, 14)),
        ("Monday", date(2027, 5, 17)),  # same weekday as sent: the next one
        ("Friday 14th May", date(2027, 5, 14)),
        ("Fri 14 May 2027", date(2027, 5, 14)),
        ("tomorrow", date(2027, 5, 11)),
    ],
)
def test_uk_dates(text: str, expected: date) -> None:
    assert parse_uk_date(text, SENT) == expected


def test_year_rollover() -> None:
    assert parse_uk_date("by 5 Jan", date(2026, 12, 20)) == date(2027, 1, 5)
    assert parse_timescale("by 5 Jan", date(2026, 12, 20)) == Timescale(until=date(2027, 1, 5))


def test_leap_day_without_year_finds_the_next_leap_year() -> None:
    assert parse_uk_date("29 Feb", date(2027, 3, 1)) == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["Friday", "12 January", "tomorrow", "14th May"])
def test_relative_dates_need_sent(text: str) -> None:
    assert parse_uk_date(text, None) is None


@pytest.mark.parametrize("text", ["31/02/2027", "no date here", "", "32 May", "the 2nd stage"])
def test_not_dates(text: str) -> None:
    assert parse_uk_date(text, SENT) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please respond within 5 working days.", Timescale(working_days=5)),
        ("5 working days", Timescale(working_days=5)),
        ("within two working days", Timescale(working_days=2)),
        ("within 10 business days", Timescale(working_days=10)),
        ("by 12 January", Timescale(until=date(2028, 1, 12))),
        ("by 12/01/2027", Timescale(until=date(2027, 1, 12))),
        ("by Friday", Timescale(until=date(2027, 5, 14))),
        ("no later than close of play on Wednesday 19th May", Timescale(until=date(2027, 5, 19))),
        ("Please reply by Friday or within 5 working days", Timescale(until=date(2027, 5, 14))),
        # After a date word an abbreviated weekday alone is a day.
        ("Need it uploaded by Weds please", Timescale(until=date(2027, 5, 12))),
        ("until Thurs.", Timescale(until=date(2027, 5, 13))),
    ],
)
def test_timescales(text: str, expected: Timescale) -> None:
    assert parse_timescale(text, SENT) == expected


@pytest.mark.parametrize(
    "text",
    ["The review took place on 12 January.", "We met on Friday.", "", "Stage 2 concern"],
)
def test_dates_in_passing_are_not_timescales(text: str) -> None:
    assert parse_timescale(text, SENT) is None


def test_timescale_without_sent_keeps_absolute_forms() -> None:
    assert parse_timescale("by Friday", None) is None
    assert parse_timescale("by 12/01/2027", None) == Timescale(until=date(2027, 1, 12))
    assert parse_timescale("within 5 working days", None) == Timescale(working_days=5)


_GUARD = re.compile(r"\(\?=\[[^\]]*\]\)")
# DATE_RE without its lookahead guards: what the guards must not change.
_UNGUARDED = re.compile(_GUARD.sub("", DATE_RE.pattern), re.IGNORECASE)
_DATE_TOKENS = st.sampled_from(
    ["Monday", "mon", "ſun", "SUNDAY", "12", "3rd", "January", "jan.", "the", "end", "of", "next", "week",
     " ", ",", "\n", "/", "-", "2027", "tomorrow", "İ", "K", "x", "Sept", "ſept", "Fri", "TUE", "by"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_DATE_TOKENS, max_size=14).map(" ".join))
def test_date_pattern_guards_change_no_match(text: str) -> None:
    assert _GUARD.search(DATE_RE.pattern)
    got = [(m.span(), m.groupdict()) for m in DATE_RE.finditer(text)]
    assert got == [(m.span(), m.groupdict()) for m in _UNGUARDED.finditer(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("If the report is on Mosaic and the visit has happened by the end of Thursday, I'm happy for "
         "this to stay informal.", Timescale(until=date(2027, 5, 13))),
        ("If it had been done by 3 May we would not be here.", None),
        ("We sat down on Wed and agreed the plan.", None),
    ],
)
def test_a_condition_with_a_deadline_sets_the_time(text: str, expected: Timescale | None) -> None:
    from parsers.dates import response_timescale

    assert response_timescale(text, SENT)[0] == expected


@pytest.mark.parametrize(("text", "until"), [
    ("Can you come back to me COP Friday with a date.", date(2027, 7, 2)),
    ("I'd be grateful for your written response by COP Wednesday, setting out the reasons.", date(2027, 7, 7)),
    ("Please reply EOD Monday.", date(2027, 7, 5)),
])
def test_close_of_play_abbreviated(text: str, until: date) -> None:
    found, _ = response_timescale(text, date(2027, 7, 1))  # a Thursday
    assert found is not None and found.until == until


def test_a_week_on_monday_is_the_monday_after_next() -> None:
    from parsers.dates import period_or_date

    tuesday = date(2027, 10, 26)
    assert period_or_date("Would a week on Monday be OK?", tuesday).until == date(2027, 11, 8)
    assert period_or_date("a week tomorrow", tuesday).until == date(2027, 11, 3)
    assert period_or_date("Could I have a week?", tuesday).working_days == 5
