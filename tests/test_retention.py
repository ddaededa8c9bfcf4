"""Retention and the data subject's rights (issue 9, item 5), on real stores and real mail.

- the ``retention:`` configuration is validated like every other key;
- the pure policy (mailbot.retention) says what is due, exactly when, and never touches open
  alerts or mail still waiting to be sent;
- migration 0004's trigger lets exactly one change through (detail/actor replaced by the
  marker) and still refuses every other UPDATE and every DELETE, on SQLite and PostgreSQL;
- ``mailbot retention``, ``export`` and ``erase`` on the store the demo leaves behind: the
  reports give the same figures after retention, an export holds the child's mail as .eml files
  with private permissions, and an erasure leaves no trace of the person in the database.

Nothing is mocked: the stores are real SQLite files (and a real PostgreSQL server in the tests
marked slow), the mail is the demo's and test_service's real .eml bytes.
"""

from __future__ import annotations

import copy
import csv
import email
import json
import os
import shutil
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mailbot import reports
from mailbot import retention as policy
from mailbot.cli import main
from mailbot.config import config_from_data, load_config
from mailbot.errors import ConfigError
from mailbot.maildir import MaildirSink
from mailbot.retention import AlertFacts, AuditFacts, ComplimentFacts, DataSubject, MailFacts
from mailbot.service import Mailbot
from mailbot.subject_rights import apply_retention, retention_plan
from store import repository as repo
from store.db import open_store

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
DOMAIN = "luton.example.gov.uk"
AFTER_TWO_YEARS = "2029-06-01T09:00"  # every demo alert closed in May 2027


# ------------------------------------------------------------------------------ configuration


@pytest.fixture
def data(root: Path) -> dict:
    return yaml.safe_load((root / "config.yaml").read_text())


def test_retention_defaults_are_documented_in_every_shipped_configuration(root: Path) -> None:
    for path in [root / "config.yaml", *sorted((root / "examples").glob("*.yaml"))]:
        rules = load_config(path).settings.retention
        assert (rules.closed_alert_years, rules.remove_case_ids, rules.unlinked_mail_days) == (2, False, 90), path
        assert "retention:" in path.read_text() and "closed_alert_years" in path.read_text(), path


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["retention"].update(closed_alert_years=0), "retention.closed_alert_years: must be a positive whole number"),
    (lambda d: d["retention"].update(unlinked_mail_days="ninety"), "retention.unlinked_mail_days: must be a positive whole number"),
    (lambda d: d["retention"].update(keep_forever=True), "retention.keep_forever: unknown key"),
    (lambda d: d["retention"].update(remove_case_ids="perhaps"), "retention.remove_case_ids: input should be a valid boolean"),
])
def test_retention_faults_are_named_by_key_path(data: dict, tmp_path: Path, mutate, message: str) -> None:
    broken = copy.deepcopy(data)
    mutate(broken)
    with pytest.raises(ConfigError) as caught:
        config_from_data(broken, base_dir=tmp_path)
    assert message.lower() in str(caught.value).lower()


def test_a_configuration_without_retention_gets_the_defaults(data: dict, tmp_path: Path) -> None:
    data.pop("retention")
    assert config_from_data(data, base_dir=tmp_path).settings.retention.closed_alert_years == 2


# ------------------------------------------------------------------------------ the pure policy


def rules(**changes):
    from mailbot.config import Retention

    return Retention(**changes)


CLOSED = datetime(2027, 5, 12, 15, 0, tzinfo=UTC)


