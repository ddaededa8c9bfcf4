"""The store-side reads and erasures that retention and subject-rights requests use.

Issue 9: what mailbot.retention decides is due, and what a subject access request or an erasure
decision touches, is read and removed here. Content goes (raw bytes, bodies, audit details);
the rows stay, so dedupe, threading and the reports keep working. Audit lines are changed only
in the one way migration 0004's trigger allows: detail or actor replaced by REMOVED.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from mailbot.retention import AlertFacts, AuditFacts, ComplimentFacts, MailFacts

from .models import AlertRow, AuditRow, ChildRow, ComplimentRow, EpisodeRow, MessageRow, OutboxRow

REMOVED = "[removed]"
"""What takes the place of removed text: an audit detail or actor, an erased address, a reason."""


def removed_case_id(position: int) -> str:
    """A child's place-holder: unique within the alert (the children table requires it), so
    each child is still counted, and plainly not a case ID."""
    return f"[removed {position + 1}]"


def _is_removed_case_id(case_id: str) -> bool:
    return case_id.startswith("[removed")


def alert_facts(session: Session, closed_by: datetime | None = None) -> list[AlertFacts]:
    """Every alert's facts; with ``closed_by``, only those of alerts closed at or before it."""
    query = select(AlertRow).options(selectinload(AlertRow.episodes), selectinload(AlertRow.children))
    if closed_by is not None:
        query = query.where(AlertRow.closed.is_not(None), AlertRow.closed <= closed_by)
    out = []
    for row in session.scalars(query.order_by(AlertRow.id)):
        people = {row.raised_by, row.anchor or "", *(e.responder for e in row.episodes)} - {""}
        case_ids = tuple(c.case_id for c in row.children)
        out.append(AlertFacts(
            ref=row.ref, status=row.status, closed=row.closed, case_ids=case_ids,
            case_ids_removed=bool(case_ids) and all(_is_removed_case_id(c) for c in case_ids),
            people=frozenset(p.lower() for p in people),
        ))
    return out


def mail_facts(session: Session, alert_refs: Iterable[str] | None = None,
               unlinked_by: datetime | None = None) -> list[MailFacts]:
    """Every message received and every outbox row, without reading raw bytes or bodies.

    With ``alert_refs`` and ``unlinked_by``, only the mail of those alerts and the mail of no
    alert the store knows that is dated at or before ``unlinked_by``."""
    out = []
    inbound = select(MessageRow.id, MessageRow.alert_ref, MessageRow.received_at,
                     func.length(MessageRow.raw), MessageRow.from_addr).where(MessageRow.direction == "in")
    outbound = select(OutboxRow.id, OutboxRow.alert_ref, OutboxRow.created_at, func.length(OutboxRow.body_text),
                      OutboxRow.body_html.is_not(None), OutboxRow.status, OutboxRow.to_addrs, OutboxRow.cc_addrs)
    if alert_refs is not None:
        inbound = inbound.where(_of_or_unlinked(MessageRow.alert_ref, MessageRow.received_at, alert_refs, unlinked_by))
        outbound = outbound.where(_of_or_unlinked(OutboxRow.alert_ref, OutboxRow.created_at, alert_refs, unlinked_by))
    for id_, ref, at, size, sender in session.execute(inbound.order_by(MessageRow.id)):
        out.append(MailFacts("in", id_, ref, at, bool(size), False, (sender.lower(),) if sender else ()))
    for id_, ref, at, size, has_html, status, to, cc in session.execute(outbound.order_by(OutboxRow.id)):
        out.append(MailFacts("out", id_, ref, at, bool(size) or bool(has_html), status == "queued",
                             tuple(a.lower() for a in (to or []) + (cc or []))))
    return out


def _of_or_unlinked(ref_column, at_column, alert_refs: Iterable[str], unlinked_by: datetime | None):
    """Mail of one of ``alert_refs``, or of no alert the store knows and dated by ``unlinked_by``."""
    unlinked = or_(ref_column.is_(None), ref_column.not_in(select(AlertRow.ref)))
    if unlinked_by is not None:
        unlinked = and_(unlinked, at_column <= unlinked_by)
    return or_(ref_column.in_(list(alert_refs)), unlinked)


def audit_facts(session: Session, alert_refs: Iterable[str] | None = None) -> list[AuditFacts]:
    """Every audit line's facts; with ``alert_refs``, only those of these alerts."""
    query = select(AuditRow.id, AuditRow.alert_ref, AuditRow.action, AuditRow.actor, AuditRow.detail)
    if alert_refs is not None:
        query = query.where(AuditRow.alert_ref.in_(list(alert_refs)))
    rows = session.execute(query.order_by(AuditRow.id))
    return [AuditFacts(i, ref, action, actor, detail, detail == REMOVED) for i, ref, action, actor, detail in rows]


def compliment_facts(session: Session, received_by: datetime | None = None) -> list[ComplimentFacts]:
    """Every compliment's facts; with ``received_by``, only those received at or before it."""
    query = select(ComplimentRow)
    if received_by is not None:
        query = query.where(ComplimentRow.received_at <= received_by)
    return [ComplimentFacts(c.id, c.received_at, c.raised_by, tuple(c.children),
                            bool(c.children) and all(_is_removed_case_id(x) for x in c.children))
            for c in session.scalars(query.order_by(ComplimentRow.id))]


def retention_facts(session: Session, now: datetime, rules) -> tuple[list[AlertFacts], list[MailFacts],
                                                                     list[AuditFacts], list[ComplimentFacts]]:
    """The facts ``retention.due_for_removal`` needs at ``now``, read only where something can
    be due: alerts closed long enough ago (with their mail and audit lines), mail of no alert
    older than its rule, compliments old enough. The daily pass then costs what is due, not
    what is held. The cut-offs are a day generous (a year of 365 days, less one for 29
    February); the policy decides exactly on what is read."""
    long_ago = now - timedelta(days=365 * rules.closed_alert_years - 1)
    alerts = alert_facts(session, closed_by=long_ago)
    refs = [a.ref for a in alerts]
    unlinked_by = now - timedelta(days=rules.unlinked_mail_days)
    return (alerts, mail_facts(session, refs, unlinked_by), audit_facts(session, refs),
            compliment_facts(session, received_by=long_ago))


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
