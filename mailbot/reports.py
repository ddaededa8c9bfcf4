"""What the Safeguarding Business Manager sees: the daily digest, the monthly lists and the
quarterly analysis, built from the alerts and a few facts from the store.

Pure: every function takes the configuration, the working-day calendar, a list of domain
``Alert``s, the store facts it needs and ``now``; nothing here reads the clock, the database or
the disk (the spreadsheet writers take an open file or path given by the caller). The service
gathers the inputs and queues the mails; the CLI writes the files.

Conventions, chosen so that the figures are the Business Manager's spreadsheet, right to the day:

* **Children are counted.** One concern can cover siblings; the procedures count each child, so
  figures give children beside alerts, and the alert log has one row per child per alert.
  Durations (working days to resolution) are per alert: the alert is what took that long.
* **Periods** are whole local days, both ends included: a calendar quarter ``2026Q4``
  (1 Oct - 31 Dec 2026), a financial year ``FY2026`` (1 Apr 2026 - 31 Mar 2027: English local
  government's year, named by the calendar year it starts in, i.e. "2026/27"), a month
  ``2027-05``, or any ``--from/--to``.
* **As at the end of the period.** A report on a past period shows the alerts as they stood at
  its end: escalations after it, or a conclusion after it, are not in it. So a report on
  2026Q4 reads the same in January and in June.
* **Working days open** are counted as deadlines are: from the first working day of the alert
  (a Saturday alert counts from Monday) to the day it was concluded, bank holidays and closure
  days excluded.
* **On time.** A rung's response is on time when it arrived by the end of its due day (as
  extended with the IRO's agreement): ``calendar.is_past_due(responded_at, due)`` is false. A
  rung belongs to the period its deadline falls in. Rungs closed before their deadline without
  a response (the IRO resolved or escalated early) owed nothing and are left out; a deadline
  that passed with no response is counted as "lapsed, no response" and counts *against* the
  share on time: the share is responses on time / deadlines (on time + late + lapsed), and
  "n/a" where no deadline fell due, never "100%" beside deadlines nobody answered.
* **Percentiles** are Excel's PERCENTILE.INC (linear between ranks), so a reader who checks a
  figure in the spreadsheet gets the same number.
* **Data protection.** No child's name or narrative exists in an alert, so none can reach a
  report. Case-system IDs appear in the mails only when ``digest.show_case_ids`` is true; the
  quarterly spreadsheet's alert log is one row per child by definition and carries the ID.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable, Sequence

from . import domain as d
from .calendar import WorkingCalendar
from .config import Config, Person
from .notices import decider_title, long_date, short_time, status_text, status_words

# Templates whose mails are scheduled reports rather than replies in an alert's thread
# (they go out as Auto-Submitted: auto-generated).
REPORT_TEMPLATES = ("digest", "monthly_manager", "monthly_summary", "quarterly_report")

# Quarantined mail and failed notices have no "dealt with" state, so a digest lists those of
# the last two working weeks (every digest in that time shows them) and counts older ones.
RECENT_WORKING_DAYS = 10
OLDEST_OPEN_SHOWN = 10
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Quarantined:
    received_at: datetime
    from_addr: str | None
    reason: str | None
    handle: str = ""  # Q-0012: what the Business Manager writes to act on it (issue 10)
    subject: str = ""


@dataclass(frozen=True)
class Failure:
    created_at: datetime
    subject: str
    to: tuple[str, ...]
    error: str | None


@dataclass(frozen=True)
class Compliment:
    received_at: datetime
    raised_by: str
    process: str | None
    children: tuple[str, ...]


@dataclass(frozen=True)
class StoreFacts:
    """What the reports need from the store besides the alerts."""

    quarantined: tuple[Quarantined, ...] = ()
    failures: tuple[Failure, ...] = ()
    queued: int = 0
    last_received: datetime | None = None  # the newest inbound message: when the mailbox was last read
    compliments: tuple[Compliment, ...] = ()
    # Alerts loaded by `mailbot import`: the old spreadsheet says nothing of responses, so they
    # are left out of the on-time figures rather than counted as lapsed.
    imported: frozenset[str] = frozenset()


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    label: str

    @property
    def key(self) -> str:
        return self.label.replace(" ", "")


_QUARTER = re.compile(r"(\d{4})\s*-?\s*Q([1-4])", re.I)
_FY = re.compile(r"FY\s*(\d{4})(?:\s*/\s*\d{2,4})?", re.I)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def _month_end(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def quarter(year: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(date(year, first, 1), _month_end(year, first + 2), f"{year}Q{q}")


def financial_year(year: int) -> Period:
    return Period(date(year, 4, 1), date(year + 1, 3, 31), f"FY{year} ({year}/{str(year + 1)[2:]})")


def month(year: int, m: int) -> Period:
    return Period(date(year, m, 1), _month_end(year, m), f"{year}-{m:02d}")


def parse_period(text: str) -> Period:
    """``2026Q4``, ``FY2026`` (April 2026 - March 2027) or ``2027-05``; ValueError otherwise."""
    value = text.strip()
    if m := _QUARTER.fullmatch(value):
        return quarter(int(m[1]), int(m[2]))
    if m := _FY.fullmatch(value):
        return financial_year(int(m[1]))
    if (m := _MONTH.fullmatch(value)) and 1 <= int(m[2]) <= 12:
        return month(int(m[1]), int(m[2]))
    raise ValueError(f"{text!r} is not a period: use 2026Q4, FY2026 (April-March) or 2027-05")


def between(start: date, end: date) -> Period:
    if end < start:
        raise ValueError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return Period(start, end, f"{start.isoformat()} to {end.isoformat()}")


def previous_quarter(today: date) -> Period:
    """The last calendar quarter that has ended by ``today``."""
    q = (today.month - 1) // 3  # the current quarter's index 0-3; the previous one is q-1
    return quarter(today.year, q) if q else quarter(today.year - 1, 4)


def previous_month(today: date) -> Period:
    return month(today.year, today.month - 1) if today.month > 1 else month(today.year - 1, 12)


# --------------------------------------------------------------------------- small facts


def percentile_inc(values: Sequence[float], p: float) -> float | None:
    """Excel's PERCENTILE.INC: linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = p * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def person_name(config: Config, email: str | None) -> str:
    person = config.person(email)
    return person.name if person else (email or "")


