"""Reads and writes of mailbot's records; the only module that issues SQL.

Functions take an open Session and never commit: the caller (mailbot.service) owns the
transaction, so that a decision, its audit lines and its outbox rows commit together or not at
all (DESIGN §6 rules 1 and 3). Alerts go in and out as the domain's frozen dataclasses.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable, Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, selectinload

from mailbot.domain import Alert, Episode, PendingExtension, Status

from .models import (
    AlertRow,
    AuditRow,
    ChildRow,
    ComplimentRow,
    EpisodeRow,
    JobRunRow,
    MessageRow,
    OutboxRow,
    RefCounterRow,
    ServiceStateRow,
)

# ----------------------------------------------------------------------------- messages


def find_message(session: Session, dedupe_key: str) -> MessageRow | None:
    return session.scalars(select(MessageRow).where(MessageRow.dedupe_key == dedupe_key)).first()


def messages_seen(session: Session, dedupe_keys: Sequence[str]) -> dict[str, Any]:
    """Which of ``dedupe_keys`` are recorded already, in one query per 500 keys: key -> a row
    of (id, status, kind, alert_ref, reason, mailbox_key, uid), not a loaded record."""
    found: dict[str, Any] = {}
    keys = list(dict.fromkeys(dedupe_keys))
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(MessageRow.dedupe_key, MessageRow.id, MessageRow.status, MessageRow.kind, MessageRow.alert_ref,
                   MessageRow.reason, MessageRow.mailbox_key, MessageRow.uid)
            .where(MessageRow.dedupe_key.in_(keys[start:start + 500])))
        for row in rows:
            found[row.dedupe_key] = row
    return found


def record_inbound(
    session: Session,
    *,
    dedupe_key: str,
    message_id: str | None,
    raw: bytes,
    from_addr: str | None,
    received_at: datetime,
    mailbox_key: str | None = None,
    uid: int | None = None,
    uidvalidity: int | None = None,
) -> MessageRow:
    row = MessageRow(
        dedupe_key=dedupe_key,
        message_id=message_id,
        direction="in",
        status="received",
        raw=raw,
        from_addr=from_addr,
        received_at=received_at,
        mailbox_key=mailbox_key,
        uid=uid,
        uidvalidity=uidvalidity,
    )
    session.add(row)
    session.flush()
    return row


def alert_ref_for_message_ids(session: Session, message_ids: Iterable[str]) -> str | None:
    """The alert a thread belongs to, from any message id it names (ours or theirs)."""
    ids = [m for m in message_ids if m]
    if not ids:
        return None
    ref = session.scalars(
        select(MessageRow.alert_ref)
        .where(MessageRow.message_id.in_(ids), MessageRow.alert_ref.is_not(None))
        .order_by(MessageRow.id)
    ).first()
    if ref:
        return ref
    return session.scalars(
        select(OutboxRow.alert_ref)
        .where(OutboxRow.message_id.in_(ids), OutboxRow.alert_ref.is_not(None))
        .order_by(OutboxRow.id)
    ).first()


def messages_needing_a_person(session: Session, since: datetime | None = None) -> list[MessageRow]:
    query = select(MessageRow).where(MessageRow.direction == "in", MessageRow.status == "quarantined")
    if since is not None:
        query = query.where(MessageRow.received_at >= since)
    return list(session.scalars(query.order_by(MessageRow.received_at)))


def thread_message_ids(session: Session, ref: str) -> list[str]:
    """Message ids of an alert's thread, oldest first, for References on what we send."""
    ins = session.scalars(
        select(MessageRow.message_id)
        .where(MessageRow.alert_ref == ref, MessageRow.message_id.is_not(None))
        .order_by(MessageRow.id)
    )
    return [m for m in ins if m]


# ----------------------------------------------------------------------------- alerts


def next_ref(session: Session, prefix: str, year: int) -> str:
    counter = session.get(RefCounterRow, year)
    if counter is None:
        counter = RefCounterRow(year=year, last=0)
        session.add(counter)
    counter.last += 1
    session.flush()
    return f"{prefix}-{year}-{counter.last:04d}"


