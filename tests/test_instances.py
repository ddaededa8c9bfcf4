"""Several instances on one PostgreSQL store (issue 13): two `mailbot run` processes on one
mailbox, the mailbox's holder killed mid-drain, and two authorities in two schemas of one database;
with the claims underneath (FOR UPDATE SKIP LOCKED, the advisory lock) tested on their own.

Everything is real: the session's PostgreSQL (conftest.postgres_url), the session's Dovecot, and
`mailbot run` started as real processes. Each test works in a schema of its own (store.schema),
dropped afterwards, so the tests also run the schema-per-authority path. The configuration
checks and the batched send at the bottom run on SQLite and are not slow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import event, func, select, text

from mailbot.config import load_config
from mailbot.daemon import Daemon, status
from mailbot.errors import ConfigError
from mailbot.maildir import MaildirSink
from mailbot.service import Mailbot
from mailbot.smtp import LoginRefused
from store import repository as repo
from store.db import MailboxLock, head_revision, make_engine, with_schema
from store.models import AlertRow, AuditRow, MessageRow, OutboxRow
from servers import wait_until

LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"
PASSWORD_ENV = "MAILBOT_TEST_IMAP_PASSWORD"
WHEN = datetime(2027, 5, 4, 10, 0, tzinfo=LONDON)  # a Tuesday: nothing is due at this fixed time


# ----------------------------------------------------------------------------- helpers


def write_config(root: Path, folder: Path, store: dict, *, dovecot=None, mailbox_user: str = "drp",
                 mailbox_address: str | None = None, outbox: Path | None = None, batch_size: int = 200) -> Path:
    """config.yaml with the given store, the Dovecot mailbox of ``mailbox_user`` (or the
    embedded Maildir), and a Maildir outbox (a shared one, when two processes write to it)."""
    data = yaml.safe_load((root / "config.yaml").read_text())
    if dovecot is not None:
        data["mailbox"] = {"url": f"imap://{dovecot.host}:{dovecot.port}", "username": dovecot.address(mailbox_user),
                           "password_env": PASSWORD_ENV, "allow_plaintext": True, "poll_seconds": 1,
                           "batch_size": batch_size, "timeout_seconds": 10}
    else:
        data["mailbox"] = {"url": f"maildir:{folder / 'mail'}", "poll_seconds": 1}
    data["outbox"] = {"url": f"maildir:{outbox or folder / 'outbox'}"}
    if mailbox_address:
        data["authority"]["mailbox_address"] = mailbox_address
    data["store"] = store
    # Thousands of messages from one IRO and one manager in a day: far past the limits per sender
    # and per thread that stop a robot (tests/test_redteam_trust.py tests those).
    data["security"]["per_sender_per_day"] = 100_000
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def iro_mail(n: int) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = f"sam.iro@{DOMAIN}"
    msg["To"] = f"dana.tm@{DOMAIN}"
    msg["Cc"] = f"drp@{DOMAIN}"
    msg["Subject"] = "Pre-Dispute Resolution"
    msg["Date"] = format_datetime(WHEN)
    msg["Message-ID"] = f"<iro-{n}@{DOMAIN}>"
    msg.set_content(f"Child ID: {1000000 + n}\n\nThe PEP has not been updated.")
    return msg.as_bytes()


def reply_mail(n: int) -> bytes:
    """Dana's answer in alert n's thread (In-Reply-To the IRO's message)."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = f"dana.tm@{DOMAIN}"
    msg["To"] = f"sam.iro@{DOMAIN}"
    msg["Cc"] = f"drp@{DOMAIN}"
    msg["Subject"] = "RE: Pre-Dispute Resolution"
    msg["Date"] = format_datetime(WHEN + timedelta(minutes=5))
    msg["Message-ID"] = make_msgid(idstring=f"reply-{n}", domain=DOMAIN)
    msg["In-Reply-To"] = f"<iro-{n}@{DOMAIN}>"
    msg["References"] = f"<iro-{n}@{DOMAIN}>"
    msg.set_content("The PEP meeting is booked for Thursday.")
    return msg.as_bytes()


def deliver(dovecot, user: str, messages: list[bytes]) -> None:
    with dovecot.client(user, timeout=60) as imap:
        for start in range(0, len(messages), 200):
            imap.multiappend("INBOX", messages[start:start + 200])


def deliver_to_maildir(folder: Path, name: str, raw: bytes) -> None:
    """Deliver as an MTA does: written in tmp/, then renamed into new/, so that a watching daemon
    never sees the file half-written (writing straight into new/ once let one read it empty)."""
    (folder / "tmp" / name).write_bytes(raw)
    os.rename(folder / "tmp" / name, folder / "new" / name)


def folder_count(dovecot, user: str, folder: str) -> int:
    with dovecot.client(user) as imap:
        if not imap.folder_exists(folder):
            return 0
        return imap.select_folder(folder, readonly=True)[b"EXISTS"]


def count_in(bot: Mailbot, model, *where) -> int:
    with bot.sessions() as session:
        return session.scalar(select(func.count(model.id)).where(*where)) or 0


def sink_message_ids(folder: Path) -> list[str]:
    """The Message-ID of every mail the Maildir sink holds, one per file."""
    return [message_from_bytes(path.read_bytes())["Message-ID"].strip("<> ")
            for sub in ("new", "cur") for path in (folder / sub).iterdir()]


class Instance:
    """`mailbot run` as a real process, its log (JSON lines) kept in a file."""

    def __init__(self, config: Path, root: Path, dovecot, log: Path) -> None:
        self.log_path = log
        env = {**os.environ, PASSWORD_ENV: dovecot.password("drp"), "PYTHONPATH": str(root)}
        command = [sys.executable, "-m", "mailbot", "--config", str(config), "--now", WHEN.isoformat(),
                   "--log-format", "json", "run"]
        self._log = log.open("w")
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=self._log)
        self.pid = self.process.pid

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=30)
        finally:
            self._log.close()

    def lines(self) -> list[str]:
        return [json.loads(line)["message"] for line in self.log_path.read_text().splitlines() if line.startswith("{")]

    def took_mailbox(self) -> bool:
        return any("watched by this instance" in line for line in self.lines())

    def sent(self) -> int:
        return sum(int(line.split()[1]) for line in self.lines() if line.startswith("sent ") and "message(s)" in line)


