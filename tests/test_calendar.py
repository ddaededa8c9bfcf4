"""Tests for mailbot.calendar: working days, due dates and deadline instants.

Expected dates are worked out by hand from the published England and Wales bank holidays
(GOV.UK), not computed by the code under test.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.calendar import WorkingCalendar



@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def london(cal: WorkingCalendar, *args: int) -> datetime:
    return datetime(*args, tzinfo=cal.tz)


# -- bank holidays -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, words",
    [
        (date(2022, 9, 19), "Funeral"),  # State Funeral of Queen Elizabeth II, a Monday
        (date(2023, 5, 8), "Coronation"),  # Coronation of King Charles III, a Monday
    ],
)
def test_one_off_bank_holidays_are_not_working_days(cal, day, words):
    assert not cal.is_working_day(day)
    assert words in cal.non_working_reason(day)


def test_christmas_2026_friday_with_boxing_day_substitute_on_monday(cal):
    assert cal.is_working_day(date(2026, 12, 24))  # Thu
    assert cal.non_working_reason(date(2026, 12, 25)) == "Christmas Day"  # Fri
    assert cal.non_working_reason(date(2026, 12, 26)) == "Boxing Day"  # Sat, the holiday itself
    assert cal.non_working_reason(date(2026, 12, 27)) == "Sunday"
    assert cal.non_working_reason(date(2026, 12, 28)) == "Boxing Day (substitute day)"  # Mon
    for working in (date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)):
        assert cal.is_working_day(working)
        assert cal.non_working_reason(working) is None
    assert cal.non_working_reason(date(2027, 1, 1)) == "New Year's Day"  # Fri
    assert cal.is_working_day(date(2027, 1, 4))  # Mon


def test_christmas_2027_saturday_with_two_substitute_days_and_new_year_2028(cal):
    assert cal.is_working_day(date(2027, 12, 24))  # Fri
    assert not cal.is_working_day(date(2027, 12, 25))  # Sat
    assert not cal.is_working_day(date(2027, 12, 26))  # Sun
    assert cal.non_working_reason(date(2027, 12, 27)) == "Christmas Day (substitute day)"  # Mon
    assert cal.non_working_reason(date(2027, 12, 28)) == "Boxing Day (substitute day)"  # Tue
    assert cal.is_working_day(date(2027, 12, 29))
    assert cal.is_working_day(date(2027, 12, 31))  # Fri
    assert cal.non_working_reason(date(2028, 1, 3)) == "New Year's Day (substitute day)"  # Mon
    assert cal.is_working_day(date(2028, 1, 4))


def test_plain_weekend_reason_is_the_weekday_name(cal):
    assert cal.non_working_reason(date(2026, 10, 10)) == "Saturday"
    assert cal.non_working_reason(date(2026, 10, 11)) == "Sunday"
    assert cal.non_working_reason(date(2026, 10, 12)) is None


def test_subdivision_changes_the_holidays():
    # 2 January is a bank holiday in Scotland only.
    assert WorkingCalendar().is_working_day(date(2026, 1, 2))
    assert not WorkingCalendar(subdivision="SCT").is_working_day(date(2026, 1, 2))


def test_non_working_days_after_lists_reasons_for_check_config(cal):
    assert cal.non_working_days_after(date(2027, 12, 24), 5) == [
        (date(2027, 12, 25), "Christmas Day"),
        (date(2027, 12, 26), "Boxing Day"),
        (date(2027, 12, 27), "Christmas Day (substitute day)"),
        (date(2027, 12, 28), "Boxing Day (substitute day)"),
        (date(2028, 1, 1), "New Year's Day"),
    ]
    assert cal.non_working_days_after(date(2027, 12, 24), 0) == []
    # Strictly after: the start day is never listed, even when it is non-working.
    assert cal.non_working_days_after(date(2027, 12, 25), 1) == [(date(2027, 12, 26), "Boxing Day")]


# -- due dates ---------------------------------------------------------------------------------


def test_due_date_across_christmas_2026(cal):
    # Sent Wed 23 Dec 2026; working days after it: Thu 24 (1), [Fri 25 Christmas, weekend,
    # Mon 28 Boxing Day substitute], Tue 29 (2), Wed 30 (3), Thu 31 (4), [Fri 1 Jan, weekend],
    # Mon 4 Jan (5).
    assert cal.due_date(london(cal, 2026, 12, 23, 10, 0), 5) == date(2027, 1, 4)


def test_alert_raised_on_a_saturday_counts_from_monday(cal):
    sent = london(cal, 2026, 10, 10, 11, 0)  # Sat
    assert cal.start_day(sent) == date(2026, 10, 12)  # Mon is day 0
    # Tue 13 (1), Wed 14 (2), Thu 15 (3), Fri 16 (4), Mon 19 (5)
    assert cal.due_date(sent, 5) == date(2026, 10, 19)


def test_alert_at_2330_local_on_a_friday_counts_from_that_friday(cal):
    sent = london(cal, 2026, 10, 16, 23, 30)  # Fri, BST
    assert cal.local_date(sent) == date(2026, 10, 16)
    # Mon 19 .. Fri 23
    assert cal.due_date(sent, 5) == date(2026, 10, 23)


def test_alert_at_2330_utc_in_summer_time_is_the_next_local_day(cal):
    sent = datetime(2026, 10, 16, 23, 30, tzinfo=UTC)  # Fri 23:30 UTC = Sat 00:30 BST
    assert cal.local_date(sent) == date(2026, 10, 17)
    assert cal.start_day(sent) == date(2026, 10, 19)  # Mon
    # Tue 20, Wed 21, Thu 22, Fri 23, Mon 26
    assert cal.due_date(sent, 5) == date(2026, 10, 26)


def test_alert_at_2330_utc_in_winter_is_the_same_local_day(cal):
    sent = datetime(2026, 11, 13, 23, 30, tzinfo=UTC)  # Fri, GMT
    assert cal.local_date(sent) == date(2026, 11, 13)
    assert cal.due_date(sent, 5) == date(2026, 11, 20)


def test_zero_working_days(cal):
    assert cal.add_working_days(date(2026, 10, 16), 0) == date(2026, 10, 16)  # Fri
    assert cal.add_working_days(date(2026, 10, 10), 0) == date(2026, 10, 12)  # Sat -> Mon
    assert cal.subtract_working_days(date(2026, 10, 10), 0) == date(2026, 10, 9)  # Sat -> Fri


def test_stepping_over_the_holidays(cal):
    assert cal.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert cal.previous_working_day(date(2027, 1, 4)) == date(2026, 12, 31)
    assert cal.next_working_day(date(2026, 10, 12)) == date(2026, 10, 13)  # strictly after
    # 4 Jan back: Thu 31 (1), Wed 30 (2), Tue 29 (3), Thu 24 (4), Wed 23 (5)
    assert cal.subtract_working_days(date(2027, 1, 4), 5) == date(2026, 12, 23)


def test_negative_counts_are_rejected(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 10, 12), -1)
    with pytest.raises(ValueError):
        cal.subtract_working_days(date(2026, 10, 12), -1)
    with pytest.raises(ValueError):
        cal.due_date(london(cal, 2026, 10, 12, 9, 0), -1)


# -- closure days ------------------------------------------------------------------------------


def test_configured_closure_days_with_reasons():
    cal = WorkingCalendar(closure_days={date(2026, 12, 29): "Staff training day"})
    assert cal.non_working_reason(date(2026, 12, 29)) == "Closure: Staff training day"
    # As the Christmas 2026 case, with Tue 29 Dec lost: Thu 24, Wed 30, Thu 31, Mon 4, Tue 5.
    assert cal.due_date(datetime(2026, 12, 23, 10, 0, tzinfo=cal.tz), 5) == date(2027, 1, 5)


def test_closure_days_as_plain_dates_or_iso_strings():
    cal = WorkingCalendar(closure_days=[date(2026, 10, 13), "2026-10-14"])
    assert cal.non_working_reason(date(2026, 10, 13)) == "Closure"
    assert cal.non_working_reason(date(2026, 10, 14)) == "Closure"
    assert cal.is_working_day(date(2026, 10, 15))


def test_closure_on_a_bank_holiday_names_both():
    cal = WorkingCalendar(closure_days={date(2026, 12, 25): "Office shut"})
    assert cal.non_working_reason(date(2026, 12, 25)) == "Christmas Day; Closure: Office shut"


def test_bad_closure_day_is_rejected():
    with pytest.raises(ValueError, match="ISO date"):
        WorkingCalendar(closure_days=["29/12/2026"])


# -- counting ----------------------------------------------------------------------------------


def test_working_days_between(cal):
    assert cal.working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5
    assert cal.working_days_between(date(2026, 10, 16), date(2026, 10, 19)) == 1  # Fri -> Mon
    assert cal.working_days_between(date(2026, 10, 10), date(2026, 10, 11)) == 0  # Sat -> Sun
    assert cal.working_days_between(date(2026, 10, 12), date(2026, 10, 12)) == 0
    assert cal.working_days_between(date(2026, 10, 19), date(2026, 10, 12)) == 0  # end before start
    # Start excluded, end included.
    assert cal.working_days_between(date(2026, 10, 12), date(2026, 10, 16)) == 4


# -- clock changes and deadline instants -------------------------------------------------------


def test_end_of_day_around_the_spring_clock_change(cal):
    # Clocks go forward at 01:00 GMT on Sun 29 Mar 2026.
    assert cal.end_of_day(date(2026, 3, 28)) == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert cal.end_of_day(date(2026, 3, 29)) == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)  # 23-hour day
    assert cal.end_of_day(date(2026, 3, 30)) == datetime(2026, 3, 30, 23, 0, tzinfo=UTC)
    assert cal.end_of_day(date(2026, 3, 30)).utcoffset() == timedelta(hours=1)


def test_deadline_just_after_the_spring_clock_change(cal):
    # Sent Mon 23 Mar 2026: Tue 24, Wed 25, Thu 26, Fri 27, Mon 30 (now BST).
    due = cal.due_date(london(cal, 2026, 3, 23, 9, 0), 5)
    assert due == date(2026, 3, 30)
    assert not cal.is_past_due(datetime(2026, 3, 30, 22, 59, 59, tzinfo=UTC), due)  # 23:59:59 BST
    assert cal.is_past_due(datetime(2026, 3, 30, 23, 0, tzinfo=UTC), due)  # midnight BST
    assert cal.is_past_due(london(cal, 2026, 3, 31, 0, 0), due)


def test_local_date_on_the_spring_clock_change_night(cal):
    assert cal.local_date(datetime(2026, 3, 28, 23, 59, tzinfo=UTC)) == date(2026, 3, 28)
    assert cal.local_date(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) == date(2026, 3, 29)
    assert cal.local_date(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == date(2026, 3, 29)  # 02:00 BST


def test_end_of_day_around_the_autumn_clock_change(cal):
    # Clocks go back at 02:00 BST on Sun 25 Oct 2026.
    assert cal.end_of_day(date(2026, 10, 24)) == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert cal.end_of_day(date(2026, 10, 25)) == datetime(2026, 10, 26, 0, 0, tzinfo=UTC)  # 25-hour day
    # Both 01:30s of the repeated hour are on 25 Oct.
    assert cal.local_date(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == date(2026, 10, 25)
    assert cal.local_date(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == date(2026, 10, 25)


def test_deadline_across_the_autumn_clock_change(cal):
    # Sent Fri 23 Oct 2026 (BST): Mon 26 .. Fri 30 (GMT).
    due = cal.due_date(london(cal, 2026, 10, 23, 16, 0), 5)
    assert due == date(2026, 10, 30)
    assert cal.end_of_day(due) == datetime(2026, 10, 31, 0, 0, tzinfo=UTC)
    assert not cal.is_past_due(datetime(2026, 10, 30, 23, 59, 59, tzinfo=UTC), due)
    assert cal.is_past_due(datetime(2026, 10, 31, 0, 0, tzinfo=UTC), due)
    # A deadline on Fri 23 Oct itself ended at midnight BST, 23:00 UTC.
    assert cal.is_past_due(datetime(2026, 10, 23, 23, 30, tzinfo=UTC), date(2026, 10, 23))
    assert not cal.is_past_due(datetime(2026, 10, 23, 22, 59, tzinfo=UTC), date(2026, 10, 23))


# -- inputs ------------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected(cal):
    naive = datetime(2026, 10, 12, 9, 0)
    for call in (cal.local_date, cal.start_day, lambda t: cal.due_date(t, 5),
                 lambda t: cal.is_past_due(t, date(2026, 10, 12))):
        with pytest.raises(ValueError, match="^naive datetime: time must carry a zone$"):
            call(naive)


def test_datetime_where_a_date_is_expected_is_rejected(cal):
    with pytest.raises(TypeError, match="local_date"):
        cal.is_working_day(datetime(2026, 12, 25, 9, 0, tzinfo=cal.tz))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"timezone": "Europe/Lundon"}, "time zone"),
        ({"country": "XX"}, "country"),
        ({"subdivision": "XYZ"}, "subdivision"),
        ({"weekend": range(7)}, "weekend"),
        ({"weekend": (7,)}, "weekend"),
    ],
)
def test_bad_configuration_is_a_one_line_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        WorkingCalendar(**kwargs)
    assert "\n" not in str(info.value)


def test_other_weekend():
    cal = WorkingCalendar(country="GB", subdivision="ENG", weekend=(4, 5))  # Friday and Saturday off
    assert cal.non_working_reason(date(2026, 10, 16)) == "Friday"
    assert cal.is_working_day(date(2026, 10, 18))  # Sun


# -- properties --------------------------------------------------------------------------------

_days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
_counts = st.integers(min_value=0, max_value=60)


@settings(max_examples=200, deadline=None)
@given(d=_days, n=_counts)
def test_add_working_days_properties(cal, d, n):
    result = cal.add_working_days(d, n)
    assert cal.is_working_day(result)
    assert result >= d
    if n >= 1 or cal.is_working_day(d):
        assert cal.add_working_days(d, n + 1) > result
    else:
        # From a non-working day, day 0 and day 1 are both the next working day (spec).
        assert cal.add_working_days(d, 1) == result
    if cal.is_working_day(d):
        assert cal.working_days_between(d, result) == n
        assert cal.subtract_working_days(result, n) == d


@settings(max_examples=100, deadline=None)
@given(d=_days, n=_counts, m=_counts)
def test_add_working_days_is_monotone_in_n(cal, d, n, m):
    low, high = sorted((n, m))
    assert cal.add_working_days(d, low) <= cal.add_working_days(d, high)