def facts():
    """Two alerts (one closed on CLOSED, one open), their mail, audit lines and a compliment."""
    alerts = [
        AlertFacts("DRP-2027-0001", "resolved", CLOSED, ("1234501", "1234502"), False, frozenset({"a@x.gov.uk"})),
        AlertFacts("DRP-2027-0002", "awaiting_response", None, ("1234503",), False, frozenset({"a@x.gov.uk"})),
    ]
    mail = [
        MailFacts("in", 1, "DRP-2027-0001", CLOSED - timedelta(days=9), True, False, ("a@x.gov.uk",)),
        MailFacts("in", 2, "DRP-2027-0001", CLOSED - timedelta(days=2), False, False, ("b@x.gov.uk",)),  # already gone
        MailFacts("out", 1, "DRP-2027-0001", CLOSED - timedelta(days=9), True, False, ("a@x.gov.uk",)),
        MailFacts("out", 2, "DRP-2027-0001", CLOSED, True, True, ("a@x.gov.uk",)),  # still queued
        MailFacts("in", 3, "DRP-2027-0002", CLOSED, True, False, ("a@x.gov.uk",)),  # open alert
        MailFacts("in", 4, None, CLOSED, True, False, ("stranger@example.com",)),
        MailFacts("in", 5, "DRP-2099-0001", CLOSED, True, False, ()),  # names no alert the store knows
        MailFacts("out", 3, None, CLOSED + timedelta(days=1), True, False, ("bm@x.gov.uk",)),
    ]
    audit = [
        AuditFacts(1, "DRP-2027-0001", "RaiseAlert", "a@x.gov.uk", "raised", False),
        AuditFacts(2, "DRP-2027-0001", "unsure", "a@x.gov.uk", "[removed]", True),
        AuditFacts(3, "DRP-2027-0001", "retention", "mailbot", "removed under ...", False),
        AuditFacts(4, "DRP-2027-0002", "RaiseAlert", "a@x.gov.uk", "raised", False),
    ]
    compliments = [ComplimentFacts(1, CLOSED, "a@x.gov.uk", ("1234509",), False)]
    return alerts, mail, audit, compliments


def test_a_closed_alert_is_due_exactly_its_years_after_closing() -> None:
    alerts, mail, audit, compliments = facts()
    due = CLOSED.replace(year=2029)
    before = policy.due_for_removal(due - timedelta(seconds=1), rules(unlinked_mail_days=10_000), alerts, mail, audit)
    assert before == []
    plan = policy.due_for_removal(due, rules(unlinked_mail_days=10_000), alerts, mail, audit, compliments)
    assert [(r.rule, r.alert_ref) for r in plan] == [("closed_alert", "DRP-2027-0001")]
    removal = plan[0]
    # Not the mail already emptied, not the row still queued, not the redacted line, not the
    # record of an earlier removal; the open alert's mail is not touched.
    assert (removal.inbound_ids, removal.outbound_ids, removal.audit_ids) == ((1,), (1,), (1,))
    assert removal.due_since == due and removal.case_ids == 0 and removal.compliment_ids == ()
    assert removal.setting == "retention.closed_alert_years: 2"
    assert removal.describe() == "raw content of 1 mail received, body of 1 mail sent, detail of 1 audit line"


def test_open_alerts_are_never_due() -> None:
    alerts, mail, audit, _ = facts()
    plan = policy.due_for_removal(CLOSED + timedelta(days=3650), rules(unlinked_mail_days=10_000), alerts, mail, audit)
    assert "DRP-2027-0002" not in [r.alert_ref for r in plan]
    assert all(3 not in r.inbound_ids for r in plan)


def test_mail_linked_to_no_alert_goes_after_its_days() -> None:
    alerts, mail, audit, _ = facts()
    ten = rules(unlinked_mail_days=10, closed_alert_years=50)
    assert policy.due_for_removal(CLOSED + timedelta(days=10) - timedelta(seconds=1), ten, alerts, mail, audit) == []
    plan = policy.due_for_removal(CLOSED + timedelta(days=10), ten, alerts, mail, audit)
    assert [(r.rule, r.alert_ref, r.inbound_ids, r.outbound_ids) for r in plan] == [
        ("unlinked_mail", None, (4, 5), ())]  # the digest was queued a day later
    plan = policy.due_for_removal(CLOSED + timedelta(days=11), ten, alerts, mail, audit)
    assert plan[0].outbound_ids == (3,) and plan[0].setting == "retention.unlinked_mail_days: 10"


