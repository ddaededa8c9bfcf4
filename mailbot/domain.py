"""The alert state machine: pure decisions, no I/O, no clock.

``decide(alert, event, now, rules)`` returns the alert's new state, the notices to send and the
lines for the audit history, or raises ``TransitionRefused`` and changes nothing. ``now`` is
always passed in. The allowed transitions are the table ``TRANSITIONS`` at the bottom of this
module: (status, event type) -> handler. A pair that is not in the table is refused.

The rules it keeps come from the four procedures in shared/seeds and DESIGN.md §2:

* the IRO (or CP Chair) decides: a lapsed deadline or a response *allows* escalation; by
  default the IRO is prompted, and an authority may opt in to automatic escalation;
* the IRO may start at, or jump to, any stage; a stage with a meeting (Luton's Dispute
  Resolution Meeting after the Assistant Director) goes through the meeting first when escalated
  without a named stage;
* managers respond and may ask for more time, which applies only when the IRO agrees;
* instructions are obeyed only from the alert's raiser and the roles configured as entitled;
* the formal cap (20 working days) is reported when breached, never enforced;
* Cafcass is the IRO's last resort, recorded with its date;
* the Business Manager corrects what was read or written wrongly (responder, children,
  categories, process) and reopens what was closed by mistake, each with who and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Callable, Mapping

from .calendar import WorkingCalendar
from .config import Config, Person, Process


class Status(StrEnum):
    OPEN = "open"  # the deadline lapsed with no response; the IRO has been asked to decide
    AWAITING_RESPONSE = "awaiting_response"
    RESPONSE_RECEIVED = "response_received"  # a manager answered; the IRO decides
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    CAFCASS = "cafcass"


LIVE = (Status.OPEN, Status.AWAITING_RESPONSE, Status.RESPONSE_RECEIVED)
CLOSED = (Status.RESOLVED, Status.WITHDRAWN, Status.CAFCASS)
STEP_STAGE = "stage"
STEP_MEETING = "meeting"


class TransitionRefused(Exception):
    """The event is not allowed for this alert now. Nothing was changed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class Episode:
    """One visit of the alert to one rung: who must respond, and by when."""

    stage: int  # 0 = informal
    step: str  # "stage", or "meeting" for a stage's follow-up meeting
    responder: str  # e-mail
    started: datetime
    due: date
    reminder_sent: bool = False
    lapsed: bool = False
    responded_at: datetime | None = None
    ended: datetime | None = None
    outcome: str | None = None  # escalated | resolved | withdrawn | cafcass


@dataclass(frozen=True)
class PendingExtension:
    requested_by: str
    requested_at: datetime
    working_days: int | None = None
    until: date | None = None


@dataclass(frozen=True)
class Alert:
    ref: str
    process: str
    status: Status
    raised_by: str
    anchor: str | None  # the manager the IRO addressed: escalation walks up from here
    children: tuple[str, ...]
    categories: tuple[str, ...]
    opened: datetime
    episodes: tuple[Episode, ...]
    closed: datetime | None = None
    resolved_at_stage: int | None = None
    formal_started: datetime | None = None
    cap_breached: bool = False
    pending_extension: PendingExtension | None = None
    cafcass_at: datetime | None = None

    @property
    def current(self) -> Episode:
        return self.episodes[-1]

    @property
    def stage(self) -> int:
        return self.current.stage

    @property
    def responder(self) -> str:
        return self.current.responder

    @property
    def due(self) -> date | None:
        if self.status in (Status.AWAITING_RESPONSE, Status.OPEN):
            return self.current.due
        return None

    @property
    def is_live(self) -> bool:
        return self.status in LIVE


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class RaiseAlert:
    ref: str
    process: str
    stage: int  # 0 = informal, 1..N = formal (a bypass when above 1)
    raised_by: str
    addressed: tuple[str, ...] = ()  # people the IRO wrote to, To before Cc
    children: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    working_days: int | None = None  # a timescale the IRO set
    until: date | None = None


@dataclass(frozen=True)
class ManagerResponse:
    sender: str
    # Why the reply answers nothing though it comes from the responder (an empty forward, a bare
    # question): it is recorded and the clock runs on (issue 9). None: it is a response.
    not_a_response: str | None = None


@dataclass(frozen=True)
class ExtensionRequested:
    sender: str
    working_days: int | None = None
    until: date | None = None


@dataclass(frozen=True)
class ExtensionAgreed:
    sender: str


@dataclass(frozen=True)
class Extend:
    """The IRO sets a new deadline of their own (Merton: the IRO sets the timescale)."""

    sender: str
    working_days: int | None = None
    until: date | None = None


@dataclass(frozen=True)
class Escalate:
    sender: str
    to_stage: int | None = None
    # A response timescale the IRO set with the escalation ("..., response within 3 working
    # days"); without one the rung's own applies.
    working_days: int | None = None
    until: date | None = None


@dataclass(frozen=True)
class Resolve:
    sender: str