def holder_pid(bot: Mailbot) -> int | None:
    holder = status(bot)["mailbox_holder"]
    return int(holder.split()[0].rsplit(":", 1)[1]) if holder else None


@pytest.fixture
def schema(postgres_url):
    """A fresh schema name in the session's PostgreSQL, dropped with everything in it after."""
    names: list[str] = []

    def make() -> str:
        names.append(f"t_{uuid.uuid4().hex[:12]}")
        return names[-1]

    yield make
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        for name in names:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture
def imap_env(dovecot, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password("drp"))
    return dovecot


# ----------------------------------------------------------------------------- two instances, one mailbox


@pytest.mark.slow
def test_two_instances_on_one_mailbox_record_each_message_once_and_send_each_notice_once(
        root, tmp_path, imap_env, postgres_url, schema) -> None:
    alerts = 1000
    messages = [iro_mail(n) for n in range(alerts)] + [reply_mail(n) for n in range(alerts)]
    deliver(imap_env, "drp", messages)
    outbox = tmp_path / "outbox"
    store = {"url": postgres_url, "schema": schema()}
    configs = [write_config(root, tmp_path / name, store, dovecot=imap_env, outbox=outbox) for name in ("a", "b")]
    bot = Mailbot(load_config(configs[0]))
    started = time.monotonic()
    instances = [Instance(c, root, imap_env, tmp_path / f"{c.parent.name}.log") for c in configs]
    try:
        wait_until(lambda: count_in(bot, MessageRow, MessageRow.status == "processed") == 2 * alerts or None,
                   150, interval=0.5, what="every message handled")
        handled_in = time.monotonic() - started
        wait_until(lambda: (count_in(bot, OutboxRow, OutboxRow.status != "sent") == 0
                            and count_in(bot, OutboxRow) >= 2 * alerts) or None,
                   60, interval=0.5, what="every notice sent")
        elapsed = time.monotonic() - started
        # Who watched while the work was done: once the first is stopped, the other may take the
        # mailbox over before its own stop (as it should), which says nothing about the work.
        watched = sorted(i.took_mailbox() for i in instances)
    finally:
        codes = [i.stop() for i in instances]
    print(f"\n2,000 messages through two instances: handled in {handled_in:.1f} s, every notice sent in "
          f"{elapsed:.1f} s; sent by each: {[i.sent() for i in instances]}")
    assert codes == [0, 0]
    # Exactly one of the two watched the mailbox; both swept and sent.
    assert watched == [False, True]
    with bot.sessions() as session:
        inbound = session.execute(select(MessageRow.message_id, MessageRow.status)
                                  .where(MessageRow.direction == "in")).all()
        assert len(inbound) == 2 * alerts and len({m for m, _ in inbound}) == 2 * alerts
        assert {s for _, s in inbound} == {"processed"}
        assert session.scalar(select(func.count(AlertRow.id))) == alerts
        children = session.scalars(select(repo.ChildRow.case_id)).all()
        assert sorted(children) == sorted(str(1000000 + n) for n in range(alerts))
        # Every alert was opened once and answered once: the same audit history for each. A
        # message handled twice would leave a second set of lines on its alert.
        by_ref: dict[str, Counter] = {}
        for ref, action in session.execute(select(AuditRow.alert_ref, AuditRow.action)
                                           .where(AuditRow.alert_ref.is_not(None))):
            by_ref.setdefault(ref, Counter())[action] += 1
        histories = Counter(tuple(sorted(c.items())) for c in by_ref.values())
        assert len(by_ref) == alerts and len(histories) == 1, histories
        assert set(session.scalars(select(AlertRow.status))) == {"response_received"}
        rows = session.execute(select(OutboxRow.message_id, OutboxRow.status, OutboxRow.attempts)).all()
    # Every notice handed over exactly once, in all, by the two processes together.
    assert {s for _, s, _ in rows} == {"sent"} and {a for _, _, a in rows} == {1}
    delivered = sink_message_ids(outbox)
    assert len(delivered) == len(rows) == len(set(delivered))
    assert set(delivered) == {m for m, _, _ in rows}
    assert sum(i.sent() for i in instances) == len(rows)
    assert folder_count(imap_env, "drp", "INBOX") == 0
    assert folder_count(imap_env, "drp", "processed") == 2 * alerts