def team_of(config: Config, alert: d.Alert) -> str:
    """The team whose case it is: the team of the manager the IRO addressed (the anchor)."""
    person = config.person(alert.anchor)
    return person.team if person and person.team else "(team not recorded)"


def stage_label(config: Config, stage: int, step: str = d.STEP_STAGE) -> str:
    """A rung's name across processes: "Stage 2 Service Manager" when every process that has
    the rung calls it that, else "Stage 2" (the figures pool the processes)."""
    names = set()
    for process in config.processes.values():
        if stage == 0 and process.informal is None:
            continue
        if stage > process.last_stage:
            continue
        if step == d.STEP_MEETING and not process.stage(stage).then:
            continue
        names.add(d.rung_name(process, stage, step))
    if len(names) == 1:
        return names.pop()
    return "Informal" if stage == 0 else (f"Stage {stage} meeting" if step == d.STEP_MEETING else f"Stage {stage}")


def _rung_order(stage: int, step: str) -> tuple[int, int]:
    return stage, 1 if step == d.STEP_MEETING else 0


def response_outcome(episode: d.Episode, calendar: WorkingCalendar, now: datetime) -> str | None:
    """on_time | late | lapsed (no response by the deadline) | None (nothing owed, or not due yet),
    as known at ``now`` (a response after ``now`` has not happened yet)."""
    if episode.responded_at is not None and episode.responded_at <= now:
        return "late" if calendar.is_past_due(episode.responded_at, episode.due) else "on_time"
    ended = episode.ended
    if ended is not None and ended <= now and not calendar.is_past_due(ended, episode.due):
        return None  # closed or escalated before the deadline: no response was owed
    return "lapsed" if calendar.is_past_due(now, episode.due) else None


class _AsAt:
    """One alert as it stood at an instant (the end of a report's period)."""

    def __init__(self, alert: d.Alert, until: datetime, calendar: WorkingCalendar):
        self.alert = alert
        self.episodes = [e for e in alert.episodes if e.started < until] or [alert.episodes[0]]
        self.concluded = alert.closed is not None and alert.closed < until
        self.until = until
        self.calendar = calendar

    @property
    def stage_reached(self) -> int:
        return max(e.stage for e in self.episodes)

    @property
    def status(self) -> d.Status:
        """The status the alert had at the end of the period, worked out from its episodes as
        they stood then (a response or a lapse after the end is not known yet)."""
        if self.concluded:
            return self.alert.status
        last = self.episodes[-1]
        if last.responded_at is not None and last.responded_at < self.until:
            return d.Status.RESPONSE_RECEIVED
        if self.calendar.is_past_due(self.until - timedelta(microseconds=1), last.due):
            return d.Status.OPEN
        return d.Status.AWAITING_RESPONSE

    @property
    def resolved_at_stage(self) -> int | None:
        return self.alert.resolved_at_stage if self.concluded else None

    def reached(self) -> dict[int, date]:
        """The local date each stage was first reached (0 = informal)."""
        out: dict[int, date] = {}
        for e in self.episodes:
            out.setdefault(e.stage, self.calendar.local_date(e.started))
        return out

    def working_days_open(self) -> int:
        cal = self.calendar
        end = self.alert.closed if self.concluded else self.until - timedelta(microseconds=1)
        return cal.working_days_between(cal.start_day(self.alert.opened), cal.local_date(end))


def _over_cap(alert: d.Alert, config: Config, calendar: WorkingCalendar, until: datetime) -> bool:
    cap = config.processes[alert.process].formal_cap_working_days
    starts = [e.started for e in alert.episodes if e.stage > 0 and e.started < until]
    if not cap or not starts:
        return False
    end = alert.closed if alert.closed is not None and alert.closed < until else until - timedelta(microseconds=1)
    return calendar.working_days_between(calendar.start_day(min(starts)), calendar.local_date(end)) > cap


# --------------------------------------------------------------------------- daily digest


def _since_last_digest(config: Config, calendar: WorkingCalendar, now: datetime) -> datetime:
    """The digest goes out on working days at the configured time; each covers what happened
    since the previous one, so every change is told exactly once."""
    today = calendar.local_date(now)
    return datetime.combine(calendar.previous_working_day(today), config.settings.digest.time, calendar.tz)