@dataclass(frozen=True)
class Withdraw:
    sender: str


@dataclass(frozen=True)
class ReferToCafcass:
    sender: str


@dataclass(frozen=True)
class AddNote:
    sender: str


@dataclass(frozen=True)
class StatusQuery:
    sender: str


@dataclass(frozen=True)
class ReminderDue:
    """The sweep found the reminder day of the current deadline reached."""


@dataclass(frozen=True)
class DeadlineLapsed:
    """The sweep found the current deadline passed with no response."""


@dataclass(frozen=True)
class CapBreached:
    """The sweep found the formal stages past their cap of working days."""


# The Business Manager's corrections (issue 10). ``by`` names who corrected, for the audit; the
# service lets them through only from the command line or from a person ``is_administrator``
# accepts, so these never stand in for the IRO's own decisions.


@dataclass(frozen=True)
class Reassign:
    """The current rung's response is due from another person (cover for leave, a wrong
    responder). The deadline stays; the new responder is told what is due and when."""

    by: str
    to: str
    reason: str = ""


CORRECTABLE = ("child", "category", "process")


@dataclass(frozen=True)
class Correct:
    """A detail read or written wrongly: the children (``child``), the categories
    (``category``) or the process (``process``), replaced by ``values``."""

    by: str
    field: str
    values: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class Reopen:
    """An alert closed by mistake is live again, at the rung where it closed, with a fresh
    deadline for that rung."""

    by: str
    reason: str


Event = (
    RaiseAlert | ManagerResponse | ExtensionRequested | ExtensionAgreed | Extend | Escalate
    | Resolve | Withdraw | ReferToCafcass | AddNote | StatusQuery | ReminderDue | DeadlineLapsed
    | CapBreached | Reassign | Correct | Reopen
)
INSTRUCTIONS = (Extend, ExtensionAgreed, Escalate, Resolve, Withdraw, ReferToCafcass, AddNote, StatusQuery)


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Notice:
    """A mail to send: which template, to whom, and what makes it unique for this alert."""

    template: str
    to: tuple[str, ...]
    key: str  # with the alert reference, the outbox idempotency key
    cc: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    alert: Alert
    notices: tuple[Notice, ...]
    audit: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """What the state machine needs to know of the world: the configuration and the calendar."""

    config: Config
    calendar: WorkingCalendar

    def process(self, key: str) -> Process:
        return self.config.processes[key]


# --------------------------------------------------------------------------- helpers


def rung_name(process: Process, stage: int, step: str = STEP_STAGE) -> str:
    if stage == 0:
        return process.informal.name if process.informal else "Informal"
    s = process.stage(stage)
    if step == STEP_MEETING and s.then:
        return f"Stage {stage} {s.then.name}"
    return f"Stage {stage} {s.name}"


def next_rung(process: Process, stage: int, step: str) -> tuple[int, str] | None:
    """The rung an escalation without a named stage goes to, or None at the top of the ladder."""
    if stage > 0 and step == STEP_STAGE and process.stage(stage).then:
        return stage, STEP_MEETING
    if stage < process.last_stage:
        return stage + 1, STEP_STAGE
    return None


def describe_next(process: Process, alert: Alert) -> str:
    nxt = next_rung(process, alert.stage, alert.current.step)
    if nxt:
        return rung_name(process, *nxt)
    if process.final:
        return process.final.name
    return ""


def find_responder(config: Config, role: str, anchor: str | None) -> Person | None:
    """The person of ``role`` above the anchor in the directory, else the first with that role."""
    seen: set[str] = set()
    person = config.person(anchor)
    while person and person.email not in seen:
        if person.has_role(role):
            return person
        seen.add(person.email)
        person = config.person(person.manager)
    candidates = config.people_with_role(role)
    return candidates[0] if candidates else None


def _rung_responder(rules: Rules, alert: Alert, process: Process, stage: int, step: str) -> str:
    if step == STEP_MEETING:
        return alert.responder if alert.stage == stage else _stage_responder(rules, alert.anchor, process, stage)
    return _stage_responder(rules, alert.anchor, process, stage)


def _stage_responder(rules: Rules, anchor: str | None, process: Process, stage: int) -> str:
    role = process.informal.responder if stage == 0 and process.informal else process.stage(stage).responder
    person = find_responder(rules.config, role, anchor)
    if person is None:
        raise TransitionRefused(f"no one in the directory has the role {role!r}")
    return person.email


def _working_days_for(process: Process, stage: int, step: str) -> int:
    if stage == 0:
        assert process.informal is not None
        return process.informal.working_days
    s = process.stage(stage)
    if step == STEP_MEETING and s.then:
        return s.then.within_working_days
    return s.working_days


