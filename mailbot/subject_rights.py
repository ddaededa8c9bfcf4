"""Retention, subject access and erasure against the store: the shell around mailbot.retention.

Each operation reads facts through ``store.repository``, asks the pure policy in
``mailbot.retention`` what is due or what is held, and applies the answer in ONE transaction
with an audit line per alert saying what was removed, when, by whom and under which rule or
decision, so a failure leaves nothing half-done. Output and audit lines count what went; they
never carry a child's case ID, an erased address or any mail text.

- ``retention_plan`` / ``apply_retention``: ``mailbot retention [--dry-run]``.
- ``find_held`` / ``export``: ``mailbot export``, everything held about one child or one person,
  written as files (folders 0700, files 0600, whatever the umask) with an index.
- ``erase``: ``mailbot erase``, the same data removed for a right-to-erasure decision.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from store import repository as repo

from . import retention as policy
from . import routing
from .errors import UsageError
from .files import PRIVATE_DIR, create_private_file, make_private_dir
from .outgoing import build_message
from .retention import DataSubject, Removal

# ------------------------------------------------------------------------------ retention


def retention_plan(bot, now: datetime) -> list[Removal]:
    """What ``mailbot retention`` would remove at ``now``; changes nothing."""
    with bot.sessions() as session:
        return _plan(bot, session, now)


def _plan(bot, session, now: datetime) -> list[Removal]:
    rules = bot.config.settings.retention
    return policy.due_for_removal(now, rules, *repo.retention_facts(session, now, rules))


def apply_retention(bot, now: datetime) -> list[Removal]:
    """Remove everything due at ``now`` in one transaction, with an audit line per removal."""
    with bot.decisions, bot.sessions.begin() as session:
        plan = _plan(bot, session, now)
        for removal in plan:
            repo.remove_message_content(session, removal.inbound_ids)
            repo.remove_outbox_content(session, removal.outbound_ids)
            repo.redact_audit(session, removal.audit_ids)
            if removal.case_ids and removal.alert_ref:
                repo.remove_case_ids(session, [removal.alert_ref])
            repo.remove_compliment_case_ids(session, removal.compliment_ids)
            repo.add_audit(session, at=now, actor="mailbot", action="retention", alert_ref=removal.alert_ref,
                           detail=f"removed under the {removal.rule} rule ({removal.setting}): {removal.describe()}")
    return plan


# ------------------------------------------------------------------------------ one data subject


@dataclass
class Held:
    """Everything held about one data subject, by row id, with why each row was found."""

    subject: DataSubject
    alert_refs: list[str]
    inbound: dict[int, str] = field(default_factory=dict)
    outbound: dict[int, str] = field(default_factory=dict)
    audit_ids: list[int] = field(default_factory=list)  # lines to redact on erasure
    compliment_ids: list[int] = field(default_factory=list)
    mail: list[policy.MailFacts] = field(default_factory=list)
    alerts: list[policy.AlertFacts] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.alert_refs or self.inbound or self.outbound or self.audit_ids or self.compliment_ids)

    def alert_of(self, box: str, id_: int) -> str | None:
        """The subject's alert a message (box "in") or outbox row ("out") belongs to; None for
        mail of no alert or of an alert not about them."""
        if not hasattr(self, "_thread"):
            self._thread = {(m.box, m.id): m.alert_ref for m in self.mail}
        ref = self._thread.get((box, id_))
        return ref if ref in self.alert_refs else None


def find_held(bot, session, subject: DataSubject) -> Held:
    """Find every row about ``subject``: the alerts about them and, for a child, everything in
    those alerts' threads; any other mail received or sent that names them (each message is read
    as mailbot reads it); audit lines naming them; compliments about or from them."""
    alerts, audit, mail = repo.alert_facts(session), repo.audit_facts(session), repo.mail_facts(session)
    refs = policy.alerts_about(subject, alerts, audit)
    held = Held(subject, refs, mail=mail, alerts=alerts)
    own = set(refs) if subject.kind == "child" else set()
    for m in mail:
        if m.alert_ref in own:
            (held.inbound if m.box == "in" else held.outbound)[m.id] = f"in the thread of {m.alert_ref}"
        elif subject.kind == "person" and subject.value in m.addresses:
            # Also found for mail whose content is already gone: the address is still recorded.
            (held.inbound if m.box == "in" else held.outbound)[m.id] = "sent by them" if m.box == "in" else "sent to them"
    rules = routing.parse_rules(bot.config)
    for id_, raw in repo.inbound_contents(session):
        if id_ not in held.inbound:
            why = policy.mail_about(subject, raw, rules)
            if why:
                held.inbound[id_] = why
    for id_, recipients, subject_line, text in repo.outbox_contents(session):
        if id_ not in held.outbound:
            why = policy.sent_mail_about(subject, recipients, subject_line, text)
            if why:
                held.outbound[id_] = why
    for line in audit:
        if line.action in policy.REMOVAL_ACTIONS:
            continue
        if line.redacted and not (subject.kind == "person" and line.actor.lower() == subject.value):
            continue  # nothing left in it to remove (an erased person's address as actor is)
        if (line.alert_ref in own) or policy.audit_about(subject, line):
            held.audit_ids.append(line.id)
    for c in repo.compliment_facts(session):
        if subject.value in c.case_ids or (subject.kind == "person" and c.raised_by.lower() == subject.value):
            held.compliment_ids.append(c.id)
    return held


def describe_held(held: Held) -> list[str]:
    """One line per alert and one for the rest, counting what is held; no IDs, no addresses."""
    lines = []
    for ref in held.alert_refs:
        inbound = sum(1 for i in held.inbound if held.alert_of("in", i) == ref)
        outbound = sum(1 for i in held.outbound if held.alert_of("out", i) == ref)
        lines.append(f"{ref}: {policy.counted(inbound, outbound, 0) if inbound or outbound else 'alert record only'}")
    rest_in = sum(1 for i in held.inbound if held.alert_of("in", i) is None)
    rest_out = sum(1 for i in held.outbound if held.alert_of("out", i) is None)
    if rest_in or rest_out:
        lines.append(f"other mail: {policy.counted(rest_in, rest_out, 0)}")
    lines.append(f"audit lines naming {held.subject.label}: {len(held.audit_ids)}; "
                 f"compliments: {len(held.compliment_ids)}")
    return lines


# ------------------------------------------------------------------------------ export


def export(bot, subject: DataSubject, out: Path, now: datetime) -> dict[str, int]:
    """Write everything held about ``subject`` into the new folder ``out``: alerts/REF.json
    (the alert and its whole audit history), mail/in-N.eml and mail/out-N.eml, and
    index.json / index.csv listing each file and why it is there. Written into a hidden
    sibling folder first and renamed at the end, so a failure leaves no partial export."""
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        raise UsageError(f"--out: {out} already exists and is not an empty folder; give a new one")
    if not out.parent.is_dir():
        raise UsageError(f"--out: {out.parent} is not a folder")
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    make_private_dir(staging, exist_ok=False)
    try:
        counts = _write_export(bot, subject, staging, now)
        if out.exists():
            out.rmdir()
        staging.rename(out)
        os.chmod(out, PRIVATE_DIR)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return counts


def _private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to the new file ``path`` (0600; an existing file is an error, not overwritten)."""
    with open(create_private_file(path, os.O_WRONLY), "wb") as handle:
        handle.write(data)


