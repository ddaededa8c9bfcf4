"""Working-day arithmetic for an authority's Dispute Resolution Process deadlines.

Deadlines in the process are counted in working days: Monday to Friday in the authority's time
zone, less the bank holidays of its nation (from the `holidays` package) and less the closure
days listed in its configuration.  This module answers every "which day / is it late" question
the rest of mailbot asks, and is pure: it never reads the clock, every instant is passed in.

Conventions (DESIGN.md §2, "Working days"):

* A day is a ``datetime.date`` in the authority's zone; instants are aware ``datetime``\\ s and
  are turned into local dates with :meth:`WorkingCalendar.local_date`.
* "Respond within N working days" of an alert sent on working day D is due at the end of the
  N-th working day after D (D itself is day 0).  An alert received on a non-working day counts
  from the next working day.
* A deadline day ends at the first instant of the next local day; an instant at or after that is
  late.  This stays right on the clock-change nights, when a local day lasts 23 or 25 hours.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["WorkingCalendar"]

_DAY = timedelta(days=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# The holidays package says "(observed)"; GOV.UK and council staff say "(substitute day)", and
# these reasons are shown to people (check-config, digests).
_OBSERVED_SUFFIX = " (observed)"
_SUBSTITUTE_SUFFIX = " (substitute day)"

# non_working_days_after must end even for a calendar with no weekend and no holidays.
_SEARCH_HORIZON_DAYS = 366 * 100


def _require_date(d: object, name: str = "d") -> date:
    # datetime is a subclass of date but never compares equal to one, so a datetime slipping in
    # would silently miss every holiday and closure lookup.
    if isinstance(d, datetime):
        raise TypeError(f"{name} must be a date, not a datetime: convert with local_date() first")
    if not isinstance(d, date):
        raise TypeError(f"{name} must be a date, got {type(d).__name__}")
    return d


def _require_aware(instant: object) -> datetime:
    if not isinstance(instant, datetime):
        raise TypeError(f"instant must be a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetime: time must carry a zone")
    return instant


def _require_count(n: object, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"{name} must not be negative (got {n})")
    return n


def _normalise_closures(closure_days: Mapping[date, str] | Iterable[date]) -> dict[date, str]:
    items: Iterable[tuple[object, object]]
    if isinstance(closure_days, Mapping):
        items = closure_days.items()
    else:
        items = ((d, "") for d in closure_days)
    closures: dict[date, str] = {}
    for raw_day, raw_reason in items:
        # Configuration loaders may hand over ISO strings rather than YAML dates.
        if isinstance(raw_day, str):
            try:
                day = date.fromisoformat(raw_day.strip())
            except ValueError:
                raise ValueError(f"closure day {raw_day!r} is not an ISO date (YYYY-MM-DD)") from None
        else:
            day = _require_date(raw_day, "closure day")
        reason = " ".join(str(raw_reason or "").split())
        closures[day] = f"Closure: {reason}" if reason else "Closure"
    return closures


class WorkingCalendar:
    """Working days of one authority: its zone, its nation's bank holidays, its closure days."""

    def __init__(
        self,
        timezone: str = "Europe/London",
        country: str = "GB",
        subdivision: str | None = "ENG",
        closure_days: Mapping[date, str] | Iterable[date] = (),
        weekend: Iterable[int] = (5, 6),
    ) -> None:
        try:
            self.tz: ZoneInfo = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(
                f"unknown time zone {timezone!r} (expected an IANA name such as 'Europe/London')"
            ) from None

        self.country = country
        self.subdivision = subdivision
        # Fail at start-up on a misspelt country or subdivision, not at the first deadline.
        try:
            holidays.country_holidays(country, subdiv=subdivision, years=())
        except NotImplementedError as exc:
            where = country if subdivision is None else f"{country}/{subdivision}"
            raise ValueError(f"unknown country or subdivision {where!r} for bank holidays: {exc}") from None

        weekend_days = frozenset(weekend)
        if not all(isinstance(w, int) and not isinstance(w, bool) and 0 <= w <= 6 for w in weekend_days):
            raise ValueError(
                f"weekend must list weekday numbers 0 (Monday) to 6 (Sunday), got {sorted(weekend_days, key=str)!r}"
            )
        if len(weekend_days) == 7:
            raise ValueError("weekend covers every day of the week: there would be no working days")
        self.weekend: frozenset[int] = weekend_days

        self.closure_days: Mapping[date, str] = _normalise_closures(closure_days)

        self._holidays_by_year: dict[int, dict[date, str]] = {}
        self._holidays_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(timezone={self.tz.key!r}, country={self.country!r}, "
            f"subdivision={self.subdivision!r}, closure_days={len(self.closure_days)}, "
            f"weekend={sorted(self.weekend)!r})"
        )

    # -- bank holidays -------------------------------------------------------------------------

    def _holidays_in(self, year: int) -> dict[date, str]:
        cached = self._holidays_by_year.get(year)
        if cached is not None:
            return cached
        with self._holidays_lock:
            cached = self._holidays_by_year.get(year)
            if cached is not None:
                return cached
            # Neighbouring years are included because a substitute day can fall in another
            # year than the holiday it replaces; only this year's dates are kept.
            years = [y for y in (year - 1, year, year + 1) if date.min.year <= y <= date.max.year]
            calendar = holidays.country_holidays(self.country, subdiv=self.subdivision, years=years)
            table = {
                d: name.replace(_OBSERVED_SUFFIX, _SUBSTITUTE_SUFFIX)
                for d, name in calendar.items()
                if d.year == year
            }
            self._holidays_by_year[year] = table
            return table

    def bank_holiday(self, d: date) -> str | None:
        """The bank holiday's name on ``d`` (several joined by "; "), or None."""
        _require_date(d)
        return self._holidays_in(d.year).get(d)

    # -- single days ---------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        return self.non_working_reason(d) is None

    def non_working_reason(self, d: date) -> str | None:
        """Why ``d`` is not a working day, or None when it is one.

        A bank holiday or closure is named in preference to the weekday, so that a Christmas Day
        falling on a Saturday reads "Christmas Day".
        """
        _require_date(d)
        reasons = [r for r in (self._holidays_in(d.year).get(d), self.closure_days.get(d)) if r]
        if reasons:
            return "; ".join(reasons)
        if d.weekday() in self.weekend:
            return _WEEKDAY_NAMES[d.weekday()]
        return None

    # -- instants ------------------------------------------------------------------------------

    def local_date(self, instant: datetime) -> date:
        return _require_aware(instant).astimezone(self.tz).date()

    def start_day(self, instant: datetime) -> date:
        d = self.local_date(instant)
        return d if self.is_working_day(d) else self.next_working_day(d)

    def end_of_day(self, d: date) -> datetime:
        """The deadline instant of day ``d``: the first instant of the next local day."""
        _require_date(d)
        midnight = datetime.combine(d + _DAY, time(0), tzinfo=self.tz)
        # The round trip through UTC turns a midnight that a clock change skips into the real
        # first instant of the day; in Europe/London it changes nothing (changes are at 01:00).
        return midnight.astimezone(UTC).astimezone(self.tz)

    def is_past_due(self, instant: datetime, due: date) -> bool:
        return _require_aware(instant) >= self.end_of_day(due)

    # -- stepping ------------------------------------------------------------------------------

    def next_working_day(self, d: date) -> date:
        _require_date(d)
        d += _DAY
        while not self.is_working_day(d):
            d += _DAY
        return d

    def previous_working_day(self, d: date) -> date:
        _require_date(d)
        d -= _DAY
        while not self.is_working_day(d):
            d -= _DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (``d`` is day 0; n=0 gives ``d`` or the next working day)."""
        _require_date(d)
        _require_count(n)
        if n == 0:
            return d if self.is_working_day(d) else self.next_working_day(d)
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def subtract_working_days(self, d: date, n: int) -> date:
        """The n-th working day before ``d`` (n=0 gives ``d`` or the previous working day)."""
        _require_date(d)
        _require_count(n)
        if n == 0:
            return d if self.is_working_day(d) else self.previous_working_day(d)
        for _ in range(n):
            d = self.previous_working_day(d)
        return d

    def due_date(self, instant: datetime, working_days: int) -> date:
        """The last day to respond "within ``working_days`` working days" of ``instant``."""
        _require_count(working_days, "working_days")
        return self.add_working_days(self.start_day(instant), working_days)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]; 0 when end <= start."""
        _require_date(start, "start")
        _require_date(end, "end")
        count = 0
        d = start + _DAY
        while d <= end:
            if self.is_working_day(d):
                count += 1
            d += _DAY
        return count

    def non_working_days_after(self, d: date, count: int, weekends: bool = True) -> list[tuple[date, str]]:
        """The next ``count`` non-working days strictly after ``d``, each with its reason;
        ``weekends=False``: bank holidays and closure days only (what check-config shows)."""
        _require_date(d)
        _require_count(count, "count")
        found: list[tuple[date, str]] = []
        day = d
        for _ in range(_SEARCH_HORIZON_DAYS):
            if len(found) >= count:
                break
            day += _DAY
            if not weekends and day.weekday() >= 5:
                continue
            reason = self.non_working_reason(day)
            if reason is not None:
                found.append((day, reason))
        return found