def _new_due(rules: Rules, now: datetime, base: date | None, working_days: int | None, until: date | None) -> date:
    """A new deadline: a named date (rolled on to a working day), or N working days after the
    later of the current deadline and today (a non-working today counts from the next working day)."""
    cal = rules.calendar
    if until is not None:
        if until < cal.local_date(now):
            raise TransitionRefused(f"the date {until.isoformat()} has already passed")
        return until if cal.is_working_day(until) else cal.next_working_day(until)
    assert working_days is not None
    start = cal.start_day(now)
    return cal.add_working_days(max(base, start) if base else start, working_days)


def is_entitled(config: Config, alert: Alert, sender: str) -> bool:
    """May ``sender`` instruct on ``alert``? Its raiser, and the roles in
    ``security.instructions_from`` (DESIGN §6.5). Routing asks this too, to read a reply."""
    if sender == alert.raised_by:
        return True
    person = config.person(sender)
    return bool(person and person.has_role(*config.settings.security.instructions_from))


def is_administrator(config: Config, sender: str | None) -> bool:
    """May ``sender`` correct alerts and work the queue of set-aside mail by e-mail? The
    Business Manager and the roles in ``security.instructions_from`` (issue 10)."""
    person = config.person(sender)
    roles = ("business_manager", *config.settings.security.instructions_from)
    return bool(person and person.has_role(*roles))


def _require_entitled(rules: Rules, alert: Alert, sender: str, what: str) -> None:
    if not is_entitled(rules.config, alert, sender):
        raise TransitionRefused(
            f"{sender} may not {what} {alert.ref}: only the alert's IRO or CP Chair"
            " and the QA manager may instruct"
        )


def _end_episode(alert: Alert, now: datetime, outcome: str) -> tuple[Episode, ...]:
    last = replace(alert.current, ended=now, outcome=outcome)
    return alert.episodes[:-1] + (last,)


def _people(*emails: str) -> tuple[str, ...]:
    """The addresses given, blanks and repeats left out, in order."""
    return tuple(dict.fromkeys(e for e in emails if e))


# --------------------------------------------------------------------------- handlers


def _raise(alert: Alert | None, ev: RaiseAlert, now: datetime, rules: Rules) -> Outcome:
    if ev.process not in rules.config.processes:
        raise TransitionRefused(f"there is no process {ev.process!r} in the configuration")
    process = rules.process(ev.process)
    if ev.stage == 0 and process.informal is None:
        raise TransitionRefused(f"the {process.label} process has no informal stage")
    if ev.stage < 0 or ev.stage > process.last_stage:
        raise TransitionRefused(
            f"stage {ev.stage} does not exist: the {process.label} ladder has stages 1-{process.last_stage}"
        )
    raiser = rules.config.person(ev.raised_by)
    if raiser is None or not raiser.has_role(*process.raised_by):
        raise TransitionRefused(f"{ev.raised_by} is not entitled to raise a {process.label} alert")
    anchor = None
    responder: str | None = None
    for email in ev.addressed:
        person = rules.config.person(email)
        if person and person.email != ev.raised_by and not person.has_role(
            "iro", "cp_chair", "business_manager", "qa_manager"
        ):
            anchor, responder = person.email, person.email
            break
    role = process.informal.responder if ev.stage == 0 else process.stage(ev.stage).responder
    audit = [f"raised at {rung_name(process, ev.stage)} by {ev.raised_by}"]
    if responder is None or not rules.config.person(responder).has_role(role):
        # The IRO wrote to no manager, or to one of another rung: the ladder's role decides,
        # walking up from whoever was addressed (DESIGN §2).
        chosen = find_responder(rules.config, role, anchor)
        if chosen is None:
            raise TransitionRefused(f"no one in the directory has the role {role!r}")
        if responder and responder != chosen.email:
            audit.append(f"{responder} was addressed; {chosen.email} holds the {role} role for this rung")
        responder = chosen.email
    if ev.until is not None or ev.working_days is not None:
        due = _new_due(rules, now, None, ev.working_days, ev.until)
        due = max(due, rules.calendar.start_day(now))
        audit.append(f"timescale set by the raiser: due {due.isoformat()}")
    else:
        due = rules.calendar.due_date(now, _working_days_for(process, ev.stage, STEP_STAGE))
    episode = Episode(stage=ev.stage, step=STEP_STAGE, responder=responder, started=now, due=due)
    new = Alert(
        ref=ev.ref,
        process=ev.process,
        status=Status.AWAITING_RESPONSE,
        raised_by=ev.raised_by,
        anchor=anchor or responder,
        children=ev.children,
        categories=ev.categories or ("unclassified",),
        opened=now,
        episodes=(episode,),
        formal_started=now if ev.stage > 0 else None,
    )
    audit.append(f"responder {responder}, due {due.isoformat()}")
    notices = (Notice("acknowledgement", (ev.raised_by,), "ack", cc=(responder,)),)
    return Outcome(new, notices, tuple(audit))


def _answers_for_rung(rules: Rules, alert: Alert, sender: str) -> bool:
    """The current responder, or someone above them, answers for the rung; a reply from anyone
    else (the previous rung's manager after an escalation, say) is recorded but answers nothing."""
    seen: set[str] = set()
    person = rules.config.person(alert.responder)
    while person and person.email not in seen:
        if person.email == sender:
            return True
        seen.add(person.email)
        person = rules.config.person(person.manager)
    return False