def _to_domain(row: AlertRow) -> Alert:
    pending = None
    if row.pending_extension:
        p = row.pending_extension
        pending = PendingExtension(
            requested_by=p["requested_by"],
            requested_at=datetime.fromisoformat(p["requested_at"]),
            working_days=p.get("working_days"),
            until=date.fromisoformat(p["until"]) if p.get("until") else None,
        )
    return Alert(
        ref=row.ref,
        process=row.process,
        status=Status(row.status),
        raised_by=row.raised_by,
        anchor=row.anchor,
        children=tuple(c.case_id for c in row.children),
        categories=tuple(row.categories or ()),
        opened=row.opened,
        episodes=tuple(
            Episode(
                stage=e.stage,
                step=e.step,
                responder=e.responder,
                started=e.started,
                due=e.due,
                reminder_sent=e.reminder_sent,
                lapsed=e.lapsed,
                responded_at=e.responded_at,
                ended=e.ended,
                outcome=e.outcome,
            )
            for e in row.episodes
        ),
        closed=row.closed,
        resolved_at_stage=row.resolved_at_stage,
        formal_started=row.formal_started,
        cap_breached=row.cap_breached,
        pending_extension=pending,
        cafcass_at=row.cafcass_at,
    )


def _alert_row(session: Session, ref: str, for_update: bool = False) -> AlertRow | None:
    # Within one transaction a row once loaded is the row: saving a decision, then recording its
    # next instant, need not ask the database for it again (a large sweep's time went there).
    known = session.info.setdefault("alert_rows", {})
    row = known.get(ref)
    if row is not None and row in session and (not for_update or ref in session.info.setdefault("locked", set())):
        return row
    query = select(AlertRow).where(AlertRow.ref == ref).options(selectinload(AlertRow.children),
                                                                  selectinload(AlertRow.episodes))
    if for_update:
        query = query.with_for_update()  # SQLite has no row locks; its writes are serialised anyway
        session.info.setdefault("locked", set()).add(ref)
    row = session.scalars(query).first()
    if row is not None:
        known[ref] = row
    return row


def load_alert(session: Session, ref: str, for_update: bool = False) -> Alert | None:
    """The alert ``ref``; ``for_update`` locks its row until the transaction ends."""
    row = _alert_row(session, ref, for_update)
    return _to_domain(row) if row else None


# "Nothing will ever be due" (a closed alert; a live one past its cap with no deadline running):
# a real instant the sweep's "next_due_at <= now" never reaches, so the index serves it too.
NEVER_DUE = datetime(9999, 12, 31, tzinfo=timezone.utc)
_UNKNOWN = object()


def save_alert(session: Session, alert: Alert, *, root_message_id: str | None = None, imported: bool = False,
               next_due_at: "datetime | None | object" = _UNKNOWN) -> None:
    """Store ``alert``. ``next_due_at`` is domain.next_due_at of it (None: never due); left out,
    the alert is marked for the next sweep to compute it."""
    row = _alert_row(session, alert.ref)
    if row is None:
        row = AlertRow(ref=alert.ref, root_message_id=root_message_id, imported=imported)
        session.add(row)
    row.next_due_at = None if next_due_at is _UNKNOWN else (NEVER_DUE if next_due_at is None else next_due_at)
    row.process = alert.process
    row.status = alert.status.value
    row.raised_by = alert.raised_by
    row.anchor = alert.anchor
    row.categories = list(alert.categories)
    row.opened = alert.opened
    row.closed = alert.closed
    row.resolved_at_stage = alert.resolved_at_stage
    row.formal_started = alert.formal_started
    row.cap_breached = alert.cap_breached
    row.cafcass_at = alert.cafcass_at
    p = alert.pending_extension
    row.pending_extension = (
        None
        if p is None
        else {
            "requested_by": p.requested_by,
            "requested_at": p.requested_at.isoformat(),
            "working_days": p.working_days,
            "until": p.until.isoformat() if p.until else None,
        }
    )
    if [c.case_id for c in row.children] != list(alert.children):
        row.children.clear()
        session.flush()
        row.children.extend(ChildRow(position=i, case_id=c) for i, c in enumerate(alert.children))
    for seq, episode in enumerate(alert.episodes):
        if seq < len(row.episodes):
            target = row.episodes[seq]
        else:
            target = EpisodeRow(seq=seq)
            row.episodes.append(target)
        for name in ("stage", "step", "responder", "started", "due", "reminder_sent", "lapsed",
                     "responded_at", "ended", "outcome"):
            setattr(target, name, getattr(episode, name))
    session.flush()


def root_message_id(session: Session, ref: str) -> str | None:
    row = _alert_row(session, ref)
    return row.root_message_id if row else None