def _write_export(bot, subject: DataSubject, folder: Path, now: datetime) -> dict[str, int]:
    from .service import alert_json

    config = bot.config
    index: list[dict[str, Any]] = []
    with bot.sessions() as session:
        held = find_held(bot, session, subject)
        for sub in ("alerts", "mail"):
            make_private_dir(folder / sub, exist_ok=False)
        alerts_out = []
        for ref in held.alert_refs:
            alert = repo.load_alert(session, ref)
            data = alert_json(alert, config)
            data["history"] = [{"at": h.at.isoformat(), "actor": h.actor, "action": h.action,
                                "detail": h.detail, "message_id": h.message_id} for h in repo.audit_for(session, ref)]
            name = f"alerts/{ref}.json"
            _private_file(folder / name, json.dumps(data, indent=2, default=str).encode())
            alerts_out.append(data)
            index.append({"file": name, "what": "alert and its audit history", "alert": ref,
                          "date": data["opened"], "from": data["raised_by"], "to": "", "found_by": "about them",
                          "content": "held"})
        for row in repo.messages_by_id(session, held.inbound):
            name = f"mail/in-{row.id:06d}.eml"
            content = "held" if row.raw else "removed (see the alert's audit history)"
            if row.raw:
                _private_file(folder / name, row.raw)
            index.append({"file": name if row.raw else "", "what": "mail received", "alert": row.alert_ref or "",
                          "date": row.received_at.isoformat(), "from": row.from_addr or "", "to": "",
                          "found_by": held.inbound[row.id], "content": content, "message_id": row.message_id,
                          "status": row.status})
        for row in repo.outbox_by_id(session, held.outbound):
            name = f"mail/out-{row.id:06d}.eml"
            has_body = bool(row.body_text or row.body_html)
            if has_body:
                message = build_message(
                    from_addr=config.authority.mailbox_address, from_name=config.settings.outbox.from_name,
                    to=row.to_addrs, cc=row.cc_addrs, subject=row.subject, text=row.body_text, html=row.body_html,
                    message_id=row.message_id, in_reply_to=row.in_reply_to, references=row.references,
                    date=row.sent_at or row.created_at, attachments=repo.attachments_of(row))
                _private_file(folder / name, message.as_bytes())
            index.append({"file": name if has_body else "", "what": f"mail sent ({row.template}, {row.status})",
                          "alert": row.alert_ref or "", "date": (row.sent_at or row.created_at).isoformat(),
                          "from": config.authority.mailbox_address, "to": ", ".join(row.to_addrs + row.cc_addrs),
                          "found_by": held.outbound[row.id],
                          "content": "held" if has_body else "removed (see the alert's audit history)",
                          "message_id": row.message_id, "status": row.status})
        outside = [a for a in repo.audit_by_id(session, held.audit_ids) if a.alert_ref not in held.alert_refs]
        compliments = repo.compliments_by_id(session, held.compliment_ids)
        person = config.person(subject.value) if subject.kind == "person" else None
        summary = {
            "subject": {"kind": subject.kind, "value": subject.value},
            "exported_at": now.isoformat(),
            "authority": config.authority.name,
            "note": "Everything mailbot holds about this data subject. Alert histories and mail also hold "
                    "other people's data: review before disclosure.",
            "directory_entry": person.model_dump() if person else None,
            "files": index,
            "other_audit_lines": [{"at": a.at.isoformat(), "alert": a.alert_ref, "actor": a.actor,
                                   "action": a.action, "detail": a.detail, "message_id": a.message_id}
                                  for a in outside],
            "compliments": [{"received_at": c.received_at.isoformat(), "raised_by": c.raised_by,
                             "process": c.process, "children": list(c.children), "message_id": c.message_id}
                            for c in compliments],
        }
    _private_file(folder / "index.json", json.dumps(summary, indent=2, default=str).encode())
    columns = ["file", "what", "alert", "date", "from", "to", "found_by", "content"]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(index)
    _private_file(folder / "index.csv", text.getvalue().encode("utf-8"))
    return {"alerts": len(held.alert_refs), "received": len(held.inbound), "sent": len(held.outbound),
            "files": sum(1 for entry in index if entry["file"]) + 2,
            "audit_lines": len(outside), "compliments": len(compliments)}