def test_case_ids_go_only_when_the_rule_says() -> None:
    alerts, mail, audit, compliments = facts()
    later = CLOSED.replace(year=2030)
    keep = policy.due_for_removal(later, rules(), alerts, mail, audit, compliments)
    assert all(r.case_ids == 0 and not r.compliment_ids for r in keep)
    remove = policy.due_for_removal(later, rules(remove_case_ids=True), alerts, mail, audit, compliments)
    assert {r.rule: (r.case_ids, r.compliment_ids) for r in remove}["closed_alert"] == (2, ())
    assert {r.rule: r.compliment_ids for r in remove}["compliment"] == (1,)
    done = [AlertFacts(a.ref, a.status, a.closed, ("[removed 1]", "[removed 2]"), True, a.people) for a in alerts]
    again = policy.due_for_removal(later, rules(remove_case_ids=True), done, [], [], [])
    assert again == []


def test_years_after_a_leap_day() -> None:
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert policy.add_years(leap, 2) == datetime(2030, 2, 28, 12, 0, tzinfo=UTC)
    assert policy.add_years(leap, 4) == datetime(2032, 2, 29, 12, 0, tzinfo=UTC)


def test_a_case_id_is_found_only_as_a_whole_token_and_a_person_by_address_or_full_name() -> None:
    child = DataSubject.child("1234510", r"\b\d{7}\b")
    assert child.found_in_text("Child ID: 1234510.") and not child.found_in_text("tel 912345107")
    with pytest.raises(ValueError, match="not a case ID"):
        DataSubject.child("12", r"\b\d{7}\b")
    person = DataSubject.person(" Dana.TM@luton.example.gov.uk ", "Dana  Hughes")
    assert person.value == "dana.tm@luton.example.gov.uk"
    assert person.found_in_text("cc DANA.TM@luton.example.gov.uk") and person.found_in_text("with Dana\nHughes")
    assert not person.found_in_text("Dana will reply")  # a first name alone is not the person
    assert DataSubject.person("x@y.uk", "Dana").name is None


# ------------------------------------------------------------------------------ the audit trigger




REFUSED = [
    "UPDATE audit_events SET detail = 'rewritten'",
    "UPDATE audit_events SET detail = ''",
    "UPDATE audit_events SET actor = 'someone.else@luton.example.gov.uk'",
    "UPDATE audit_events SET action = 'Resolve'",
    "UPDATE audit_events SET alert_ref = 'DRP-2027-0009'",
    "UPDATE audit_events SET alert_ref = NULL",
    "UPDATE audit_events SET message_id = 'other@x'",
    "UPDATE audit_events SET at = '2030-01-01 00:00:00'",
    "UPDATE audit_events SET detail = '[removed]', action = 'x'",
    "UPDATE audit_events SET id = id + 100",
    "DELETE FROM audit_events",
]


def audit_rows(sessions) -> list[tuple]:
    with sessions() as session:
        return [tuple(r) for r in session.execute(text(
            "SELECT id, at, alert_ref, actor, message_id, action, detail FROM audit_events ORDER BY id"))]


def test_the_trigger_allows_only_the_redaction(store_url: str) -> None:
    sessions = open_store(store_url)
    now = datetime(2027, 5, 4, 10, 0, tzinfo=LONDON)
    with sessions.begin() as session:
        repo.add_audit(session, at=now, actor="sam.iro@luton.example.gov.uk", action="unsure",
                       detail="read as RESOLVED (the reply also asks a question ('is the PEP done?'))",
                       alert_ref="DRP-2027-0001", message_id="m1@x")
    before = audit_rows(sessions)
    for statement in REFUSED:
        with pytest.raises(DBAPIError, match="append-only"):
            with sessions.begin() as session:
                session.execute(text(statement))
                pytest.fail(f"not refused: {statement}")
        assert audit_rows(sessions) == before, statement

    with sessions.begin() as session:
        assert repo.redact_audit(session, [before[0][0]], erased_actor="sam.iro@luton.example.gov.uk") == 1
    (after,) = audit_rows(sessions)
    assert after[:3] == before[0][:3] and after[4:6] == before[0][4:6]
    assert after[3] == after[6] == repo.REMOVED == "[removed]"
    # Once removed, a detail cannot be written back; the other changes are still refused.
    for statement in ["UPDATE audit_events SET detail = 'read as RESOLVED'", "UPDATE audit_events SET actor = 'x'",
                      *REFUSED]:
        with pytest.raises(DBAPIError, match="append-only"):
            with sessions.begin() as session:
                session.execute(text(statement))
        assert audit_rows(sessions) == [after], statement