def digest_context(config: Config, calendar: WorkingCalendar, alerts: Sequence[d.Alert], facts: StoreFacts,
                   now: datetime) -> dict[str, Any]:
    """The ``extra`` context of templates/digest.*: counts, sections, mail needing a person,
    delivery failures and the health line."""
    cal = calendar
    show_ids = config.settings.digest.show_case_ids
    today = cal.local_date(now)
    tomorrow = cal.next_working_day(today)
    since = _since_last_digest(config, cal, now)

    def recent(instant: datetime) -> bool:
        return since <= instant <= now

    live = [a for a in alerts if a.is_live]
    overdue = [a for a in live if a.due and cal.is_past_due(now, a.due)]
    due_today = [a for a in live if a.due == today and not cal.is_past_due(now, a.due)]
    due_next = [a for a in live if a.due and today < a.due <= tomorrow]
    awaiting_iro = [a for a in live if a.status is d.Status.RESPONSE_RECEIVED]
    capped = [a for a in live if a.cap_breached]
    new = [a for a in alerts if recent(a.opened)]
    escalated = [a for a in alerts if any(recent(e.started) for e in a.episodes[1:])]
    closed = [a for a in alerts if a.closed is not None and recent(a.closed)]
    # The directory was re-read and the responder is gone (issue 10): nobody will answer.
    orphaned = [a for a in live if config.person(a.responder) is None]

    def row(alert: d.Alert, rung: str | None = None) -> dict[str, Any]:
        process = config.processes[alert.process]
        due = alert.due
        late = cal.working_days_between(due, today) if due and cal.is_past_due(now, due) else None
        return {
            "ref": alert.ref,
            # Case IDs are left out of the context itself, not just hidden by the template.
            "children": ", ".join(alert.children) if show_ids else "",
            "rung": rung or d.rung_name(process, alert.stage, alert.current.step),
            # A closed alert's row already says how it closed ("Resolved at ..."), in place of the rung.
            "status": status_words(alert, config, overdue=late is not None) if alert.is_live else "",
            "responder": person_name(config, alert.responder),
            "due_text": long_date(due),
            "days_overdue": late,
        }

    def closed_rung(alert: d.Alert) -> str:
        process = config.processes[alert.process]
        where = d.rung_name(process, alert.stage, alert.current.step)
        if alert.status is d.Status.CAFCASS:
            return f"Referred to {process.final.name if process.final else 'Cafcass'} from {where}"
        return f"{alert.status.value.capitalize()} at {where}"

    def last_escalation(alert: d.Alert) -> datetime:
        return max(e.started for e in alert.episodes[1:])

    # Newest problems first: the most recently lapsed deadline, the latest response, and so on.
    sections = [
        ("Responder no longer in the directory: write REASSIGN DRP-... TO name@... to the mailbox",
         [row(a) for a in sorted(orphaned, key=lambda a: a.ref)]),
        ("Overdue", [row(a) for a in sorted(overdue, key=lambda a: (a.due, a.ref), reverse=True)]),
        ("Due today", [row(a) for a in sorted(due_today, key=lambda a: a.ref)]),
        (f"Due next working day ({long_date(tomorrow)})", [row(a) for a in sorted(due_next, key=lambda a: a.ref)]),
        ("Responses waiting for the IRO's decision",
         [row(a) for a in sorted(awaiting_iro, key=lambda a: (a.current.responded_at, a.ref), reverse=True)]),
        ("Formal cap breached (still open)",
         [row(a) for a in sorted(capped, key=lambda a: (a.formal_started or a.opened, a.ref), reverse=True)]),
        ("New since the last digest", [row(a) for a in sorted(new, key=lambda a: (a.opened, a.ref), reverse=True)]),
        ("Escalated since the last digest",
         [row(a) for a in sorted(escalated, key=lambda a: (last_escalation(a), a.ref), reverse=True)]),
        ("Closed since the last digest",
         [row(a, closed_rung(a)) for a in sorted(closed, key=lambda a: (a.closed, a.ref), reverse=True)]),
    ]
    # Every open alert counted at the top is listed somewhere: the rest, newest first.
    listed = {a.ref for a in overdue + due_today + due_next + awaiting_iro + capped + new + escalated}
    others = [a for a in live if a.ref not in listed]
    sections.append(("Other open alerts", [row(a) for a in sorted(others, key=lambda a: (a.opened, a.ref), reverse=True)]))

    counts: dict[str, int] = {}
    by_rung: Counter[tuple[int, str, str]] = Counter()
    for alert in live:
        process = config.processes[alert.process]
        by_rung[(*_rung_order(alert.stage, alert.current.step), d.rung_name(process, alert.stage, alert.current.step))] += 1
    for (_, _, name), n in sorted(by_rung.items()):
        counts[f"Open at {name}"] = n
    counts.update({
        "New since the last digest": len(new),
        "Due today": len(due_today),
        "Due next working day": len(due_next),
        "Overdue": len(overdue),
        "Escalated since the last digest": len(escalated),
        "Resolved since the last digest": sum(1 for a in closed if a.status is d.Status.RESOLVED),
        "Referred to Cafcass since the last digest": sum(1 for a in closed if a.status is d.Status.CAFCASS),
        "Formal cap breached (open)": len(capped),
    })
    if orphaned:
        counts["Responder no longer in the directory"] = len(orphaned)

    window_start = datetime.combine(cal.subtract_working_days(today, RECENT_WORKING_DAYS), time(0), cal.tz)
    quarantined = sorted(facts.quarantined, key=lambda m: m.received_at, reverse=True)
    needs = [
        {"received_text": short_time(m.received_at, cal), "from_addr": m.from_addr or "(no sender)",
         "reason": m.reason or "not recognised", "handle": m.handle, "subject": m.subject}
        for m in quarantined if m.received_at >= window_start
    ]
    failures = sorted(facts.failures, key=lambda f: f.created_at, reverse=True)
    fails = [
        {"subject": f.subject, "to": ", ".join(f.to), "error": f.error or "failed"}
        for f in failures if f.created_at >= window_start
    ]
    older_q, older_f = len(quarantined) - len(needs), len(failures) - len(fails)

    last = f"mail last received {short_time(facts.last_received, cal)}" if facts.last_received else "no mail received yet"
    health = (f"{last}; outbox {facts.queued} waiting, {len(facts.failures)} failed;"
              f" {len(live)} open alert{'' if len(live) == 1 else 's'}")
    if older_q or older_f:
        health += f"; older than {RECENT_WORKING_DAYS} working days and not listed:"
        health += f" {older_q} quarantined, {older_f} failed"
    empty = not live and not new and not closed and not escalated and not needs and not fails
    return {
        "date_text": long_date(today),
        "since_text": short_time(since, cal),
        "show_case_ids": show_ids,
        "counts": counts,
        "sections": [{"title": t, "rows": r} for t, r in sections if r],
        "needs_a_person": needs,
        "delivery_failures": fails,
        "health": health,
        "empty": empty,
    }