def _response(alert: Alert, ev: ManagerResponse, now: datetime, rules: Rules) -> Outcome:
    if ev.sender == alert.raised_by:
        raise TransitionRefused("the raiser's own reply is not a manager's response")
    if not _answers_for_rung(rules, alert, ev.sender):
        return Outcome(alert, (), (f"reply from {ev.sender} recorded; {alert.responder} holds this rung",))
    if ev.not_a_response:
        return Outcome(alert, (), (f"reply from {ev.sender} recorded; not a response ({ev.not_a_response}), the deadline stands",))
    late = rules.calendar.is_past_due(now, alert.current.due)
    episode = replace(alert.current, responded_at=alert.current.responded_at or now)
    new = replace(
        alert,
        status=Status.RESPONSE_RECEIVED,
        episodes=alert.episodes[:-1] + (episode,),
        pending_extension=None,
    )
    n = len(alert.episodes)
    notices = (
        Notice(
            "response_received",
            (alert.raised_by,),
            f"response/{n}/{ev.sender}/{now.isoformat()}",
            extra={"responder": ev.sender, "late": late},
        ),
    )
    return Outcome(new, notices, (f"response from {ev.sender}" + (" (after the deadline)" if late else " (on time)"),))


def _further_response(alert: Alert, ev: ManagerResponse, now: datetime, rules: Rules) -> Outcome:
    if ev.sender == alert.raised_by:
        raise TransitionRefused("the raiser's own reply is not a manager's response")
    return Outcome(alert, (), (f"further response from {ev.sender}",))


def _extension_requested(alert: Alert, ev: ExtensionRequested, now: datetime, rules: Rules) -> Outcome:
    if ev.sender == alert.raised_by:
        raise TransitionRefused("the IRO extends with EXTEND, not by asking for more time")
    if not _answers_for_rung(rules, alert, ev.sender):
        # Only the manager who must answer, or someone above them, may ask for their time.
        return Outcome(alert, (), (f"request for more time from {ev.sender} recorded, not taken: "
                                   f"{alert.responder} holds this rung",))
    process = rules.process(alert.process)
    days = ev.working_days
    if days is None and ev.until is None:
        days = process.extensions.default_working_days
    pending = PendingExtension(ev.sender, now, days, ev.until)
    asked = f"until {ev.until.isoformat()}" if ev.until else f"{days} more working days"
    notices = (
        Notice(
            "extension_requested",
            (alert.raised_by,),
            f"extension-request/{len(alert.episodes)}/{ev.sender}/{asked}/{now.isoformat()}",
            extra={"requested_by": ev.sender, "asked": asked},
        ),
    )
    return Outcome(replace(alert, pending_extension=pending), notices, (f"{ev.sender} asked for {asked}",))


def _apply_new_due(alert: Alert, due: date, now: datetime) -> Alert:
    episode = replace(alert.current, due=due, reminder_sent=False, lapsed=False)
    return replace(
        alert,
        status=Status.AWAITING_RESPONSE,
        episodes=alert.episodes[:-1] + (episode,),
        pending_extension=None,
    )


def _extension_agreed(alert: Alert, ev: ExtensionAgreed, now: datetime, rules: Rules) -> Outcome:
    _require_entitled(rules, alert, ev.sender, "agree an extension to")
    pending = alert.pending_extension
    if pending is None:
        raise TransitionRefused(f"no one has asked for more time on {alert.ref}, so there is nothing to agree; "
                                "reply RESOLVED if the response settles the concern, or EXTEND to set a new date")
    due = _new_due(rules, now, alert.current.due, pending.working_days, pending.until)
    # Agreeing to more time never brings a deadline forward.
    due = max(due, alert.current.due)
    new = _apply_new_due(alert, due, now)
    notices = (
        Notice(
            "extension_agreed",
            (alert.responder,),
            f"extension-agreed/{len(alert.episodes)}/{due.isoformat()}",
            cc=(alert.raised_by,),
            extra={"new_due": due},
        ),
    )
    return Outcome(new, notices, (f"extension agreed by {ev.sender}: due {due.isoformat()}",))


def _extend(alert: Alert, ev: Extend, now: datetime, rules: Rules) -> Outcome:
    _require_entitled(rules, alert, ev.sender, "extend")
    days = ev.working_days
    if days is None and ev.until is None:
        days = rules.process(alert.process).extensions.default_working_days
    due = _new_due(rules, now, alert.current.due, days, ev.until)
    new = _apply_new_due(alert, due, now)
    notices = (
        Notice(
            "extension_agreed",
            (alert.responder,),
            f"extended/{len(alert.episodes)}/{due.isoformat()}",
            cc=(alert.raised_by,),
            extra={"new_due": due},
        ),
    )
    return Outcome(new, notices, (f"deadline extended by {ev.sender}: due {due.isoformat()}",))