# ------------------------------------------------------------------------------ on a real store


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=LONDON)


def mail(sender: str, to: str, subject: str, body: str, when: datetime, message_id: str,
         in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"{sender}@{DOMAIN}"
    msg["To"] = f"{to}@{DOMAIN}"
    msg["Cc"] = f"drp@{DOMAIN}"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    msg.set_content(body)
    return msg.as_bytes()


def resolved_alert(bot: Mailbot, tmp_path: Path) -> tuple[str, list[bytes]]:
    """An alert raised, answered and resolved by real mail; what mailbot queued is sent."""
    raws = [
        mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing since March.",
             at("2027-05-04T10:00"), "raise-1@luton"),
        mail("dana.tm", "sam.iro", "RE: Pre-Dispute Resolution", "The PEP meeting is booked for Friday.",
             at("2027-05-05T11:00"), "reply-1@luton", "raise-1@luton"),
        mail("sam.iro", "dana.tm", "RE: Pre-Dispute Resolution", "RESOLVED - thank you.",
             at("2027-05-06T09:00"), "resolve-1@luton", "reply-1@luton"),
    ]
    sink = MaildirSink(tmp_path / "sent")
    for raw in raws:
        when = email.utils.parsedate_to_datetime(email.message_from_bytes(raw)["Date"])
        result = bot.ingest(raw, when)
        assert result.status == "processed", result
        bot.send(when, sink)
    return result.alert, raws


@pytest.fixture
def bot(tmp_path: Path, root: Path, store_url: str) -> Mailbot:
    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    return Mailbot(load_config(tmp_path / "config.yaml"), sessions=open_store(store_url))


def test_retention_removes_the_mail_and_keeps_the_facts(bot: Mailbot, tmp_path: Path) -> None:
    ref, raws = resolved_alert(bot, tmp_path)
    alert_before = bot.alert_history(ref)[0]
    closed = alert_before.closed
    assert closed is not None
    assert retention_plan(bot, closed.replace(year=closed.year + 2) - timedelta(minutes=1)) == []

    due = closed.replace(year=closed.year + 2)
    plan = apply_retention(bot, due)
    assert [(r.rule, r.alert_ref) for r in plan] == [("closed_alert", ref)]
    with bot.sessions() as session:
        inbound = [m for m in repo.messages_by_id(session, range(1, 100)) if m.alert_ref == ref]
        outbound = [r for r in repo.outbox_rows(session) if r.alert_ref == ref]
        assert len(inbound) == 3 and all(m.raw == b"" for m in inbound)
        assert outbound and all(r.body_text == "" and r.body_html is None for r in outbound)
        history = repo.audit_for(session, ref)
    assert [h.detail for h in history[:-1]] == [repo.REMOVED] * (len(history) - 1)
    last = history[-1]
    assert (last.action, last.actor, last.at) == ("retention", "mailbot", due)
    assert last.detail == (f"removed under the closed_alert rule (retention.closed_alert_years: 2): raw content of "
                           f"3 mails received, body of {len(outbound)} mails sent, detail of {len(history) - 1} audit lines")
    assert "PEP" not in " ".join(h.detail for h in history)
    # The facts the reports need are untouched; re-reading a message is still a duplicate.
    assert bot.alert_history(ref)[0] == alert_before
    again = bot.ingest(raws[0], due)
    assert again.duplicate and again.alert == ref
    assert retention_plan(bot, due + timedelta(days=400)) == []  # nothing is listed twice


