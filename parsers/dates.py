"""UK dates and timescales as people write them in mail, resolved without reading the clock.

Relative forms ("Friday", "12 January") are resolved against ``sent``, the date the message was
sent: a bare weekday is the next such day after it, a date without a year the next occurrence on
or after it. With ``sent`` unknown only dates that carry their year resolve.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from datetime import date, timedelta

from dateutil.easter import easter

from .types import FoundDate, Timescale

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "weds": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
# Abbreviated weekdays only with a date after them; alone, "sat"/"sun"/"wed" are too often words.
_WEEKDAY_ANY = r"(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\.?"
_WEEKDAY_FULL = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_ORD = r"(?:st|nd|rd|th)?"
# Days known by name ("by close of play on Christmas Eve"). Alone, "Christmas", "New Year" and
# "Easter" are seasons ("over Christmas"); only "the Monday after New Year" makes them a day.
_NAMED_DAY = r"(?:christmas\s+eve|christmas\s+day|boxing\s+day|new\s+year['’]?s\s+(?:eve|day))"
_NAMED_DAY_AROUND = _NAMED_DAY[:-1] + r"|christmas|new\s+year|easter(?:\s+(?:sunday|monday))?|good\s+friday)"
NUMBER = r"(?:\d{1,3}|" + "|".join(NUMBER_WORDS) + r")"

# Every alternative starts at a word boundary, and the letters a weekday, month or "the"/"end"
# can start with are few: the outer \b and the lookaheads reject most positions before the long
# case-insensitive alternations of names are tried one by one (matching itself is unchanged, and
# IGNORECASE folds a character class as it folds the literals, so "ſun"/"K" fare alike).
_WEEKDAY_LEADS = "".join(sorted({w[0] for w in WEEKDAYS}))
_DATE_LEADS = "".join(sorted({w[0] for w in (*WEEKDAYS, *MONTHS)}))
DATE_RE = re.compile(
    rf"\b(?:"
    rf"(?P<num>\b(?P<nd>\d{{1,2}})[/.\-](?P<nm>\d{{1,2}})[/.\-](?P<ny>\d{{4}}|\d{{2}})(?![\d/.\-]\d))"
    # "Fri 3/12": day/month without a year, only after a weekday (alone, "3/12" or "24/7" is
    # as likely a fraction or a rota); the weekday must be that date's (_from_match).
    rf"|(?P<sn>\b(?=[{_WEEKDAY_LEADS}])(?P<wd4>{_WEEKDAY_ANY}),?\s+(?P<sd>\d{{1,2}})/(?P<sm>\d{{1,2}})(?![\d/]))"
    rf"|(?P<dm>\b(?=[\d{_WEEKDAY_LEADS}])(?:(?P<wd1>{_WEEKDAY_ANY}),?\s+(?:the\s+)?)?(?P<d1>\d{{1,2}}){_ORD}\s+(?:of\s+)?"
    rf"(?P<m1>{_MONTH})(?![a-z])(?:,?\s+(?P<y1>\d{{4}})\b)?)"
    rf"|(?P<md>\b(?=[{_DATE_LEADS}])(?:(?P<wd2>{_WEEKDAY_ANY}),?\s+)?(?P<m2>{_MONTH})\s+(?:the\s+)?(?P<d2>\d{{1,2}}){_ORD}\b"
    rf"(?:,?\s+(?P<y2>\d{{4}})\b)?)"
    rf"|(?P<eo>\b(?=[te])(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<eo_which>next|this|the|following)?\s*(?P<eo_unit>week|month)\b)"
    # "the Monday after New Year", "the Friday before Christmas": that weekday counted from the day.
    rf"|(?P<wa>\b(?=[{_WEEKDAY_LEADS}])(?P<wd5>{_WEEKDAY_FULL})\s+(?P<wa_dir>after|before)\s+(?:the\s+)?"
    rf"(?P<wa_day>{_NAMED_DAY_AROUND})\b(?:['’]s?)?)"
    rf"|(?P<hol>\b(?=[cbn])(?P<hol_day>{_NAMED_DAY})\b)"
    rf"|(?P<wd>\b(?P<wd3>{_WEEKDAY_FULL})\b)"
    rf"|(?P<dat>\bday\s+after\s+tomorrow\b)"
    rf"|(?P<tm>\btomorrow\b)"
    rf")",
    re.IGNORECASE,
)

WORKING_DAYS_RE = re.compile(
    rf"\b(?P<n>{NUMBER})\s+(?:further\s+|more\s+|additional\s+|extra\s+)?"
    rf"(?:working|business|work)[\s-]*days?\b",
    re.IGNORECASE,
)
_DEADLINE_WORD = re.compile(
    r"\b(?:by|until|till|til|before|no\s+later\s+than|on\s+or\s+before|deadline(?:\s+(?:of|is))?"
    r"|due(?:\s+(?:by|on))?|to)\b[\s:]*",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"(?:the\s+|next\s+|following\s+|this\s+|on\s+|close\s+of\s+(?:play|business)\s+(?:on\s+)?|end\s+of(?:\s+(?:play|day))?\s+(?:on\s+)?"
    r"|cob\s+(?:on\s+)?|cop\s+(?:on\s+)?|eod\s+(?:on\s+)?|(?:12\s+)?midday\s+(?:on\s+)?|(?:12\s+)?noon\s+(?:on\s+)?|\d{1,2}(?::\d\d)?\s*[ap]m\s+(?:on\s+)?){0,6}",
    re.IGNORECASE,
)


def number_value(token: str) -> int | None:
    """"5" or "five" -> 5."""
    token = token.strip().lower()
    if token.isdigit():
        return int(token)
    return NUMBER_WORDS.get(token)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_RECENT_PAST_DAYS = 45


def _next_occurrence(month: int, day: int, sent: date | None) -> date | None:
    """The date without a year: this year's if it is still to come or only just gone (a date a
    few weeks back is a date of the past, not one eleven months ahead), else the next one."""
    if sent is None:
        return None
    this_year = _safe_date(sent.year, month, day)
    if this_year is not None and 0 < (sent - this_year).days <= _RECENT_PAST_DAYS:
        return this_year
    # Up to eight years ahead so that 29 February finds its next leap year.
    for year in range(sent.year, sent.year + 9):
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate >= sent:
            return candidate
    return None


def _from_match(m: re.Match[str], sent: date | None) -> date | None:
    if m.group("num"):
        year = int(m.group("ny"))
        if year < 100:
            year += 2000
        return _safe_date(year, int(m.group("nm")), int(m.group("nd")))
    if m.group("sn"):
        found = _next_occurrence(int(m.group("sm")), int(m.group("sd")), sent) if 1 <= int(m.group("sm")) <= 12 else None
        weekday = WEEKDAYS[m.group("wd4").lower().rstrip(".")]
        return found if found is not None and found.weekday() == weekday else None
    if m.group("dm") or m.group("md"):
        day = int(m.group("d1") or m.group("d2"))
        month = MONTHS[(m.group("m1") or m.group("m2")).lower().rstrip(".")]
        year_text = m.group("y1") or m.group("y2")
        if year_text:
            return _safe_date(int(year_text), month, day)
        return _next_occurrence(month, day, sent)
    if m.group("hol"):
        return _named_day(m.group("hol_day"), sent)
    if m.group("wa"):
        named = _named_day(m.group("wa_day"), sent)
        if named is None:
            return None
        wanted = WEEKDAYS[m.group("wd5").lower()]
        if m.group("wa_dir").lower() == "after":
            return named + timedelta(days=(wanted - named.weekday()) % 7 or 7)
        return named - timedelta(days=(named.weekday() - wanted) % 7 or 7)
    if m.group("wd"):
        if sent is None:
            return None
        wanted = WEEKDAYS[m.group("wd3").lower()]
        ahead = (wanted - sent.weekday()) % 7 or 7
        return sent + timedelta(days=ahead)
    if m.group("tm"):
        return None if sent is None else sent + timedelta(days=1)
    if m.group("dat"):
        return None if sent is None else sent + timedelta(days=2)
    if m.group("eo"):
        return None if sent is None else _end_of(m.group("eo_unit").lower(), m.group("eo_which"), sent)
    return None


_FIXED_NAMED_DAYS = {"christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
                     "boxing day": (12, 26), "new years eve": (12, 31), "new years day": (1, 1), "new year": (1, 1)}
_EASTER_OFFSETS = {"easter": 0, "easter sunday": 0, "easter monday": 1, "good friday": -2}


def _named_day(name: str, sent: date | None) -> date | None:
    """The next such day on or after ``sent`` (or just gone, as a date without a year is)."""
    key = " ".join(name.lower().replace("'", "").replace("’", "").split())
    if key in _FIXED_NAMED_DAYS:
        return _next_occurrence(*_FIXED_NAMED_DAYS[key], sent)
    if sent is None or key not in _EASTER_OFFSETS:
        return None
    for year in (sent.year - 1, sent.year, sent.year + 1):
        day = easter(year) + timedelta(days=_EASTER_OFFSETS[key])
        if 0 <= (sent - day).days <= _RECENT_PAST_DAYS or day >= sent:
            return day
    return None


def _end_of(unit: str, which: str | None, sent: date) -> date:
    """"end of the week" is its Friday (the working week); "end of next month" its last day."""
    ahead = (which or "").lower() in ("next", "following")
    if unit == "week":
        monday = sent - timedelta(days=sent.weekday())
        # Written at the weekend, "end of the week" can only mean the coming one.
        if ahead or sent.weekday() > 4:
            monday += timedelta(days=7)
        if ahead and sent.weekday() > 4:
            monday += timedelta(days=7)
        return monday + timedelta(days=4)
    year, month = sent.year, sent.month + (1 if ahead else 0)
    if month > 12:
        year, month = year + 1, 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_uk_date(text: str, sent: date | None) -> date | None:
    """The first UK-style date written in ``text`` that resolves, or None."""
    for m in DATE_RE.finditer(text or ""):
        found = _from_match(m, sent)
        if found is not None:
            return found
    return None


_WEEK_AFTER = re.compile(r"\s+week\b(?!\s*(?:'s|of|ending|commencing|beginning))", re.IGNORECASE)


def date_at(text: str, pos: int, sent: date | None) -> tuple[date, int] | None:
    """A date starting at ``pos`` (after fillers like "the", "close of play on") and its end."""
    # "end of next week" is itself a date, so it is tried before the fillers eat "end of next".
    m = DATE_RE.match(text, pos)
    if m is None or not m.group("eo"):
        filler = _FILLER.match(text, pos)
        m = DATE_RE.match(text, filler.end() if filler else pos)
    if m is None:
        # After a date word, "Weds 21st": the day of the month, when it falls on that weekday.
        abbr_day = _WEEKDAY_ABBR_DAY.match(text, filler.end() if filler else pos)
        if abbr_day is not None:
            day = _ordinal_day(text, abbr_day.end(), sent)
            if day is not None and day.weekday() == WEEKDAYS[abbr_day.group(1).lower()]:
                return day, _ORDINAL_DAY.match(text, abbr_day.end()).end()
        # After a date word an abbreviated weekday alone is a day ("by Weds", "until Thurs");
        # elsewhere "wed" or "sat" are too often words to read as dates.
        abbr = _WEEKDAY_ABBR.match(text, filler.end() if filler else pos)
        if abbr is None or sent is None:
            return None
        wanted = WEEKDAYS[abbr.group(1).lower()]
        return sent + timedelta(days=(wanted - sent.weekday()) % 7 or 7), abbr.end()
    if m.group("wd"):
        # "Wednesday 19th": the day of the month says which Wednesday, not the next one.
        gap = _GAP_TO_DAY.match(text, m.end())
        day = _ordinal_day(text, gap.end(), sent) if gap else None
        if day is not None:
            return day, _ORDINAL_DAY.match(text, gap.end()).end()
        # "by Friday week": British for the Friday after the coming one.
        week = _WEEK_AFTER.match(text, m.end())
        coming = _from_match(m, sent) if week is not None else None
        if coming is not None:
            return coming + timedelta(days=7), week.end()
        # "by Friday next week": that weekday in the calendar week after the one it was sent in
        # (sent on a Thursday, not the next day).
        next_week = _NEXT_WEEK_AFTER.match(text, m.end())
        if next_week is not None and sent is not None:
            monday = sent - timedelta(days=sent.weekday()) + timedelta(days=7)
            return monday + timedelta(days=WEEKDAYS[m.group("wd3").lower()]), next_week.end()
    found = _from_match(m, sent)
    return None if found is None else (found, m.end())


_NEXT_WEEK_AFTER = re.compile(r",?\s+(?:of\s+)?next\s+week\b(?!\s*(?:'s|ending|commencing|beginning))", re.IGNORECASE)
_GAP_TO_DAY = re.compile(r",?\s+(?=(?:the\s+)?\d)")  # "Wednesday 19th", "the Thursday, the 10th"
_WEEKDAY_ABBR = re.compile(r"(weds|wed|thurs|thur|thu|tues|tue|mon|fri)\b\.?(?!\s*\d)", re.IGNORECASE)
_WEEKDAY_ABBR_DAY = re.compile(r"(weds|wed|thurs|thur|thu|tues|tue|mon|fri)\b\.?\s+(?=(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b)",
                               re.IGNORECASE)


def find_dates(text: str, sent: date | None) -> tuple[FoundDate, ...]:
    """Every date and working-day timescale written in ``text``, in order, as written and resolved.

    "within 3 working days" stays a count: the domain counts working days with the authority's
    calendar, which the parsers do not know.
    """
    text = text or ""
    found: list[tuple[int, int, FoundDate]] = []
    # Only the first _MAX_FOUND of each kind can be among the first _MAX_FOUND in order, so both
    # scans stop there: a body of 20,000 dates costs what a body of 50 does.
    for m in WORKING_DAYS_RE.finditer(text):
        value = number_value(m.group("n"))
        if value:
            found.append((m.start(), m.end(), FoundDate(m.group(0), working_days=value)))
            if len(found) >= _MAX_FOUND:
                break
    spans = [(start, end) for start, end, _ in found]  # in order, and they do not overlap
    starts = [start for start, _ in spans]
    taken = 0
    for m in DATE_RE.finditer(text):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and spans[i][0] <= m.start() < spans[i][1]:
            continue  # inside "within 3 working days"
        found.append((m.start(), m.end(), FoundDate(" ".join(m.group(0).split()), date=_from_match(m, sent))))
        taken += 1
        if taken >= _MAX_FOUND:
            break
    found.sort(key=lambda item: item[0])
    return tuple(item[2] for item in found[:_MAX_FOUND])


_MAX_FOUND = 50


def working_days_at(text: str, pos: int = 0) -> int | None:
    """A "N working days" figure found in ``text`` from ``pos`` on."""
    m = WORKING_DAYS_RE.search(text, pos)
    if m is None:
        return None
    value = number_value(m.group("n"))
    return value if value else None


def parse_timescale(text: str, sent: date | None) -> Timescale | None:
    """The first timescale stated in ``text``: "within 5 working days", "by 12 January", ...

    A bare date only counts after a deadline word (by, until, before, no later than, ...), so that
    the dates of events mentioned in passing are not taken for deadlines.
    """
    text = text or ""
    candidates: list[tuple[int, Timescale]] = []
    for m in WORKING_DAYS_RE.finditer(text):
        value = number_value(m.group("n"))
        if value:
            candidates.append((m.start(), Timescale(working_days=value)))
            break
    for m in _DEADLINE_WORD.finditer(text):
        found = date_at(text, m.end(), sent)
        if found is not None:
            candidates.append((m.start(), Timescale(until=found[0])))
            break
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[0])[1]


# ---- periods and response timescales (issue 8) ---------------------------------------------------

_ORDINAL_DAY = re.compile(r"\b(?:the\s+)?(?P<d>\d{1,2})(?P<o>st|nd|rd|th)\b(?!\s+(?:of\s+)?" + _MONTH + r")", re.IGNORECASE)
_PERIOD = re.compile(
    rf"\b(?:(?P<n>{NUMBER}|a|an|one|the(?=\s+(?:week|fortnight)\b)|(?:a|another)\s+couple(?:\s+of)?|a\s+few|few|the\s+next)\s+(?:further\s+|more\s+|additional\s+|extra\s+|full\s+)?"
    rf"(?P<unit>(?:working|business|work)[\s-]*days?|days?|weeks?|fortnights?|hours?|hrs?)\b"
    rf"|(?P<ww>another|a\s+further|an\s+additional|an\s+extra|one\s+more)\s+(?P<unit2>week|fortnight|day|working\s+day|(?:\d{{1,2}}|twenty[\s-]four|forty[\s-]eight)\s+hours?)\b)",
    re.IGNORECASE,
)
_DATE_WORD = re.compile(
    # "COP Friday", "EOD Weds": the abbreviation is the date word ("come back to me COP Friday").
    r"\b(?:by|until|till|til|before|no\s+later\s+than|on\s+or\s+before|first\s+thing(?:\s+on)?|to|for|on|of|cop|cob|eod)\b[\s:]*", re.IGNORECASE
)


def _period_days(count: str | None, unit: str) -> int | None:
    unit = unit.lower()
    raw = " ".join((count or "a").lower().replace("-", " ").split())
    if raw in ("a", "an", "one", "another", "a further", "an additional", "an extra", "one more", "the next", "the"):
        value = 1
    elif raw in ("a couple of", "a couple", "another couple of", "another couple"):  # "a couple more weeks"
        value = 2
    elif raw in ("a few", "few"):
        return None
    else:
        value = number_value(raw)
    if unit.endswith(("hours", "hour", "hrs", "hr")):
        figure = re.match(r"(\d+|twenty four|forty eight)", unit.replace("-", " "))
        if figure:  # "a further 24 hours": the figure sits in the unit alternative
            value = {"twenty four": 24, "forty eight": 48}.get(figure.group(1)) or int(figure.group(1))
        if not value:
            return None
        return max(1, -(-value // 24))
    if not value:
        return None
    if unit.startswith("week"):
        return 5 * value
    if unit.startswith("fortnight"):
        return 10 * value
    return value


def period_at(text: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """The first period ("5 working days", "a week", "a further 24 hours") in text[start:end] as
    (working days, offset where it starts). A week is 5 working days; 24 hours is one."""
    for m in _PERIOD.finditer(text, start, len(text) if end is None else end):
        unit = m.group("unit") or m.group("unit2")
        days = _period_days(m.group("n") or m.group("ww"), unit if m.group("unit") else m.group("unit2"))
        if days:
            return days, m.start()
    return None


def _ordinal_day(text: str, pos: int, sent: date | None) -> date | None:
    """"the 20th" (no month): the next 20th on or after the sent date."""
    m = _ORDINAL_DAY.match(text, pos)
    if m is None or sent is None:
        return None
    day = int(m.group("d"))
    for months_ahead in range(0, 3):
        year, month = sent.year + (sent.month - 1 + months_ahead) // 12, (sent.month - 1 + months_ahead) % 12 + 1
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate >= sent:
            return candidate
    return None


def day_at(text: str, pos: int, sent: date | None) -> date | None:
    """A date starting at ``pos``, or a bare day of the month ("the 30th": the next 30th)."""
    found = date_at(text, pos, sent)
    if found is not None:
        return found[0]
    filler = _FILLER.match(text, pos)
    return _ordinal_day(text, filler.end() if filler else pos, sent)


# "before Zara's review on the 14th": the date is the event's, and the answer is wanted the
# working day before it (counted over weekends only: the parsers know no bank holidays).
_EVENT_ON = re.compile(r"\s+(?:on|at)\s+", re.IGNORECASE)
_EVENT_WORDS_END = re.compile(r"[.;:!?\n,()]")


def _day_of_the_event(text: str, pos: int, end: int, sent: date | None) -> date | None:
    stop = _EVENT_WORDS_END.search(text, pos, min(end, pos + 60))
    limit = stop.start() if stop else min(end, pos + 60)
    for on in _EVENT_ON.finditer(text, pos, limit):
        if 1 <= len(text[pos:on.start()].split()) <= 4:
            day = day_at(text, on.end(), sent)
            if day is not None:
                return day
    return None


# "Friday 24 December is the last working day, so please let me have it by then": the day just told.
_THEN = re.compile(r"(?:then|that\s+(?:date|day))\b", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?]\s|\n\s*\n")


def _date_just_told(text: str, pos: int, sent: date | None) -> date | None:
    begin = max(0, pos - 200)
    breaks = list(_SENTENCE_BREAK.finditer(text, begin, pos))
    begin = breaks[-1].end() if breaks else begin
    told = None
    for m in DATE_RE.finditer(text, begin, pos):
        found = date_at(text, m.start(), sent)
        told = found[0] if found is not None else told
    return told


def dated_at(text: str, start: int, end: int, sent: date | None) -> tuple[date, int] | None:
    """The first date in text[start:end] that follows a date word ("by", "until", "to"), with
    "the 20th" read as the next 20th; as (date, offset of the date word)."""
    for word in _DATE_WORD.finditer(text, start, end):
        found = date_at(text, word.end(), sent)
        if found is not None:
            return found[0], word.start()
        if _THEN.match(text, word.end()):
            told = _date_just_told(text, word.start(), sent)
            if told is not None:
                return told, word.start()
        if word.group().lower().startswith("before"):
            event_day = _day_of_the_event(text, word.end(), end, sent)
            if event_day is not None:
                return event_day - timedelta(days=3 if event_day.weekday() == 0 else 1), word.start()
        filler = _FILLER.match(text, word.end())
        ordinal = _ordinal_day(text, filler.end() if filler else word.end(), sent)
        if ordinal is not None:
            return ordinal, word.start()
    return None


# "a week on Monday" / "a week on Friday" / "a week tomorrow": British for the day a week after
# the coming one, a date, not a period of five working days.
_WEEK_ON = re.compile(r"\ba\s+week\s+(?:on\s+)?(monday|tuesday|wednesday|thursday|friday|tomorrow)\b", re.IGNORECASE)


# "by Tuesday week": the Tuesday after the coming one; "two weeks today": fourteen days on.
_DAY_WEEK = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday)\s+week\b", re.IGNORECASE)
_WEEKS_TODAY = re.compile(r"\b(a|one|two|three|2|3)\s+weeks?\s+today\b|\ba\s+fortnight\s+today\b", re.IGNORECASE)


def _week_on(text: str, start: int, end: int, sent: date | None) -> tuple[date, int] | None:
    m = _WEEK_ON.search(text, start, end)
    if sent is not None and m is None:
        day_week = _DAY_WEEK.search(text, start, end)
        if day_week is not None:
            wanted = WEEKDAYS[day_week.group(1).lower()]
            return sent + timedelta(days=((wanted - sent.weekday()) % 7 or 7) + 7), day_week.start()
        today = _WEEKS_TODAY.search(text, start, end)
        if today is not None:
            weeks = 2 if today.group(1) is None else {"a": 1, "one": 1, "two": 2, "three": 3}.get(today.group(1).lower()) or int(today.group(1))
            return sent + timedelta(days=7 * weeks), today.start()
    if m is None or sent is None:
        return None
    word = m.group(1).lower()
    if word == "tomorrow":
        return sent + timedelta(days=8), m.start()
    wanted = WEEKDAYS[word]
    coming = sent + timedelta(days=(wanted - sent.weekday()) % 7 or 7)
    return coming + timedelta(days=7), m.start()


# "no later than the day before that review", "by the Friday before the review", "24 hours before
# the core group, which meets at 10am on Wednesday 3 February": a day counted back from an event
# whose date is written beside it, in this sentence or where the event was first told.
_EVENTS = r"review|conference|core\s+group|panel|meeting|visit|hearing"
_BEFORE_AN_EVENT = re.compile(
    r"\b(?:(?P<day>the\s+day)|(?:the\s+)?(?P<wd>monday|tuesday|wednesday|thursday|friday)|(?P<hours>24|twenty[\s-]four|48|forty[\s-]eight)\s+hours"
    r"|(?P<n>\d{1,2}|one|two|three|four|five)\s+working\s+days?)\s+before\s+(?:that|the|this|his|her|their|[A-Z][\w'-]*'s)\s+"
    rf"(?:[\w-]+\s+){{0,2}}?(?P<event>{_EVENTS})\b", re.IGNORECASE)
_EVENT_THEN = re.compile(rf"\b(?P<event>{_EVENTS})\b", re.IGNORECASE)
_AFTER_OR_BEFORE = re.compile(r"\b(?:before|after|following|since)\s+(?:the|that|this|his|her|their)?\s*(?:[\w-]+\s+){0,2}$",
                              re.IGNORECASE)


def _event_day(text: str, m: re.Match[str], sentence_end: int, sent: date | None) -> date | None:
    """The date of the event ``m`` counts back from: written after it in the sentence (", which
    meets at 10am on Wednesday 3 February"), or the last date earlier in the text written just
    after that event's name ("Callum's CLA review is on Tuesday 13 April"), but not after
    "before the review" or "after the panel" (another day counted from it)."""
    head = m.group("event").split()[-1].lower()
    ahead = DATE_RE.search(text, m.end(), min(sentence_end, m.end() + 80))
    if ahead is not None and re.fullmatch(r"[\s,]*(?:(?:which|that|who)\s+)?[\w\s]{0,40}?", text[m.end():ahead.start()]):
        day = date_at(text, ahead.start(), sent)
        if day is not None:
            return day[0]
    found = None
    for date_match in DATE_RE.finditer(text, 0, m.start()):
        window = text[max(0, date_match.start() - 80):date_match.start()]
        names = [e for e in _EVENT_THEN.finditer(window) if e.group("event").split()[-1].lower() == head]
        if not names:
            continue
        gap = window[names[-1].end():]
        if len(gap.split()) > 7 or re.search(r"[.;:!?\n]", gap) or _AFTER_OR_BEFORE.search(window[:names[-1].start()]):
            continue
        day = date_at(text, date_match.start(), sent)
        if day is not None:
            found = day[0]
    return found


def _counted_back(m: re.Match[str], day: date) -> date:
    if m.group("wd"):
        wanted = WEEKDAYS[m.group("wd").lower()]
        return day - timedelta(days=(day.weekday() - wanted) % 7 or 7)
    back = number_value(m.group("n")) if m.group("n") else 2 if (m.group("hours") or "").startswith(("48", "forty")) else 1
    if m.group("n") is None:  # calendar days, landing on a working day
        day -= timedelta(days=back or 1)
        return day - timedelta(days=max(0, day.weekday() - 4))
    while back:
        day -= timedelta(days=1)
        back -= day.weekday() < 5
    return day


def _relative_to_event(text: str, start: int, end: int, sent: date | None) -> tuple[Timescale, int] | None:
    m = _BEFORE_AN_EVENT.search(text, start, end)
    if m is None:
        return None
    stop = re.compile(r"[.!?](?:\s|$)|\n\s*\n").search(text, m.end())
    day = _event_day(text, m, stop.start() if stop else len(text), sent)
    if day is None:
        return None
    return Timescale(until=_counted_back(m, day)), m.start()


# "by the time the school breaks up for October half term, which is Friday 22 October".
_BY_THE_TIME = re.compile(r"\bby\s+the\s+time\b[^.;!?\n]{1,80}?(?:,\s*which\s+(?:is|will\s+be)|\s+on)\s+"
                          # "a plan agreed by the fostering panel on Thursday 10 June": by a meeting,
                          # and the meeting's day.
                          r"|\bby\s+(?:the|her|his|their|next\s+week's)\s+(?:[\w'-]+\s+){0,2}?(?:panel|review|conference|core\s+group|meeting|hearing|lac\s+review|cla\s+review)(?:\s+meeting)?\s+(?:on|of)\s+",
                          re.IGNORECASE)


def period_or_date(text: str, sent: date | None, start: int = 0, end: int | None = None) -> Timescale | None:
    """Whichever comes first in text[start:end]: a period (working days) or a date after a date
    word. Used for the argument of EXTEND and for the time a manager asks for."""
    end = len(text) if end is None else end
    relative = _relative_to_event(text, start, end, sent)
    if relative is not None:
        # Unless a period or a date is asked for wholly before it.
        earlier = period_or_date(text[:relative[1]], sent, start, relative[1])
        return earlier or relative[0]
    by_the_time = _BY_THE_TIME.search(text, start, end)
    if by_the_time is not None:
        day = date_at(text, by_the_time.end(), sent)
        if day is not None:
            earlier = period_or_date(text[:by_the_time.start()], sent, start, by_the_time.start())
            return earlier or Timescale(until=day[0])
    week_on = _week_on(text, start, end, sent)
    if week_on is not None:
        period = period_at(text, start, end)
        if period is None or period[1] >= week_on[1]:
            return Timescale(until=week_on[0])
    period = period_at(text, start, end)
    dated = dated_at(text, start, end, sent)
    if period and (dated is None or period[1] <= dated[1] or _THEREFORE.search(text, dated[1], period[1])):
        # ("J starts school on 27 September, so I would ask ... within 5 working days": the day
        # before "so" is the reason for the period after it.)
        return Timescale(working_days=period[0])
    if dated:
        return Timescale(until=dated[0])
    return None


# A sentence that sets the time for the *response*: it asks for one (respond, reply, response,
# come back, hear from you) and is not about the past ("no response was received by ...").
_ASKS_FOR_RESPONSE = re.compile(
    r"\b(?:respond(?!ed)|responding|response|reply|replies|come\s+back\s+to|get\s+back\s+to|hear\s+(?:back\s+)?from"
    # "I ask Catherine Bell to answer until Wednesday next week."
    r"|to\s+answer(?!ed)"
    # "I'd ask for your direction within 2 working days": what a Director or Head of Service gives back.
    r"|(?:your|his|her|their|(?-i:[A-Z][a-z]+)'s)\s+(?:direction|decision)"
    r"|(?:have|get|hear)\s+something\s+back"
    r"|revert|feedback|written\s+update|an\s+update|update\s+(?:me|us)|let\s+me\s+know|(?:need|want|like)\s+to\s+know|confirm|confirmation|timescale"
    # ("I'd ask that this is sorted within 5 working days".)
    r"|resolution\s+(?:by|within|of\s+this)|(?:this|these|it|the\s+(?:matter|concerns?|issues?|dispute|alert))\s+(?:to\s+be\s+|be\s+|being\s+|is\s+)?"
    r"(?:resolved|sorted|addressed|dealt\s+with|looked\s+at|responded\s+to))\b",
    re.IGNORECASE,
)
_PAST_OR_NEGATED = re.compile(
    r"\b(?:no(?!\s+later\s+than)|not|never|didn't|did|hasn't|haven't|hadn't|wasn't|weren't|was|were|had|received|overdue|"
    r"passed|lapsed|expired|missed|ago|previous|previously|last|earlier|already)\b|n't\b",
    re.IGNORECASE,
)
_CONTRAST = re.compile(r"\s*[,;–—]\s*not\s+(?:the|a|an|by|within|until|\d).*$", re.IGNORECASE | re.DOTALL)
_FURTHEST_RESPONSE_DAYS = 120
_CLAUSE_BREAK = re.compile(
    r"[,;:]\s*|\s[-–—]\s|\b(?:and|so|but|therefore)\s+(?=i\b|we\b|please\b|can\b|could\b)"
    # Dictated run-on text has no commas: "... it hasn't I need a plan ... please I'd like your response ...".
    r"|\s(?=(?:i'd|i\s+would|i\s+need|i\s+want|please|can\s+you|could\s+you)\s)", re.IGNORECASE)
# The sentence asks for something ("please respond", "I'd like a response", "a response is
# required by"), rather than telling of a response ("your response tells me ...").
_REQUEST_FRAME = re.compile(
    r"\b(?:please|pls|kindly|(?:can|could|may)\s+i\s+(?:please\s+)?have|could\s+you|can\s+you|would\s+you|will\s+you|i\s+would\s+like|i'd\s+like|i\s+would\s+want|i'd\s+want|i\s+(?:also\s+|really\s+|do\s+)?need|(?:i'll|i\s+will|we'll|we\s+will)\s+(?:also\s+)?need|we\s+need|"
    r"i\s+(?:also\s+|really\s+|do\s+)?expect|i'd\s+expect|i\s+would\s+expect|we\s+(?:would\s+|'d\s+|do\s+|will\s+)?expect|i\s+am\s+asking|i'm\s+asking|i\s+ask|grateful|let\s+me\s+(?:have|know)|i\s+(?:also\s+|really\s+|do\s+)?want|i\s+look\s+forward|"
    r"look\s+forward|required|requested|expected|needed|(?<!was\s)(?<!were\s)due\s+(?:by|on|within)|hope\s+to|ask\s+that|would\s+ask|'d\s+ask|ask\s+for\s+(?:your|a)|ask\s+(?:him|her|them|(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?)\s+for\s+(?:your|a|an|their|his|her)\b|"
    # ("I appreciate the procedure gives you 5 working days to respond, but ...": acknowledged,
    # not asked.)
    r"appreciate(?!\s+(?:that|the\s+(?:procedure|guidance|policy|process|protocol|timescales?)\b|you(?:'ve|'re|\s+(?:are|have|were|had|may|might))"
    r"|this\s+(?:is|has|was)|it's|it\s+(?:is|has|was)|how|why|what))|i\s+am\s+setting|i'm\s+setting|i\s+have\s+set|timescale\s+(?:of|is|for)"
    # The over-polite ask: "would it be possible to have something back by ...", "I wondered if
    # it might be possible to have a response ...".
    r"|(?:would|might|could)\s+it\s+be\s+possible|is\s+it\s+possible|i\s+(?:was\s+)?wonder(?:ed|ing)\s+(?:if|whether)"
    # "the response date, which I've moved to Wednesday 17th": the IRO setting it anew.
    r"|(?:i've|i\s+have)\s+(?:now\s+)?(?:moved|changed|amended|updated|put\s+back|pushed\s+back|extended)"
    # "I'd be looking for his response by the end of next week".
    r"|(?:i'd|i\s+would|i'll|i\s+will|i\s+am|i'm)\s+(?:be\s+)?looking\s+for"
    # A subject line's clipped request: "need a response by tomorrow pm".
    r"|need(?=\s+(?:a\s+|your\s+|his\s+|her\s+|their\s+)?(?:written\s+)?(?:response|reply))"
    # "... and would like your written response within 10 working days" (the "I" said before).
    r"|\bwould\s+like\s+(?=(?:your|a|an|the|his|her|their)\b)"
    # "I've rung Mike and asked for a response by Friday": the writer's own request, told.
    r"|\b(?:i've|i\s+have)\b[^.;!?]{0,40}?\basked\s+(?:(?-i:[A-Z][a-z]+)\s+|him\s+|her\s+|them\s+)?for\b"
    # A line of its own: "Timescale: 10 working days."
    r"|^\W*timescale(?:\s+(?:agreed|set|given|requested|required)(?:\s+(?:with|by)\s+\w+)?)?(?=\s*:)"
    # A note of who is to answer and when: "Catherine to respond within 3 working days."
    r"|^\W*(?:(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?|he|she|they)\s+to\s+(?=respond|reply|answer|come\s+back)"
    # MiCare's starred recommendation: "I recommend that the review report is completed ...,
    # with a response to me within 10 working days."
    r"|\bi\s+(?:would\s+|also\s+)?recommend\b|\bi'd\s+recommend\b|\bmy\s+recommendation\s+is\b"
    # "a response within 2 working days would be appreciated".
    r"|(?<=\s)(?:be\s+)?appreciated)\b",
    re.IGNORECASE,
)
_IMPERATIVE_RESPONSE = re.compile(r"^\W*(?:respond|reply|response|come\s+back|get\s+back)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|\n\s*\n|\n(?=\s*[-*•–—]\s)|\n(?=[A-Z][A-Za-z /'()]{1,40}:)")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split at sentence punctuation, blank lines, list items and
    "Label:" lines; a hard-wrapped line does not end a sentence."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def response_timescale(text: str, sent: date | None, *, subject: bool = False,
                       response_only: bool = False) -> tuple[Timescale | None, str | None]:
    """The timescale set for the response, and a note when one was stated but cannot be used.

    First, a sentence that asks for the response ("please respond within 3 working days", "I'd
    like to hear from you by Friday 14 May"). Failing that, a sentence that asks the reader for
    something by a deadline ("I need to see the revised safety plan by close of play on Friday",
    "I would ask that a plan is agreed by Wednesday 21 July", "we agreed it will be on Mosaic by
    end of next week"): what the IRO wants back, and when. The dates and durations of the concern
    and of the history are facts either way. A date already past is not used (the note says so)
    and the process default applies. A ``subject`` line asks by being written ("Stage 1 - CP
    plan - response by Fri 15 Oct"): its response words need no "please" around them.
    ``response_only``: only a sentence that asks for the response, not one that asks for work.
    """
    text = (text or "").replace("\u2019", "'").replace("\u2018", "'")
    corrected = corrected_timescale(text, sent)
    if corrected is not None:
        return corrected, None
    asked = _asked(text, sent, _ASKS_FOR_RESPONSE, _ANY if subject else _REQUEST_FRAME, period_or_date)
    found, note = _first(asked)
    if found is not None:
        # "Could you come back to me within 3 working days ...? ... I need your response by
        # Friday 25 June": two timescales for one response, and which is meant cannot be told.
        other, _ = _first(asked)  # the same scan, on from the sentence that gave the first
        if other is not None and not same_deadline(other, found, sent):
            return None, f"two timescales are asked for ({_said(found)} and {_said(other)})"
    if found is None and not response_only:
        # The actions listed are what is asked for; a sentence of the writer's own that asks for
        # something by a day ("I would expect a plan to be agreed with me by Tuesday 16 March")
        # says when the answer is due, before a list item's own day ("- a core group to be held
        # before the end of next week"). A list item's day counts when no sentence gives one.
        listed = _LIST_ITEM_LINE.search(text) is not None
        found, later_note = None, None
        if listed:
            found, later_note = _first(_asked(_LIST_ITEM_LINE.sub(lambda m: " " * len(m.group()), text), sent,
                                              _DEADLINE_WORD_AHEAD, _DEADLINE_FRAME, _deadline_at))
        if found is None:
            found, later_note = _first(_asked(text, sent, _DEADLINE_WORD_AHEAD, _DEADLINE_FRAME, _deadline_at))
        note = note or later_note
    return found, (None if found else note)


# "5 working days, so by Friday 16 April. Sorry Emma - scrap that, ... Please make it Tuesday 20
# April": the writer's correction stands.
_SCRAP_THAT = re.compile(r"\b(?:scrap|ignore|forget|disregard)\s+that\b|\bcorrection\s*:", re.IGNORECASE)
_MAKE_IT = re.compile(r"\b(?:make|change)\s+(?:it|that)\s+(?:to\s+)?", re.IGNORECASE)


def corrected_timescale(text: str, sent: date | None) -> Timescale | None:
    """The time set after the writer takes back what they first wrote, or None."""
    taken_back = list(_SCRAP_THAT.finditer(text or ""))
    if not taken_back:
        return None
    scrapped = taken_back[-1]  # the last correction is the one that stands
    made = _MAKE_IT.search(text, scrapped.end())
    day = date_at(text, made.end(), sent) if made else None
    if day is not None and (sent is None or day[0] >= sent):
        return Timescale(until=day[0])
    return None


_ANY = re.compile("")
# The start of a list item ("- ", "• ", "2) "); instruction.py reads list items with it too.
LIST_ITEM = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-*•·])[ \t]+", re.MULTILINE)
_LIST_ITEM_LINE = re.compile(LIST_ITEM.pattern + r"[^\n]*", re.MULTILINE)
_DEADLINE_WORD_AHEAD = re.compile(
    r"\b(?:within|by|no\s+later\s+than|on\s+or\s+before|before|first\s+thing(?:\s+on)?"
    # "agree a plan with me in 5 working days": "in" before a count of working days is "within".
    rf"|in(?=\s+(?:the\s+next\s+)?{NUMBER}\s+(?:working|business)\s+days?\b))\b", re.IGNORECASE)
_DEADLINE_FRAME = re.compile(
    r"\b(?:please|pls|kindly|could\s+you|can\s+you|would\s+you|i\s+(?:would|'d)\s+(?:like|ask|expect)|i\s+(?:also\s+|really\s+|will\s+|'ll\s+|shall\s+)?(?:need|want|expect|ask)|"
    r"i'd\s+like|i\s+am\s+asking|i'm\s+asking|grateful|let\s+me\s+have|(?:we|i)\s+(?:have\s+)?agreed|as\s+agreed"
    # ("The conference agreed that the first core group would take place within 10 working days":
    # what a meeting agreed is the plan's history, not a time set for the work now.)
    # ("The strategy discussion that day agreed that the assessment would be updated within 10
    # working days": a meeting's agreement too.)
    r"|(?<!conference\s)(?<!review\s)(?<!panel\s)(?<!meeting\s)(?<!court\s)(?<!group\s)(?<!discussion\s)(?<!day\s)agreed\s+that"
    # "You and Sam have assured me the report will be ... taken out to mum by the end of Wednesday".
    r"|(?:have|has)\s+(?:assured|promised)\s+me\b"
    # "You said that Joe will have the report uploaded by the end of Wednesday 10 March ...,
    # which I am happy with": the manager's own date, accepted.
    r"|\byou\s+(?:said|told\s+me|'ve\s+told\s+me|have\s+told\s+me)\s+(?:that\s+)?(?=[^.!?\n]*\b(?:happy|content|fine)\s+with\b)"
    # A condition with a deadline ("If the report is on Mosaic by the end of Thursday, I'll close
    # it") sets the time for the work; "if it had been done by ..." is history (_PAST_OR_NEGATED).
    r"|^\W*if"
    # An agreed action with its deadline, as a list item: "- SW report to be completed and
    # shared with mum and dad by the end of Wednesday (21 July)".
    r"|(?:(?<=^)|(?<=^-\s)|(?<=^\*\s)|(?<=^•\s)|(?<=^·\s))(?:the\s+)?(?:[\w'-]+\s+){1,4}to\s+be\s+(?:completed|done|shared|uploaded|sent|provided|held|booked|agreed|signed)\b"
    # An agreed action under its label: "Agreed next step: SW to complete ... by Friday 23 April.",
    # "Agreed: the core group minutes and an updated CP plan will be with me by 5pm on Friday 16 July".
    r"|^\W*agreed(?:\s+(?:next\s+)?(?:steps?|actions?|plan))?(?=\s*:)"
    # "Need a decision on family time + RA on Mosaic within 48 hours." (typed without the "I"), and
    # a "Required:" label over the actions and their day.
    r"|^\W*need(?=\s+(?:a|an|the|your|some)\b)|^\W*(?:action\s+|actions\s+)?required(?=\s*:)"
    # A recommendation is what the IRO asks for: "Recommendation: ... a plan agreed within 10 working days."
    r"|^\W*(?:starred\s+)?recommendation(?=\s*:)"
    # A question that asks for the work: "Could the report be uploaded to Mosaic by Monday 14 June?"
    r"|^\W*(?:could|can|would|will)(?=\s+(?:the|this|that|these|it|they|he|she|mum|dad)\b)"
    # "Can we agree next steps by the end of next week?", "I appreciate the timing, but can we
    # have the invites out ... by the Monday after New Year?"
    r"|(?:^\W*|,\s*(?:but\s+|so\s+)?)(?:could|can)\s+we\s+(?:please\s+)?(?:agree|have|get|sort|see))\b",
    re.IGNORECASE,
)


# "visit within 10 working days of the review", "a core group meeting within 10 working days of
# conference": a period counted from another event is the work's own deadline, a fact of the plan;
# "within 5 working days of this e-mail" / "of receipt" counts from now.
_FROM_AN_EVENT = re.compile(
    r"\s+(?:of|from|after|following)\s+(?!(?:today|now|receipt|receiving|this\s+(?:e-?mail|message|letter|alert|(?:starred\s+)?recommendation|form|notification|referral)|the\s+date\s+of\s+this)\b)",
    re.IGNORECASE)


_RESTATED = re.compile(r"(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s*[,(]?\s*(?:i\.?e\.?|that\s+is|so|which\s+is)\s*,?\s*", re.IGNORECASE)


def _counted_from_an_event(text: str, period_start: int) -> bool:
    m = _PERIOD.match(text, period_start)
    return m is not None and _FROM_AN_EVENT.match(text, m.end()) is not None


def _deadline_at(text: str, sent: date | None, start: int, end: int) -> Timescale | None:
    """A period after "within", or a date after "by" / "no later than" / "before"."""
    event_period_end = -1  # where a period counted from another event ended
    fact_days: set[date] = set()  # that event's day, said as a day
    for word in _DEADLINE_WORD_AHEAD.finditer(text, start, end):
        if word.group().lower() in ("within", "in"):
            period = period_at(text, word.end(), min(end, word.end() + 40))
            if period and period[1] - word.end() <= 2:
                if not _counted_from_an_event(text, period[1]):
                    return Timescale(working_days=period[0])
                event_period_end = _PERIOD.match(text, period[1]).end()
                event_period_end = _FROM_AN_EVENT.match(text, event_period_end).end()
            continue
        if event_period_end >= 0 and _RESTATED.fullmatch(text, event_period_end, word.start()):
            # "within 10 working days of the conference, i.e. by 28 July": that event's own
            # deadline said again as a day, a fact of the plan like the period (and so is a
            # later "before then" that points back to it).
            restated = dated_at(text, word.start(), min(end, word.end() + 60), sent)
            if restated is not None:
                fact_days.add(restated[0])
            continue
        if word.group().lower() == "before" and _LOOSELY_BEFORE.search(text, max(0, word.start() - 30), word.start()):
            # "I would like this settled well before then": some time before that day, no day set.
            continue
        if word.group().lower().startswith("first"):
            # "... a date for the meeting, first thing Monday?": the day right after it.
            named = date_at(text, word.end() + 1, sent) if word.end() < len(text) else None
            if named is not None and named[1] - word.end() <= 40:
                return Timescale(until=named[0])
            continue
        by_the_time = _BY_THE_TIME.match(text, word.start(), end)
        if by_the_time is not None:
            day = date_at(text, by_the_time.end(), sent)
            if day is not None:
                return Timescale(until=day[0])
        found = dated_at(text, word.start(), min(end, word.end() + 60), sent)
        if found is not None and found[1] == word.start():
            if found[0] in fact_days and _THEN.match(text, word.end() + 1):
                continue
            return Timescale(until=found[0])
    return None


_LOOSELY_BEFORE = re.compile(r"\b(?:well|long|way|comfortably|in\s+good\s+time)\s+$", re.IGNORECASE)


# "within 5 working days, i.e. by Thursday 25th": the writer's own reading of the period, and the
# day meant even when the count (over a bank holiday) gives another.
_THAT_IS_BY = re.compile(r"\bworking\s+days?\s*[,(]?\s*(?:i\.?e\.?|that\s+is|so|which\s+is|meaning)\s*,?\s*(?:by\s+)?", re.IGNORECASE)


def the_day_written(found: Timescale, text: str, start: int, end: int, sent: date | None) -> Timescale:
    """A period, or the day written in text[start:end] when it is the day the period ends
    ("within 2 working days, i.e. by Friday 12 March", "22/10/2027 (5 working days)")."""
    if found.working_days is None or sent is None:
        return found
    said = _THAT_IS_BY.search(text, start, end)
    day = date_at(text, said.end(), sent) if said else None
    if day is not None and sent <= day[0] <= sent + timedelta(days=3 * found.working_days + 7):
        return Timescale(until=day[0])
    period = period_at(text, start, end)
    for written in DATE_RE.finditer(text, start, end):
        day = _from_match(written, sent)
        if day is None or not re.search(r"\d", written.group()) or not same_deadline(found, Timescale(until=day), sent):
            continue
        # The day must belong to the period, not to another clause that happens to fall on it:
        # "J starts school on 27 September, so I would ask ... within 5 working days".
        between = text[min(written.end(), period[1]):max(written.start(), period[1])] if period else ""
        if not _OTHER_CLAUSE.search(between) or _DEADLINE_JUST_BEFORE.search(text, max(start, written.start() - 30), written.start()):
            # (A day given with its own deadline word, "By end of play Wednesday 14 April
            # please", is the day asked for wherever it stands.)
            return Timescale(until=day)
    return found


_LABEL_EMPTY = re.compile(r"\s*:\s*(?:none|n/?a|nil|tbc|not\b|no\b|-)", re.IGNORECASE)
_DEADLINE_JUST_BEFORE = re.compile(r"\b(?:by|until|till|no\s+later\s+than|on\s+or\s+before|i\.?e\.?)\b[^.;!?\n]{0,24}$", re.IGNORECASE)
_THEREFORE = re.compile(r",\s*(?:so|therefore|and\s+so)\s+(?:i|we)\b", re.IGNORECASE)
_OTHER_CLAUSE = re.compile(r"[,;]\s*(?:so|and|but|because|as|which|while)\b|[.!?]\s", re.IGNORECASE)


def same_deadline(a: Timescale, b: Timescale, sent: date | None) -> bool:
    """Do two timescales name the same day ("within 5 working days" and "by Wednesday 10th")?
    Working days are counted over weekends only here (the parsers know no bank holidays): a
    holiday between makes them differ, and the process default applies with the reason."""
    return a == b or (sent is not None and _day_of(a, sent) == _day_of(b, sent))


def _day_of(timescale: Timescale, sent: date) -> date | None:
    if timescale.until is not None:
        return timescale.until
    day, left = sent, timescale.working_days or 0
    while left > 0:
        day += timedelta(days=1)
        left -= day.weekday() < 5
    return day


def _said(timescale: Timescale) -> str:
    return f"{timescale.working_days} working days" if timescale.working_days else f"by {timescale.until.isoformat()}"


# "I'm setting 3 working days for Nick's response given the level of risk: ... due by 20 August":
# the period comes before the response it is set for; the dates after it are the reasons.
# "I'm happy to go to close of play Thursday for a reply": the same, allowed rather than set.
# "I am setting the timescale for the written response as Friday 7 January 2028": the day after it.
_PERIOD_SET_FOR_RESPONSE = re.compile(
    r"\b(?:(?:i'm|i\s+am|i've|i\s+have|i'll|i\s+will)\s+(?:now\s+)?(?:setting|set|allowing|allow|giving|give)"
    # Written without the tense: "I give 7 working days for the response".
    r"|i\s+(?:give|allow|set)"
    r"|(?:i'm|i\s+am|i'd\s+be|i\s+would\s+be|i'll\s+be|i\s+will\s+be)\s+(?:happy|content|prepared|willing)\s+to\s+"
    r"(?:go|wait|give\s+(?:you|him|her|them)|allow))\s+"
    r"(?P<period>(?:him|her|them|you|\w+)?\s*[^.;:!?\n]{1,30}?)\s+for\s+(?:[\w-]+'s|his|her|their|your|the|a)\s+"
    r"(?:(?:written|full|formal)\s+)?(?:response|reply)\b", re.IGNORECASE)
_DATE_SET_FOR_RESPONSE = re.compile(
    r"\b(?:setting|set|fixing|fix|making|make)\s+(?:the|a)\s+(?:timescale|deadline|date|due\s+date)\s+for\s+"
    r"(?:(?:[\w-]+'s|his|her|their|your|the|a)\s+(?:(?:written|full|formal)\s+)?(?:response|reply)"
    # "I'm setting the timescale for this informal DRP as Friday 28 May": the alert's own.
    r"|this\s+(?:(?:informal|formal|pre-?)\s*)?(?:drp|alert|dispute|recommendation|stage\s+\w+|pre-dispute(?:\s+resolution)?))\s+(?:as|at|to)\s+",
    re.IGNORECASE)


def _set_for_response(text: str, sent: date | None, start: int, sentence: str) -> Timescale | None:
    set_for = _PERIOD_SET_FOR_RESPONSE.search(sentence)
    if set_for is not None:
        found = period_or_date(text, sent, start + set_for.start("period"), start + set_for.end("period"))
        if found is not None:
            return found
    set_as = _DATE_SET_FOR_RESPONSE.search(sentence)
    day = day_at(text, start + set_as.end(), sent) if set_as else None
    return None if day is None else Timescale(until=day)


_WITH_A_TIMESCALE = re.compile(r"\bwith\s+(?:a|the|an\s+agreed)\s+timescale$", re.IGNORECASE)
_NEXT_CLAUSE = re.compile(r";|,\s*(?:and|but|so|if|otherwise)\b", re.IGNORECASE)


def _asked(text, sent, trigger, frame, reader) -> Iterator[Timescale | str]:
    """Each timescale the text's sentences ask for, in order, one per sentence; a date already
    past is yielded as the note that says so (it is never the timescale)."""
    for start, end in sentences(text):
        sentence = text[start:end]
        # A sentence that sets or allows the time for the response asks by saying so.
        found = _set_for_response(text, sent, start, sentence) if trigger is _ASKS_FOR_RESPONSE else None
        if found is None and not (frame.search(sentence) or _IMPERATIVE_RESPONSE.match(sentence)):
            continue
        for asks in (() if found is not None else trigger.finditer(sentence)):
            # Past-tense or negated clauses tell history: "no response was received within 5
            # days". Only the clause that asks is looked at ("I don't think ..., so I need a
            # response ..."); in dictated run-on text a later clause may ask ("... the one from
            # January before he moved ... I need a date for the PEP by close of play Thursday").
            clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, asks.start())), default=0)
            # ("within 3 working days, not the end of the month" asks, and turns down another time.)
            # (After a "Timescale:" label comes its value, not a verb: "Timescale: as this was
            # identified at conference it needs to be resolved by ...".)
            # (Up to the next clause: "... done by Friday; if not I'll need to move it to Stage 1"
            # asks for Friday, and what follows the semicolon is another clause.)
            after = _NEXT_CLAUSE.split(sentence[asks.end() : asks.end() + 25], 1)[0]
            labelled = after.lstrip().startswith(":")
            if _PAST_OR_NEGATED.search(sentence[clause_start : asks.start()]) or (
                    # "Both were review decisions from his first review, with a timescale of 20
                    # working days, and neither has been completed": the actions' timescale, told.
                    _WITH_A_TIMESCALE.search(sentence, 0, asks.end()) and _PAST_OR_NEGATED.search(sentence[: asks.start()])) or (
                    _LABEL_EMPTY.match(after) if labelled else _PAST_OR_NEGATED.search(_CONTRAST.sub("", after))):
                continue
            # The period or date belongs to the request: it comes after the response word. A
            # response word in a clause that asks nothing, before a clause that asks again, is
            # passed over ("I appreciate the procedure gives you 5 working days to respond, but
            # with the IRH listed for 12 May I need your written response by Wednesday 5 May":
            # the 12th is the hearing's; the second clause asks for the 5th).
            later = _NEXT_CLAUSE.search(sentence, asks.end())
            if trigger is _ASKS_FOR_RESPONSE and later is not None and trigger.search(sentence, later.end()) \
                    and not frame.search(sentence[clause_start : later.start()]) \
                    and frame.search(sentence, later.end()):
                continue
            found = reader(text, sent, start + asks.start(), end)
            if trigger is _ASKS_FOR_RESPONSE and found is not None and found.working_days is not None:
                # "confirmation of the date of the next core group, which should be within 10
                # working days of conference": a period counted from another event is the plan's
                # own deadline, a fact, as it is for a deadline word (_deadline_at).
                period = period_at(text, start + asks.start(), end)
                if period is not None and period[0] == found.working_days and _counted_from_an_event(text, period[1]):
                    found = None
                    continue
            break
        if found is None:
            continue
        # "within 2 working days, i.e. by Friday 12 March": the day the IRO wrote, when it is
        # the day the period gives.
        found = the_day_written(found, text, start, end, sent)
        if found.until is not None and sent is not None and found.until < sent:
            yield f"the date asked for ({found.until.isoformat()}) had already passed"
        elif found.until is not None and sent is not None and (found.until - sent).days > _FURTHEST_RESPONSE_DAYS:
            continue  # "28 April" written in May resolves to next April: a date of the past
        else:
            yield found


def _first(asked: Iterator[Timescale | str]) -> tuple[Timescale | None, str | None]:
    """The next timescale ``asked`` gives, or None and the last note on the way."""
    note = None
    for item in asked:
        if isinstance(item, Timescale):
            return item, None
        note = item
    return None, note