def _move_to(alert: Alert, stage: int, step: str, now: datetime, rules: Rules, by: str,
             working_days: int | None = None, until: date | None = None) -> Outcome:
    process = rules.process(alert.process)
    responder = _rung_responder(rules, alert, process, stage, step)
    if working_days is not None or until is not None:
        due = _new_due(rules, now, None, working_days, until)
    else:
        due = rules.calendar.due_date(now, _working_days_for(process, stage, step))
    episode = Episode(stage=stage, step=step, responder=responder, started=now, due=due)
    new = replace(
        alert,
        status=Status.AWAITING_RESPONSE,
        episodes=_end_episode(alert, now, "escalated") + (episode,),
        formal_started=alert.formal_started or (now if stage > 0 else None),
        pending_extension=None,
    )
    name = rung_name(process, stage, step)
    notices = (
        Notice(
            "escalation_notice",
            (responder,),
            f"escalation/{len(new.episodes)}",
            cc=_people(alert.raised_by),
        ),
    )
    return Outcome(new, notices, (f"escalated to {name} by {by}: responder {responder}, due {due.isoformat()}",))


def _escalate(alert: Alert, ev: Escalate, now: datetime, rules: Rules) -> Outcome:
    _require_entitled(rules, alert, ev.sender, "escalate")
    process = rules.process(alert.process)
    if ev.to_stage is None:
        nxt = next_rung(process, alert.stage, alert.current.step)
        if nxt is None:
            final = f"; reply CAFCASS to refer to {process.final.name}" if process.final else ""
            raise TransitionRefused(f"{alert.ref} is at the last stage of the ladder{final}")
        stage, step = nxt
    else:
        stage, step = ev.to_stage, STEP_STAGE
        if stage > process.last_stage:
            raise TransitionRefused(
                f"stage {stage} does not exist: the {process.label} ladder has stages 1-{process.last_stage}"
            )
        if stage <= alert.stage:
            raise TransitionRefused(f"{alert.ref} is already at stage {alert.stage}; escalation goes up")
    return _move_to(alert, stage, step, now, rules, ev.sender, ev.working_days, ev.until)


def _close(alert: Alert, status: Status, now: datetime, outcome: str) -> Alert:
    return replace(
        alert,
        status=status,
        closed=now,
        episodes=_end_episode(alert, now, outcome),
        pending_extension=None,
        resolved_at_stage=alert.stage if status is Status.RESOLVED else None,
    )


def _closing_notice(template: str, alert: Alert, rules: Rules) -> Notice:
    bm = tuple(p.email for p in rules.config.people_with_role("business_manager"))
    return Notice(template, (alert.raised_by,), template, cc=_people(alert.responder, *bm))


def _resolve(alert: Alert, ev: Resolve, now: datetime, rules: Rules) -> Outcome:
    _require_entitled(rules, alert, ev.sender, "resolve")
    name = rung_name(rules.process(alert.process), alert.stage, alert.current.step)
    return Outcome(
        _close(alert, Status.RESOLVED, now, "resolved"),
        (_closing_notice("resolution", alert, rules),),
        (f"resolved at {name} by {ev.sender}",),
    )


def _withdraw(alert: Alert, ev: Withdraw, now: datetime, rules: Rules) -> Outcome:
    _require_entitled(rules, alert, ev.sender, "withdraw")
    return Outcome(
        _close(alert, Status.WITHDRAWN, now, "withdrawn"),
        (_closing_notice("withdrawal", alert, rules),),
        (f"withdrawn by {ev.sender}",),
    )


def referral_refused(config: Config, alert: Alert, sender: str) -> str | None:
    """Why ``sender`` may not refer ``alert`` to its process's final body (Cafcass), or None if
    they may: the process has none, or the sender is not the alert's IRO in a role that may.
    Routing asks it too: a referral that can never be made by this sender is refused at once,
    not asked about."""
    process = config.processes[alert.process]
    if process.final is None:
        return f"the {process.label} process has no referral to Cafcass"
    person = config.person(sender)
    if sender != alert.raised_by or person is None or not person.has_role(*process.final.raised_by):
        return f"only the alert's IRO may refer {alert.ref} to {process.final.name}"
    return None


def _cafcass(alert: Alert, ev: ReferToCafcass, now: datetime, rules: Rules) -> Outcome:
    refused = referral_refused(rules.config, alert, ev.sender)
    if refused:
        raise TransitionRefused(refused)
    process = rules.process(alert.process)
    audit = [f"referred to {process.final.name} by {ev.sender}"]
    if alert.stage < process.last_stage:
        audit.append(f"referred before the last stage (at {rung_name(process, alert.stage)})")
    new = replace(_close(alert, Status.CAFCASS, now, "cafcass"), cafcass_at=now)
    return Outcome(new, (_closing_notice("cafcass", alert, rules),), tuple(audit))


