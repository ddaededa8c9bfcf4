"""What personal data is due to go, and what is held about one child or one person (issue 9).

Pure policy: given the time now (injected), the authority's ``retention:`` rules and facts read
from the store (never the raw mail itself, except where a message must be read to know whom it
is about), it says what is to be removed and under which rule. Nothing here touches the store,
the clock or a file; ``mailbot.subject_rights`` applies the answers through
``store.repository``.

The rules (``mailbot.config.Retention``):

- ``closed_alert``: ``closed_alert_years`` after an alert closed (resolved, withdrawn, Cafcass),
  the raw bytes of its inbound mail, the bodies of the mail sent about it and the details of
  its audit lines (which can quote a message) go; with ``remove_case_ids`` its children's case
  IDs are replaced by markers too. Its dates, stages, categories and outcome stay, so the
  reports give the same figures.
- ``unlinked_mail``: ``unlinked_mail_days`` after it was received or queued, mail linked to no
  alert (quarantined, automatic, compliments; digests and reports sent) loses its content.
- ``compliment``: with ``remove_case_ids``, a compliment's case IDs go ``closed_alert_years``
  after it was received.

Mail still waiting in the outbox is never emptied: it would go out blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Literal

import parsers
from parsers import ParseError, ParseRules

from .config import Retention

# The store's actions for lines that record a removal: they hold no personal data by
# construction and are the record of what was done, so they are never redacted themselves.
REMOVAL_ACTIONS = ("retention", "erased")
LIVE_STATUSES = ("open", "awaiting_response", "response_received")


# ------------------------------------------------------------------------------ facts in


@dataclass(frozen=True)
class AlertFacts:
    """What the policy needs to know about one alert; no mail content."""

    ref: str
    status: str
    closed: datetime | None
    case_ids: tuple[str, ...]
    case_ids_removed: bool
    people: frozenset[str]  # raised_by, anchor and every responder, lower-case

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


@dataclass(frozen=True)
class MailFacts:
    """A message received (``box == "in"``) or an outbox row (``"out"``), without its content."""

    box: Literal["in", "out"]
    id: int
    alert_ref: str | None
    at: datetime  # received (in) or queued (out)
    holds_content: bool  # raw bytes, or a body, are still there
    waiting: bool  # an outbox row not yet sent: never emptied
    addresses: tuple[str, ...]  # in: the sender; out: the recipients (lower-case)


@dataclass(frozen=True)
class AuditFacts:
    id: int
    alert_ref: str | None
    action: str
    actor: str
    detail: str
    redacted: bool  # the detail is already the marker


@dataclass(frozen=True)
class ComplimentFacts:
    id: int
    received_at: datetime
    raised_by: str
    case_ids: tuple[str, ...]
    case_ids_removed: bool


# ------------------------------------------------------------------------------ retention


@dataclass(frozen=True)
class Removal:
    """What goes under one rule for one alert (or for the mail linked to none)."""

    rule: str  # closed_alert | unlinked_mail | compliment
    setting: str  # the configuration that says so, e.g. "retention.closed_alert_years: 2"
    alert_ref: str | None
    due_since: datetime | None  # for an alert: the moment its rule fell due
    inbound_ids: tuple[int, ...] = ()
    outbound_ids: tuple[int, ...] = ()
    audit_ids: tuple[int, ...] = ()
    case_ids: int = 0  # how many case IDs of the alert are replaced
    compliment_ids: tuple[int, ...] = ()

    def describe(self) -> str:
        """What is removed, counted, naming nobody: it is written into the audit line."""
        return counted(len(self.inbound_ids), len(self.outbound_ids), len(self.audit_ids),
                       self.case_ids, len(self.compliment_ids))


def counted(inbound: int, outbound: int, audit: int, case_ids: int = 0, compliments: int = 0) -> str:
    parts = []
    if inbound:
        parts.append(f"raw content of {_n(inbound, 'mail')} received")
    if outbound:
        parts.append(f"body of {_n(outbound, 'mail')} sent")
    if audit:
        parts.append(f"detail of {_n(audit, 'audit line')}")
    if case_ids:
        parts.append(_n(case_ids, "case ID"))
    if compliments:
        parts.append(f"case IDs of {_n(compliments, 'compliment')}")
    return ", ".join(parts) or "nothing"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def add_years(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` later; 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def due_for_removal(
    now: datetime,
    rules: Retention,
    alerts: Iterable[AlertFacts],
    mail: Iterable[MailFacts],
    audit: Iterable[AuditFacts],
    compliments: Iterable[ComplimentFacts] = (),
) -> list[Removal]:
    """Everything due at ``now``, one Removal per alert then one per rule for the rest, in a
    stable order; what is already removed is not listed again."""
    alerts = list(alerts)
    known = {a.ref for a in alerts}
    by_alert_mail: dict[str, list[MailFacts]] = {}
    unlinked: list[MailFacts] = []
    for m in mail:
        if m.alert_ref in known:
            by_alert_mail.setdefault(m.alert_ref, []).append(m)
        else:
            unlinked.append(m)  # no alert, or one the store no longer knows
    by_alert_audit: dict[str, list[AuditFacts]] = {}
    for line in audit:
        if line.alert_ref in known:
            by_alert_audit.setdefault(line.alert_ref, []).append(line)

    out: list[Removal] = []
    setting = f"retention.closed_alert_years: {rules.closed_alert_years}"
    for alert in sorted(alerts, key=lambda a: a.ref):
        if alert.is_live or alert.closed is None:
            continue
        due = add_years(alert.closed, rules.closed_alert_years)
        if now < due:
            continue
        removal = Removal(
            rule="closed_alert", setting=setting, alert_ref=alert.ref, due_since=due,
            inbound_ids=_with_content(by_alert_mail.get(alert.ref, ()), "in"),
            outbound_ids=_with_content(by_alert_mail.get(alert.ref, ()), "out"),
            audit_ids=_redactable(by_alert_audit.get(alert.ref, ())),
            case_ids=len(alert.case_ids) if rules.remove_case_ids and not alert.case_ids_removed else 0,
        )
        if removal.describe() != "nothing":
            out.append(removal)

    cutoff = now - timedelta(days=rules.unlinked_mail_days)
    old = [m for m in unlinked if m.at <= cutoff]
    removal = Removal(rule="unlinked_mail", setting=f"retention.unlinked_mail_days: {rules.unlinked_mail_days}",
                      alert_ref=None, due_since=None,
                      inbound_ids=_with_content(old, "in"), outbound_ids=_with_content(old, "out"))
    if removal.describe() != "nothing":
        out.append(removal)

    if rules.remove_case_ids:
        ids = tuple(sorted(c.id for c in compliments if not c.case_ids_removed and c.case_ids
                           and now >= add_years(c.received_at, rules.closed_alert_years)))
        if ids:
            out.append(Removal(rule="compliment", setting=f"{setting}, retention.remove_case_ids: true",
                               alert_ref=None, due_since=None, compliment_ids=ids))
    return out


def _with_content(mail: Iterable[MailFacts], box: str) -> tuple[int, ...]:
    return tuple(sorted(m.id for m in mail if m.box == box and m.holds_content and not m.waiting))


def _redactable(lines: Iterable[AuditFacts]) -> tuple[int, ...]:
    return tuple(sorted(a.id for a in lines if not a.redacted and a.action not in REMOVAL_ACTIONS))


# ------------------------------------------------------------------------------ one data subject


@dataclass(frozen=True)
class DataSubject:
    """Whom a subject access request or an erasure decision is about."""

    kind: Literal["child", "person"]
    value: str  # a case ID, or a lower-case e-mail address
    name: str | None = None  # a person's name as the directory gives it, also searched for

    @classmethod
    def child(cls, case_id: str, pattern: str) -> "DataSubject":
        text = case_id.strip()
        if not re.fullmatch(pattern, text):
            raise ValueError(f"--child: {case_id!r} is not a case ID of this authority "
                             f"(authority.case_id_pattern {pattern})")
        return cls("child", text)

    @classmethod
    def person(cls, email: str, name: str | None = None) -> "DataSubject":
        text = email.strip().lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
            raise ValueError(f"--person: {email!r} is not an e-mail address")
        # Only a full name is searched for: a first name alone would find other people.
        full = " ".join(name.split()) if name and len(name.split()) > 1 else None
        return cls("person", text, full)

    @property
    def label(self) -> str:
        """How output and audit lines name the subject without naming them."""
        return "the child" if self.kind == "child" else "the person"

    def found_in_text(self, text: str) -> bool:
        if self.kind == "child":
            # A case ID counts only as a whole token: 1234510 is not inside 91234510.
            return re.search(rf"(?<![0-9A-Za-z]){re.escape(self.value)}(?![0-9A-Za-z])", text) is not None
        lowered = text.lower()
        return self.value in lowered or bool(self.name and self.name.lower() in " ".join(lowered.split()))


def alerts_about(subject: DataSubject, alerts: Iterable[AlertFacts], audit: Iterable[AuditFacts]) -> list[str]:
    """References of the alerts about ``subject``: the child is one of its children, or the
    person raised it, answered in it, or is named in its audit history."""
    refs = []
    for alert in alerts:
        if subject.kind == "child" and subject.value in alert.case_ids:
            refs.append(alert.ref)
        elif subject.kind == "person" and subject.value in alert.people:
            refs.append(alert.ref)
    if subject.kind == "person":
        named = {a.alert_ref for a in audit if a.alert_ref and (a.actor.lower() == subject.value
                                                                 or subject.found_in_text(a.detail))}
        refs += sorted(named - set(refs))
    return sorted(set(refs))


def mail_about(subject: DataSubject, raw: bytes, rules: ParseRules) -> str | None:
    """Why a received message is about ``subject`` (None when it is not): read as mailbot
    reads it (headers, text and HTML parts, a form's case IDs), then the raw bytes as a last
    resort, so a header the parser does not keep or an unreadable message still counts."""
    try:
        parsed = parsers.parse_message(raw, rules)
    except ParseError:
        parsed = None
    if parsed is not None:
        env = parsed.envelope
        if subject.kind == "child" and subject.value in parsed.case_ids:
            return "its case ID is read from the mail"
        if subject.kind == "person":
            if env.from_addr and env.from_addr.lower() == subject.value:
                return "sent by them"
            if subject.value in (a.lower() for a in env.to + env.cc):
                return "addressed to them"
        if any(subject.found_in_text(part or "") for part in (env.subject, env.text, env.html)):
            return "named in the mail"
    if subject.found_in_text(raw.decode("latin-1")):
        return "named in the mail"
    return None


def sent_mail_about(subject: DataSubject, recipients: Iterable[str], subject_line: str, body: str) -> str | None:
    """Why a mail mailbot sent is about ``subject`` (None when it is not)."""
    if subject.kind == "person" and subject.value in (r.lower() for r in recipients):
        return "sent to them"
    if subject.found_in_text(subject_line) or subject.found_in_text(body):
        return "named in the mail"
    return None


def audit_about(subject: DataSubject, line: AuditFacts) -> bool:
    """An audit line outside the subject's alerts that still names them."""
    if subject.kind == "person" and line.actor.lower() == subject.value:
        return True
    return subject.found_in_text(line.detail)


def erasure_refused(subject: DataSubject, refs: Iterable[str], alerts: Iterable[AlertFacts],
                    waiting: Iterable[MailFacts]) -> str | None:
    """Why an erasure cannot be done now, or None. An open alert still needs its record to
    run; mail waiting to be sent would go out blank. Nothing is erased while either holds."""
    refs = set(refs)
    live = sorted(a.ref for a in alerts if a.ref in refs and a.is_live)
    if live:
        return (f"{', '.join(live)} {'is' if len(live) == 1 else 'are'} still open and about {subject.label}; "
                "close or withdraw it first. Nothing was erased")
    queued = sorted({m.alert_ref or "(no alert)" for m in waiting if m.waiting})
    if queued:
        return (f"mail about {subject.label} is still waiting to be sent ({', '.join(queued)}); "
                "run mailbot send first. Nothing was erased")
    return None