def test_erasure_of_a_child_then_of_a_person_on_a_real_store(bot: Mailbot, tmp_path: Path) -> None:
    from mailbot.subject_rights import erase

    ref, _ = resolved_alert(bot, tmp_path)
    now = at("2027-06-01T09:00")
    child = DataSubject.child("1234567", bot.config.authority.case_id_pattern)
    listing = erase(bot, child, "DPO decision 7", "records.officer", now, confirmed=False)
    assert not listing.done and listing.lines[0].startswith(f"{ref}: raw content of 3 mails received")
    assert erase(bot, child, "DPO decision 7", "records.officer", now, confirmed=True).done
    with bot.sessions() as session:
        assert all(m.raw == b"" for m in repo.messages_by_id(session, range(1, 100)))
        history = repo.audit_for(session, ref)
    assert bot.alert_history(ref)[0].children == ("[removed 1]",)
    assert (history[-1].action, history[-1].actor) == ("erased", "records.officer")
    assert "1234567" not in " ".join(h.detail for h in history)

    dana = DataSubject.person("dana.tm@luton.example.gov.uk", "Dana Hughes")
    assert erase(bot, dana, "DPO decision 8", "records.officer", now, confirmed=True).done
    alert = bot.alert_history(ref)[0]
    assert alert.anchor == repo.REMOVED and {e.responder for e in alert.episodes} == {repo.REMOVED}
    with bot.sessions() as session:
        rows = repo.outbox_rows(session)
        actors = {h.actor for h in repo.audit_for(session, ref)}
    assert all("dana.tm@luton.example.gov.uk" not in r.to_addrs + r.cc_addrs + [r.idempotency_key] for r in rows)
    assert "dana.tm@luton.example.gov.uk" not in actors and repo.REMOVED in actors


# ------------------------------------------------------------------------------ the demo's store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "run"
    with open(os.devnull, "w") as quiet:
        from mailbot.demo import run_demo

        assert run_demo(folder, out=quiet) == 0
    return folder


@pytest.fixture
def demo(demo_store: Path, tmp_path: Path) -> Path:
    """A private copy of the demo's folder (config.yaml and var/mailbot.db) for one test."""
    copy_ = tmp_path / "demo"
    shutil.copytree(demo_store, copy_)
    return copy_


def cli(capsys, folder: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(folder / "config.yaml"), "--now", AFTER_TWO_YEARS, *args])
    out, err = capsys.readouterr()
    return code, out, err


def dump(folder: Path) -> str:
    """Every value of every table of the demo's store as text, raw mail bytes included (the
    schema's own dump shows BLOBs as hex, where no text could be found)."""
    with sqlite3.connect(folder / "var" / "mailbot.db") as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        values = [v.decode("latin-1") if isinstance(v, bytes) else str(v)
                  for table in tables for row in conn.execute(f'SELECT * FROM "{table}"') for v in row]
    return "\n".join(values)


def test_retention_dry_run_on_the_demo_lists_what_would_go_and_changes_nothing(capsys, demo: Path) -> None:
    before = dump(demo)
    code, out, err = cli(capsys, demo, "retention", "--dry-run")
    assert code == 0, err
    lines = out.splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("DRP-")]
    assert listed == [f"DRP-2027-000{n}" for n in range(1, 8)]  # DRP-2027-0008 is still open
    assert all("closed_alert (retention.closed_alert_years: 2; due since 2029-05-" in line
               for line in lines if line.startswith("DRP-"))
    assert any(line.startswith("(no alert)") and "unlinked_mail (retention.unlinked_mail_days: 90)" in line
               for line in lines)
    assert lines[-1] == "dry run: 8 removal(s) listed; nothing was changed"
    assert dump(demo) == before

    code, out, _ = main(["--config", str(demo / "config.yaml"), "--now", "2027-06-01T09:00", "retention", "--dry-run"]), *capsys.readouterr()
    assert code == 0 and out.strip() == "nothing is due for removal"


