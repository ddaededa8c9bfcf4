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

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, defer, selectinload

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
    session.flush()
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


# "Nothing will ever be due" (a closed alert; a live one past its cap with no deadline running):
# a real instant the sweep's "next_due_at <= now" never reaches, so the index serves it too.
NEVER_DUE = datetime(9999, 12, 31, tzinfo=timezone.utc)
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
        # Written with the message's other lines in one statement (write_batch_audit). Held as
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
    # Inserted at the next flush (with the message's other rows, for an inbound message).
    session.add(row)
    batch = _batch(session)
    if batch is not None:
        queued = _Queued(mail.idempotency_key, mail.message_id, mail.alert_ref, mail.template)
        batch.queued.append(queued)
        batch.queued_keys.add(queued.key)
        batch.queued_mid[queued.message_id] = queued
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


# ----------------------------------------------------------------------------- inbound batches
#
# Deciding one inbound message asks the store a dozen small questions: which alert its thread
# names, that alert, whether the message is our own mail come back, the day's counts for the rate
# limits and, for each notice it causes, whether that notice is queued already and the alert's
# history and thread. Asked one message at a time, that was about 20 statements a message
# (issue 13). ``preload_batch`` asks them for a whole batch in a few queries before its first
# message is decided, and keeps the answers in the session, where the functions above find them.
# What the batch writes itself (its messages, audit lines, outbox rows, new alerts) is added as
# it is written and taken back with a message's savepoint (``batch_mark``/``batch_rollback``),
# so every answer is the one the database would give at that moment. A question the preload did
# not foresee (a Message-ID or an alert it did not load) goes to the database as before.

_BATCH = "inbound_batch"
_IN = 500  # values per IN (...) list


def _in_chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for start in range(0, len(values), _IN):
        yield values[start:start + _IN]


@dataclass(frozen=True)
class _Queued:
    """An outbox row queued by the batch."""
    key: str
    message_id: str
    alert_ref: str | None
    template: str


@dataclass(frozen=True)
class BatchMark:
    """How much the batch had written when a message's savepoint began."""
    queued: int
    lines: int
    written: int