@pytest.mark.slow
def test_the_mailbox_holder_killed_mid_drain_the_other_takes_over_within_seconds(
        root, tmp_path, imap_env, postgres_url, schema) -> None:
    total = 300
    deliver(imap_env, "drp", [iro_mail(n) for n in range(total)])
    outbox = tmp_path / "outbox"
    store = {"url": postgres_url, "schema": schema()}
    # Fetched 50 at a time, so that the kill lands between messages of a drain, not after it.
    configs = [write_config(root, tmp_path / name, store, dovecot=imap_env, outbox=outbox, batch_size=50)
               for name in ("a", "b")]
    bot = Mailbot(load_config(configs[0]))
    first = Instance(configs[0], root, imap_env, tmp_path / "a.log")
    second = None
    try:
        # The first started holds the mailbox; the second stands by.
        wait_until(lambda: holder_pid(bot) == first.pid or None, 30, interval=0.1, what="the first to hold the mailbox")
        second = Instance(configs[1], root, imap_env, tmp_path / "b.log")
        wait_until(lambda: count_in(bot, MessageRow, MessageRow.status == "processed") >= total // 3 or None,
                   60, interval=0.05, what="a third of the mailbox drained")
        first.stop(signal.SIGKILL)
        killed_at = time.monotonic()
        halfway = count_in(bot, MessageRow, MessageRow.status == "processed")
        wait_until(lambda: holder_pid(bot) == second.pid or None, 15, interval=0.1, what="the second to take over")
        takeover = time.monotonic() - killed_at
        wait_until(lambda: count_in(bot, MessageRow, MessageRow.status == "processed") == total or None,
                   90, interval=0.2, what="the rest drained by the second")
        wait_until(lambda: count_in(bot, OutboxRow, OutboxRow.status == "queued") == 0 or None,
                   30, interval=0.2, what="the queue emptied")
    finally:
        if second is not None:
            assert second.stop() == 0
        first.stop(signal.SIGKILL)
    print(f"\nkilled after {halfway} of {total}; the other held the mailbox {takeover:.1f} s later")
    assert halfway < total, "the first finished before it could be killed mid-drain"
    assert takeover < 10
    assert second.took_mailbox()
    with bot.sessions() as session:
        assert session.scalar(select(func.count(AlertRow.id))) == total
        children = session.scalars(select(repo.ChildRow.case_id)).all()
        assert sorted(children) == sorted(str(1000000 + n) for n in range(total))
        assert repo.count_messages(session, "processed") == total
        assert repo.count_messages(session, "received") == 0
        rows = session.execute(select(OutboxRow.message_id, OutboxRow.status)).all()
    delivered = sink_message_ids(outbox)
    # Nothing sent twice. A notice the killed process was handing over stays "sending" (the
    # server may have it) and is reported, never sent again; everything else was sent once.
    assert len(delivered) == len(set(delivered))
    by_status = Counter(s for _, s in rows)
    assert set(by_status) <= {"sent", "sending"} and by_status["sending"] <= Mailbot.SEND_BATCH
    assert {m for m, s in rows if s == "sent"} <= set(delivered)
    assert set(delivered) <= {m for m, _ in rows}
    interrupted = bot.reconcile_sending(WHEN + timedelta(minutes=11))
    assert len(interrupted) == by_status["sending"]
    assert folder_count(imap_env, "drp", "INBOX") == 0
    assert folder_count(imap_env, "drp", "processed") == total