# ------------------------------------------------------------------------------ erasure


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed (or, on a dry run, would remove)."""

    lines: list[str]  # one per alert and one for the rest: what is held, counted
    done: bool
    found: bool = True  # anything was held about them at all


def erase(bot, subject: DataSubject, reason: str, by: str, now: datetime, confirmed: bool) -> Erasure:
    """Remove everything held about ``subject`` for a right-to-erasure decision (``reason``,
    taken by ``by``), in one transaction, with an audit line per alert; without ``confirmed``
    only say what would go. Refused, with nothing changed, while an alert about them is open
    or mail about them waits to be sent."""
    reason = " ".join(reason.split())
    if not reason:
        raise UsageError("erase: --reason must say which decision this is, e.g. 'DPO decision 2029-014'")
    if subject.found_in_text(reason) or subject.found_in_text(by):
        raise UsageError(f"erase: --reason and --by must not name {subject.label}: they are kept in the audit")
    with bot.decisions, bot.sessions.begin() as session:
        held = find_held(bot, session, subject)
        if held.empty:
            return Erasure([f"nothing is held about {subject.label}"], done=False, found=False)
        waiting = [m for m in held.mail if m.box == "out" and m.id in held.outbound]
        refused = policy.erasure_refused(subject, held.alert_refs, held.alerts, waiting)
        if refused:
            raise UsageError(f"erase: {refused}")
        lines = describe_held(held)
        if not confirmed:
            return Erasure(lines, done=False)
        person = subject.value if subject.kind == "person" else None
        audit_alert = {a.id: a.alert_ref for a in repo.audit_by_id(session, held.audit_ids)}
        for ref in held.alert_refs + [None]:
            inbound = [i for i in held.inbound if held.alert_of("in", i) == ref]
            outbound = [i for i in held.outbound if held.alert_of("out", i) == ref]
            audit = [i for i in held.audit_ids if (audit_alert[i] if audit_alert[i] in held.alert_refs else None) == ref]
            removed_in = repo.remove_message_content(session, inbound, erased_sender=person)
            removed_out = repo.remove_outbox_content(session, outbound, erased_recipient=person)
            redacted = repo.redact_audit(session, audit, erased_actor=person)
            case_ids = repo.remove_case_ids(session, [ref], subject.value) if ref and subject.kind == "child" else 0
            compliments = 0
            if ref is None and subject.kind == "child":
                # A person's compliments lose their address with remove_person below.
                compliments = repo.remove_compliment_case_ids(session, held.compliment_ids, subject.value)
            if ref is None and not (removed_in or removed_out or redacted or compliments):
                continue
            repo.add_audit(session, at=now, actor=by, action="erased", alert_ref=ref,
                           detail=f"right-to-erasure decision about {subject.label} ({reason}): removed "
                                  + policy.counted(removed_in, removed_out, redacted, case_ids, compliments))
        if person:
            repo.remove_person(session, person)
    return Erasure(lines, done=True)
