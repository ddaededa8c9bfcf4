"""What deciding a batch of inbound messages reads from the store, loaded before the batch.

Deciding one inbound message asks the store a dozen small questions: which alert its thread
names, that alert, whether the message is our own mail come back, the day's counts for the rate
limits and, for each notice it causes, whether that notice is queued already and the alert's
history and thread. Asked one message at a time, that was about 20 statements a message
(issue 13). ``preload_batch`` asks them for a whole batch in a few queries before its first
message is decided, and keeps the answers in the session, where the functions of
store.repository find them. What the batch writes itself (its messages, audit lines, outbox
rows, new alerts) is added as it is written and taken back with a message's savepoint
(``batch_savepoint``), so every answer is the one the database would give at that
moment. A question the preload did not foresee (a Message-ID or an alert it did not load) goes
to the database as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, defer, selectinload

from ._common import in_chunks as _in_chunks
from .models import AlertRow, AuditRow, MessageRow, OutboxRow

_BATCH = "inbound_batch"
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
    outbox_written: int = 0


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
        self.outbox: list[dict[str, Any]] = []  # outbox rows, as `queued`; the first `outbox_written` are in
        self.outbox_written = 0

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
        return BatchMark(len(self.queued), len(self.lines), self.written, self.outbox_written)

    def queue(self, values: dict[str, Any], queued: _Queued) -> None:
        """An outbox row queued: its values (inserted by write_batch_rows) and what it answers."""
        self.outbox.append(values)
        self.queued.append(queued)
        self.queued_keys.add(queued.key)
        self.queued_mid[queued.message_id] = queued

    def rollback(self, mark: BatchMark) -> None:
        """A message's savepoint was rolled back: forget what the batch wrote inside it."""
        del self.queued[mark.queued:]
        del self.outbox[mark.queued:]
        self.outbox_written = mark.outbox_written
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


@contextmanager
def batch_savepoint(session: Session) -> Iterator[None]:
    """A savepoint for one message (or one swept alert) of a batch: what it queued and audited
    is inserted at its end, a statement per table; if it fails, the savepoint is rolled back and
    the batch forgets what was written inside it (its answers stay the database's)."""
    batch = _batch(session)
    mark = batch.mark() if batch is not None else None
    try:
        with session.begin_nested():
            yield
            write_batch_rows(session)
    except BaseException:
        if batch is not None:
            batch.rollback(mark)
        raise


def write_batch_rows(session: Session) -> None:
    """Insert the outbox rows and audit lines the batch has added since the last call, a
    statement each (called at the end of each message, inside its savepoint)."""
    batch = _batch(session)
    if batch is not None and batch.outbox_written < len(batch.outbox):
        session.execute(insert(OutboxRow.__table__), batch.outbox[batch.outbox_written:])
        batch.outbox_written = len(batch.outbox)
    if batch is not None and batch.written < len(batch.lines):
        session.execute(insert(AuditRow.__table__), batch.lines[batch.written:])
        batch.written = len(batch.lines)


def end_batch(session: Session) -> None:
    """Write what is left of the batch and stop answering from it."""
    write_batch_rows(session)
    session.info.pop(_BATCH, None)
