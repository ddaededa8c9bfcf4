"""SQLAlchemy 2 table models: the only description of mailbot's database.

Tables: every message seen or sent (raw bytes kept), alerts with their children and stage
episodes, the append-only audit history, the outbox, compliments, reference counters and the
record of scheduled jobs already run. The schema itself is created and changed only by the
Alembic migrations in ``store/migrations``; these models must match them (a test checks).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as UTC, read back aware: SQLite keeps no zone of its own."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: mailbot stores only aware times")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """The declarative base every table model derives from."""


class MessageRow(Base):
    """A message in or out. Inbound rows are written before the message is acted on."""

    __tablename__ = "messages"
    # The daily rate limit counts a sender's inbound messages since the start of the day, once
    # per inbound batch: without this index that count scans every message ever recorded, and
    # without the direction in it, it looks up every counted row in the table (migration 0007).
    __table_args__ = (Index("ix_messages_sender_day", "from_addr", "received_at", "direction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(512), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(512), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    kind: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # received | processed | ignored | quarantined | sent
    reason: Mapped[str | None] = mapped_column(Text)
    alert_ref: Mapped[str | None] = mapped_column(String(40), index=True)
    from_addr: Mapped[str | None] = mapped_column(String(320))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mailbox_key: Mapped[str | None] = mapped_column(String(512))
    uid: Mapped[int | None] = mapped_column(Integer)
    uidvalidity: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    process: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30), index=True)
    raised_by: Mapped[str] = mapped_column(String(320))
    anchor: Mapped[str | None] = mapped_column(String(320))
    categories: Mapped[list[str]] = mapped_column(JSON)
    opened: Mapped[datetime] = mapped_column(UTCDateTime())
    closed: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at_stage: Mapped[int | None] = mapped_column(Integer)
    formal_started: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cap_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_extension: Mapped[dict | None] = mapped_column(JSON)
    cafcass_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    root_message_id: Mapped[str | None] = mapped_column(String(512))
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    """The first instant the sweep has anything to do for this alert (domain.next_due_at);
    NEVER_DUE when nothing ever will; NULL when not computed yet (the next sweep computes it)."""

    children: Mapped[list["ChildRow"]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="ChildRow.position"
    )
    episodes: Mapped[list["EpisodeRow"]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="EpisodeRow.seq"
    )


class ChildRow(Base):
    """A child an alert covers, by case-system ID only (siblings: one row each)."""

    __tablename__ = "children"
    __table_args__ = (UniqueConstraint("alert_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(64))
    alert: Mapped[AlertRow] = relationship(back_populates="children")


class EpisodeRow(Base):
    """One visit of an alert to one rung of the ladder."""

    __tablename__ = "episodes"
    __table_args__ = (UniqueConstraint("alert_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    stage: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(20))
    responder: Mapped[str] = mapped_column(String(320))
    started: Mapped[datetime] = mapped_column(UTCDateTime())
    due: Mapped[date] = mapped_column(Date)
    reminder_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    lapsed: Mapped[bool] = mapped_column(Boolean, default=False)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(20))
    alert: Mapped[AlertRow] = relationship(back_populates="episodes")


class AuditRow(Base):
    """Append-only history: who, when, which message, what changed. Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    alert_ref: Mapped[str | None] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str | None] = mapped_column(String(512))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)


class OutboxRow(Base):
    """A mail to send, fully rendered, written in the same transaction as its decision."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(512), unique=True)
    message_id: Mapped[str] = mapped_column(String(512), unique=True)
    alert_ref: Mapped[str | None] = mapped_column(String(40), index=True)
    template: Mapped[str] = mapped_column(String(60))
    to_addrs: Mapped[list[str]] = mapped_column(JSON)
    cc_addrs: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(512))
    references: Mapped[list[str]] = mapped_column(JSON)
    # [{filename, mime, base64}] or None; added by migration 0003 (the quarterly spreadsheet).
    attachments: Mapped[list[dict] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ComplimentRow(Base):
    __tablename__ = "compliments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(512))
    raised_by: Mapped[str] = mapped_column(String(320))
    process: Mapped[str | None] = mapped_column(String(40))
    children: Mapped[list[str]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RefCounterRow(Base):
    """The last alert number used in a year, so references are allocated without gaps or races."""

    __tablename__ = "ref_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class JobRunRow(Base):
    """Scheduled jobs already done (the digest for a day), so none is done twice."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ServiceStateRow(Base):
    """What the daemon last did (last successful poll, last error), for `mailbot status`."""

    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
