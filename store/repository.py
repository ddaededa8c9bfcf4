"""Reads and writes of mailbot's records: the store's interface. With its parts (inbound_batch,
erasure, bulk_import) the only modules that issue SQL.

Functions take an open Session and never commit: the caller (mailbot.service) owns the
transaction, so that a decision, its audit lines and its outbox rows commit together or not at
all (DESIGN §6 rules 1 and 3). Alerts go in and out as the domain's frozen dataclasses.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable, Sequence

from sqlalchemy import func, insert, or_, select, update
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

# The inbound batches, the retention and rights requests and the bulk import have modules of
# their own; what callers use of them is named here, so that this stays the store's interface.
from ._common import NEVER_DUE
from .bulk_import import (  # noqa: F401 - part of the store's interface
    add_audits,
    insert_new_alerts,
    refs_in_store,
)
from .erasure import (  # noqa: F401 - part of the store's interface
    REMOVED,
    alert_facts,
    audit_by_id,
    audit_facts,
    compliment_facts,
    compliments_by_id,
    inbound_contents,
    mail_facts,
    messages_by_id,
    outbox_by_id,
    outbox_contents,
    redact_audit,
    remove_case_ids,
    remove_compliment_case_ids,
    remove_message_content,
    remove_outbox_content,
    remove_person,
    retention_facts,
    removed_case_id,
)
from .inbound_batch import (  # noqa: F401 - part of the store's interface
    BatchMark,
    InboundBatch,
    batch_add_row,
    batch_savepoint,
    end_batch,
    preload_batch,
    record_inbound_many,
    write_batch_rows,
)
from ._common import in_chunks as _in_chunks
from .inbound_batch import _batch, _complete, _Queued

# ----------------------------------------------------------------------------- messages


def find_message(session: Session, dedupe_key: str) -> MessageRow | None:
    return session.scalars(select(MessageRow).where(MessageRow.dedupe_key == dedupe_key)).first()


def messages_seen(session: Session, dedupe_keys: Sequence[str]) -> dict[str, Any]:
    """Which of ``dedupe_keys`` are recorded already, a query per _IN keys: key -> a row
    of (id, status, kind, alert_ref, reason, mailbox_key, uid), not a loaded record."""
    found: dict[str, Any] = {}
    for chunk in _in_chunks(dict.fromkeys(dedupe_keys)):
        rows = session.execute(
            select(MessageRow.dedupe_key, MessageRow.id, MessageRow.status, MessageRow.kind, MessageRow.alert_ref,
                   MessageRow.reason, MessageRow.mailbox_key, MessageRow.uid)
            .where(MessageRow.dedupe_key.in_(chunk)))
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
    batch_add_row(session, row)
    return row


def alert_ref_for_message_ids(session: Session, message_ids: Iterable[str]) -> str | None:
    """The alert a thread belongs to, from any message id it names (ours or theirs)."""
    ids = [m for m in message_ids if m]
    if not ids:
        return None
    batch = _batch(session)
    if batch is not None and batch.named.issuperset(ids):
        return batch.thread_ref(ids)
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
    batch = _batch(session)
    if _complete(session, batch, ref):
        return batch.thread_ids(ref)
    ins = session.scalars(
        select(MessageRow.message_id)
        .where(MessageRow.alert_ref == ref, MessageRow.message_id.is_not(None))
        .order_by(MessageRow.id)
    )
    return [m for m in ins if m]


# ----------------------------------------------------------------------------- alerts


def next_ref(session: Session, prefix: str, year: int) -> str:
    # The counter is kept for the transaction: the session holds a clean row only weakly, and
    # each new alert of a batch would read it again.
    counters = session.info.setdefault("ref_counters", {})
    counter = counters.get(year)
    if counter is None or counter not in session:
        counter = session.get(RefCounterRow, year)
    if counter is None:
        counter = RefCounterRow(year=year, last=0)
        session.add(counter)
    counters[year] = counter
    counter.last += 1
    ref = f"{prefix}-{year}-{counter.last:04d}"
    # Names no alert yet: saving its alert need not ask the database for it (see _alert_row).
    session.info.setdefault("fresh_refs", set()).add(ref)
    return ref


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
    if ref in session.info.get("fresh_refs", ()):
        return None  # allocated by next_ref in this transaction, and its alert not saved (or undone)
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


_UNKNOWN = object()


def save_alert(session: Session, alert: Alert, *, root_message_id: str | None = None, imported: bool = False,
               next_due_at: "datetime | None | object" = _UNKNOWN) -> None:
    """Store ``alert``. ``next_due_at`` is domain.next_due_at of it (None: never due); left out,
    the alert is marked for the next sweep to compute it."""
    row = _alert_row(session, alert.ref)
    new = row is None
    if new:
        # Empty collections from the start: nothing to load for an alert not inserted yet.
        row = AlertRow(ref=alert.ref, root_message_id=root_message_id, imported=imported, children=[], episodes=[])
        session.add(row)
        # Inserted by this transaction, so held by it: later loads in it take this row.
        session.info.setdefault("alert_rows", {})[alert.ref] = row
        session.info.setdefault("locked", set()).add(alert.ref)
        batch = _batch(session)
        if batch is not None:
            batch.alert_created(alert.ref)
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
    if new:
        row.children.extend(ChildRow(position=i, case_id=c) for i, c in enumerate(alert.children))
    elif [c.case_id for c in row.children] != list(alert.children):
        row.children.clear()
        session.flush()  # the old children go before the new ones arrive: (alert, case) is unique
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
    # Not flushed here: the changes go in with the next query or the savepoint's end, together
    # with the decision's other rows.


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


def claim_due_alerts(session: Session, now: datetime, statuses: Sequence[Status], *, after_id: int,
                     limit: int) -> list[tuple[int, str]]:
    """Lock and return (id, ref) of up to ``limit`` alerts the sweep must look at, in id order
    after ``after_id``: the ones due_alert_refs selects, each with its children and episodes.

    ``FOR UPDATE SKIP LOCKED``: on PostgreSQL an alert another instance's sweep (or a decision
    on a message) holds locked is passed over, not waited for, so two sweeping instances share
    the work and never look at one alert at once; the rows stay locked until the caller commits.
    SQLite has no row locks and ignores the clause: its writers are serialised anyway."""
    query = (select(AlertRow)
             .where(AlertRow.id > after_id)
             .where(AlertRow.status.in_([s.value for s in statuses]))
             .where(or_(AlertRow.next_due_at <= now, AlertRow.next_due_at.is_(None)))
             .order_by(AlertRow.id)
             .limit(limit)
             .with_for_update(skip_locked=True)
             .options(selectinload(AlertRow.children), selectinload(AlertRow.episodes)))
    rows = list(session.scalars(query))
    # Loaded and locked: load_alert(ref, for_update=True) in this transaction asks no more.
    known = session.info.setdefault("alert_rows", {})
    locked = session.info.setdefault("locked", set())
    for row in rows:
        known[row.ref] = row
        locked.add(row.ref)
    return [(row.id, row.ref) for row in rows]


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
    batch = _batch(session)
    if batch is not None:
        if at.tzinfo is None:
            raise ValueError("naive datetime: mailbot stores only aware times")  # as UTCDateTime
        # Written with the message's other lines in one statement (write_batch_rows). Held as
        # the store gives it back (UTC), since the history of a notice is read from here.
        batch.lines.append({"at": at.astimezone(timezone.utc), "alert_ref": alert_ref, "actor": actor,
                            "message_id": message_id, "action": action, "detail": detail})
        return
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


def outbox_has(session: Session, idempotency_key: str, *, alert_ref: str | None = None) -> bool:
    """Whether a row with this key is queued or sent already; ``alert_ref``: the alert the key
    belongs to (an inbound batch holds the keys of the alerts it loaded)."""
    batch = _batch(session)
    if _complete(session, batch, alert_ref):
        return batch.has_key(idempotency_key)
    if batch is None:
        return _outbox_has_row(session, idempotency_key)
    if idempotency_key in batch.queued_keys:
        return True
    if idempotency_key not in batch.asked:
        # Not queued by the batch, so what the store says is what was there before the batch:
        # asked once (a flood's "rate limited" notice is asked about by every message over it).
        batch.asked[idempotency_key] = _outbox_has_row(session, idempotency_key)
    return batch.asked[idempotency_key]


def _outbox_has_row(session: Session, idempotency_key: str) -> bool:
    return session.scalar(select(OutboxRow.id).where(OutboxRow.idempotency_key == idempotency_key)) is not None


def queue_mail(session: Session, mail: OutgoingMail, now: datetime) -> None:
    values = dict(
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
    batch = _batch(session)
    if batch is not None:
        # Inserted with the message's audit lines, in one statement (write_batch_rows): the
        # unit of work's flush of one ORM object per notice was a good part of a decision.
        batch.queue(values, _Queued(mail.idempotency_key, mail.message_id, mail.alert_ref, mail.template))
        return
    session.add(OutboxRow(**values))


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


def claim_outbox(session: Session, now: datetime, *, after_id: int, limit: int) -> list[OutboxRow]:
    """Lock and return up to ``limit`` queued rows due to be sent (as outbox_due), in id order
    after ``after_id``. ``FOR UPDATE SKIP LOCKED``: rows another instance is claiming at this
    moment are passed over, so two instances never take the same row; the caller marks its rows
    "sending" and commits, after which no claim (which wants "queued") can see them."""
    query = (select(OutboxRow)
             .where(OutboxRow.id > after_id, OutboxRow.status == "queued",
                    (OutboxRow.next_attempt_at.is_(None)) | (OutboxRow.next_attempt_at <= now))
             .order_by(OutboxRow.id)
             .limit(limit)
             .with_for_update(skip_locked=True))
    return list(session.scalars(query))


def mark_sent(session: Session, ids: Sequence[int], now: datetime) -> list[str]:
    """Record the rows ``ids``, handed over to the mail server, as sent, each with its audit line,
    in three statements; a row no longer "sending" (reported as interrupted meanwhile, a hand-off
    past SENDING_GRACE) is left as it is. Returns the Message-IDs recorded sent, in id order."""
    rows = []
    for chunk in _in_chunks(sorted(ids)):
        rows += session.execute(select(OutboxRow.id, OutboxRow.message_id, OutboxRow.alert_ref, OutboxRow.template,
                                       OutboxRow.to_addrs)
                                .where(OutboxRow.id.in_(chunk), OutboxRow.status == "sending")
                                .order_by(OutboxRow.id).with_for_update()).all()
    if not rows:
        return []
    for chunk in _in_chunks([row.id for row in rows]):
        session.execute(update(OutboxRow).where(OutboxRow.id.in_(chunk))
                        .values(status="sent", sent_at=now, next_attempt_at=None))
    session.execute(insert(AuditRow.__table__), [
        {"at": now, "actor": "mailbot", "action": "sent", "detail": f"{row.template} sent to {', '.join(row.to_addrs)}",
         "alert_ref": row.alert_ref, "message_id": row.message_id} for row in rows])
    return [row.message_id for row in rows]


def claim_interrupted_sending(session: Session, handed_over_before: datetime) -> list[OutboxRow]:
    """Lock and return the rows left "sending" since before ``handed_over_before`` (the hand-off
    time is kept in next_attempt_at while a row is "sending"); SKIP LOCKED, so that two
    instances never both report one row."""
    query = (select(OutboxRow)
             .where(OutboxRow.status == "sending", OutboxRow.next_attempt_at.is_not(None),
                    OutboxRow.next_attempt_at <= handed_over_before)
             .order_by(OutboxRow.id)
             .with_for_update(skip_locked=True))
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


def advisory_lock_held(session: Session, key: int) -> bool | None:
    """Whether any session holds the advisory lock ``key`` now (store.db.MailboxLock); None on
    SQLite, which has none. pg_locks shows a bigint key as two 32-bit halves."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    found = session.execute(
        sql_text("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
             "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
             "AND classid::bigint = :high AND objid::bigint = :low"),
        {"high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF}).first()
    return found is not None


def get_state(session: Session) -> dict[str, ServiceStateRow]:
    return {row.key: row for row in session.scalars(select(ServiceStateRow))}


def count_messages(session: Session, status: str) -> int:
    return session.scalar(select(func.count(MessageRow.id)).where(MessageRow.direction == "in",
                                                                  MessageRow.status == status)) or 0


def count_inbound_since(session: Session, since: datetime, *, from_addr: str | None = None,
                        alert_ref: str | None = None) -> int:
    """Inbound messages received since ``since`` from one address or in one alert's thread
    (the rate limits of issue 9)."""
    batch = _batch(session)
    if batch is not None and since == batch.since and (from_addr is None) != (alert_ref is None):
        if from_addr in batch.senders:
            return batch.senders[from_addr]
        if alert_ref in batch.in_thread:
            return batch.in_thread_count(alert_ref)
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
    batch = _batch(session)
    if batch is not None and batch.named.issuperset(ids):
        return batch.templates(ids)
    rows = session.execute(select(OutboxRow.message_id, OutboxRow.template).where(OutboxRow.message_id.in_(ids)))
    return {mid: template for mid, template in rows}


def first_alert_opened(session: Session) -> datetime | None:
    return session.scalar(select(func.min(AlertRow.opened)))


def history_of(session: Session, ref: str) -> list[tuple[datetime, str, str]]:
    """(at, action, detail) of the alert's audit lines, oldest first (as audit_for)."""
    batch = _batch(session)
    if _complete(session, batch, ref):
        return batch.history_of(ref)
    found = [(a.at, a.action, a.detail) for a in audit_for(session, ref)]
    if batch is not None:
        # Lines the batch has not written yet (they go in at the end of the message).
        found += [(line["at"], line["action"], line["detail"]) for line in batch.lines[batch.written:]
                  if line["alert_ref"] == ref]
    return found