class InboundBatch:
    """What deciding one batch of inbound messages reads from the store (see preload_batch).

    Every message row of the batch is new (recorded in this transaction): a batch holding a
    message recorded earlier and not yet decided is decided without a preload. So the store's
    answer to each question is what was there before the batch (loaded once) plus what the batch
    has written since (kept here, or read live from its own message rows)."""

    def __init__(self, since: datetime) -> None:
        self.since = since  # the start of the local day the rate limits count from
        # Loaded when the batch begins.
        self.named: set[str] = set()  # Message-IDs the batch's messages carry or name
        self.message_ref: dict[str, tuple[int, str]] = {}  # Message-ID -> lowest (id, ref) among messages in an alert
        self.outbox_mid: dict[str, tuple[int, str | None, str]] = {}  # Message-ID -> (id, ref, template)
        self.senders: dict[str, int] = {}  # sender -> inbound messages since `since`, the batch's included
        self.in_thread: dict[str, int] = {}  # alert -> inbound messages in its thread since `since`, before the batch
        self.alerts: set[str] = set()  # the alerts loaded (their history, keys and thread load with the first notice)
        # Loaded with the first notice the batch queues, for every alert in `alerts` (the "base");
        # complete for each alert in `complete` (those and the alerts the batch opens).
        self.base_loaded = False
        self.base_mark = BatchMark(0, 0, 0)
        self.complete: set[str] = set()
        self.history: dict[str, list[tuple[datetime, str, str]]] = {}  # ref -> (at, action, detail)
        self.keys: set[str] = set()  # idempotency keys of their outbox rows
        self.asked: dict[str, bool] = {}  # other keys asked about: was there a row before the batch?
        self.thread: dict[str, list[tuple[int, str]]] = {}  # ref -> (id, Message-ID) of messages not of the batch
        # Written by the batch.
        self.rows: list[MessageRow] = []
        self.row_ids: set[int] = set()
        self.rows_by_mid: dict[str, list[MessageRow]] = {}
        self.queued: list[_Queued] = []
        self.queued_keys: set[str] = set()
        self.queued_mid: dict[str, _Queued] = {}
        self.lines: list[dict[str, Any]] = []  # audit lines, in order; the first `written` are in the database
        self.written = 0

    # ---- what the batch writes

    def add_row(self, row: MessageRow) -> None:
        self.rows.append(row)
        self.row_ids.add(row.id)
        if row.message_id:
            self.rows_by_mid.setdefault(row.message_id, []).append(row)
        if row.from_addr in self.senders:
            self.senders[row.from_addr] += 1  # received now, so since `since`

    def alert_created(self, ref: str) -> None:
        # A new alert has no history, outbox rows or messages before the batch.
        self.complete.add(ref)
        self.history.setdefault(ref, [])
        self.thread.setdefault(ref, [])
        self.in_thread.setdefault(ref, 0)

    def mark(self) -> BatchMark:
        return BatchMark(len(self.queued), len(self.lines), self.written)

    def rollback(self, mark: BatchMark) -> None:
        """A message's savepoint was rolled back: forget what the batch wrote inside it."""
        del self.queued[mark.queued:]
        del self.lines[mark.lines:]
        self.written = mark.written
        self.queued_keys = {q.key for q in self.queued}
        self.queued_mid = {q.message_id: q for q in self.queued}
        if self.base_loaded and mark.written < self.base_mark.written:
            # The base held audit lines now undone (it was loaded after they were written, in
            # the savepoint now rolled back): it is loaded again when next needed.
            self.base_loaded = False
            self.complete -= self.alerts

    # ---- answers

    def thread_ref(self, ids: list[str]) -> str | None:
        """As alert_ref_for_message_ids: the alert of the first recorded message (by id) named."""
        best: tuple[int, str] | None = None
        for mid in ids:
            candidates = [self.message_ref[mid]] if mid in self.message_ref else []
            candidates += [(row.id, row.alert_ref) for row in self.rows_by_mid.get(mid, ()) if row.alert_ref]
            for candidate in candidates:
                if best is None or candidate[0] < best[0]:
                    best = candidate
        if best is not None:
            return best[1]
        found = [self.outbox_mid[mid][:2] for mid in ids if mid in self.outbox_mid and self.outbox_mid[mid][1]]
        if found:
            return min(found)[1]
        # Rows the batch queued come after every row before it, in the order queued.
        queued = [q for q in self.queued if q.message_id in ids and q.alert_ref]
        return queued[0].alert_ref if queued else None

    def templates(self, ids: list[str]) -> dict[str, str]:
        found = {mid: self.outbox_mid[mid][2] for mid in ids if mid in self.outbox_mid}
        found.update({mid: self.queued_mid[mid].template for mid in ids if mid in self.queued_mid})
        return found

    def in_thread_count(self, ref: str) -> int:
        return self.in_thread[ref] + sum(1 for row in self.rows if row.alert_ref == ref)

    def history_of(self, ref: str) -> list[tuple[datetime, str, str]]:
        later = self.lines[self.base_mark.written:] if ref in self.alerts else self.lines
        return self.history[ref] + [(line["at"], line["action"], line["detail"]) for line in later
                                    if line["alert_ref"] == ref]

    def has_key(self, key: str) -> bool:
        return key in self.keys or key in self.queued_keys

    def thread_ids(self, ref: str) -> list[str]:
        mine = [(row.id, row.message_id) for row in self.rows if row.message_id and row.alert_ref == ref]
        return [mid for _id, mid in sorted(self.thread[ref] + mine)]


def _batch(session: Session) -> InboundBatch | None:
    return session.info.get(_BATCH)


def preload_batch(session: Session, *, since: datetime, message_ids: Iterable[str], refs: Iterable[str],
                  senders: Iterable[str]) -> InboundBatch:
    """Load what deciding a batch of inbound messages reads, before its first message is decided:
    the messages and outbox rows carrying ``message_ids`` (the batch's own Message-IDs and every
    one its messages name), the alerts those threads and ``refs`` (references in subjects) name,
    locked and with their children and episodes, and the day's counts since ``since`` per sender
    in ``senders`` and per alert. Call it before the batch records anything; end_batch ends it."""
    batch = InboundBatch(since)
    batch.named = {m for m in message_ids if m}
    for chunk in _in_chunks(batch.named):
        for mid, id_, ref in session.execute(select(MessageRow.message_id, MessageRow.id, MessageRow.alert_ref)
                                             .where(MessageRow.message_id.in_(chunk), MessageRow.alert_ref.is_not(None))):
            if mid not in batch.message_ref or id_ < batch.message_ref[mid][0]:
                batch.message_ref[mid] = (id_, ref)
        for mid, id_, ref, template in session.execute(
                select(OutboxRow.message_id, OutboxRow.id, OutboxRow.alert_ref, OutboxRow.template)
                .where(OutboxRow.message_id.in_(chunk))):
            batch.outbox_mid[mid] = (id_, ref, template)
    wanted = {ref for _id, ref in batch.message_ref.values()}
    wanted |= {ref for _id, ref, _template in batch.outbox_mid.values() if ref}
    wanted |= {r for r in refs if r}
    known = session.info.setdefault("alert_rows", {})
    locked = session.info.setdefault("locked", set())
    for chunk in _in_chunks(sorted(wanted)):
        # In id order, as the sweep claims them: two transactions lock alerts in one order.
        query = (select(AlertRow).where(AlertRow.ref.in_(chunk)).order_by(AlertRow.id).with_for_update()
                 .options(selectinload(AlertRow.children), selectinload(AlertRow.episodes)))
        for row in session.scalars(query):
            known[row.ref] = row
            locked.add(row.ref)
            batch.alerts.add(row.ref)
    today = (MessageRow.direction == "in", MessageRow.received_at >= since)
    batch.senders = dict.fromkeys({s for s in senders if s}, 0)
    for chunk in _in_chunks(batch.senders):
        batch.senders.update(session.execute(select(MessageRow.from_addr, func.count(MessageRow.id))
                                             .where(*today, MessageRow.from_addr.in_(chunk))
                                             .group_by(MessageRow.from_addr)).all())
    batch.in_thread = dict.fromkeys(batch.alerts, 0)
    for chunk in _in_chunks(batch.alerts):
        batch.in_thread.update(session.execute(select(MessageRow.alert_ref, func.count(MessageRow.id))
                                               .where(*today, MessageRow.alert_ref.in_(chunk))
                                               .group_by(MessageRow.alert_ref)).all())
    session.info[_BATCH] = batch
    return batch