def _note(alert: Alert, ev: AddNote, now: datetime, rules: Rules) -> Outcome:
    _require_entitled(rules, alert, ev.sender, "add a note to")
    return Outcome(alert, (), (f"note from {ev.sender}",))


def _status(alert: Alert, ev: StatusQuery, now: datetime, rules: Rules) -> Outcome:
    _require_entitled(rules, alert, ev.sender, "ask the status of")
    notice = Notice("status_reply", (ev.sender,), f"status/{ev.sender}/{now.isoformat()}")
    return Outcome(alert, (notice,), (f"status asked by {ev.sender}",))


def _reminder(alert: Alert, ev: ReminderDue, now: datetime, rules: Rules) -> Outcome:
    if alert.current.reminder_sent:
        raise TransitionRefused("reminder already sent for this deadline")
    if rules.calendar.is_past_due(now, alert.current.due):
        raise TransitionRefused(f"the deadline {alert.current.due.isoformat()} has passed; a reminder is too late")
    episode = replace(alert.current, reminder_sent=True)
    n = len(alert.episodes)
    notice = Notice("reminder", (alert.responder,), f"reminder/{n}/{alert.current.due.isoformat()}")
    return Outcome(
        replace(alert, episodes=alert.episodes[:-1] + (episode,)),
        (notice,),
        (f"reminder sent to {alert.responder}: due {alert.current.due.isoformat()}",),
    )


def _lapse(alert: Alert, ev: DeadlineLapsed, now: datetime, rules: Rules) -> Outcome:
    if not rules.calendar.is_past_due(now, alert.current.due):
        raise TransitionRefused(f"the deadline {alert.current.due.isoformat()} has not passed")
    process = rules.process(alert.process)
    episode = replace(alert.current, lapsed=True)
    lapsed = replace(alert, status=Status.OPEN, episodes=alert.episodes[:-1] + (episode,))
    n = len(alert.episodes)
    due = alert.current.due.isoformat()
    chaser = Notice("chaser", (alert.responder,), f"chaser/{n}/{due}", cc=(alert.raised_by,))
    audit = [f"deadline {due} lapsed with no response from {alert.responder}"]
    nxt = next_rung(process, alert.stage, alert.current.step)
    if process.escalation == "automatic" and nxt is not None:
        moved = _move_to(lapsed, nxt[0], nxt[1], now, rules, "mailbot (automatic escalation)")
        notice = Notice(
            "lapse_notice", (alert.raised_by,), f"lapse/{n}/{due}",
            extra={"automatic": True, "next_rung": rung_name(process, *nxt)},
        )
        return Outcome(moved.alert, (chaser, notice) + moved.notices, tuple(audit) + moved.audit)
    notice = Notice(
        "lapse_notice", (alert.raised_by,), f"lapse/{n}/{due}",
        extra={"automatic": False, "next_rung": describe_next(process, alert)},
    )
    audit.append("the IRO has been asked to decide")
    return Outcome(lapsed, (chaser, notice), tuple(audit))


def _cap(alert: Alert, ev: CapBreached, now: datetime, rules: Rules) -> Outcome:
    if alert.cap_breached:
        raise TransitionRefused("the cap breach is already recorded")
    process = rules.process(alert.process)
    if not _over_cap(rules, alert, process, now):
        raise TransitionRefused("the formal stages are within their cap")
    bm = tuple(p.email for p in rules.config.people_with_role("business_manager"))
    notice = Notice("cap_breach", (alert.raised_by,), "cap-breach", cc=bm,
                    extra={"cap_working_days": process.formal_cap_working_days})
    return Outcome(
        replace(alert, cap_breached=True),
        (notice,),
        (f"formal process has passed {process.formal_cap_working_days} working days (reported, not enforced)",),
    )


def _because(reason: str) -> str:
    return f": {reason.strip()}" if reason and reason.strip() else ""


def _reassign(alert: Alert, ev: Reassign, now: datetime, rules: Rules) -> Outcome:
    person = rules.config.person(ev.to)
    if person is None:
        raise TransitionRefused(f"{ev.to} is not in the directory")
    old = alert.responder
    if person.email == old:
        raise TransitionRefused(f"{person.email} is already the responder for {alert.ref}")
    if person.email == alert.raised_by or person.has_role("iro", "cp_chair"):
        raise TransitionRefused(f"{person.email} raised or chairs DRP alerts; a manager must respond")
    episode = replace(alert.current, responder=person.email)
    # When the manager the IRO addressed is the one replaced, the ladder walks up from the new
    # one: a wrong responder corrected, or cover from the same service.
    anchor = person.email if alert.anchor == old else alert.anchor
    new = replace(alert, anchor=anchor, episodes=alert.episodes[:-1] + (episode,))
    process = rules.process(alert.process)
    name = rung_name(process, alert.stage, alert.current.step)
    role = process.informal.responder if alert.stage == 0 and process.informal else process.stage(alert.stage).responder
    audit = [f"responder at {name} changed from {old} to {person.email} by {ev.by}{_because(ev.reason)}"]
    if not person.has_role(role):
        audit.append(f"{person.email} does not hold the {role} role: covering")
    cc = _people(alert.raised_by, *(e for e in (old,) if rules.config.person(e)))
    notice = Notice("reassigned", (person.email,), f"reassigned/{len(alert.episodes)}/{person.email}", cc=cc,
                    extra={"previous": old, "reason": ev.reason.strip()})
    return Outcome(new, (notice,), tuple(audit))