# ----------------------------------------------------------------------------- many authorities


@pytest.mark.slow
def test_two_authorities_in_two_schemas_of_one_database_each_see_only_their_own(
        root, tmp_path, imap_env, postgres_url, schema, monkeypatch) -> None:
    deliver(imap_env, "drp", [iro_mail(n) for n in range(3)])
    deliver(imap_env, "sam", [iro_mail(n) for n in range(100, 105)])
    luton, other = schema(), schema()
    paths = {
        luton: write_config(root, tmp_path / "luton", {"url": postgres_url, "schema": luton}, dovecot=imap_env),
        other: write_config(root, tmp_path / "other", {"url": postgres_url, "schema": other}, dovecot=imap_env,
                            mailbox_user="sam", mailbox_address=f"sam@{DOMAIN}"),
    }
    for name, path in paths.items():
        password = imap_env.password("drp" if name == luton else "sam")
        done = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(path), "--now", WHEN.isoformat(),
                               "run", "--once"], env={**os.environ, PASSWORD_ENV: password, "PYTHONPATH": str(root)},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    bots = {name: Mailbot(load_config(path)) for name, path in paths.items()}
    children = {name: sorted(c for a in bot.alerts() for c in a.children) for name, bot in bots.items()}
    assert children == {luton: [str(1000000 + n) for n in range(3)],
                        other: [str(1000000 + n) for n in range(100, 105)]}
    # Each has its own reference counter, outbox and tables: both start at 0001.
    assert [a.ref for a in bots[luton].alerts()] == [f"DRP-2027-{n:04d}" for n in range(1, 4)]
    assert [a.ref for a in bots[other].alerts()] == [f"DRP-2027-{n:04d}" for n in range(1, 6)]
    assert {r.alert_ref for r in bots[other].outbox() if r.template != "digest"} == {f"DRP-2027-{n:04d}" for n in range(1, 6)}
    # Reports come from each authority's own store: the digest lists its own alerts only.
    _subject, luton_digest = bots[luton].digest(WHEN + timedelta(hours=1), queue=False)
    _subject, other_digest = bots[other].digest(WHEN + timedelta(hours=1), queue=False)
    assert "DRP-2027-0003" in luton_digest and "DRP-2027-0004" not in luton_digest
    assert "DRP-2027-0005" in other_digest
    # Migrations ran inside each schema, with a version table of its own.
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        for name in (luton, other):
            tables = set(conn.scalars(text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                                      {"s": name}))
            assert {"alerts", "messages", "outbox", "audit_events", "alembic_version"} <= tables
            assert conn.scalar(text(f'SELECT version_num FROM "{name}".alembic_version')) == head_revision()
    engine.dispose()