def record_inbound_many(session: Session, messages: Sequence[dict[str, Any]]) -> dict[str, MessageRow]:
    """Record new inbound messages all at once, in the order given (the messages of an inbound
    batch, before the first is decided): one INSERT, one SELECT. Each message has
    record_inbound's keywords; returns dedupe key -> its row. The rows join the batch one by one
    (batch_add_row), as each is decided: until then they count as not yet recorded."""
    if not messages:
        return {}
    session.execute(insert(MessageRow.__table__), [{"direction": "in", "status": "received", **m} for m in messages])
    keys = [m["dedupe_key"] for m in messages]
    rows: dict[str, MessageRow] = {}
    for chunk in _in_chunks(keys):
        # The raw bytes stay in the store: deciding never reads them back.
        rows.update((row.dedupe_key, row) for row in session.scalars(
            select(MessageRow).where(MessageRow.dedupe_key.in_(chunk)).options(defer(MessageRow.raw))))
    return rows


def _load_batch_base(session: Session, batch: InboundBatch) -> None:
    """The history, outbox keys and thread of every alert the batch loaded, as they stood before
    the batch wrote anything to them: loaded with the first notice the batch queues."""
    for ref in batch.alerts:
        batch.history[ref], batch.thread[ref] = [], []
    batch.keys = set()
    mine = {q.key for q in batch.queued}
    for chunk in _in_chunks(sorted(batch.alerts)):
        # Audit lines the batch wrote so far are in the base; those not yet written come after it.
        for ref, at, action, detail in session.execute(
                select(AuditRow.alert_ref, AuditRow.at, AuditRow.action, AuditRow.detail)
                .where(AuditRow.alert_ref.in_(chunk)).order_by(AuditRow.id)):
            batch.history[ref].append((at, action, detail))
        batch.keys.update(k for k in session.scalars(select(OutboxRow.idempotency_key)
                                                      .where(OutboxRow.alert_ref.in_(chunk))) if k not in mine)
        for ref, id_, mid in session.execute(select(MessageRow.alert_ref, MessageRow.id, MessageRow.message_id)
                                             .where(MessageRow.alert_ref.in_(chunk), MessageRow.message_id.is_not(None))
                                             .order_by(MessageRow.id)):
            if id_ not in batch.row_ids:  # the batch's own rows are read live
                batch.thread[ref].append((id_, mid))
    batch.base_mark = batch.mark()
    batch.base_loaded = True
    batch.complete |= batch.alerts


def _complete(session: Session, batch: InboundBatch | None, ref: str | None) -> bool:
    """Whether the batch holds ``ref``'s history, outbox keys and thread (loading them if due)."""
    if batch is None or ref is None:
        return False
    if ref in batch.alerts and not batch.base_loaded:
        _load_batch_base(session, batch)
    return ref in batch.complete


def batch_add_row(session: Session, row: MessageRow) -> None:
    batch = _batch(session)
    if batch is not None:
        batch.add_row(row)


def batch_mark(session: Session) -> BatchMark | None:
    batch = _batch(session)
    return batch.mark() if batch is not None else None


def batch_rollback(session: Session, mark: BatchMark | None) -> None:
    batch = _batch(session)
    if batch is not None and mark is not None:
        batch.rollback(mark)


def write_batch_audit(session: Session) -> None:
    """Insert the audit lines the batch has added since the last call, in one statement."""
    batch = _batch(session)
    if batch is not None and batch.written < len(batch.lines):
        session.execute(insert(AuditRow.__table__), batch.lines[batch.written:])
        batch.written = len(batch.lines)