def _correct(alert: Alert, ev: Correct, now: datetime, rules: Rules) -> Outcome:
    values = tuple(dict.fromkeys(v.strip() for v in ev.values if v.strip()))
    if ev.field not in CORRECTABLE:
        raise TransitionRefused(f"{ev.field!r} cannot be corrected; one of: {', '.join(CORRECTABLE)}")
    if not values:
        raise TransitionRefused(f"correcting the {ev.field} of {alert.ref} needs the new value")
    config = rules.config
    if ev.field == "child":
        pattern = re.compile(config.authority.case_id_pattern)
        wrong = [v for v in values if (m := pattern.search(v)) is None or m.group(0) != v]
        if wrong:
            raise TransitionRefused(f"{', '.join(wrong)} is not a case ID as this authority writes them")
        new = replace(alert, children=values)
        # Count only: the audit is shown in notices; which IDs is in the alert itself.
        said = f"child IDs corrected by {ev.by} ({len(alert.children)} before, {len(values)} now)"
    elif ev.field == "category":
        process = rules.process(alert.process)
        known = {c.name.lower(): c.name for c in process.categories}
        wrong = [v for v in values if v.lower() not in known]
        if wrong:
            names = ", ".join(c.name for c in process.categories) or "none configured"
            raise TransitionRefused(f"{', '.join(wrong)} is not a {process.label} category (categories: {names})")
        cats = tuple(known[v.lower()] for v in values)
        new = replace(alert, categories=cats)
        said = f"categories corrected by {ev.by}: {', '.join(alert.categories)} -> {', '.join(cats)}"
    else:
        if len(values) != 1 or values[0].lower() not in config.processes:
            raise TransitionRefused(f"{' '.join(values)} is not a process; one of: {', '.join(config.processes)}")
        key = values[0].lower()
        if key == alert.process:
            raise TransitionRefused(f"{alert.ref} is already in the {key} process")
        target = rules.process(key)
        if alert.stage == 0 and target.informal is None:
            raise TransitionRefused(f"the {target.label} process has no informal stage, where {alert.ref} is")
        if alert.stage > target.last_stage:
            raise TransitionRefused(f"the {target.label} ladder has no stage {alert.stage}")
        known = {c.name for c in target.categories}
        cats = tuple(c for c in alert.categories if c in known) or ("unclassified",)
        new = replace(alert, process=key, categories=cats)
        said = f"process corrected by {ev.by}: {alert.process} -> {key}"
        if cats != alert.categories:
            said += f"; categories now {', '.join(cats)}"
    notice = Notice("corrected", (alert.raised_by,), f"corrected/{ev.field}/{now.isoformat()}",
                    extra={"field": ev.field, "reason": ev.reason.strip()})
    return Outcome(new, (notice,), (said + _because(ev.reason),))


def _reopen(alert: Alert, ev: Reopen, now: datetime, rules: Rules) -> Outcome:
    if not ev.reason.strip():
        raise TransitionRefused(f"reopening {alert.ref} needs a reason")
    process = rules.process(alert.process)
    last = alert.current
    responder = last.responder if rules.config.person(last.responder) else _rung_responder(
        rules, alert, process, last.stage, last.step)
    due = rules.calendar.due_date(now, _working_days_for(process, last.stage, last.step))
    episode = Episode(stage=last.stage, step=last.step, responder=responder, started=now, due=due)
    new = replace(alert, status=Status.AWAITING_RESPONSE, closed=None, resolved_at_stage=None,
                  cafcass_at=None, pending_extension=None, episodes=alert.episodes + (episode,))
    name = rung_name(process, last.stage, last.step)
    bm = tuple(p.email for p in rules.config.people_with_role("business_manager"))
    notice = Notice("reopened", (responder,), f"reopened/{len(new.episodes)}", cc=_people(alert.raised_by, *bm),
                    extra={"reason": ev.reason.strip(), "was": alert.status.value})
    return Outcome(new, (notice,), (
        f"reopened at {name} by {ev.by} (it was {alert.status.value}){_because(ev.reason)}; "
        f"responder {responder}, due {due.isoformat()}",))


# --------------------------------------------------------------------------- the table

Handler = Callable[[Any, Any, datetime, Rules], Outcome]
ANY_STATUS = LIVE + CLOSED