# ----------------------------------------------------------------------------- the claims underneath


def _bot_on(tmp_path: Path, root: Path, store: dict) -> Mailbot:
    return Mailbot(load_config(write_config(root, tmp_path, store)))


def _claim_concurrently(bot: Mailbot, claim, workers: int = 2) -> list[list]:
    """Each worker opens a transaction, claims, and holds its rows until every worker has
    claimed: the claims really overlap in time."""
    barrier = threading.Barrier(workers, timeout=20)
    results: list[list] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            with bot.sessions.begin() as session:
                results[i] = claim(session)
                barrier.wait()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.slow
def test_two_sessions_claiming_due_alerts_at_once_get_disjoint_rows(root, tmp_path, postgres_url, schema) -> None:
    bot = _bot_on(tmp_path, root, {"url": postgres_url, "schema": schema()})
    for n in range(10):
        bot.ingest(iro_mail(n), WHEN)
    with bot.sessions.begin() as session:
        repo.forget_next_due(session)  # every alert due for the sweep to look at
    from mailbot.domain import LIVE

    first, second = _claim_concurrently(
        bot, lambda s: repo.claim_due_alerts(s, WHEN, LIVE, after_id=0, limit=6))
    assert len(first) + len(second) == 10, (first, second)
    assert not {r for _, r in first} & {r for _, r in second}


@pytest.mark.slow
def test_two_sessions_claiming_the_outbox_at_once_get_disjoint_rows(root, tmp_path, postgres_url, schema) -> None:
    bot = _bot_on(tmp_path, root, {"url": postgres_url, "schema": schema()})
    for n in range(10):
        bot.ingest(iro_mail(n), WHEN)
    queued = count_in(bot, OutboxRow, OutboxRow.status == "queued")
    assert queued >= 10
    first, second = _claim_concurrently(
        bot, lambda s: [r.id for r in repo.claim_outbox(s, WHEN, after_id=0, limit=queued - 3)])
    # Either thread may take its rows first: one gets the batch, the other what SKIP LOCKED leaves.
    assert sorted([len(first), len(second)]) == sorted([queued - 3, 3]), (first, second)
    assert not set(first) & set(second)


