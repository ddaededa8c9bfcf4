"""The store on real SQLite and real PostgreSQL: migrations, round trips, append-only audit."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from mailbot.domain import Alert, Episode, PendingExtension, Status
from store import repository as repo
from store.db import current_revision, head_revision, make_engine, open_store, upgrade
from store.models import Base

LONDON = ZoneInfo("Europe/London")




def sample_alert() -> Alert:
    start = datetime(2027, 5, 4, 10, 0, tzinfo=LONDON)
    return Alert(
        ref="DRP-2027-0001", process="lac", status=Status.AWAITING_RESPONSE,
        raised_by="sam.iro@luton.example.gov.uk", anchor="dana.tm@luton.example.gov.uk",
        children=("1234504", "1234505"), categories=("Key documentation missing",), opened=start,
        episodes=(
            Episode(0, "stage", "dana.tm@luton.example.gov.uk", start, date(2027, 5, 18),
                    reminder_sent=True, lapsed=True, ended=start, outcome="escalated"),
            Episode(1, "stage", "dana.tm@luton.example.gov.uk", start, date(2027, 5, 11)),
        ),
        formal_started=start,
        pending_extension=PendingExtension("dana.tm@luton.example.gov.uk", start, None, date(2027, 5, 14)),
    )


def test_migrations_reach_head_and_match_the_models(store_url: str) -> None:
    engine = make_engine(store_url)
    before, after = upgrade(engine)
    assert before is None and after == head_revision() == current_revision(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    assert upgrade(engine) == (after, after)  # a second upgrade is a no-op


def test_alert_round_trip_keeps_every_field(store_url: str) -> None:
    sessions = open_store(store_url)
    alert = sample_alert()
    with sessions.begin() as session:
        repo.save_alert(session, alert, root_message_id="root@x")
    with sessions() as session:
        loaded = repo.load_alert(session, alert.ref)
    assert loaded == alert
    siblings_changed = Alert(**{**alert.__dict__, "children": ("1234505",), "status": Status.RESOLVED})
    with sessions.begin() as session:
        repo.save_alert(session, siblings_changed)
    with sessions() as session:
        assert repo.load_alert(session, alert.ref) == siblings_changed
        assert repo.root_message_id(session, alert.ref) == "root@x"


def test_audit_events_are_append_only(store_url: str) -> None:
    sessions = open_store(store_url)
    now = datetime(2027, 5, 4, 10, 0, tzinfo=LONDON)
    with sessions.begin() as session:
        repo.add_audit(session, at=now, actor="mailbot", action="test", detail="first")
    for statement in ("UPDATE audit_events SET detail = 'rewritten'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with sessions.begin() as session:
                session.execute(text(statement))
    with sessions() as session:
        assert list(session.scalars(text("SELECT detail FROM audit_events"))) == ["first"]


def test_references_are_sequential_per_year(store_url: str) -> None:
    sessions = open_store(store_url)
    with sessions.begin() as session:
        refs = [repo.next_ref(session, "DRP", 2027) for _ in range(3)] + [repo.next_ref(session, "DRP", 2028)]
    assert refs == ["DRP-2027-0001", "DRP-2027-0002", "DRP-2027-0003", "DRP-2028-0001"]


def test_message_dedupe_key_and_outbox_key_are_unique(store_url: str) -> None:
    sessions = open_store(store_url)
    now = datetime(2027, 5, 4, 10, 0, tzinfo=LONDON)
    with sessions.begin() as session:
        repo.record_inbound(session, dedupe_key="mid:a@b", message_id="a@b", raw=b"x", from_addr=None, received_at=now)
    with pytest.raises(IntegrityError):
        with sessions.begin() as session:
            repo.record_inbound(session, dedupe_key="mid:a@b", message_id="a@b", raw=b"y", from_addr=None,
                                received_at=now)
    mail = repo.OutgoingMail("k1", "m1@x", None, "digest", ("a@x",), (), "s", "t", None, None, ())
    with sessions.begin() as session:
        repo.queue_mail(session, mail, now)
    with pytest.raises(IntegrityError):
        with sessions.begin() as session:
            repo.queue_mail(session, mail, now)
    with sessions() as session:
        assert repo.outbox_has(session, "k1")
        assert [r.status for r in repo.outbox_rows(session)] == ["queued"]