TRANSITIONS: dict[tuple[Status | None, type], Handler] = {
    (None, RaiseAlert): _raise,
    (Status.AWAITING_RESPONSE, ManagerResponse): _response,
    (Status.OPEN, ManagerResponse): _response,
    (Status.RESPONSE_RECEIVED, ManagerResponse): _further_response,
    **{(s, ExtensionRequested): _extension_requested for s in LIVE},
    **{(s, ExtensionAgreed): _extension_agreed for s in LIVE},
    **{(s, Extend): _extend for s in LIVE},
    **{(s, Escalate): _escalate for s in LIVE},
    **{(s, Resolve): _resolve for s in LIVE},
    **{(s, Withdraw): _withdraw for s in LIVE},
    **{(s, ReferToCafcass): _cafcass for s in LIVE},
    (Status.AWAITING_RESPONSE, ReminderDue): _reminder,
    (Status.AWAITING_RESPONSE, DeadlineLapsed): _lapse,
    **{(s, CapBreached): _cap for s in LIVE},
    **{(s, AddNote): _note for s in ANY_STATUS},
    **{(s, StatusQuery): _status for s in ANY_STATUS},
    **{(s, Reassign): _reassign for s in LIVE},
    **{(s, Correct): _correct for s in ANY_STATUS},
    **{(s, Reopen): _reopen for s in CLOSED},
}

_EVENT_WORDS = {
    ManagerResponse: "take a response on",
    ExtensionRequested: "extend",
    ExtensionAgreed: "extend",
    Extend: "extend",
    Escalate: "escalate",
    Resolve: "resolve",
    Withdraw: "withdraw",
    ReferToCafcass: "refer",
    ReminderDue: "remind on",
    DeadlineLapsed: "lapse",
    CapBreached: "flag",
    Reassign: "reassign",
    Reopen: "reopen",
}


def decide(alert: Alert | None, event: Event, now: datetime, rules: Rules) -> Outcome:
    """Apply ``event`` to ``alert`` at ``now``. Raises TransitionRefused and changes nothing."""
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    status = alert.status if alert is not None else None
    handler = TRANSITIONS.get((status, type(event)))
    if handler is None:
        if alert is None:
            raise TransitionRefused("there is no alert to apply this to")
        if isinstance(event, RaiseAlert):
            raise TransitionRefused(f"{alert.ref} already exists")
        word = _EVENT_WORDS.get(type(event), "change")
        raise TransitionRefused(f"{alert.ref} is {alert.status.value.replace('_', ' ')}; cannot {word} it now")
    return handler(alert, event, now, rules)


def due_events(alert: Alert, now: datetime, rules: Rules) -> list[Event]:
    """The timed events that are due for ``alert`` at ``now`` (the deadline sweep's question)."""
    if not alert.is_live:
        return []
    cal = rules.calendar
    process = rules.process(alert.process)
    events: list[Event] = []
    if alert.status is Status.AWAITING_RESPONSE:
        episode = alert.current
        lead = process.reminders.before_due_working_days
        if lead and not episode.reminder_sent and not cal.is_past_due(now, episode.due):
            remind_on = cal.subtract_working_days(episode.due, lead)
            if cal.local_date(now) >= remind_on and cal.local_date(episode.started) < remind_on:
                events.append(ReminderDue())
        if cal.is_past_due(now, episode.due):
            events.append(DeadlineLapsed())
    if not alert.cap_breached and _over_cap(rules, alert, process, now):
        events.append(CapBreached())
    return events


def next_due_at(alert: Alert, rules: Rules) -> datetime | None:
    """The first instant at which ``due_events`` can return anything for ``alert`` as it stands:
    its reminder, its lapse or its cap breach, whichever comes first; None when nothing ever will
    (a closed alert, or a live one past its cap with no deadline running). The sweep looks only
    at alerts whose instant has come (issue 13), so this must never be later than the truth: a
    test holds it to ``due_events`` for random alerts and instants."""
    if not alert.is_live:
        return None
    cal = rules.calendar
    process = rules.process(alert.process)
    moments: list[datetime] = []
    if alert.status is Status.AWAITING_RESPONSE:
        episode = alert.current
        lapse = cal.end_of_day(episode.due)
        moments.append(lapse)
        lead = process.reminders.before_due_working_days
        if lead and not episode.reminder_sent:
            remind_on = cal.subtract_working_days(episode.due, lead)
            if cal.local_date(episode.started) < remind_on:
                moments.append(min(cal.end_of_day(remind_on - timedelta(days=1)), lapse))
    cap = process.formal_cap_working_days
    if not alert.cap_breached and cap and alert.formal_started is not None:
        # working_days_between(start, day) > cap first holds on the (cap+1)-th working day.
        breach_day = cal.add_working_days(cal.start_day(alert.formal_started), cap + 1)
        moments.append(cal.end_of_day(breach_day - timedelta(days=1)))
    return min(moments) if moments else None


def _over_cap(rules: Rules, alert: Alert, process: Process, now: datetime) -> bool:
    cap = process.formal_cap_working_days
    if not cap or alert.formal_started is None:
        return False
    cal = rules.calendar
    return cal.working_days_between(cal.start_day(alert.formal_started), cal.local_date(now)) > cap