# --------------------------------------------------------------------------- monthly


def operational_managers(config: Config) -> list[Person]:
    """Everyone who holds a role that responds on some rung of some ladder."""
    roles: set[str] = set()
    for process in config.processes.values():
        if process.informal:
            roles.add(process.informal.responder)
        roles.update(s.responder for s in process.stages)
    return [p for p in config.people if p.has_role(*roles)]


def subtree(config: Config, email: str) -> set[str]:
    """``email`` and everyone below them through ``manager`` links."""
    below: dict[str, list[str]] = defaultdict(list)
    for p in config.people:
        if p.manager:
            below[p.manager].append(p.email)
    out, todo = set(), [email]
    while todo:
        person = todo.pop()
        if person not in out:
            out.add(person)
            todo.extend(below[person])
    return out


def _outstanding_row(config: Config, cal: WorkingCalendar, alert: d.Alert, now: datetime) -> dict[str, Any]:
    process = config.processes[alert.process]
    today = cal.local_date(now)
    due = alert.due
    return {
        "ref": alert.ref,
        "children": ", ".join(alert.children) if config.settings.digest.show_case_ids else "",
        "team": team_of(config, alert),
        "rung": d.rung_name(process, alert.stage, alert.current.step),
        "status": status_words(alert, config, overdue=bool(due and cal.is_past_due(now, due))),
        "responder": person_name(config, alert.responder),
        "raised_text": long_date(cal.local_date(alert.opened)),
        "due_text": long_date(due),
        "days_overdue": cal.working_days_between(due, today) if due and cal.is_past_due(now, due) else None,
        "working_days_open": cal.working_days_between(cal.start_day(alert.opened), today),
    }


def monthly_manager_context(config: Config, calendar: WorkingCalendar, alerts: Sequence[d.Alert],
                            manager: Person, now: datetime) -> dict[str, Any]:
    """The alerts outstanding with ``manager`` and their teams: the alert's current responder or
    the team manager it concerns (its anchor) is the manager or below them. Oldest first."""
    mine = subtree(config, manager.email)
    rows = [
        _outstanding_row(config, calendar, a, now)
        for a in sorted(alerts, key=lambda a: (a.opened, a.ref))
        if a.is_live and (a.responder in mine or a.anchor in mine)
    ]
    return {
        "date_text": long_date(calendar.local_date(now)),
        "manager_name": manager.name,
        "show_case_ids": config.settings.digest.show_case_ids,
        "rows": rows,
        "overdue": sum(1 for r in rows if r["days_overdue"] is not None),
    }