@pytest.mark.parametrize("remove_case_ids", [False, True])
def test_after_retention_the_reports_give_the_same_figures(capsys, demo: Path, remove_case_ids: bool) -> None:
    config_path = demo / "config.yaml"
    if remove_case_ids:
        config_path.write_text(config_path.read_text().replace("remove_case_ids: false", "remove_case_ids: true"))
    report = ["report", "quarterly", "--period", "2027Q2"]
    code, text_before, err = cli(capsys, demo, *report)
    assert code == 0, err
    bot = Mailbot(load_config(config_path))
    now = datetime.fromisoformat(AFTER_TWO_YEARS).replace(tzinfo=LONDON)
    before = bot.quarterly(now, reports.parse_period("2027Q2"))
    assert "four months overdue" in dump(demo)  # the narrative of DRP-2027-0001's first mail

    code, out, err = cli(capsys, demo, "retention")
    assert code == 0, err
    # Seven closed alerts and the mail linked to none; the compliment's case ID when the rule says.
    assert out.splitlines()[-1].startswith(f"{9 if remove_case_ids else 8} removal(s) done: raw content of "
                                           "28 mails received")
    code, text_after, _ = cli(capsys, demo, *report)
    assert text_after == text_before
    after = bot.quarterly(now, reports.parse_period("2027Q2"))
    assert after.summary == before.summary
    for table in before.tables:
        rows_after = after.table(table.name).rows
        if table.name == "Alert log" and remove_case_ids:
            # The children are still there, each counted; only their IDs are place-holders.
            child = table.headers.index("Child ID")
            strip = lambda rows: [[v for i, v in enumerate(r) if i != child] for r in rows]  # noqa: E731
            assert strip(rows_after) == strip(table.rows) and len(rows_after) == len(table.rows)
            closed_ids = {row[child] for row in rows_after if row[0] != "DRP-2027-0008"}
            assert closed_ids and all(str(c).startswith("[removed") for c in closed_ids), closed_ids
        else:
            assert rows_after == table.rows, table.name
    everything = dump(demo)
    assert "four months overdue" not in everything
    assert ("1234501" in everything) is not remove_case_ids