class _Recording:
    """A sink that records what it is handed (in memory: the test counts hand-offs per notice
    across two senders; the real sinks are tested against real servers elsewhere)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delivered: list[str] = []
        self.delay = delay

    def send(self, message) -> str:
        time.sleep(self.delay)  # a server's round trip, so that two senders overlap
        self.delivered.append(message["Message-ID"])
        return "250 ok"


@pytest.mark.slow
def test_two_processes_sending_and_sweeping_at_once_hand_each_notice_over_once(
        root, tmp_path, postgres_url, schema) -> None:
    store = {"url": postgres_url, "schema": schema()}
    one = _bot_on(tmp_path / "one", root, store)
    two = _bot_on(tmp_path / "two", root, store)  # its own engine and connections: another process's view
    for n in range(120):
        one.ingest(iro_mail(n), WHEN)
    later = WHEN + timedelta(days=30)  # every informal deadline has lapsed: a chaser and a lapse notice each
    swept: list[list] = [[], []]
    sinks = [_Recording(0.001), _Recording(0.001)]

    def run(i: int, bot: Mailbot) -> None:
        swept[i] = bot.tick(later)
        bot.send(later, sinks[i])

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate((one, two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    events = swept[0] + swept[1]
    assert len(events) == len(set(events)), "an alert's deadline was acted on twice"
    assert {ref for ref, _ in events} == {a.ref for a in one.alerts()}
    assert swept[0] and swept[1], "one sweep did all the work: the claims did not overlap"
    handed = sinks[0].delivered + sinks[1].delivered
    with one.sessions() as session:
        rows = repo.outbox_rows(session)
    assert len(handed) == len(set(handed)) == len(rows)
    assert all(r.status == "sent" for r in rows)


@pytest.mark.slow
def test_the_mailbox_lock_is_held_by_one_and_goes_with_its_connection(root, tmp_path, postgres_url, schema) -> None:
    bot = _bot_on(tmp_path, root, {"url": postgres_url, "schema": schema()})
    engine = bot.sessions.kw["bind"]
    first, second = MailboxLock(engine, bot.mailbox), MailboxLock(engine, bot.mailbox)
    elsewhere = MailboxLock(engine, "drp@another.example.gov.uk")
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert elsewhere.try_acquire()  # another mailbox: another lock
        with bot.sessions() as session:
            assert repo.advisory_lock_held(session, first.key) is True
        # The holder's session ends as a killed process's would: the server drops it.
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                              "AND objid = :low AND granted"), {"low": (first.key & 0xFFFFFFFFFFFFFFFF) & 0xFFFFFFFF})
        assert not first.still_held()
        assert second.try_acquire()
        second.release()
        assert first.try_acquire()
    finally:
        for lock in (first, second, elsewhere):
            lock.dispose()
    with bot.sessions() as session:
        assert repo.advisory_lock_held(session, first.key) is False


@pytest.mark.slow
def test_a_standby_daemon_sweeps_and_sends_but_leaves_the_mailbox_and_the_digest_alone(
        root, tmp_path, postgres_url, schema) -> None:
    """run --once beside a holder: no mail read, no digest queued; the holder's own pass does both."""
    store = {"url": postgres_url, "schema": schema()}
    path = write_config(root, tmp_path, store)
    (tmp_path / "mail" / "new").mkdir(parents=True)
    for sub in ("cur", "tmp"):
        (tmp_path / "mail" / sub).mkdir()
    deliver_to_maildir(tmp_path / "mail", "1.eml", iro_mail(1))
    bot = Mailbot(load_config(path))
    noon = WHEN.replace(hour=12)  # past the digest time
    holder = MailboxLock(bot.sessions.kw["bind"], bot.mailbox)
    assert holder.try_acquire()
    try:
        standby = Daemon(bot, _source(bot), MaildirSink(tmp_path / "outbox"), clock=lambda: noon)
        assert standby.run_once()["handled"] == 0
        assert count_in(bot, MessageRow) == 0
        assert count_in(bot, OutboxRow, OutboxRow.template == "digest") == 0
    finally:
        holder.dispose()
    done = Daemon(bot, _source(bot), MaildirSink(tmp_path / "outbox"), clock=lambda: noon).run_once()
    assert done["handled"] == 1
    assert count_in(bot, OutboxRow, OutboxRow.template == "digest") == 1