def end_batch(session: Session) -> None:
    """Write what is left of the batch and stop answering from it."""
    write_batch_audit(session)
    session.info.pop(_BATCH, None)


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


# ----------------------------------------------------------------------------- bulk writes (import)
#
# `mailbot import` stores up to hundreds of thousands of NEW alerts in one transaction (issue 13).
# Going through save_alert and add_audit costs several statements and a flush per alert (10
# minutes for 100,000 rows); these write the same rows with a few executemany statements per
# thousand alerts. They only insert: an alert already in the store is the caller's to refuse.

def refs_in_store(session: Session, refs: Iterable[str]) -> set[str]:
    """Which of ``refs`` are alerts already: loads references only, a query per 500."""
    found: set[str] = set()
    for chunk in _in_chunks(dict.fromkeys(refs)):
        found.update(session.scalars(select(AlertRow.ref).where(AlertRow.ref.in_(chunk))))
    return found


def _pending_extension_value(p: PendingExtension | None) -> dict | None:
    # The same JSON as save_alert writes.
    if p is None:
        return None
    return {"requested_by": p.requested_by, "requested_at": p.requested_at.isoformat(),
            "working_days": p.working_days, "until": p.until.isoformat() if p.until else None}


def insert_new_alerts(session: Session, alerts: Iterable[tuple[Alert, "datetime | None"]], *,
                      imported: bool = False) -> None:
    """Store alerts not yet in the store, with their children and episodes, as bulk inserts:
    the same rows, field for field, as save_alert writes for a new alert. Each item is (alert,
    domain.next_due_at of it; None: never due). Ids follow the order given, as one save_alert
    after another would give them. Written a thousand alerts at a time, so that the parameter
    lists held at once stay small whatever the number of alerts."""
    batch: list[tuple[Alert, datetime | None]] = []
    for item in alerts:
        batch.append(item)
        if len(batch) == _BULK_BATCH:
            _insert_alert_batch(session, batch, imported)
            batch = []
    if batch:
        _insert_alert_batch(session, batch, imported)


_BULK_BATCH = 1000


def _insert_alert_batch(session: Session, alerts: list[tuple[Alert, "datetime | None"]], imported: bool) -> None:
    alert_rows = [
        {
            "ref": alert.ref, "root_message_id": None, "imported": imported,
            "next_due_at": NEVER_DUE if next_due is None else next_due,
            "process": alert.process, "status": alert.status.value, "raised_by": alert.raised_by,
            "anchor": alert.anchor, "categories": list(alert.categories), "opened": alert.opened,
            "closed": alert.closed, "resolved_at_stage": alert.resolved_at_stage,
            "formal_started": alert.formal_started, "cap_breached": alert.cap_breached,
            "pending_extension": _pending_extension_value(alert.pending_extension), "cafcass_at": alert.cafcass_at,
        }
        for alert, next_due in alerts
    ]
    session.execute(insert(AlertRow.__table__), alert_rows)
    # Each alert's id for its children and episodes: asked for by reference, one query for the
    # batch. (RETURNING in parameter order would do it too, but SQLite then inserts row by row.)
    query = select(AlertRow.ref, AlertRow.id).where(AlertRow.ref.in_([alert.ref for alert, _ in alerts]))
    ids = dict(session.execute(query).all())
    children, episodes = [], []
    for alert, _ in alerts:
        alert_id = ids[alert.ref]
        children.extend({"alert_id": alert_id, "position": i, "case_id": c} for i, c in enumerate(alert.children))
        episodes.extend(
            {"alert_id": alert_id, "seq": seq, "stage": e.stage, "step": e.step, "responder": e.responder,
             "started": e.started, "due": e.due, "reminder_sent": e.reminder_sent, "lapsed": e.lapsed,
             "responded_at": e.responded_at, "ended": e.ended, "outcome": e.outcome}
            for seq, e in enumerate(alert.episodes)
        )
    if children:
        session.execute(insert(ChildRow.__table__), children)
    if episodes:
        session.execute(insert(EpisodeRow.__table__), episodes)


def add_audits(session: Session, events: Iterable[dict]) -> None:
    """Append many audit lines at once; each event has add_audit's keywords (at, actor, action,
    detail, and optionally alert_ref and message_id). Ids follow the order given."""
    rows: list[dict] = []
    for e in events:
        rows.append({"at": e["at"], "alert_ref": e.get("alert_ref"), "actor": e["actor"],
                     "message_id": e.get("message_id"), "action": e["action"], "detail": e["detail"]})
        if len(rows) == _BULK_BATCH:
            session.execute(insert(AuditRow.__table__), rows)
            rows = []
    if rows:
        session.execute(insert(AuditRow.__table__), rows)