def test_export_of_a_child_from_the_demo_store(capsys, demo: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "sar"
    old = os.umask(0)  # the folder and files must be private whatever the umask
    try:
        code, out, err = cli(capsys, demo, "export", "--child", "1234505", "--out", str(out_dir))
    finally:
        os.umask(old)
    assert code == 0, err
    assert out.strip().startswith("exported 1 alert(s), 3 mail(s) received, 3 sent")
    for path in [out_dir, *out_dir.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    with (out_dir / "index.csv").open(newline="") as handle:
        index = list(csv.DictReader(handle))
    files = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file())
    assert sorted([row["file"] for row in index] + ["index.csv", "index.json"]) == files
    assert {row["alert"] for row in index} == {"DRP-2027-0004"}  # the three siblings' alert

    alert = json.loads((out_dir / "alerts" / "DRP-2027-0004.json").read_text())
    assert alert["children"] == ["1234504", "1234505", "1234506"] and alert["status"] == "withdrawn"
    assert alert["history"][0]["action"] == "RaiseAlert"
    with sqlite3.connect(demo / "var" / "mailbot.db") as conn:
        stored = dict(conn.execute("SELECT id, raw FROM messages WHERE alert_ref = 'DRP-2027-0004'").fetchall())
    received = sorted(out_dir.glob("mail/in-*.eml"))
    assert [p.read_bytes() for p in received] == [stored[int(p.stem[3:])] for p in received] and len(received) == 3
    for sent in sorted(out_dir.glob("mail/out-*.eml")):
        message = email.message_from_bytes(sent.read_bytes())
        assert "[DRP-2027-0004]" in message["Subject"] and message["From"].endswith("<drp@luton.example.gov.uk>")
    summary = json.loads((out_dir / "index.json").read_text())
    assert summary["subject"] == {"kind": "child", "value": "1234505"} and len(summary["files"]) == len(index)


def test_export_refuses_a_folder_in_use_and_leaves_nothing(capsys, demo: Path, tmp_path: Path) -> None:
    (tmp_path / "sar").mkdir()
    (tmp_path / "sar" / "other.txt").write_text("x")
    code, out, err = cli(capsys, demo, "export", "--child", "1234505", "--out", str(tmp_path / "sar"))
    assert code == 2 and out == ""
    assert err.strip() == f"mailbot: error: --out: {tmp_path / 'sar'} already exists and is not an empty folder; give a new one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "sar"]
    code = main(["--config", str(demo / "config.yaml"), "export", "--out", str(tmp_path / "new")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert "export needs 'open', or --child ID or --person EMAIL" in err
    assert not (tmp_path / "new").exists()


def test_erase_a_child_needs_a_reason_lists_first_and_then_removes_every_trace(capsys, demo: Path, tmp_path: Path) -> None:
    before = dump(demo)
    code, out, err = cli(capsys, demo, "erase", "--child", "1234505")
    assert code == 2 and out == "" and err.startswith("mailbot: error: erase: --reason is required")
    code, out, err = cli(capsys, demo, "erase", "--child", "1234505", "--reason", "DPO decision 2029-014")
    assert code == 0, err
    assert "DRP-2027-0004: raw content of 3 mails received, body of 3 mails sent" in out
    assert out.splitlines()[-1] == "dry run: nothing was changed; run again with --yes to erase"
    assert dump(demo) == before

    code, out, err = cli(capsys, demo, "erase", "--child", "1234505", "--reason", "DPO decision 2029-014",
                         "--by", "records.officer", "--yes")
    assert code == 0, err
    after = dump(demo)
    assert "1234505" not in after
    assert "1234504" in after and "1234506" in after  # the siblings keep theirs
    code, out, _ = cli(capsys, demo, "alert", "DRP-2027-0004", "--json")
    shown = json.loads(out)
    assert shown["children"] == ["1234504", "[removed 2]", "1234506"] and shown["status"] == "withdrawn"
    last = shown["history"][-1]
    assert (last["action"], last["actor"]) == ("erased", "records.officer")
    assert last["detail"].startswith("right-to-erasure decision about the child (DPO decision 2029-014): removed raw "
                                     "content of 3 mails received, body of 3 mails sent")
    code, out, _ = cli(capsys, demo, "export", "--child", "1234505", "--out", str(tmp_path / "sar"))
    assert code == 0 and out.startswith("exported 0 alert(s), 0 mail(s) received, 0 sent")
    code, out, _ = cli(capsys, demo, "erase", "--child", "1234505", "--reason", "DPO decision 2029-014", "--yes")
    assert out.strip() == "nothing is held about the child"


def test_erase_is_refused_while_an_alert_about_them_is_open(capsys, demo: Path) -> None:
    before = dump(demo)
    code, out, err = cli(capsys, demo, "erase", "--child", "1234510", "--reason", "DPO decision 2029-015", "--yes")
    assert code == 2 and out == ""
    assert err.strip() == ("mailbot: error: erase: DRP-2027-0008 is still open and about the child; close or "
                           "withdraw it first. Nothing was erased")
    code, _, err = cli(capsys, demo, "erase", "--child", "1234506", "--reason", "about 1234506", "--yes")
    assert code == 2 and "must not name the child" in err
    assert dump(demo) == before


def test_erase_a_person_leaves_no_address_or_name_in_the_store(capsys, demo: Path, tmp_path: Path) -> None:
    address, name = "dana.tm@luton.example.gov.uk", "Dana Hughes"
    assert address in dump(demo) and name in dump(demo)
    code, out, err = cli(capsys, demo, "export", "--person", address, "--out", str(tmp_path / "sar"))
    assert code == 0, err
    summary = json.loads((tmp_path / "sar" / "index.json").read_text())
    assert summary["directory_entry"]["name"] == name
    assert {row["found_by"] for row in summary["files"]} >= {"sent by them", "addressed to them", "sent to them"}

    code, out, err = cli(capsys, demo, "erase", "--person", address, "--reason", "DPO decision 2029-016", "--yes")
    assert code == 0, err
    assert "note: they are still in the directory of the configuration" in out
    everything = dump(demo)
    assert address not in everything.lower() and name not in everything
    # Every other audit line is still append-only after the erasure.
    with sqlite3.connect(demo / "var" / "mailbot.db") as conn:
        for statement in ("UPDATE audit_events SET detail = 'x' WHERE action = 'erased'", "DELETE FROM audit_events"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)


def test_the_daemon_applies_retention_once_a_day_without_anyone_running_it(tmp_path: Path, root: Path) -> None:
    from mailbot.daemon import Daemon
    from mailbot.shell import make_source
    from store.models import MessageRow
    from test_service import at, mail

    (tmp_path / "config.yaml").write_text((root / "config.yaml").read_text())
    config = load_config(tmp_path / "config.yaml")
    bot = Mailbot(config)
    bot.ingest(mail("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\n\nThe PEP is missing.",
                    at("2027-05-04T10:00"), "raise-1@luton"), at("2027-05-04T10:00"))
    ref = bot.alerts()[0].ref
    bot.ingest(mail("sam.iro", "dana.tm", f"RE: [{ref}] Pre-Dispute Resolution", "RESOLVED", at("2027-05-05T10:00"),
                    "done-1@luton", in_reply_to="raise-1@luton"), at("2027-05-05T10:00"))
    clock = {"now": at("2029-06-01T09:00")}  # more than two years after the alert closed
    daemon = Daemon(bot, make_source(config), MaildirSink(tmp_path / "out"), clock=lambda: clock["now"])
    assert daemon.retention_if_due() == 1
    assert daemon.retention_if_due() == 0  # once a day
    with bot.sessions() as session:
        raws = [m.raw for m in session.query(MessageRow).filter(MessageRow.direction == "in")]
        assert raws and all(b"PEP" not in raw for raw in raws)
        assert [a.action for a in repo.audit_for(session, ref)].count("retention") == 1


def test_the_daily_pass_reads_only_what_can_be_due_and_plans_the_same(demo: Path) -> None:
    """retention_facts reads candidates only (issue 13: the daily pass costs what is due, not what
    is held); planned on them, the removals are exactly those planned on every fact held, at
    each moment around the demo's closing anniversaries and the unlinked-mail cut-off."""
    config = load_config(demo / "config.yaml")
    rules = config.settings.retention
    sessions = open_store(config.store_url)
    with sessions() as session:
        everything = (repo.alert_facts(session), repo.mail_facts(session), repo.audit_facts(session),
                      repo.compliment_facts(session))
        closed = sorted({a.closed for a in everything[0] if a.closed is not None})
        mail_times = sorted({m.at for m in everything[1]})
        assert closed and mail_times
        moments = [policy.add_years(c, rules.closed_alert_years) + delta for c in closed
                   for delta in (timedelta(seconds=-1), timedelta(0), timedelta(days=1))]
        moments += [t + timedelta(days=rules.unlinked_mail_days) + delta for t in mail_times[:3]
                    for delta in (timedelta(seconds=-1), timedelta(0))]
        for now in moments:
            read = repo.retention_facts(session, now, rules)
            assert policy.due_for_removal(now, rules, *read) == policy.due_for_removal(now, rules, *everything), now
        # Long before anything is due, nothing is read at all.
        first = min(closed + mail_times)
        assert repo.retention_facts(session, first + timedelta(days=1), rules) == ([], [], [], [])
        # And at the end, everything closed is a candidate.
        late = repo.retention_facts(session, datetime(2040, 1, 1, tzinfo=timezone.utc), rules)
        assert {a.ref for a in late[0]} == {a.ref for a in everything[0] if a.closed is not None}