@pytest.mark.slow
def test_a_holder_whose_lock_connection_is_lost_stops_watching_and_the_standby_takes_over(
        root, tmp_path, postgres_url, schema) -> None:
    """Two daemons (threads here, real PostgreSQL and a real Maildir): the holder's lock session
    is ended by the server, as a network cut would; it stops draining, and the other drains."""
    store = {"url": postgres_url, "schema": schema()}
    path = write_config(root, tmp_path, store)
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "mail" / sub).mkdir(parents=True)
    bots = [Mailbot(load_config(path)) for _ in range(2)]
    daemons = [Daemon(b, _source(b), MaildirSink(tmp_path / "outbox"), clock=lambda: WHEN) for b in bots]
    threads = [threading.Thread(target=d.run, kwargs={"install_signals": False}, daemon=True) for d in daemons]
    first, second = daemons
    try:
        threads[0].start()
        wait_until(lambda: first.watching.is_set(), 15, what="the first to watch")
        threads[1].start()
        time.sleep(1.5)
        assert not second.watching.is_set()
        engine = make_engine(postgres_url)
        with engine.connect() as conn:
            ended = conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                                      "AND objid = :low AND granted"),
                                 {"low": (first.mailbox_lock.key & 0xFFFFFFFFFFFFFFFF) & 0xFFFFFFFF}).all()
        engine.dispose()
        assert len(ended) == 1
        wait_until(lambda: second.watching.is_set(), 10, what="the second to take over")
        wait_until(lambda: not first.watching.is_set(), 10, what="the first to notice")
        deliver_to_maildir(tmp_path / "mail", "1.eml", iro_mail(1))
        wait_until(lambda: count_in(bots[0], AlertRow) == 1 or None, 15, what="the message handled")
        assert second.watching.is_set() and not first.watching.is_set()
    finally:
        for d in daemons:
            d.stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)


def _source(bot: Mailbot):
    from mailbot.shell import make_source

    return make_source(bot.config)


# ----------------------------------------------------------------------------- configuration (not slow)


@pytest.mark.parametrize("store, problem", [
    ({"url": "sqlite:///x.db", "schema": "luton"}, "schema is for a postgresql+psycopg:// store"),
    ({"url": "postgresql+psycopg://u@h/db", "schema": "Luton-1"}, "store.schema: 'Luton-1' must be lower-case"),
    ({"url": "postgresql+psycopg://u@h/db", "schema": "pg_luton"}, "a name PostgreSQL keeps for itself"),
    ({"url": "postgresql+psycopg://u@h/db?options=-csearch_path%3Dx", "schema": "luton"}, "not both"),
    ({"url": "postgresql+psycopg://u@h/db", "shema": "luton"}, "did you mean 'schema'"),
])
def test_a_bad_store_schema_is_one_line_naming_the_key(root, tmp_path, store, problem) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(root, tmp_path, store))
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value).strip()


def test_store_schema_goes_into_every_connections_search_path(root, tmp_path) -> None:
    config = load_config(write_config(root, tmp_path, {"url": "postgresql+psycopg://mailbot@db.example/drp",
                                                       "schema": "luton"}))
    assert config.store_url == "postgresql+psycopg://mailbot@db.example/drp?options=-csearch_path%3Dluton"
    assert with_schema("postgresql+psycopg://u@h/db", "merton").endswith("options=-csearch_path%3Dmerton")


# ----------------------------------------------------------------------------- batched send (SQLite, not slow)


@pytest.fixture
def sqlite_bot(root, tmp_path) -> Mailbot:
    return Mailbot(load_config(write_config(root, tmp_path, {"url": f"sqlite:///{tmp_path / 'm.db'}"})))


def _commits(bot: Mailbot) -> list[int]:
    counted = [0]
    event.listen(bot.sessions.kw["bind"], "commit", lambda _conn: counted.__setitem__(0, counted[0] + 1))
    return counted


