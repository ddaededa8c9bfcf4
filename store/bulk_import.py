"""Bulk inserts of new alerts and audit lines, for `mailbot import`.

`mailbot import` stores up to hundreds of thousands of NEW alerts in one transaction (issue 13).
Going through save_alert and add_audit costs several statements and a flush per alert (10
minutes for 100,000 rows); these write the same rows with a few executemany statements per
thousand alerts. They only insert: an alert already in the store is the caller's to refuse.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from mailbot.domain import Alert, PendingExtension

from ._common import NEVER_DUE
from ._common import in_chunks as _in_chunks
from .models import AlertRow, AuditRow, ChildRow, EpisodeRow


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