def due_alert_refs(session: Session, now: datetime, statuses: Sequence[Status]) -> list[str]:
    """The alerts the sweep must look at: live, and due by ``now`` or not yet computed. One
    indexed query; what is open but not due is never loaded."""
    query = (select(AlertRow.ref)
             .where(AlertRow.status.in_([s.value for s in statuses]))
             .where(or_(AlertRow.next_due_at <= now,
                        AlertRow.next_due_at.is_(None)))
             .order_by(AlertRow.id))
    return list(session.scalars(query))


def set_next_due(session: Session, ref: str, next_due_at: datetime | None) -> None:
    """Record the computed next instant for an alert the sweep looked at and left unchanged."""
    row = _alert_row(session, ref)
    if row is not None:
        row.next_due_at = NEVER_DUE if next_due_at is None else next_due_at


def forget_next_due(session: Session) -> int:
    """Mark every alert for recomputing (the calendar or the ladders changed)."""
    return session.execute(update(AlertRow).values(next_due_at=None)).rowcount or 0


def list_alerts(session: Session, statuses: Sequence[Status] | None = None) -> list[Alert]:
    query = select(AlertRow).order_by(AlertRow.id)
    if statuses:
        query = query.where(AlertRow.status.in_([s.value for s in statuses]))
    return [_to_domain(r) for r in session.scalars(query)]


# ----------------------------------------------------------------------------- audit


def add_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    detail: str,
    alert_ref: str | None = None,
    message_id: str | None = None,
) -> None:
    session.add(AuditRow(at=at, alert_ref=alert_ref, actor=actor, message_id=message_id, action=action, detail=detail))


def audit_for(session: Session, ref: str) -> list[AuditRow]:
    return list(session.scalars(select(AuditRow).where(AuditRow.alert_ref == ref).order_by(AuditRow.id)))


def audit_since(session: Session, since_id: int) -> list[AuditRow]:
    return list(session.scalars(select(AuditRow).where(AuditRow.id > since_id).order_by(AuditRow.id)))


def last_audit_id(session: Session) -> int:
    return session.scalar(select(func.max(AuditRow.id))) or 0


# ----------------------------------------------------------------------------- outbox


@dataclass(frozen=True)
class OutgoingMail:
    idempotency_key: str
    message_id: str
    alert_ref: str | None
    template: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    text: str
    html: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (filename, MIME type, content)


def outbox_has(session: Session, idempotency_key: str) -> bool:
    return session.scalar(select(OutboxRow.id).where(OutboxRow.idempotency_key == idempotency_key)) is not None