def on_time_by_rung(config: Config, calendar: WorkingCalendar, alerts: Sequence[d.Alert], period: Period,
                    now: datetime, imported: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Per rung, the deadlines that fell in ``period``: responses on time, late, and lapsed.
    Imported alerts (``imported`` references) have no response record and are left out."""
    tally: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    labels: dict[tuple[int, int], str] = {}
    for alert in alerts:
        if alert.ref in imported:
            continue
        for e in alert.episodes:
            if not (period.start <= e.due <= period.end):
                continue
            outcome = response_outcome(e, calendar, now)
            if outcome is None:
                continue
            key = _rung_order(e.stage, e.step)
            labels[key] = stage_label(config, e.stage, e.step)
            tally[key][outcome] += 1
    out = []
    for key in sorted(tally):
        t = tally[key]
        responses = t["on_time"] + t["late"]
        deadlines = responses + t["lapsed"]
        out.append({
            "rung": labels[key], "deadlines": deadlines, "responses": responses,
            "on_time": t["on_time"], "late": t["late"], "lapsed": t["lapsed"],
            "share_on_time": share_on_time(t["on_time"], deadlines),
        })
    return out


def share_on_time(on_time: int, deadlines: int) -> float | None:
    """Responses on time as a share of the deadlines that fell due: a deadline that lapsed with
    no response counts against it (3 lapsed and 1 on time is 25%, not 100%); None ("n/a")
    when no deadline fell due."""
    return round(on_time / deadlines, 3) if deadlines else None


NOT_APPLICABLE = "n/a"


def _share_text(share: float | None) -> str:
    return NOT_APPLICABLE if share is None else f"{share * 100:.0f}%"


def monthly_summary_context(config: Config, calendar: WorkingCalendar, alerts: Sequence[d.Alert],
                            period: Period, now: datetime, imported: frozenset[str] = frozenset()) -> dict[str, Any]:
    """For the Divisional Director: what is open now by stage and team, the oldest open
    alerts, the month's activity and its on-time response rate."""
    cal = calendar
    live = [a for a in alerts if a.is_live]
    start = datetime.combine(period.start, time(0), cal.tz)
    end = cal.end_of_day(period.end)

    def within(instant: datetime | None) -> bool:
        return instant is not None and start <= instant < end

    stages: Counter[tuple[int, int]] = Counter()
    stage_names: dict[tuple[int, int], str] = {}
    teams: dict[str, Counter[str]] = defaultdict(Counter)
    for a in live:
        key = _rung_order(a.stage, a.current.step)
        stage_names[key] = stage_label(config, a.stage, a.current.step)
        stages[key] += 1
        team = teams[team_of(config, a)]
        team["open"] += 1
        team["children"] += len(a.children)
        team["overdue"] += bool(a.due and cal.is_past_due(now, a.due))
    rungs = on_time_by_rung(config, cal, alerts, period, now, imported)
    on_time = sum(r["on_time"] for r in rungs)
    responses = sum(r["responses"] for r in rungs)
    deadlines = sum(r["deadlines"] for r in rungs)
    oldest = sorted(live, key=lambda a: (a.opened, a.ref))[:OLDEST_OPEN_SHOWN]
    by_stage = [{"rung": stage_names[k], "open": stages[k]} for k in sorted(stages)]
    by_team = [{"team": t, "open": c["open"], "children": c["children"], "overdue": c["overdue"]}
               for t, c in sorted(teams.items())]
    by_rung = [{**r, "share_text": _share_text(r["share_on_time"])} for r in rungs]
    return {
        "date_text": long_date(cal.local_date(now)),
        "period_label": period.label,
        "period_text": f"{long_date(period.start)} to {long_date(period.end)}",
        "show_case_ids": config.settings.digest.show_case_ids,
        "open_total": len(live),
        "overdue_total": sum(1 for a in live if a.due and cal.is_past_due(now, a.due)),
        "by_stage": by_stage,
        "by_team": by_team,
        # The same figures as rows of cells, for the HTML tables (templates/_macros.html table()).
        "by_stage_rows": [[r["rung"], r["open"]] for r in by_stage],
        "by_team_rows": [[r["team"], r["open"], r["children"], r["overdue"]] for r in by_team],
        "on_time_rows": [[r["rung"], r["deadlines"], r["on_time"], r["late"], r["lapsed"], r["share_text"]]
                         for r in by_rung],
        "oldest": [_outstanding_row(config, cal, a, now) for a in oldest],
        "raised": sum(1 for a in alerts if within(a.opened)),
        "escalated": sum(1 for a in alerts for e in a.episodes[1:] if within(e.started)),
        "resolved": sum(1 for a in alerts if a.status is d.Status.RESOLVED and within(a.closed)),
        "on_time": on_time,
        "responses": responses,
        "deadlines": deadlines,
        "lapsed": sum(r["lapsed"] for r in rungs),
        "on_time_text": _share_text(share_on_time(on_time, deadlines)),
        "on_time_by_rung": by_rung,
    }


# --------------------------------------------------------------------------- quarterly


@dataclass
class Table:
    """One sheet of the quarterly workbook: a title, column headers and rows of plain values."""

    name: str  # the sheet name (31 characters at most)
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    chart: tuple[str, int] | None = None  # (chart title, 1-based column of the values to plot)
    note: str = ""


@dataclass
class QuarterlyReport:
    period: Period
    generated: datetime
    summary: list[tuple[str, Any]]
    tables: list[Table]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def figure(self, label: str) -> Any:
        return dict(self.summary)[label]


LOG_HEADERS_START = ["Reference", "Child ID", "Process", "IRO", "Team", "Categories", "Date raised"]
LOG_HEADERS_END = ["Stage reached", "Date concluded", "Stage resolved", "Working days open", "Outcome"]


def shared_category_names(config: Config) -> set[str]:
    """Category names that more than one process uses (Luton's "Key documentation missing" is
    both a looked-after-children and a child-protection category)."""
    seen: Counter[str] = Counter()
    for process in config.processes.values():
        seen.update({c.name for c in process.categories})
    return {name for name, n in seen.items() if n > 1}


def short_process_name(config: Config, key: str) -> str:
    """How a category's process is named beside it: the configuration's short key in capitals
    ("LAC", "CP") when it is an abbreviation, else the process's label."""
    return key.upper() if len(key) <= 4 else config.processes[key].label


def _reached_headers(config: Config) -> list[tuple[int, str]]:
    top = max(p.last_stage for p in config.processes.values())
    out = [(0, "Date informal")] if any(p.informal for p in config.processes.values()) else []
    return out + [(n, f"Date stage {n}") for n in range(1, top + 1)]


def quarterly_report(config: Config, calendar: WorkingCalendar, alerts: Sequence[d.Alert],
                     compliments: Sequence[Compliment], period: Period, now: datetime,
                     imported: frozenset[str] = frozenset()) -> QuarterlyReport:
    cal = calendar
    start = datetime.combine(period.start, time(0), cal.tz)
    end = cal.end_of_day(period.end)
    until = min(end, now)  # a period still running is reported as at now

    def within(instant: datetime | None) -> bool:
        return instant is not None and start <= instant < until

    active = [_AsAt(a, until, cal) for a in sorted(alerts, key=lambda a: (a.opened, a.ref))
              if a.opened < until and (a.closed is None or a.closed >= start)]
    raised = [x for x in active if within(x.alert.opened)]
    concluded = [x for x in active if x.concluded and within(x.alert.closed)]
    resolved = [x for x in concluded if x.alert.status is d.Status.RESOLVED]
    cafcass = [x for x in concluded if x.alert.status is d.Status.CAFCASS]
    escalations = [(x, e) for x in active for e in x.episodes[1:] if within(e.started)]

    def kids(xs: Iterable[_AsAt]) -> int:
        return sum(max(1, len(x.alert.children)) for x in xs)

    def process_label(alert: d.Alert) -> str:
        return config.processes[alert.process].label

    def rung_of(x: _AsAt, stage: int | None) -> str:
        if stage is None:
            return ""
        return d.rung_name(config.processes[x.alert.process], stage)

    def outcome_text(x: _AsAt) -> str:
        """The status as words (mailbot.notices), as it stood at the end of the period. An open
        alert's words follow "open", which `mailbot import` reads back from the CSV."""
        final = config.processes[x.alert.process].final
        words = status_text(x.status, decider=decider_title(config, x.alert),
                            final=final.name if final else "Cafcass")
        return words if x.concluded else f"open ({words})"

    # --- the alert log: one row per child per alert
    reached_cols = _reached_headers(config)
    log = Table("Alert log", f"Alert log, {period.label}: every alert open at any time in the period, one row per child",
                LOG_HEADERS_START + [h for _, h in reached_cols] + LOG_HEADERS_END)
    for x in active:
        a = x.alert
        reached = x.reached()
        base = [a.ref, None, process_label(a), person_name(config, a.raised_by), team_of(config, a),
                "; ".join(a.categories), cal.local_date(a.opened)]
        tail = [reached.get(n) for n, _ in reached_cols] + [
            rung_of(x, x.stage_reached),
            cal.local_date(a.closed) if x.concluded else None,
            rung_of(x, x.resolved_at_stage),
            x.working_days_open(),
            outcome_text(x),
        ]
        for child in a.children or ("",):
            log.rows.append([*base[:1], child, *base[2:], *tail])

    # --- by category (alerts raised in the period)
    cat_alerts: Counter[tuple[str, str]] = Counter()
    cat_children: Counter[tuple[str, str]] = Counter()
    for x in raised:
        for c in x.alert.categories or ("unclassified",):
            key = (c, process_label(x.alert))
            cat_alerts[key] += 1
            cat_children[key] += max(1, len(x.alert.children))
    by_category = Table("By category", f"Alerts raised in {period.label}, by category of concern",
                        ["Category", "Process", "Alerts", "Children"], chart=("Children by category of concern", 4),
                        note="An alert with several categories counts under each.")
    shared = shared_category_names(config) | {c for c, _ in cat_alerts
                                              if sum(1 for other, _ in cat_alerts if other == c) > 1}
    label_of = {x.alert.process: process_label(x.alert) for x in raised}
    short_of = {label: short_process_name(config, key) for key, label in label_of.items()}
    for key in sorted(cat_alerts, key=lambda k: (-cat_children[k], k)):
        # A name two processes share is shown with its process, so the chart's bars (labelled
        # from this column alone) never show "Key documentation missing" twice.
        name = f"{key[0]} ({short_of[key[1]]})" if key[0] in shared else key[0]
        by_category.rows.append([name, key[1], cat_alerts[key], cat_children[key]])

    # --- by stage reached (every alert open in the period, as at its end)
    def by_stage(title: str, name: str, xs: list[_AsAt], stage_of, chart: str) -> Table:
        groups: dict[int, list[_AsAt]] = defaultdict(list)
        for x in xs:
            groups[stage_of(x)].append(x)
        table = Table(name, title, ["Stage", "Alerts", "Children"], chart=(chart, 3))
        for stage in sorted(groups):
            table.rows.append([stage_label(config, stage), len(groups[stage]), kids(groups[stage])])
        return table

    reached_table = by_stage(f"Alerts open at any time in {period.label}, by the highest stage reached by its end",
                             "By stage reached", active, lambda x: x.stage_reached, "Children by stage reached")
    resolved_table = by_stage(f"Alerts resolved in {period.label}, by the stage at which they were resolved",
                              "By stage resolved", resolved, lambda x: x.alert.resolved_at_stage,
                              "Children by stage resolved")

    # --- by team
    team_rows: dict[str, Counter[str]] = defaultdict(Counter)
    for x in raised:
        team_rows[team_of(config, x.alert)]["raised"] += 1
        team_rows[team_of(config, x.alert)]["children"] += max(1, len(x.alert.children))
    for x, _ in escalations:
        team_rows[team_of(config, x.alert)]["escalations"] += 1
    for x in resolved:
        team_rows[team_of(config, x.alert)]["resolved"] += 1
    for x in active:
        if not x.concluded:
            team_rows[team_of(config, x.alert)]["open"] += 1
    by_team = Table("By team", f"By team, {period.label} (the team of the manager the IRO addressed)",
                    ["Team", "Alerts raised", "Children", "Escalations", "Resolved", "Open at end"])
    for team in sorted(team_rows):
        c = team_rows[team]
        by_team.rows.append([team, c["raised"], c["children"], c["escalations"], c["resolved"], c["open"]])

    # --- working days to resolution (per alert)
    def durations(xs: list[_AsAt]) -> list[Any]:
        days = [x.working_days_open() for x in xs]
        return [len(days), _round(percentile_inc(days, 0.5)), _round(percentile_inc(days, 0.9)),
                min(days) if days else None, max(days) if days else None]

    timing = Table("Working days", f"Working days from raising to resolution, alerts resolved in {period.label}",
                   ["Resolved at", "Alerts", "Median", "90th percentile", "Fewest", "Most"],
                   note="Percentiles as Excel's PERCENTILE.INC. Working days exclude weekends, bank holidays and closure days.")
    timing.rows.append(["All stages", *durations(resolved)])
    groups: dict[int, list[_AsAt]] = defaultdict(list)
    for x in resolved:
        groups[x.alert.resolved_at_stage].append(x)
    for stage in sorted(groups):
        timing.rows.append([stage_label(config, stage), *durations(groups[stage])])

    # --- on time per rung
    rungs = on_time_by_rung(config, cal, alerts, period, until, imported)
    on_time = Table("On time", f"Responses on time, deadlines falling in {period.label}",
                    ["Stage", "Deadlines", "Responses", "On time", "Late", "Lapsed, no response", "Share on time"],
                    note="On time: received by the end of the due day (as extended with the IRO's agreement)."
                         " Imported alerts are left out: the old spreadsheet did not record responses.")
    for r in rungs:
        on_time.rows.append([r["rung"], r["deadlines"], r["responses"], r["on_time"], r["late"], r["lapsed"],
                             r["share_on_time"]])

    # --- Cafcass referrals
    caf = Table("Cafcass", f"Referrals to Cafcass in {period.label}",
                ["Reference", "Children", "Process", "IRO", "Team", "Date referred", "Stage at referral",
                 "Working days from raising"])
    for x in cafcass:
        a = x.alert
        caf.rows.append([a.ref, len(a.children), process_label(a), person_name(config, a.raised_by), team_of(config, a),
                         cal.local_date(a.cafcass_at or a.closed), rung_of(x, x.stage_reached), x.working_days_open()])

    # --- compliments
    comps = sorted((c for c in compliments if within(c.received_at)), key=lambda c: c.received_at)
    comp = Table("Compliments", f"IRO compliments (good practice) recorded in {period.label}",
                 ["Date", "IRO", "Process", "Children"])
    for c in comps:
        comp.rows.append([cal.local_date(c.received_at), person_name(config, c.raised_by),
                          config.processes[c.process].label if c.process in config.processes else (c.process or ""),
                          len(c.children)])

    all_resolved = timing.rows[0]
    summary: list[tuple[str, Any]] = [
        ("Period", f"{period.label}: {long_date(period.start)} to {long_date(period.end)}"),
        ("As at", short_time(until, cal) if until < end else f"end of {long_date(period.end)}"),
        ("Alerts raised", len(raised)),
        ("Children in alerts raised", kids(raised)),
        ("Escalations", len(escalations)),
        ("Alerts concluded", len(concluded)),
        ("Resolved", len(resolved)),
        ("Withdrawn", sum(1 for x in concluded if x.alert.status is d.Status.WITHDRAWN)),
        ("Referred to Cafcass", len(cafcass)),
        ("Open at the end of the period", sum(1 for x in active if not x.concluded)),
        ("Median working days to resolution", all_resolved[2]),
        ("90th percentile working days to resolution", all_resolved[3]),
        # On time / deadlines that fell due: a lapsed deadline counts against it; "n/a" when none fell due.
        ("Responses on time", _share_text(share_on_time(sum(r["on_time"] for r in rungs),
                                                        sum(r["deadlines"] for r in rungs)))),
        ("Deadlines lapsed with no response", sum(r["lapsed"] for r in rungs)),
        ("Formal cap breached", sum(1 for x in active if _over_cap(x.alert, config, cal, until))),
        ("Compliments", len(comps)),
    ]
    tables = [log, by_category, reached_table, resolved_table, by_team, timing, on_time, caf, comp]
    return QuarterlyReport(period, now, summary, tables)


# --------------------------------------------------------------------------- files

# A cell starting with one of these is read by Excel, LibreOffice and Sheets as a formula (tab
# and carriage return start one after the program strips them): OWASP's "CSV injection".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"


def safe_cell(value: Any) -> Any:
    """What a workbook or CSV cell gets for ``value``: text that a spreadsheet would take for a
    formula is written with an apostrophe before it, so it stays text; numbers, dates and other
    text are unchanged. Text that already starts with an apostrophe gets one more, so that
    ``plain_cell`` gives every text back exactly (``mailbot import`` reads our CSV)."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, _ESCAPE)):
        return _ESCAPE + value
    return value


def plain_cell(value: Any) -> Any:
    """The text ``safe_cell`` was given: the one apostrophe it added is taken off again."""
    if isinstance(value, str) and value.startswith(_ESCAPE) and value[1:].startswith((*FORMULA_STARTS, _ESCAPE)):
        return value[1:]
    return value


# The workbook's layout: what a Business Manager needs to print it and to filter it.
HEADER_ROW = 3  # row 1 the sheet's title, row 2 its note, row 3 the column headers
MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH = 8, 50


def column_width(header: str, values: Iterable[Any]) -> float:
    """A readable width (in characters) for a column: its longest value, or its header over at
    most two lines (headers wrap), never narrower than a date nor wider than half a page."""
    words = header.split()
    need = max([max(len(w) for w in words) if words else 0, -(-len(header) // 2)])
    for value in values:
        if isinstance(value, (date, datetime)):
            need = max(need, 10)  # dd/mm/yyyy
        elif value is not None:
            need = max(need, len(str(value)))
    return float(max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, need + 2)))


def axis_scale(largest: float) -> tuple[float, float]:
    """(maximum, major unit) of a chart's count axis, from the data: whole-number steps of
    1, 2 or 5 times a power of ten, about five of them, and the largest bar within one step of
    the top, so a bar is never clipped and a small count is never dwarfed by a fixed maximum."""
    if largest <= 0:
        return 1.0, 1.0
    rough = largest / 5
    magnitude = 1.0
    while magnitude * 10 <= rough:
        magnitude *= 10
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    return float(-(-largest // step) * step), float(step)


def _print_setup(ws: Any, header_row: int | None) -> None:
    """Landscape A4, fitted to one page wide (as many tall as it takes), the header row
    repeated on every printed page."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"


def write_xlsx(report: QuarterlyReport, target: Any) -> None:
    """The workbook: a summary sheet, one sheet per table, native bar charts where asked.
    ``target`` is a binary file object (the CLI gives a private file) or a path. Every cell
    is written through ``safe_cell``: a name or category never becomes a live formula.
    Every sheet prints landscape, one page wide, with its header row repeated; every table has
    an autofilter on its header row and columns as wide as their contents need (up to a limit,
    beyond which the text wraps); each chart's axis is scaled to its own figures."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F2F4F7")
    wrap = Alignment(wrap_text=True, vertical="top")
    book = Workbook()
    sheet = book.active
    sheet.title = "Summary"
    sheet["A1"] = safe_cell(f"DRP alerts: quarterly analysis, {report.period.label}")
    sheet["A1"].font = Font(bold=True, size=14)
    for i, (label, value) in enumerate(report.summary, start=3):
        sheet.cell(i, 1, safe_cell(label)).font = bold
        sheet.cell(i, 2, safe_cell(value)).alignment = Alignment(horizontal="left", wrap_text=True)
    sheet.column_dimensions["A"].width = column_width("", (label for label, _ in report.summary))
    sheet.column_dimensions["B"].width = column_width("", (value for _, value in report.summary))
    _print_setup(sheet, None)

    for table in report.tables:
        ws = book.create_sheet(table.name[:31])
        ws["A1"] = safe_cell(table.title)
        ws["A1"].font = Font(bold=True, size=12)
        first = HEADER_ROW
        last_row = first + len(table.rows)
        if table.note:
            ws["A2"] = safe_cell(table.note)
        for col, header in enumerate(table.headers, start=1):
            cell = ws.cell(first, col, safe_cell(header))
            cell.font, cell.fill, cell.alignment = bold, head_fill, Alignment(wrap_text=True, vertical="bottom")
            width = column_width(header, (row[col - 1] for row in table.rows))
            ws.column_dimensions[get_column_letter(col)].width = width
        for r, values in enumerate(table.rows, start=first + 1):
            for col, value in enumerate(values, start=1):
                header = table.headers[col - 1]
                if header.startswith("Share") and value is None:
                    value = NOT_APPLICABLE  # no deadline fell due: a share of nothing is not 0% or 100%
                cell = ws.cell(r, col, safe_cell(value))
                if isinstance(value, date):
                    cell.number_format = "dd/mm/yyyy"
                elif header.startswith("Share"):
                    cell.number_format = "0%"
                    cell.alignment = Alignment(horizontal="right")
                elif isinstance(value, str) and len(value) > MAX_COLUMN_WIDTH - 2:
                    cell.alignment = wrap
        last_col = get_column_letter(len(table.headers))
        ws.auto_filter.ref = f"A{first}:{last_col}{last_row}"
        ws.freeze_panes = ws.cell(first + 1, 1)
        _print_setup(ws, first)
        if table.chart and table.rows:
            title, column = table.chart
            chart = BarChart()
            chart.type = "bar"  # horizontal: category names are long
            chart.title = title
            chart.legend = None
            chart.add_data(Reference(ws, min_col=column, min_row=first, max_row=last_row), titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=first + 1, max_row=last_row))
            largest = max((row[column - 1] or 0) for row in table.rows)
            chart.y_axis.scaling.min = 0
            chart.y_axis.scaling.max, chart.y_axis.majorUnit = axis_scale(largest)
            chart.y_axis.numFmt = "0"
            chart.y_axis.title = table.headers[column - 1]
            # openpyxl 3.1 writes axes as deleted unless told otherwise; Excel then shows none.
            chart.x_axis.delete = False
            chart.y_axis.delete = False
            chart.width, chart.height = 22, max(7, 1.2 * len(table.rows) + 3)
            ws.add_chart(chart, f"{get_column_letter(len(table.headers) + 2)}{first}")
    book.save(target)


def xlsx_bytes(report: QuarterlyReport) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(report, buffer)
    return buffer.getvalue()


def write_csv(report: QuarterlyReport, handle: Any) -> None:
    """The alert log alone, as CSV (one table per file; the figures are in the workbook).
    Dates are ISO (YYYY-MM-DD) so that any tool, and ``mailbot import``, reads them back;
    text goes through ``safe_cell`` as in the workbook."""
    log = report.table("Alert log")
    writer = csv.writer(handle)
    writer.writerow([safe_cell(h) for h in log.headers])
    for values in log.rows:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else safe_cell(v) for v in values])


def quarterly_text(report: QuarterlyReport) -> str:
    """A plain-text rendering of the figures, for ``--print`` and the mail body."""
    lines = [f"DRP alerts: quarterly analysis, {report.period.label}", ""]
    width = max(len(label) for label, _ in report.summary)
    lines += [f"{label + ':':<{width + 1}} {'' if value is None else value}" for label, value in report.summary]
    for table in report.tables[1:]:  # the log is in the attachment, not in the body
        lines += ["", f"== {table.title} =="]
        if not table.rows:
            lines.append("(none)")
            continue
        cells = [table.headers] + [[_cell_text(h, v) for h, v in zip(table.headers, row)] for row in table.rows]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(table.headers))]
        for r in cells:
            lines.append("  ".join(str(v).ljust(widths[i]) for i, v in enumerate(r)).rstrip())
    return "\n".join(lines) + "\n"


def _cell_text(header: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if header.startswith("Share"):
        return _share_text(value)
    return str(value)


def quarterly_mail_context(report: QuarterlyReport, filename: str) -> dict[str, Any]:
    """templates/quarterly_report.*: the key figures in the body, everything else attached."""
    return {
        "period_label": report.period.label,
        "period_text": f"{long_date(report.period.start)} to {long_date(report.period.end)}",
        "summary": [(label, "" if value is None else str(value)) for label, value in report.summary[2:]],
        "by_category": [[str(v) for v in row] for row in report.table("By category").rows],
        "by_stage_resolved": [[str(v) for v in row] for row in report.table("By stage resolved").rows],
        "filename": filename,
    }