def test_sent_rows_are_committed_per_batch_not_per_row(sqlite_bot: Mailbot, tmp_path: Path) -> None:
    for n in range(120):
        sqlite_bot.ingest(iro_mail(n), WHEN)
    queued = count_in(sqlite_bot, OutboxRow, OutboxRow.status == "queued")
    assert queued >= 120
    commits = _commits(sqlite_bot)
    sink = MaildirSink(tmp_path / "sent")
    sent = sqlite_bot.send(WHEN, sink)
    size = sqlite_bot._send_batch_size()
    batches = -(-queued // size)
    assert len(sent) == queued == len(set(sink_message_ids(tmp_path / "sent")))
    # One commit to reconcile, then per batch: claim-and-mark "sending", record "sent"; and the
    # claim that finds nothing. One a row was 2 x 120.
    assert size > 1 and commits[0] <= 1 + 2 * batches + 1, (size, commits[0])


class _KilledMidBatch:
    """Hands over two messages, then the process 'dies' (a BaseException between hand-offs)."""

    def __init__(self) -> None:
        self.delivered: list[str] = []

    def send(self, message) -> str:
        if len(self.delivered) == 2:
            self.delivered.append(message["Message-ID"])
            raise SystemExit("killed")
        self.delivered.append(message["Message-ID"])
        return "250 ok"


def test_a_batch_interrupted_mid_hand_off_keeps_what_was_sent_and_requeues_what_was_not(sqlite_bot: Mailbot) -> None:
    for n in range(5):
        sqlite_bot.ingest(iro_mail(n), WHEN)
    sink = _KilledMidBatch()
    with pytest.raises(SystemExit):
        sqlite_bot.send(WHEN, sink)
    with sqlite_bot.sessions() as session:
        rows = {f"<{r.message_id}>": r for r in repo.outbox_rows(session)}
    handed, in_hand = sink.delivered[:2], sink.delivered[2]
    assert all(rows[m].status == "sent" for m in handed)
    assert rows[in_hand].status == "sending"  # the server may have it: never handed over again
    untouched = [r for m, r in rows.items() if m not in sink.delivered]
    assert untouched and all(r.status == "queued" and r.attempts == 0 for r in untouched)
    again = _Recording()
    sqlite_bot.send(WHEN + timedelta(minutes=1), again)
    assert sorted(again.delivered) == sorted(f"<{r.message_id}>" for r in untouched)
    assert sqlite_bot.reconcile_sending(WHEN + timedelta(minutes=11)) == [in_hand.strip("<>")]


class _LoginRefusedAfter:
    """Accepts ``accepted`` messages, then refuses mailbot's login (LoginRefused, as SmtpSink
    raises it on a 535). A stand-in: the tests' aiosmtpd listener does not answer a failed AUTH
    (the client times out instead), and a real refusal is tested through Postfix and Dovecot in
    test_oauth_real.py."""

    def __init__(self, accepted: int) -> None:
        self.accepted = accepted
        self.delivered: list[str] = []

    def send(self, message) -> str:
        if len(self.delivered) >= self.accepted:
            raise LoginRefused("outbox: the server refused the login for mailbot: 535 5.7.8 bad credentials")
        self.delivered.append(message["Message-ID"])
        return "250 ok"


def test_a_refused_login_mid_batch_waits_and_leaves_the_rest_queued_as_they_were(sqlite_bot: Mailbot) -> None:
    for n in range(6):
        sqlite_bot.ingest(iro_mail(n), WHEN)
    sink = _LoginRefusedAfter(2)
    assert len(sqlite_bot.send(WHEN, sink)) == 2
    with sqlite_bot.sessions() as session:
        rows = repo.outbox_rows(session)
        last_error = repo.get_state(session)["last_error"].value
    sent = [r for r in rows if r.status == "sent"]
    refused = [r for r in rows if r.status == "queued" and r.attempts == 1]
    rest = [r for r in rows if r not in sent and r not in refused]
    assert [f"<{r.message_id}>" for r in sent] == sink.delivered
    # The refused row waits its back-off; the rows after it were not tried this round.
    assert len(refused) == 1 and refused[0].next_attempt_at > WHEN and "535" in refused[0].last_error
    assert rest and all(r.status == "queued" and r.attempts == 0 and r.next_attempt_at is None for r in rest)
    assert "535" in last_error
    # The next round tries again (the refused row only once its back-off has passed).
    sink.accepted = 100
    again = sqlite_bot.send(WHEN + timedelta(seconds=5), sink)
    assert len(again) == len(rest)
    assert len(sqlite_bot.send(WHEN + timedelta(minutes=1), sink)) == 1