def queue_mail(session: Session, mail: OutgoingMail, now: datetime) -> OutboxRow:
    row = OutboxRow(
        idempotency_key=mail.idempotency_key,
        message_id=mail.message_id,
        alert_ref=mail.alert_ref,
        template=mail.template,
        to_addrs=list(mail.to),
        cc_addrs=list(mail.cc),
        subject=mail.subject,
        body_text=mail.text,
        body_html=mail.html,
        in_reply_to=mail.in_reply_to,
        references=list(mail.references),
        # Base64 in JSON keeps one portable column on SQLite and PostgreSQL; reports are small.
        attachments=[
            {"filename": name, "mime": mime, "base64": base64.b64encode(data).decode("ascii")}
            for name, mime, data in mail.attachments
        ] or None,
        status="queued",
        attempts=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def outbox_rows(session: Session, status: str | None = None) -> list[OutboxRow]:
    query = select(OutboxRow).order_by(OutboxRow.id)
    if status:
        query = query.where(OutboxRow.status == status)
    return list(session.scalars(query))


def outbox_due(session: Session, now: datetime) -> list[OutboxRow]:
    """Queued rows whose next attempt is due (never tried, or their back-off has passed)."""
    query = (select(OutboxRow)
             .where(OutboxRow.status == "queued",
                    (OutboxRow.next_attempt_at.is_(None)) | (OutboxRow.next_attempt_at <= now))
             .order_by(OutboxRow.id))
    return list(session.scalars(query))


def attachments_of(row: OutboxRow) -> list[tuple[str, str, bytes]]:
    """A row's attachments as ``build_message`` takes them: (filename, MIME type, bytes)."""
    return [(a["filename"], a["mime"], base64.b64decode(a["base64"])) for a in row.attachments or ()]


def outbox_since(session: Session, since_id: int) -> list[OutboxRow]:
    return list(session.scalars(select(OutboxRow).where(OutboxRow.id > since_id).order_by(OutboxRow.id)))


def last_outbox_id(session: Session) -> int:
    return session.scalar(select(func.max(OutboxRow.id))) or 0


# ----------------------------------------------------------------------------- others


def add_compliment(session: Session, *, message_id: str | None, raised_by: str, process: str | None,
                   children: Sequence[str], received_at: datetime) -> None:
    session.add(ComplimentRow(message_id=message_id, raised_by=raised_by, process=process,
                              children=list(children), received_at=received_at))


def count_compliments(session: Session, since: datetime | None = None) -> int:
    query = select(func.count(ComplimentRow.id))
    if since is not None:
        query = query.where(ComplimentRow.received_at >= since)
    return session.scalar(query) or 0


def compliments_between(session: Session, start: datetime, end: datetime) -> list[ComplimentRow]:
    query = select(ComplimentRow).where(ComplimentRow.received_at >= start, ComplimentRow.received_at < end)
    return list(session.scalars(query.order_by(ComplimentRow.received_at)))


def last_inbound_at(session: Session) -> datetime | None:
    """When the newest inbound message was recorded: the last time the mailbox was read with
    something in it (the health line of the digest)."""
    return session.scalar(select(func.max(MessageRow.received_at)).where(MessageRow.direction == "in"))


def count_outbox(session: Session, status: str) -> int:
    return session.scalar(select(func.count(OutboxRow.id)).where(OutboxRow.status == status)) or 0


def imported_refs(session: Session) -> list[str]:
    return list(session.scalars(select(AlertRow.ref).where(AlertRow.imported.is_(True))))


def alert_exists(session: Session, ref: str) -> bool:
    return session.scalar(select(AlertRow.id).where(AlertRow.ref == ref)) is not None


def raise_ref_counter(session: Session, year: int, at_least: int) -> None:
    """Make sure references allocated later in ``year`` come after ``at_least`` (an imported
    alert may already carry DRP-2026-0042)."""
    counter = session.get(RefCounterRow, year)
    if counter is None:
        session.add(RefCounterRow(year=year, last=at_least))
    elif counter.last < at_least:
        counter.last = at_least
    session.flush()


def job_done(session: Session, job: str, period: str) -> bool:
    return session.scalar(select(JobRunRow.id).where(JobRunRow.job == job, JobRunRow.period == period)) is not None


def mark_job_done(session: Session, job: str, period: str, at: datetime) -> None:
    session.add(JobRunRow(job=job, period=period, done_at=at))


def set_state(session: Session, key: str, value: str, now: datetime) -> None:
    row = session.get(ServiceStateRow, key)
    if row is None:
        session.add(ServiceStateRow(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


def get_state(session: Session) -> dict[str, ServiceStateRow]:
    return {row.key: row for row in session.scalars(select(ServiceStateRow))}


def count_messages(session: Session, status: str) -> int:
    return session.scalar(select(func.count(MessageRow.id)).where(MessageRow.direction == "in",
                                                                  MessageRow.status == status)) or 0


def count_inbound_since(session: Session, since: datetime, *, from_addr: str | None = None,
                        alert_ref: str | None = None) -> int:
    """Inbound messages received since ``since`` from one address or in one alert's thread
    (the rate limits of issue 9)."""
    query = select(func.count(MessageRow.id)).where(MessageRow.direction == "in", MessageRow.received_at >= since)
    if from_addr is not None:
        query = query.where(MessageRow.from_addr == from_addr)
    if alert_ref is not None:
        query = query.where(MessageRow.alert_ref == alert_ref)
    return session.scalar(query) or 0


def outbox_template_of(session: Session, message_ids: Iterable[str]) -> dict[str, str]:
    """Message-ID -> template, for the given Message-IDs that are mail mailbot queued itself."""
    ids = list(message_ids)
    if not ids:
        return {}
    rows = session.execute(select(OutboxRow.message_id, OutboxRow.template).where(OutboxRow.message_id.in_(ids)))
    return {mid: template for mid, template in rows}


def first_alert_opened(session: Session) -> datetime | None:
    return session.scalar(select(func.min(AlertRow.opened)))


# ----------------------------------------------------------------------------- retention and rights
# Issue 9: what mailbot.retention decides is due, and what a subject access request or an erasure
# decision touches, is read and removed here. Content goes (raw bytes, bodies, audit details);
# the rows stay, so dedupe, threading and the reports keep working. Audit lines are changed only
# in the one way migration 0004's trigger allows: detail or actor replaced by REMOVED.

from sqlalchemy import update  # noqa: E402

from mailbot.retention import AlertFacts, AuditFacts, ComplimentFacts, MailFacts  # noqa: E402

REMOVED = "[removed]"
"""What takes the place of removed text: an audit detail or actor, an erased address, a reason."""


def removed_case_id(position: int) -> str:
    """A child's place-holder: unique within the alert (the children table requires it), so
    each child is still counted, and plainly not a case ID."""
    return f"[removed {position + 1}]"


def _is_removed_case_id(case_id: str) -> bool:
    return case_id.startswith("[removed")


def alert_facts(session: Session) -> list[AlertFacts]:
    out = []
    for row in session.scalars(select(AlertRow).order_by(AlertRow.id)):
        people = {row.raised_by, row.anchor or "", *(e.responder for e in row.episodes)} - {""}
        case_ids = tuple(c.case_id for c in row.children)
        out.append(AlertFacts(
            ref=row.ref, status=row.status, closed=row.closed, case_ids=case_ids,
            case_ids_removed=bool(case_ids) and all(_is_removed_case_id(c) for c in case_ids),
            people=frozenset(p.lower() for p in people),
        ))
    return out


def mail_facts(session: Session) -> list[MailFacts]:
    """Every message received and every outbox row, without reading raw bytes or bodies."""
    out = []
    inbound = select(MessageRow.id, MessageRow.alert_ref, MessageRow.received_at,
                     func.length(MessageRow.raw), MessageRow.from_addr).where(MessageRow.direction == "in")
    for id_, ref, at, size, sender in session.execute(inbound.order_by(MessageRow.id)):
        out.append(MailFacts("in", id_, ref, at, bool(size), False, (sender.lower(),) if sender else ()))
    outbound = select(OutboxRow.id, OutboxRow.alert_ref, OutboxRow.created_at, func.length(OutboxRow.body_text),
                      OutboxRow.body_html.is_not(None), OutboxRow.status, OutboxRow.to_addrs, OutboxRow.cc_addrs)
    for id_, ref, at, size, has_html, status, to, cc in session.execute(outbound.order_by(OutboxRow.id)):
        out.append(MailFacts("out", id_, ref, at, bool(size) or bool(has_html), status == "queued",
                             tuple(a.lower() for a in (to or []) + (cc or []))))
    return out


def audit_facts(session: Session) -> list[AuditFacts]:
    rows = session.execute(select(AuditRow.id, AuditRow.alert_ref, AuditRow.action, AuditRow.actor,
                                  AuditRow.detail).order_by(AuditRow.id))
    return [AuditFacts(i, ref, action, actor, detail, detail == REMOVED) for i, ref, action, actor, detail in rows]


def compliment_facts(session: Session) -> list[ComplimentFacts]:
    return [ComplimentFacts(c.id, c.received_at, c.raised_by, tuple(c.children),
                            bool(c.children) and all(_is_removed_case_id(x) for x in c.children))
            for c in session.scalars(select(ComplimentRow).order_by(ComplimentRow.id))]


def inbound_contents(session: Session) -> Iterable[tuple[int, bytes]]:
    """(id, raw) of every received message still holding its bytes, a few at a time."""
    query = (select(MessageRow.id, MessageRow.raw)
             .where(MessageRow.direction == "in", func.length(MessageRow.raw) > 0)
             .order_by(MessageRow.id).execution_options(yield_per=50))
    yield from session.execute(query)


def outbox_contents(session: Session) -> Iterable[tuple[int, list[str], str, str]]:
    """(id, recipients, subject, text) of every outbox row."""
    query = select(OutboxRow.id, OutboxRow.to_addrs, OutboxRow.cc_addrs, OutboxRow.subject,
                   OutboxRow.body_text).order_by(OutboxRow.id).execution_options(yield_per=200)
    for id_, to, cc, subject, text in session.execute(query):
        yield id_, list(to or []) + list(cc or []), subject, text or ""


def messages_by_id(session: Session, ids: Iterable[int]) -> list[MessageRow]:
    ids = list(ids)
    return list(session.scalars(select(MessageRow).where(MessageRow.id.in_(ids)).order_by(MessageRow.id))) if ids else []


def outbox_by_id(session: Session, ids: Iterable[int]) -> list[OutboxRow]:
    ids = list(ids)
    return list(session.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id))) if ids else []


def audit_by_id(session: Session, ids: Iterable[int]) -> list[AuditRow]:
    ids = list(ids)
    return list(session.scalars(select(AuditRow).where(AuditRow.id.in_(ids)).order_by(AuditRow.id))) if ids else []


def compliments_by_id(session: Session, ids: Iterable[int]) -> list[ComplimentRow]:
    ids = list(ids)
    return list(session.scalars(select(ComplimentRow).where(ComplimentRow.id.in_(ids))
                                .order_by(ComplimentRow.id))) if ids else []


def remove_message_content(session: Session, ids: Iterable[int], erased_sender: str | None = None) -> int:
    """Empty the raw bytes of received messages (the row, its Message-ID and dates stay, so a
    copy read again is still a duplicate); a reason, which may quote the mail, goes too.
    ``erased_sender``: that address, where it is the sender, is replaced as well."""
    ids = list(ids)
    if not ids:
        return 0
    done = session.execute(update(MessageRow).where(MessageRow.id.in_(ids), func.length(MessageRow.raw) > 0)
                           .values(raw=b"")).rowcount
    session.execute(update(MessageRow).where(MessageRow.id.in_(ids), MessageRow.reason.is_not(None))
                    .values(reason=REMOVED))
    if erased_sender:
        session.execute(update(MessageRow).where(MessageRow.id.in_(ids), func.lower(MessageRow.from_addr) == erased_sender)
                        .values(from_addr=REMOVED))
    return done


def remove_outbox_content(session: Session, ids: Iterable[int], erased_recipient: str | None = None) -> int:
    """Empty the bodies and attachments of mail already sent (or failed); a row still queued is
    left alone, as it would go out blank. ``erased_recipient`` is replaced in To and Cc."""
    rows = [r for r in outbox_by_id(session, ids) if r.status != "queued"]
    for row in rows:
        row.body_text, row.body_html, row.attachments = "", None, None
        if row.last_error:
            row.last_error = REMOVED
        if erased_recipient:
            row.to_addrs = [REMOVED if a.lower() == erased_recipient else a for a in row.to_addrs]
            row.cc_addrs = [REMOVED if a.lower() == erased_recipient else a for a in row.cc_addrs]
            if erased_recipient in row.idempotency_key.lower():
                # Keys name the person a notice answered; a hash keeps the key unique and the
                # same for the same notice, without the address.
                import hashlib

                row.idempotency_key = "erased:" + hashlib.sha256(row.idempotency_key.encode()).hexdigest()
    session.flush()
    return len(rows)


def redact_audit(session: Session, ids: Iterable[int], erased_actor: str | None = None) -> int:
    """Replace the details of audit lines with REMOVED (and ``erased_actor``, where it is the
    actor): the only change migration 0004's trigger lets through."""
    rows = audit_by_id(session, ids)
    for row in rows:
        row.detail = REMOVED
        if erased_actor and row.actor.lower() == erased_actor:
            row.actor = REMOVED
    session.flush()
    return len(rows)


def remove_case_ids(session: Session, refs: Iterable[str], case_id: str | None = None) -> int:
    """Replace the children's case IDs of the alerts ``refs`` (only ``case_id`` when given)
    with place-holders; the children rows stay, so each child is still counted."""
    refs = list(refs)
    if not refs:
        return 0
    done = 0
    query = select(ChildRow).join(AlertRow).where(AlertRow.ref.in_(refs))
    for child in session.scalars(query):
        if not _is_removed_case_id(child.case_id) and (case_id is None or child.case_id == case_id):
            child.case_id = removed_case_id(child.position)
            done += 1
    session.flush()
    return done


def remove_compliment_case_ids(session: Session, ids: Iterable[int], case_id: str | None = None) -> int:
    done = 0
    for row in compliments_by_id(session, ids):
        new = [removed_case_id(i) if case_id is None or c == case_id else c for i, c in enumerate(row.children)]
        if new != list(row.children):
            row.children = new
            done += 1
    session.flush()
    return done


def remove_person(session: Session, email: str) -> int:
    """Replace an erased person's address where an alert or a compliment records it (raiser,
    the addressed manager, each responder); return how many places."""
    email = email.lower()
    done = 0
    for column in (AlertRow.raised_by, AlertRow.anchor):
        done += session.execute(update(AlertRow).where(func.lower(column) == email)
                                .values({column.key: REMOVED})).rowcount
    done += session.execute(update(EpisodeRow).where(func.lower(EpisodeRow.responder) == email)
                            .values(responder=REMOVED)).rowcount
    done += session.execute(update(ComplimentRow).where(func.lower(ComplimentRow.raised_by) == email)
                            .values(raised_by=REMOVED)).rowcount
    session.expire_all()  # the bulk updates bypassed any rows already loaded
    return done
